#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import OptionROM

/// A failed system call, with the errno and the path, worded for the person who meets it.
public struct SystemError: Error, CustomStringConvertible, Sendable {
    public var operation: String
    public var path: String
    public var errno: Int32
    public var hint: String?

    public init(_ operation: String, _ path: String, errno: Int32 = Glibc.errno, hint: String? = nil) {
        self.operation = operation
        self.path = path
        self.errno = errno
        self.hint = hint
    }

    public var errnoName: String {
        switch errno {
        case EACCES: return "EACCES"
        case EPERM: return "EPERM"
        case ENOENT: return "ENOENT"
        case EIO: return "EIO"
        case EINVAL: return "EINVAL"
        case EEXIST: return "EEXIST"
        case EISDIR: return "EISDIR"
        case ENODEV: return "ENODEV"
        case EBUSY: return "EBUSY"
        case ELOOP: return "ELOOP"
        case ENAMETOOLONG: return "ENAMETOOLONG"
        case ESPIPE: return "ESPIPE"
        case ENOSPC: return "ENOSPC"
        case ENOTDIR: return "ENOTDIR"
        case EINTR: return "EINTR"
        default: return "errno \(errno)"
        }
    }

    public var description: String {
        let reason = String(cString: strerror(errno))
        var s = "cannot \(operation) \(path): \(reason) (\(errnoName))"
        if let hint { s += ". " + hint }
        return s
    }
}

/// A file's bytes, read into memory with a bounded read. Never memory-mapped: a mapped file that
/// another process truncates kills the reader with SIGBUS, and these are untrusted files.
/// Only regular files are read (`openRegularFile`): a FIFO or a character device would block or
/// never end.
public final class FileBytes: @unchecked Sendable {
    public let path: String
    private let storage: [UInt8]
    public var count: Int { storage.count }

    /// Files larger than this are refused unless the caller names its own limit.
    public static let defaultLimit = 64 << 20

    /// Reads `path` whole. Files over `limit` bytes throw `FileTooLarge`; anything but a regular
    /// file throws `NotARegularFile`.
    public init(path: String, limit: Int? = nil) throws {
        self.path = path
        let limit = limit ?? Self.defaultLimit
        let fd = try openRegularFile(path)
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SystemError("stat", path) }
        if Int(st.st_size) > limit { throw FileTooLarge(path: path, size: Int(st.st_size), limit: limit) }
        // The size is only a hint (the file may grow or shrink while it is read): read to EOF,
        // one byte past the limit to tell "exactly the limit" from "more".
        let bytes = try readToEOF(fd, path: path, stopAfter: limit + 1, sizeHint: Int(st.st_size))
        if bytes.count > limit { throw FileTooLarge(path: path, size: bytes.count, limit: limit) }
        storage = bytes
        TestSeams.pause("read")
    }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes(body)
    }

    public var bytes: [UInt8] { storage }
}

/// An input that is not a regular file: a FIFO (reading it waits for a writer, maybe forever),
/// a character or block device (may never end), a socket.
public struct NotARegularFile: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var kind: String
    public var hint: String

    public init(path: String, kind: String, hint: String? = nil) {
        self.path = path
        self.kind = kind
        self.hint = hint ?? "Copy what you want read into a regular file first (a device's ROM: `vbios dump ADDR -o FILE`)."
    }

    public var description: String {
        "\(path) is \(kind), not a regular file: vbios does not read it (it could block forever or never end). " + hint
    }

    static func kindName(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: return "a FIFO"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        case S_IFDIR: return "a directory"
        case S_IFLNK: return "a symbolic link"
        default: return "not a file"
        }
    }
}

/// Opens `path` for reading without blocking (`O_NONBLOCK`: opening a FIFO with no writer would
/// wait forever) and returns the descriptor only when it is a regular file.
public func openRegularFile(_ path: String) throws -> Int32 {
    let fd = withSystemPath(path) { open($0, O_RDONLY | O_CLOEXEC | O_NONBLOCK) }
    guard fd >= 0 else {
        let e = errno
        throw SystemError("open", path, errno: e, hint: e == EACCES ? "Run as root or check the file's permissions." : nil)
    }
    var st = stat()
    guard fstat(fd, &st) == 0 else { let e = errno; close(fd); throw SystemError("stat", path, errno: e) }
    guard (st.st_mode & S_IFMT) == S_IFREG else {
        close(fd)
        if (st.st_mode & S_IFMT) == S_IFDIR { throw SystemError("read", path, errno: EISDIR) }
        throw NotARegularFile(path: path, kind: NotARegularFile.kindName(st.st_mode))
    }
    // Back to blocking reads: a regular file never returns EAGAIN, but a clear mode is simpler to reason about.
    let flags = fcntl(fd, F_GETFL)
    if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
    return fd
}

