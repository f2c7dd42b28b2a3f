import SystemPackage

/// A regular file read with pread(2) piece by piece, for a caller that streams a file of any size
/// in bounded memory (`ROMScanner.scan(read:)` over a firmware dump or a disk image). A file that
/// shrinks while it is read ends early (a short count) instead of killing the process, as a
/// mapped file would with SIGBUS. Only regular files: a FIFO or a device throws
/// `NotARegularFile` rather than blocking or never ending.
public final class ChunkedFile {
    public let path: String
    private let fd: FileDescriptor
    private var readOnce = false

    public init(path: String) throws {
        fd = try openRegularFile(path)
        self.path = path
    }

    deinit { try? fd.close() }

    /// Fills `buffer` from `offset`: fewer bytes only at end of file. The first read is the
    /// input's `HostIO.Stage.read` (where a test pauses the process).
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws -> Int {
        let got = try readFully(fd, into: buffer, at: offset, path: path)
        if !readOnce { readOnce = true; HostIO.current.pause(.read) }
        return got
    }

    /// `count` bytes of `path` at `offset` (a piece found by a scan, read again to be written);
    /// fewer when the file is shorter now.
    public static func bytes(path: String, at offset: Int, count: Int) throws -> [UInt8] {
        let fd = try openRegularFile(path)
        defer { try? fd.close() }
        var out = [UInt8](repeating: 0, count: count)
        let got = try out.withUnsafeMutableBytes { try readFully(fd, into: $0, at: offset, path: path) }
        return Array(out.prefix(got))
    }
}
