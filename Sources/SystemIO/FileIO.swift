#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemPackage
import Core
import CErrnoName

/// A failed system call, with the errno and the path, worded for the person who meets it.
public struct SystemError: Error, CustomStringConvertible, Sendable {
    /// What was being done: a value to compare (`.openForWriting`), with the words a message
    /// says it in (`text`: "cannot open for writing PATH").
    public enum Operation: Sendable, Equatable {
        case open, openForWriting, openFolder, stat, read, write, lookUp, list
        case createFolder, createFolderIn, createFileIn, create, setMode, sync, renameOnto
        case remove, keepCopy, moveIntoPlace
        /// A write to something that is not a path (`"standard output"`).
        case writeTo
        /// A write of these bytes (shown as the shell would echo them) to a device attribute.
        case writeBytes(String)

        /// The words after "cannot".
        public var text: String {
            switch self {
            case .open: return "open"
            case .openForWriting: return "open for writing"
            case .openFolder: return "open the folder"
            case .stat: return "stat"
            case .read: return "read"
            case .write: return "write"
            case .lookUp: return "look up"
            case .list: return "list"
            case .createFolder: return "create the folder"
            case .createFolderIn: return "create a folder in"
            case .createFileIn: return "create a file in"
            case .create: return "create"
            case .setMode: return "set the mode of"
            case .sync: return "sync"
            case .renameOnto: return "rename onto"
            case .remove: return "remove"
            case .keepCopy: return "keep a copy of"
            case .moveIntoPlace: return "move into place"
            case .writeTo: return "write to"
            case let .writeBytes(shown): return "write \(shown) to"
            }
        }
    }

    public var operation: Operation
    public var path: String
    public var errno: Int32
    public var hint: String?

    public init(_ operation: Operation, _ path: String, errno: Int32 = Glibc.errno, hint: String? = nil) {
        self.operation = operation
        self.path = path
        self.errno = errno
        self.hint = hint
    }

    public init(_ operation: Operation, _ path: String, _ errno: Errno, hint: String? = nil) {
        self.init(operation, path, errno: errno.rawValue, hint: hint)
    }

    /// The symbolic name (`EACCES`), or `errno N` for a number glibc has no name for.
    public var errnoName: String { ErrnoName.name(errno) }

    /// The symbolic name when glibc knows one: `vbios --json` reports it as the error's code.
    public var symbolicErrnoName: String? { ErrnoName.symbol(errno) }

    public var description: String {
        var s = "cannot \(operation.text) \(path): \(Errno(rawValue: errno)) (\(errnoName))"
        if let hint { s += ". " + hint }
        return s
    }
}

/// Symbolic errno names, both ways, from glibc (`strerrorname_np`, glibc 2.32): swift-system's
/// `Errno` says the strerror text but not the name, and the name is what `--json` reports and
/// what a test spec (`fail=EIO`) writes.
public enum ErrnoName {
    /// glibc's name for `e` (`EACCES`); nil for a number it does not know, and for 0 (no error,
    /// which glibc calls "0").
    public static func symbol(_ e: Int32) -> String? {
        guard e > 0 else { return nil }
        return strerrorname_np(e).map { String(cString: $0) }
    }

    public static func name(_ e: Int32) -> String { symbol(e) ?? "errno \(e)" }

    /// The errno `name` stands for (`EIO`, or a number); nil for neither. glibc's errno values
    /// are all below 256 (asm-generic/errno.h ends at 133).
    public static func value(_ name: String) -> Int32? {
        (1..<256).first { symbol(Int32($0)) == name }.map(Int32.init) ?? Int32(name)
    }

    /// "strerror text (NAME)", as messages show an errno.
    public static func reason(_ e: Int32) -> String { "\(Errno(rawValue: e)) (\(name(e)))" }
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
        defer { try? fd.close() }
        let size = try fileSize(fd, path)
        if size > limit { throw FileTooLarge(path: path, size: size, limit: limit) }
        // The size is only a hint (the file may grow or shrink while it is read): read to EOF,
        // one byte past the limit to tell "exactly the limit" from "more".
        let bytes = try readToEOF(fd, path: path, stopAfter: limit + 1, sizeHint: size)
        if bytes.count > limit { throw FileTooLarge(path: path, size: bytes.count, limit: limit) }
        storage = bytes
        HostIO.current.pause(.read)
    }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes(body)
    }

    public var bytes: [UInt8] { storage }
}

/// An input that is not a regular file: a FIFO (reading it waits for a writer, maybe forever),
/// a character or block device (may never end), a socket.
public struct NotARegularFile: Error, Advised, Sendable {
    public var path: String
    public var kind: String
    public var hint: AdvisedText