public struct FileTooLarge: Error, CustomStringConvertible {
    public var path: String
    public var size: Int
    public var limit: Int
    public var description: String {
        "\(path) is \(size) bytes, larger than the \(limit >> 20) MiB a single option ROM can be. "
            + "If it is a firmware image or a memory dump, `vbios scan \(path)` finds the ROMs inside it."
    }
}

/// What kind of thing a path names, without following a final symlink.
public enum PathKind { case missing, file, directory, other }

public func pathKind(_ path: String, followLinks: Bool = true) -> PathKind {
    var st = stat()
    let rc = withSystemPath(path) { followLinks ? stat($0, &st) : lstat($0, &st) }
    guard rc == 0 else { return .missing }
    switch st.st_mode & S_IFMT {
    case S_IFREG: return .file
    case S_IFDIR: return .directory
    default: return .other
    }
}

/// Names in a directory, sorted, without `.` and `..`. A name that is not UTF-8 keeps its bytes
/// (`RawBytes`), so it can be opened and shown; none is dropped or replaced by U+FFFD.
public func directoryEntries(_ path: String) throws -> [String] {
    guard let dir = withSystemPath(path, { opendir($0) }) else { throw SystemError("list", path) }
    defer { closedir(dir) }
    var names: [String] = []
    while true {
        errno = 0
        guard let entry = readdir(dir) else {
            if errno != 0 { throw SystemError("list", path) }
            break
        }
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in RawBytes.string(raw.prefix { $0 != 0 }) }
        if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
}

/// Calls `body` with the C string of `path`, with the raw bytes of a non-UTF-8 name restored
/// (`RawBytes`): what reaches the system is the name that was typed or listed.
public func withSystemPath<R>(_ path: String, _ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
    guard RawBytes.hasRawBytes(path) else { return try path.withCString(body) }
    var c = RawBytes.bytes(path).map { CChar(bitPattern: $0) }
    c.append(0)
    return try c.withUnsafeBufferPointer { try body($0.baseAddress!) }
}

/// Reads many files whole into one reusable buffer (ROMs are at most a few MiB): copying into
/// memory that is already mapped costs less than mapping each file, and a copy cannot be taken
/// away by a truncation (SIGBUS). One reader per thread.
public final class FileReader {
    private var buffer: UnsafeMutableRawBufferPointer
    public init(capacity: Int = 1 << 20) {
        buffer = .allocate(byteCount: capacity, alignment: 4096)
    }

    deinit { buffer.deallocate() }

    /// Calls `body` with the whole file. Throws `FileTooLarge` past `limit`, `NotARegularFile` for
    /// FIFOs and devices, `SystemError` on I/O errors.
    public func withContents<R>(of path: String, limit: Int, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let fd = try openRegularFile(path)
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SystemError("stat", path) }
        let size = Int(st.st_size)
        if size > limit { throw FileTooLarge(path: path, size: size, limit: limit) }
        if size > buffer.count {
            buffer.deallocate()
            buffer = .allocate(byteCount: size, alignment: 4096)
        }
        var done = 0
        while done < size {
            let n = pread(fd, buffer.baseAddress! + done, size - done, off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError("read", path)
            }
            if n == 0 { break }  // The file shrank while being read: take what is there.
            done += n
        }
        TestSeams.pause("read")
        return try body(UnsafeRawBufferPointer(rebasing: buffer[0..<done]))
    }
}

/// Reads `fd` to EOF, or until more than `stopAfter` bytes have come (sysfs attributes report a
/// size of 4096 whatever they hold, so their size cannot be trusted).
func readToEOF(_ fd: Int32, path: String, stopAfter: Int, sizeHint: Int = 0) throws -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(Swift.min(Swift.max(sizeHint, 0), stopAfter) + 1)
    var chunk = [UInt8](repeating: 0, count: 65536)
    while out.count < stopAfter {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, Swift.min($0.count, stopAfter - out.count)) }
        if n < 0 {
            if errno == EINTR { continue }
            throw SystemError("read", path)
        }
        if n == 0 { break }
        out.append(contentsOf: chunk[0..<n])
    }
    return out
}
