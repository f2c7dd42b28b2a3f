import OptionROM
import SystemIO

/// `ROMScanner` over a file of any size: SystemIO's `ChunkedFile` (pread in chunks, bounded
/// memory, a shrinking file ends the scan early) feeding `ROMScanner.scan(read:)` (each chunk
/// searched while it is still in cache, a ROM confirmed against the bytes a whole-file scan would
/// see, reported once, in order). Composed here, where file I/O and the ROM parser meet.
enum BlobScan {
    /// Scans `path`, calling `body` with each ROM and its bytes (valid during the call only).
    /// Returns the number of bytes scanned. Memory: `window + options.maximumROMLength` and
    /// change. `observe` sees each piece as it is read, in order (it may throw to stop the scan);
    /// `progress` is told how many bytes have been read, after each read (a progress line's).
    @discardableResult
    static func scan(path: String, options: ROMScanner.Options = .init(), window: Int = 64 << 20,
                     progress: ((Int) -> Void)? = nil,
                     observe: ((UnsafeRawBufferPointer) throws -> Void)? = nil,
                     _ body: (EmbeddedROM, UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        let file = try ChunkedFile(path: path)
        return try ROMScanner.scan(options: options, window: window, read: { buffer, offset in
            let got = try file.read(into: buffer, at: offset)
            progress?(offset + got)
            try observe?(UnsafeRawBufferPointer(rebasing: buffer[0..<got]))
            return got
        }, body)
    }

    /// `count` bytes of `path` at `offset` (what a scan reported, read again to be written).
    static func bytes(path: String, at offset: Int, count: Int) throws -> [UInt8] {
        try ChunkedFile.bytes(path: path, at: offset, count: count)
    }
}
