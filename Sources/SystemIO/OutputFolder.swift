#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemPackage

/// A folder that receives many files (`scan`'s extraction): created when missing, opened once,
/// and every file written relative to its descriptor (`openat` with `O_NOFOLLOW`, `linkat`,
/// `renameat`), so a symlink planted in it, or a folder swapped for one, is never written through.
/// Names are single components from a portable set (`portableName`); anything else is refused.
/// Each file is written whole or not at all, as `AtomicFile` does.
public final class OutputFolder {
    public let path: String
    let fd: Int32

    /// The path names something that is not a folder.
    public struct NotAFolder: Error, CustomStringConvertible, Sendable {
        public var path: String
        public var description: String { "\(path) is not a folder" }
    }

    /// A name that is not one portable path component (`portableName` makes one).
    public struct UnsafeName: Error, CustomStringConvertible, Sendable {
        public var name: String
        public var description: String { "\"\(name)\" is not a portable file name" }
    }

    /// Opens `path`, creating it (one level, mode 0755) when missing.
    public init(creating path: String) throws {
        if pathKind(path) == .missing {
            if withSystemPath(path, { mkdir($0, 0o755) }) != 0, errno != EEXIST {
                let e = errno
                throw SystemError(.createFolder, path, errno: e, hint: e == ENOENT ? "Create its parent folder first." : nil)
            }
        }
        let fd = withSystemPath(path) { open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard fd >= 0 else {
            let e = errno
            if e == ENOTDIR { throw NotAFolder(path: path) }
            throw SystemError(.openFolder, path, errno: e)
        }
        self.path = path
        self.fd = fd
    }

    deinit { close(fd) }

    /// Where `name` lies, for messages.
    public func pathOf(_ name: String) -> String { (path.hasSuffix("/") ? path : path + "/") + name }

    /// The longest name `portableName` makes, in bytes: far below NAME_MAX (255) on every file
    /// system, with room for the temporary file's prefix and suffix.
    public static let maxNameBytes = 120

    /// `text` as a portable file name (POSIX's portable filename set: A-Z a-z 0-9 . _ -), decided
    /// per Unicode scalar, not per Character (a Character can hide a `/` behind a combining or
    /// prefix mark): every other scalar becomes `_`, a leading `.` or `-` too, and the stem is cut
    /// to fit `maxNameBytes` with `ext`. Never empty, never `.` or `..`.
    public static func portableName(_ text: String, ext: String, suffix: String = "") -> String {
        func allowed(_ u: Unicode.Scalar) -> Bool {
            u.isASCII && (("a"..."z").contains(u) || ("A"..."Z").contains(u) || ("0"..."9").contains(u) || u == "." || u == "_" || u == "-")
        }
        var stem = ""
        for u in text.unicodeScalars {
            guard stem.utf8.count < maxNameBytes - ext.utf8.count - suffix.utf8.count - 1 else { break }
            stem.unicodeScalars.append(allowed(u) ? u : "_")
        }
        if stem.isEmpty { stem = "_" }
        if let first = stem.unicodeScalars.first, first == "." || first == "-" { stem.unicodeScalars.replaceSubrange(stem.unicodeScalars.startIndex...stem.unicodeScalars.startIndex, with: ["_"]) }
        stem += portableName(suffix)
        let cleanExt = String(String.UnicodeScalarView(ext.unicodeScalars.filter(allowed)))
        return cleanExt.isEmpty ? stem : stem + "." + cleanExt
    }

    /// `suffix` with every scalar outside the portable set replaced.
    static func portableName(_ suffix: String) -> String {
        String(String.UnicodeScalarView(suffix.unicodeScalars.map { u in
            u.isASCII && (u.properties.isAlphabetic || ("0"..."9").contains(u) || u == "." || u == "_" || u == "-") ? u : "_"
        }))
    }

    static func isPortable(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= maxNameBytes && name != "." && name != ".." && !name.hasPrefix(".")
            && portableName(name) == name
    }

    /// Writes `bytes` as `name` in the folder, whole or not at all: a temporary file created with
    /// `O_EXCL | O_NOFOLLOW`, synced, then renamed over `name` (`overwrite`) or linked to it (an
    /// existing name, a symlink included, is never replaced).
    public func write(_ bytes: [UInt8], name: String, overwrite: Bool, mode: mode_t = 0o644) throws {
        try bytes.withUnsafeBytes { try write($0, name: name, overwrite: overwrite, mode: mode) }
    }

    public func write(_ bytes: UnsafeRawBufferPointer, name: String, overwrite: Bool, mode: mode_t = 0o644) throws {
        guard Self.isPortable(name) else { throw UnsafeName(name: name) }
        let target = pathOf(name)
        let (tfd, temp) = try createTemporary(for: name, mode: mode)
        var ok = false
        defer {
            if !ok { _ = unlinkat(fd, temp, 0) }
            PendingFiles.shared.remove(pathOf(temp))
        }
        HostIO.current.pause(.write)
        do { _ = try FileDescriptor(rawValue: tfd).writeAll(bytes) } catch {
            close(tfd)
            throw SystemError(.write, pathOf(temp), error)
        }
        guard fchmod(tfd, mode) == 0 else { let e = errno; close(tfd); throw SystemError(.setMode, pathOf(temp), errno: e) }
        guard fsync(tfd) == 0 else { let e = errno; close(tfd); throw SystemError(.sync, pathOf(temp), errno: e) }
        close(tfd)
        if overwrite {
            guard renameat(fd, temp, fd, name) == 0 else { throw SystemError(.renameOnto, target) }
        } else {
            guard linkat(fd, temp, fd, name, 0) == 0 else {
                let e = errno
                if e == EEXIST { throw AtomicFile.Exists(path: target) }
                throw SystemError(.create, target, errno: e)
            }
            _ = unlinkat(fd, temp, 0)
        }
        ok = true
    }

    /// A new `.NAME.vbios-XXXXXX` in the folder, registered for removal on a signal before a
    /// signal can see it exist (the termination signals are held from creation to registration).
    func createTemporary(for name: String, mode: mode_t) throws -> (Int32, String) {
        var rng = SystemRandomNumberGenerator()
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
        for _ in 0..<100 {
            let suffix = String(decoding: (0..<6).map { _ in letters[Int(rng.next() % UInt64(letters.count))] }, as: UTF8.self)
            let temp = ".\(name).vbios-\(suffix)"
            let (tfd, e): (Int32, Int32) = TerminationSignals.holding {
                let tfd = openat(fd, temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
                let e = errno
                if tfd >= 0 { PendingFiles.shared.add(pathOf(temp)) }
                return (tfd, e)
            }
            if tfd >= 0 { return (tfd, temp) }
            guard e == EEXIST else {
                throw SystemError(.createFileIn, path, errno: e, hint: e == EACCES ? "Choose an output folder you can write to." : nil)
            }
        }
        throw SystemError(.createFileIn, path, errno: EEXIST)
    }

    /// The one naming scheme of extracted files: STEM[-N].EXT, made portable by `portableName`,
    /// `-N` (2, 3, ...) when the name is taken in this run. A counter per name, so thousands of
    /// items of one name cost a step each, not a search from 2 every time.
    public struct UniqueNames {
        var used = Set<String>()
        var next: [String: Int] = [:]
        public init() {}

        public mutating func claim(_ stem: String, ext: String) -> String {
            let base = OutputFolder.portableName(stem, ext: ext)
            if used.insert(base).inserted { return base }
            var n = next[base, default: 2]
            while true {
                let name = OutputFolder.portableName(stem, ext: ext, suffix: "-\(n)")
                n += 1
                if used.insert(name).inserted { next[base] = n; return name }
            }
        }
    }
}
