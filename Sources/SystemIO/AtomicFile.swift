#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemPackage
import CSignalSafe
import Core

/// Writes a file whole or not at all: a temporary file beside the target (created exclusively,
/// so a planted symlink is never followed), written, synced, then renamed over the target, or
/// linked to it when overwriting is not allowed, so an existing file is never clobbered by a race.
/// Any failure, or a signal the tool catches, removes the temporary file.
public enum AtomicFile {
    public struct Exists: Error, Advised {
        public var path: String
        public init(path: String) { self.path = path }
        public var advice: AdvisedText { "\(path) already exists; pass \(NextStep(.replace)) to replace it." }
    }

    public static func write(_ bytes: [UInt8], to path: String, overwrite: Bool = false, mode: mode_t = 0o644) throws {
        try bytes.withUnsafeBytes { try write($0, to: path, overwrite: overwrite, mode: mode) }
    }

    public static func write(_ text: String, to path: String, overwrite: Bool = false, mode: mode_t = 0o644) throws {
        try write(Array(text.utf8), to: path, overwrite: overwrite, mode: mode)
    }

    public static func write(_ bytes: UnsafeRawBufferPointer, to path: String, overwrite: Bool = false, mode: mode_t = 0o644) throws {
        if !overwrite, pathKind(path, followLinks: false) != .missing { throw Exists(path: path) }
        if pathKind(path, followLinks: false) == .directory {
            throw SystemError(.write, path, errno: EISDIR, hint: "Name a file, not a directory.")
        }
        let dir = parentDirectory(of: path)
        let base = lastComponent(of: path)
        var template = RawBytes.bytes("\(dir)/.\(base).vbios-XXXXXX").map { CChar(bitPattern: $0) } + [0]
        // The termination signals wait from the file's creation until it is registered for
        // removal: a signal in between would leave it behind.
        let (raw, e, temp): (Int32, Int32, String) = TerminationSignals.holding {
            let raw = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            let e = errno
            let temp = RawBytes.string(template.dropLast().map { UInt8(bitPattern: $0) })
            if raw >= 0 { PendingFiles.shared.add(temp) }
            return (raw, e, temp)
        }
        guard raw >= 0 else {
            throw SystemError(.createFileIn, dir, errno: e,
                              hint: e == EACCES ? "Choose an output folder you can write to." : nil)
        }
        let fd = FileDescriptor(rawValue: raw)
        var ok = false
        defer {
            if !ok { withSystemPath(temp) { _ = unlink($0) } }
            PendingFiles.shared.remove(temp)
        }
        HostIO.current.pause(.write)
        do { _ = try fd.writeAll(bytes) } catch {
            try? fd.close()
            throw SystemError(.write, temp, error)
        }
        guard fchmod(fd.rawValue, mode) == 0, fsync(fd.rawValue) == 0 else {
            let e = errno
            try? fd.close()
            throw SystemError(.sync, temp, errno: e)
        }
        try? fd.close()
        if overwrite {
            guard withSystemPath(temp, { t in withSystemPath(path) { rename(t, $0) } }) == 0 else { throw SystemError(.renameOnto, path) }
        } else {
            guard withSystemPath(temp, { t in withSystemPath(path) { link(t, $0) } }) == 0 else {
                let e = errno
                if e == EEXIST { throw Exists(path: path) }
                throw SystemError(.create, path, errno: e)
            }
            withSystemPath(temp) { _ = unlink($0) }
        }
        ok = true
    }
}

/// Temporary files being written, so that the termination signals' handler can remove them
/// before the tool exits. The table and the handler are C (`CSignalSafe`): a handler in Swift
/// may need the runtime's metadata caches, whose locks the interrupted thread can hold. The
/// termination signals are blocked while `add`/`remove` hold the table's lock, so the handler
/// never waits on a lock its own thread holds.
public final class PendingFiles: Sendable {
    public static let shared = PendingFiles()

    func add(_ path: String) {
        let c = Self.cString(path)
        TerminationSignals.holding { _ = c.withUnsafeBufferPointer { vbios_pending_add($0.baseAddress!) } }
    }

    func remove(_ path: String) {
        let c = Self.cString(path)
        TerminationSignals.holding { c.withUnsafeBufferPointer { vbios_pending_remove($0.baseAddress!) } }
    }

    static func cString(_ path: String) -> [CChar] { RawBytes.bytes(path).map { CChar(bitPattern: $0) } + [0] }

    /// Unlinks every pending file: what the signal handler does first.
    public func unlinkAll() { vbios_pending_unlink_all() }
}

