#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import OptionROM
import SystemIO

/// `ROMScanner` over a file of any size, read with pread in small chunks: memory stays bounded
/// whatever the file's size, and a file that shrinks while it is read ends the scan early instead
/// of killing the process (a mapped file would raise SIGBUS). Only regular files.
///
/// The chunks go through `ROMScanner.scan(read:)`: each is searched while it is still in cache,
/// and a ROM is confirmed against the same bytes a whole-file scan would see; ROMs are reported
/// once, in order.
public enum BlobScan {
    /// Scans `path`, calling `body` with each ROM and its bytes (valid during the call only).
    /// Returns the number of bytes scanned. Memory: `window + options.maximumROMLength` and
    /// change. `observe` sees each piece as it is read, in order (it may throw to stop the scan);
    /// `progress` is told how many bytes have been read, after each read (a progress line's).
    @discardableResult
    public static func scan(path: String, options: ROMScanner.Options = .init(), window: Int = 64 << 20,
                            progress: ((Int) -> Void)? = nil,
                            observe: ((UnsafeRawBufferPointer) throws -> Void)? = nil,
                            _ body: (EmbeddedROM, UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        let fd = try openRegularFile(path)
        defer { try? fd.close() }
        var first = true
        return try ROMScanner.scan(options: options, window: window, read: { buffer, offset in
            let got = try readFully(fd, into: buffer, at: offset, path: path)
            if first { first = false; HostIO.current.pause(.read) }
            progress?(offset + got)
            try observe?(UnsafeRawBufferPointer(rebasing: buffer[0..<got]))
            return got
        }, body)
    }

    /// `count` bytes of `path` at `offset` (what a scan reported, read again to be written).
    public static func bytes(path: String, at offset: Int, count: Int) throws -> [UInt8] {
        let fd = try openRegularFile(path)
        defer { try? fd.close() }
        var out = [UInt8](repeating: 0, count: count)
        let got = try out.withUnsafeMutableBytes { try readFully(fd, into: $0, at: offset, path: path) }
        return Array(out.prefix(got))
    }
}
