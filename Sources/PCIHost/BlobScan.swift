#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import OptionROM

/// `ROMScanner` over a file of any size, read in windows with pread: memory stays bounded
/// (one window) whatever the file's size, and a file that shrinks while it is read ends the scan
/// early instead of killing the process (a mapped file would raise SIGBUS). Only regular files.
///
/// Windows overlap by the scanner's longest chain, so a ROM that starts in a window is confirmed
/// against the same bytes a whole-file scan would see; ROMs are reported once, in order.
public enum BlobScan {
    /// Scans `path`, calling `body` with each ROM and its bytes (valid during the call only).
    /// Returns the number of bytes scanned.
    @discardableResult
    public static func scan(path: String, options: ROMScanner.Options = .init(), window: Int = 64 << 20,
                            _ body: (EmbeddedROM, UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        let fd = try openRegularFile(path)
        defer { close(fd) }
        let overlap = options.maximumROMLength
        let capacity = window + overlap
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 4096)
        defer { buffer.deallocate() }
        var position = 0
        var scanned = 0
        while true {
            let got = try fill(fd, buffer, at: position, path: path)
            scanned = position + got
            if got == 0 { break }
            let atEOF = got < capacity
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<got])
            TestSeams.pause("read")
            var resume = position + Swift.min(window, got)
            var stop = false
            try ROMScanner.scan(bytes, options: options) { rom in
                // A ROM starting past the window is found again, whole, by the next window.
                guard !stop else { return }
                if !atEOF && rom.offset >= window { stop = true; return }
                var absolute = rom
                absolute.offset += position
                try body(absolute, UnsafeRawBufferPointer(rebasing: bytes[rom.offset..<rom.end]))
                resume = Swift.max(resume, absolute.end)
            }
            if atEOF { break }
            position = resume
        }
        return scanned
    }

    /// Reads up to `buffer.count` bytes at `offset`; fewer only at end of file.
    static func fill(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String) throws -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError("read", path)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }
}