/// Moves a set of files into place all together or not at all (`vbios prepare`'s set). The files
/// are staged in a folder on the same filesystem; each move is a rename (`overwrite`) or a hard
/// link (an existing file is never replaced). With `overwrite`, each file about to be replaced is
/// first hard-linked into the staging folder, so that when a later move fails the earlier ones
/// are undone: the old files come back and no new file stays. The caller holds the termination
/// signals while this runs.
public enum FileSet {
    public struct Move: Sendable {
        public var from: String
        public var to: String
        public init(from: String, to: String) { self.from = from; self.to = to }
    }

    /// A set that was not placed: the moves made were undone, so none of its files is there.
    /// `cause` is the step's own error (its errno and path).
    public struct NotWritten: Error, Advised {
        public var cause: any Error
        public init(_ cause: any Error) { self.cause = cause }
        public var advice: AdvisedText {
            if let e = cause as? AtomicFile.Exists { return "\(e.path) appeared meanwhile; nothing was written. Pass \(NextStep(.replace)) to replace it." }
            return "\(cause); nothing was written."
        }
    }

    /// Throws the first failure, after undoing the moves made before it.
    public static func place(_ moves: [Move], overwrite: Bool, staging: String) throws {
        var backups: [String: String] = [:]  // target -> saved old file
        var placed: [String] = []
        func undo() {
            for to in placed.reversed() {
                if let old = backups[to] {
                    withSystemPath(old) { o in withSystemPath(to) { _ = rename(o, $0) } }
                } else {
                    withSystemPath(to) { _ = unlink($0) }
                }
            }
            for old in backups.values { withSystemPath(old) { _ = unlink($0) } }
        }
        if overwrite {
            for (i, m) in moves.enumerated() where pathKind(m.to, followLinks: false) != .missing {
                let old = staging + "/.old-\(i)"
                guard withSystemPath(m.to, { t in withSystemPath(old) { link(t, $0) } }) == 0 else {
                    let e = errno
                    undo()
                    throw SystemError(.keepCopy, m.to, errno: e, hint: "Nothing was changed.")
                }
                backups[m.to] = old
            }
        }
        for (step, m) in moves.enumerated() {
            let injected = HostIO.current.failure(.move, step)
            let rc = injected != nil ? -1 : withSystemPath(m.from) { f in withSystemPath(m.to) { overwrite ? rename(f, $0) : link(f, $0) } }
            guard rc == 0 else {
                let e = injected ?? errno
                undo()
                if !overwrite, e == EEXIST { throw AtomicFile.Exists(path: m.to) }
                throw SystemError(overwrite ? .moveIntoPlace : .create, m.to, errno: e)
            }
            placed.append(m.to)
        }
        for old in backups.values { withSystemPath(old) { _ = unlink($0) } }
    }
}

extension FileSet {
    /// Writes the set whole or not at all: every file into a hidden staging folder inside DIR
    /// (one filesystem, so the moves are renames), then moved into place; any failure removes
    /// what was placed and the staging folder. Signals wait until the set is in place or gone.
    public static func write(_ files: [(String, [UInt8])], into dir: String, overwrite: Bool) throws {
        let created = pathKind(dir) == .missing
        try makeDirectories(dir)
        var template = Array("\(dir)/.vbios-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            let e = SystemError(.createFolderIn, dir)
            if created { rmdir(dir) }
            throw e
        }
        let staging = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        do {
            try DeviceStateGuard.withChange(apply: {}, restore: {
                for (name, _) in files { unlink(staging + "/" + name) }
                rmdir(staging)
            }) {
                for (name, bytes) in files { try AtomicFile.write(bytes, to: staging + "/" + name) }
                // All or nothing, overwriting included: a failed move puts the old files back.
                try FileSet.place(files.map { FileSet.Move(from: staging + "/" + $0.0, to: dir + "/" + $0.0) },
                                  overwrite: overwrite, staging: staging)
            }
        } catch {
            // FileSet.place has undone its own moves.
            if created { rmdir(dir) }
            throw FileSet.NotWritten(error)
        }
    }
}

/// `path` made absolute against the working directory (trailing slashes dropped; `.` and a
/// leading `./` resolved), for paths a config file must name absolutely.
public func absolutePath(_ path: String) -> String {
    var p = path
    while p.count > 1, p.hasSuffix("/") { p.removeLast() }
    if p.hasPrefix("/") { return p }
    var buf = [CChar](repeating: 0, count: 4096)
    guard getcwd(&buf, buf.count) != nil else { return p }
    let cwd = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    if p == "." { return cwd }
    if p.hasPrefix("./") { p.removeFirst(2) }
    return (cwd == "/" ? "" : cwd) + "/" + p
}
