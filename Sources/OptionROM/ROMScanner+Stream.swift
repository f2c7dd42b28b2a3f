extension ROMScanner {
    /// Scans a stream of any length (a file read piece by piece: `BlobScan`) in bounded memory,
    /// and reports exactly what `scan` over the whole stream at once would.
    ///
    /// `read(destination, at)` fills `destination` with the stream's bytes from offset `at` and
    /// returns how many it wrote; fewer than `destination.count` only at the stream's end (a file
    /// that shrinks while it is read simply ends there). `body` gets each ROM with its bytes
    /// (valid during the call only), in order of offset. Returns the stream's length.
    ///
    /// Speed: the stream is read in chunks of `chunk` bytes into the front of one buffer and
    /// searched right after each read, while the chunk is still in cache; the buffer's front is
    /// reused once the search has passed it. Only a candidate that passes rules 1 and 2 (rare
    /// outside of ROMs and decoys) makes the reading run ahead: it is confirmed once the buffer
    /// holds `maximumROMLength` bytes past it, as a whole scan would see them. Nothing is read
    /// twice except what a buffer move keeps (the unsearched part, usually a few bytes).
    ///
    /// Memory: `window + maximumROMLength` bytes and change, whatever the stream's length; a
    /// larger `window` means fewer moves when candidates keep the reading far ahead (decoys).
    public static func scan(options: Options = .init(), window: Int = 64 << 20, chunk: Int = 256 << 10,
                            read: (UnsafeMutableRawBufferPointer, Int) throws -> Int,
                            _ body: (EmbeddedROM, UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        let chunk = Swift.max(1, Swift.min(chunk, window))
        // Bytes past a candidate that its confirmation must see: a whole scan gives it
        // `maximumROMLength` of them, and one more tells "the stream ends here" from "the
        // window ends here" (the memo of broken chains keeps only the former).
        let lookahead = Swift.max(options.maximumROMLength, signatureReach) + 1
        let capacity = lookahead + Swift.max(window, 2 * chunk)
        // The front is reused once the search is this far in and little is left to move.
        let recycleAt = Swift.min(window, 1 << 20)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 4096)
        defer { buffer.deallocate() }

        var base = 0  // stream offset of buffer[0]
        var filled = 0  // buffer[0..<filled] holds stream bytes
        var at = 0  // next buffer offset to search; nothing before it is needed again
        var ended = false
        var memo: Memo?  // block sums and broken chains, in buffer offsets: reset by a move

        // Reads until the buffer holds the stream up to `end` (a stream offset) or the stream ends.
        func fill(to end: Int) throws {
            while !ended && base + filled < end {
                var want = Swift.max(end - base - filled, chunk)
                if filled + want > capacity || (at >= recycleAt && filled - at <= chunk) {
                    // Move the part still needed to the front: the front stays in cache.
                    let keep = filled - at
                    if keep > 0 { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + at, byteCount: keep) }
                    base += at
                    filled = keep
                    at = 0
                    memo = nil
                    want = Swift.max(end - base - filled, chunk)
                }
                want = Swift.min(want, capacity - filled)
                let got = try read(UnsafeMutableRawBufferPointer(rebasing: buffer[filled..<filled + want]), base + filled)
                precondition(got >= 0 && got <= want, "ROMScanner.scan: read returned \(got) of \(want) bytes")
                filled += got
                if got < want { ended = true }
            }
        }

        while true {
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<filled])
            guard var hit = ByteSearch.index(of: 0x55, 0xAA, in: bytes, from: at, to: filled) else {
                if ended { break }
                // A `55` in the last byte may pair with an `AA` still to come.
                at = Swift.max(at, filled - 1)
                try fill(to: base + filled + chunk)
                continue
            }
            // Rules 1 and 2 on the bytes a whole scan would give them.
            if !ended && hit + signatureReach > filled {
                at = hit
                let stream = base + hit
                try fill(to: stream + signatureReach)
                hit = stream - base
            }
            guard signatureRules(ByteView(UnsafeRawBufferPointer(rebasing: buffer[0..<filled])), at: hit) != nil else {
                at = hit + 1
                continue
            }
            if !ended && hit + lookahead > filled {
                at = hit
                let stream = base + hit
                try fill(to: stream + lookahead)
                hit = stream - base
            }
            let view = UnsafeRawBufferPointer(rebasing: buffer[0..<filled])
            if memo == nil { memo = Memo(UnsafeRawBufferPointer(buffer)) }
            if let rom = confirm(view, at: hit, options: options, memo: &memo!) {
                var absolute = rom
                absolute.offset += base
                try body(absolute, UnsafeRawBufferPointer(rebasing: view[rom.offset..<rom.end]))
                at = hit + Swift.max(rom.length, 2)
            } else {
                at = hit + 1
            }
        }
        return base + filled
    }
}
