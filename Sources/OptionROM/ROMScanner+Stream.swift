extension ROMScanner {
    /// Scans a stream of any length (a file read piece by piece: `BlobScan`) in bounded memory,
    /// and reports exactly what `scan` over the whole stream at once would.
    ///
    /// `read(destination, at)` fills `destination` with the stream's bytes from offset `at` and
    /// returns how many it wrote; fewer than `destination.count` only at the stream's end (a file
    /// that shrinks while it is read simply ends there). `body` gets each ROM with its bytes
    /// (valid during the call only), in order of offset. Returns the stream's length.
    ///
    /// Speed: the stream is read in chunks of `chunk` bytes and searched right after each read,
    /// while the chunk is still in cache; the buffer's front is reused once the search has
    /// passed it. Reads start at multiples of 4 KiB of the stream, into the same offsets of a
    /// page-aligned buffer (the kernel's copy is much slower into misaligned memory): a move of
    /// the buffer keeps the page the search is in. A candidate is confirmed lazily: the reading
    /// runs ahead only as far as its chain's walk asks, never more than `reach` past it, where
    /// every chain is decided. Nothing is read twice.
    ///
    /// Memory: `window + reach(options)` bytes and change, whatever the stream's length; only
    /// what candidates make the reading run ahead is touched past the front (`window` bounds how
    /// far the search runs before the front is reused).
    public static func scan(options: Options = .init(), window: Int = 64 << 20, chunk: Int = 256 << 10,
                            read: (UnsafeMutableRawBufferPointer, Int) throws -> Int,
                            _ body: (EmbeddedROM, UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        var s = try Stream(options: options, window: window, chunk: chunk, read: read)
        defer { s.buffer.deallocate() }
        while true {
            let bytes = UnsafeRawBufferPointer(rebasing: s.buffer[0..<s.filled])
            guard let hit = ByteSearch.index(of: 0x55, 0xAA, in: bytes, from: s.at, to: s.filled) else {
                if s.ended { break }
                // A `55` in the last byte may pair with an `AA` still to come.
                s.at = Swift.max(s.at, s.filled - 1)
                try s.fill(to: s.base + s.filled + s.chunk, read)
                continue
            }
            s.at = hit
            guard let rom = try s.judge(read) else {
                s.at += 1
                continue
            }
            var absolute = rom
            absolute.offset += s.base
            try body(absolute, UnsafeRawBufferPointer(rebasing: s.buffer[rom.offset..<rom.end]))
            s.at += Swift.max(rom.length, 2)
        }
        return s.base + s.filled
    }

    /// The buffer of a streamed scan: `buffer[0..<filled]` holds the stream from `base`.
    struct Stream {
        let options: Options
        let chunk: Int
        /// Reads and moves keep to multiples of this (a page, unless chunks are smaller).
        let grain: Int
        let capacity: Int
        let recycleAt: Int
        let buffer: UnsafeMutableRawBufferPointer
        var base = 0
        var filled = 0
        /// Next buffer offset to search (or the candidate being judged); nothing before it is needed again.
        var at = 0
        var ended = false
        /// Block sums and chains, in buffer offsets: reset by a move.
        var memo: Memo?

        init(options: Options, window: Int, chunk: Int, read: (UnsafeMutableRawBufferPointer, Int) throws -> Int) throws {
            self.options = options
            self.chunk = Swift.max(1, Swift.min(chunk, window))
            grain = self.chunk >= 4096 ? 4096 : 1
            // Room for a candidate's reach past the page it sits in, and for the search to run.
            let room = ROMScanner.reach(options) + grain + Swift.max(window, 2 * self.chunk)
            capacity = (room + grain - 1) / grain * grain
            recycleAt = Swift.min(window, 1 << 20)
            buffer = .allocate(byteCount: capacity, alignment: 4096)
        }

        /// Reads until the buffer holds the stream up to `end` (a stream offset) or the stream ends.
        mutating func fill(to end: Int, _ read: (UnsafeMutableRawBufferPointer, Int) throws -> Int) throws {
            while !ended && base + filled < end {
                var want = roundUp(Swift.max(end - base - filled, chunk))
                if filled + want > capacity || (at >= recycleAt && filled - at <= chunk) {
                    // Move what is still needed to the front, from the page `at` is in: the
                    // front stays in cache and later reads stay aligned.
                    let from = at / grain * grain
                    let keep = filled - from
                    if keep > 0 && from > 0 { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + from, byteCount: keep) }
                    base += from
                    filled = keep
                    at -= from
                    memo = nil
                    want = roundUp(Swift.max(end - base - filled, chunk))
                }
                want = Swift.min(want, capacity - filled)
                let got = try read(UnsafeMutableRawBufferPointer(rebasing: buffer[filled..<filled + want]), base + filled)
                precondition(got >= 0 && got <= want, "ROMScanner.scan: read returned \(got) of \(want) bytes")
                filled += got
                if got < want { ended = true }
            }
        }

        func roundUp(_ n: Int) -> Int { (n + grain - 1) / grain * grain }

        /// The verdict on the candidate at `at`, reading on as far as it asks.
        mutating func judge(_ read: (UnsafeMutableRawBufferPointer, Int) throws -> Int) throws -> EmbeddedROM? {
            // Rules 1 and 2 first, on the bytes they need (most candidates stop there).
            let pointerEnd = at + ImageHeaderFields.length
            if !ended && pointerEnd > filled { try fill(to: base + pointerEnd, read) }
            let v = ByteView(UnsafeRawBufferPointer(rebasing: buffer[0..<filled]))
            guard let ptr = v.u16(at + ImageHeaderFields.dataStructurePointer.offset), Int(ptr) >= ImageHeaderFields.length else { return nil }
            let pcirEnd = at + Int(ptr) + PCIRFields.size
            if !ended && pcirEnd > filled { try fill(to: base + pcirEnd, read) }
            guard ROMScanner.signatureRules(ByteView(UnsafeRawBufferPointer(rebasing: buffer[0..<filled])), at: at) != nil else { return nil }
            while true {
                if memo == nil { memo = Memo(UnsafeRawBufferPointer(buffer)) }
                let view = ByteView(UnsafeRawBufferPointer(rebasing: buffer[0..<filled]))
                switch ROMScanner.judge(view, at: at, complete: ended, options: options, memo: &memo!) {
                case .rom(let rom): return rom
                case .none: return nil
                case .more(let need):
                    // Read on in chunks, at least to what the walk asked for: a fill may move the
                    // buffer (and reset the memo), but never past `at`.
                    let limit = base + at + ROMScanner.reach(options)
                    try fill(to: Swift.min(limit, Swift.max(base + need, base + filled + chunk)), read)
                }
            }
        }
    }
}