    public init(path: String, kind: String, hint: AdvisedText? = nil) {
        self.path = path
        self.kind = kind
        self.hint = hint ?? "Copy what you want read into a regular file first (a device's ROM: \(NextStep(.dumpToFile)))."
    }

    public var advice: AdvisedText {
        "\(path) is \(kind), not a regular file: vbios does not read it (it could block forever or never end). " + hint
    }

    public static func kindName(_ mode: mode_t) -> String { kindName(FileMode(rawValue: mode).type) }

    public static func kindName(_ type: FileType) -> String {
        switch type {
        case .fifo: return "a FIFO"
        case .characterSpecial: return "a character device"
        case .blockSpecial: return "a block device"
        case .socket: return "a socket"
        case .directory: return "a directory"
        case .symbolicLink: return "a symbolic link"
        default: return "not a file"
        }
    }
}

/// Opens `path` for reading without blocking (`O_NONBLOCK`: opening a FIFO with no writer would
/// wait forever) and returns the descriptor only when it is a regular file.
public func openRegularFile(_ path: String) throws -> FileDescriptor {
    let fd: FileDescriptor
    do {
        fd = try withSystemPath(path) { try FileDescriptor.open($0, .readOnly, options: [.closeOnExec, .nonBlocking]) }
    } catch let e as Errno {
        throw SystemError(.open, path, e, hint: e == .permissionDenied ? "Run as root or check the file's permissions." : nil)
    }
    let type: FileType
    do { type = try fd.stat().type } catch { try? fd.close(); throw SystemError(.stat, path, error) }
    guard type == .regular else {
        try? fd.close()
        if type == .directory { throw SystemError(.read, path, errno: EISDIR) }
        throw NotARegularFile(path: path, kind: NotARegularFile.kindName(type))
    }
    // Back to blocking reads: a regular file never returns EAGAIN, but a clear mode is simpler to reason about.
    let flags = fcntl(fd.rawValue, F_GETFL)
    if flags >= 0 { _ = fcntl(fd.rawValue, F_SETFL, flags & ~O_NONBLOCK) }
    return fd
}

/// The size `fstat` reports.
public func fileSize(_ fd: FileDescriptor, _ path: String) throws -> Int {
    do { return Int(try fd.stat().size) } catch { throw SystemError(.stat, path, error) }
}

public struct FileTooLarge: Error, Advised, Sendable {
    public var path: String
    public var size: Int
    public var limit: Int
    public var advice: AdvisedText {
        "\(path) is \(size) bytes, larger than the \(limit >> 20) MiB a single option ROM can be. "
            + "If it is a firmware image or a memory dump, \(NextStep(.scan, path)) finds the ROMs inside it."
    }
}

/// What kind of thing a path names, without following a final symlink.
public enum PathKind { case missing, file, directory, other }

public func pathKind(_ path: String, followLinks: Bool = true) -> PathKind {
    guard let st = try? withSystemPath(path, { try Stat($0, followTargetSymlink: followLinks) }) else { return .missing }
    switch st.type {
    case .regular: return .file
    case .directory: return .directory
    default: return .other
    }
}

/// Whether two paths name one file (same device and inode, whatever links or spellings lead
/// there), so that an output cannot clobber its input. A path that does not exist names no
/// file: false. Any other failure to look a path up throws (`SystemError`, with the path).
public func sameFile(_ a: String, _ b: String) throws -> Bool {
    func identity(_ path: String) throws -> (dev_t, ino_t)? {
        var st = stat()
        if withSystemPath(path, { stat($0, &st) }) == 0 { return (st.st_dev, st.st_ino) }
        let e = errno
        if e == ENOENT || e == ENOTDIR { return nil }
        throw SystemError(.lookUp, path, errno: e)
    }
    guard let x = try identity(a), let y = try identity(b) else { return false }
    return x == y
}

