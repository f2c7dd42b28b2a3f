#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Removes one file (a symlink itself, never what it points at): the one `unlink` of the tools,
/// here with the rest of their file work so the CLI never calls the system itself.
/// Throws `SystemError` (errno and path): `ENOENT` when it is already gone, `EISDIR`/`EPERM` for a folder.
public func removeFile(_ path: String) throws {
    guard withSystemPath(path, { unlink($0) }) == 0 else {
        let e = errno
        throw SystemError(.remove, path, errno: e, hint: e == EACCES || e == EPERM ? "Run it as root, or check who owns the folder." : nil)
    }
}
