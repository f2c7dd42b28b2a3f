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

/// A file's bytes: memory-mapped when it is a regular file (no copy), read otherwise (sysfs,
/// pipes, devices). Unmapped on deinit.
public final class FileBytes: @unchecked Sendable {
    public let path: String
    private var mapping: UnsafeMutableRawPointer?
    private var storage: [UInt8]
    public let count: Int

    /// Opens and maps or reads `path`. Files over `limit` bytes throw `FileTooLarge`.
    public init(path: String, limit: Int? = nil) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            throw SystemError("open", path, errno: e, hint: e == EACCES ? "Run as root or check the file's permissions." : nil)
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SystemError("stat", path) }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw SystemError("read", path, errno: EISDIR) }
        if (st.st_mode & S_IFMT) == S_IFREG, st.st_size > 0 {
            let size = Int(st.st_size)
            if let limit, size > limit { throw FileTooLarge(path: path, size: size, limit: limit) }
            let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
            if let p, p != MAP_FAILED {
                mapping = p
                storage = []
                count = size
                return
            }
        }
        // Not mappable (sysfs, pipes, devices): read to EOF.
        let bytes = try readToEOF(fd, path: path, stopAfter: limit.map { $0 + 1 } ?? Int.max)
        if let limit, bytes.count > limit { throw FileTooLarge(path: path, size: bytes.count, limit: limit) }
        mapping = nil
        storage = bytes
        count = bytes.count
    }

    deinit {
        if let mapping { munmap(mapping, count) }
    }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        if let mapping { return try body(UnsafeRawBufferPointer(start: mapping, count: count)) }
        return try storage.withUnsafeBytes(body)
    }

    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }
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
    let rc = followLinks ? stat(path, &st) : lstat(path, &st)
    guard rc == 0 else { return .missing }
    switch st.st_mode & S_IFMT {
    case S_IFREG: return .file
    case S_IFDIR: return .directory
    default: return .other
    }
}

/// Names in a directory, sorted, without `.` and `..`.
public func directoryEntries(_ path: String) throws -> [String] {
    guard let dir = opendir(path) else { throw SystemError("list", path) }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafePointer(to: entry.pointee.d_name) {
            $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
}

/// Reads many files whole into one reusable buffer. For small files (ROMs are at most a few MiB)
/// copying into memory that is already mapped costs less than mapping and unmapping each file
/// (page faults and TLB shootdowns across cores). One reader per thread.
public final class FileReader {
    private var buffer: UnsafeMutableRawBufferPointer
    /// Files larger than this are memory-mapped instead of copied.
    public let copyLimit: Int

    public init(capacity: Int = 1 << 20, copyLimit: Int = 8 << 20) {
        buffer = .allocate(byteCount: capacity, alignment: 4096)
        self.copyLimit = copyLimit
    }

    deinit { buffer.deallocate() }

    /// Calls `body` with the whole file. Throws `FileTooLarge` past `limit`, `SystemError` on I/O errors.
    public func withContents<R>(of path: String, limit: Int, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            throw SystemError("open", path, errno: e, hint: e == EACCES ? "Run as root or check the file's permissions." : nil)
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else { let e = errno; close(fd); throw SystemError("stat", path, errno: e) }
        let size = Int(st.st_size)
        guard (st.st_mode & S_IFMT) == S_IFREG, size <= copyLimit else {
            close(fd)
            // Not a plain small file: FileBytes maps it, or reads it to EOF (pipes, sysfs).
            return try FileBytes(path: path, limit: limit).withUnsafeBytes(body)
        }
        defer { close(fd) }
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
        return try body(UnsafeRawBufferPointer(rebasing: buffer[0..<done]))
    }
}

/// Reads `fd` to EOF, or until more than `stopAfter` bytes have come (sysfs attributes report a
/// size of 4096 whatever they hold, so their size cannot be trusted).
func readToEOF(_ fd: Int32, path: String, stopAfter: Int) throws -> [UInt8] {
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while out.count < stopAfter {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw SystemError("read", path)
        }
        if n == 0 { break }
        out.append(contentsOf: chunk[0..<n])
    }
    return out
}