/// Names in a directory, sorted, without `.` and `..`. A name that is not UTF-8 keeps its bytes
/// (`RawBytes`), so it can be opened and shown; none is dropped or replaced by U+FFFD.
public func directoryEntries(_ path: String) throws -> [String] {
    guard let dir = withSystemPath(path, { opendir($0) }) else { throw SystemError(.list, path) }
    defer { closedir(dir) }
    var names: [String] = []
    while true {
        errno = 0
        guard let entry = readdir(dir) else {
            if errno != 0 { throw SystemError(.list, path) }
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

extension FilePath {
    /// The path `string` names, with the raw bytes of a non-UTF-8 name restored (`RawBytes`).
    public init(rawBytesOf string: String) {
        self = withSystemPath(string) { FilePath(platformString: $0) }
    }

    /// The path as a `String`, a non-UTF-8 byte kept as its `RawBytes` escape.
    public var rawBytesString: String {
        withPlatformString { p in RawBytes.string(UnsafeRawBufferPointer(start: p, count: strlen(p))) }
    }
}

/// The folder that holds `path` (`.` for a bare name), as `dirname` says it.
public func parentDirectory(of path: String) -> String {
    let parent = FilePath(rawBytesOf: path).removingLastComponent()
    return parent.isEmpty ? "." : parent.rawBytesString
}

/// The last component of `path` (`basename`), "" for a root.
public func lastComponent(of path: String) -> String {
    FilePath(rawBytesOf: path).lastComponent?.withPlatformString { p in
        RawBytes.string(UnsafeRawBufferPointer(start: p, count: strlen(p)))
    } ?? ""
}

/// `mkdir -p`.
public func makeDirectories(_ path: String, mode: mode_t = 0o755) throws {
    guard !path.isEmpty, pathKind(path) != .directory else { return }
    let parent = parentDirectory(of: path)
    if parent != path { try makeDirectories(parent, mode: mode) }
    if withSystemPath(path, { mkdir($0, mode) }) != 0, errno != EEXIST { throw SystemError(.createFolder, path) }
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
        defer { try? fd.close() }
        let size = try fileSize(fd, path)
        if size > limit { throw FileTooLarge(path: path, size: size, limit: limit) }
        if size > buffer.count {
            buffer.deallocate()
            buffer = .allocate(byteCount: size, alignment: 4096)
        }
        // A file that shrank while being read gives fewer bytes: take what is there.
        let done = try readFully(fd, into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<size]), at: 0, path: path)
        HostIO.current.pause(.read)
        return try body(UnsafeRawBufferPointer(rebasing: buffer[0..<done]))
    }
}

/// Fills `buffer` from `offset` with pread (interrupted reads retried by swift-system); fewer
/// bytes only at end of file.
public func readFully(_ fd: FileDescriptor, into buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String) throws -> Int {
    var done = 0
    while done < buffer.count {
        let n: Int
        do {
            n = try fd.read(fromAbsoluteOffset: Int64(offset + done), into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]))
        } catch { throw SystemError(.read, path, error) }
        if n == 0 { break }
        done += n
    }
    return done
}

/// Reads `fd` to EOF, or until more than `stopAfter` bytes have come (sysfs attributes report a
/// size of 4096 whatever they hold, so their size cannot be trusted). Interrupted reads are
/// retried (swift-system's `retryOnInterrupt`).
public func readToEOF(_ fd: FileDescriptor, path: String, stopAfter: Int, sizeHint: Int = 0) throws -> [UInt8] {
    // Up to the size hint, read straight into the result (a firmware image is read whole before
    // it is walked: no second copy through a chunk); a file longer than its hint goes on below.
    let hinted = Swift.min(Swift.max(sizeHint, 0), stopAfter)
    var failure: (any Error)?
    var out = [UInt8](unsafeUninitializedCapacity: hinted + 1) { buffer, count in
        do {
            while count < hinted {
                let n = try fd.read(into: UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[count..<hinted])))
                if n == 0 { return }
                count += n
            }
        } catch { failure = error }
    }
    if let failure { throw SystemError(.read, path, failure) }
    if out.count < hinted { return out }
    var chunk = [UInt8](repeating: 0, count: 65536)
    while out.count < stopAfter {
        let want = Swift.min(chunk.count, stopAfter - out.count)
        let n: Int
        do {
            n = try chunk.withUnsafeMutableBytes { try fd.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<want])) }
        } catch { throw SystemError(.read, path, error) }
        if n == 0 { break }
        out.append(contentsOf: chunk[0..<n])
    }
    return out
}

/// Reads a small file whole, at most `limit` bytes. Sysfs attributes are regular files: a FIFO
/// or device planted in a tree is refused, never waited on.
public func readSmallFile(_ path: String, limit: Int = 1 << 20) throws -> [UInt8] {
    let fd = try openRegularFile(path)
    defer { try? fd.close() }
    return Array(try readToEOF(fd, path: path, stopAfter: limit).prefix(limit))
}

extension SystemError {
    /// From whatever a swift-system call threw (an `Errno`).
    init(_ operation: Operation, _ path: String, _ error: any Error, hint: String? = nil) {
        self.init(operation, path, errno: errnoValue(error), hint: hint)
    }
}

/// The errno a swift-system call threw (EIO for anything else, which they never throw).
func errnoValue(_ error: any Error) -> Int32 { (error as? Errno)?.rawValue ?? EIO }
