#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemPackage

/// The files under a directory, every entry accounted for: each regular file (or symlink to
/// one) is listed, and each entry that cannot be read as one (a dangling or looping symlink, a
/// FIFO, a device, a name too long for the system, a folder that cannot be listed) is listed
/// with the problem, so that a caller reports it instead of skipping it. Names that are not
/// UTF-8 keep their bytes (`directoryEntries`). Symlinks to directories are not followed
/// (no cycles); they are the one kind of entry left out.
public enum DirectoryWalk {
    public struct Entry: Sendable, Equatable {
        public var path: String
        /// Why the entry cannot be read as a file; nil for a regular file.
        public var problem: String?
    }

    /// Depth first, names sorted.
    public static func files(under dir: String) -> [Entry] {
        var out: [Entry] = []
        walk(dir, into: &out)
        return out
    }

    static func walk(_ dir: String, into out: inout [Entry]) {
        let names: [String]
        do { names = try directoryEntries(dir) } catch let e as SystemError {
            out.append(Entry(path: dir, problem: "cannot list this folder: " + reason(e.errno)))
            return
        } catch {
            out.append(Entry(path: dir, problem: "cannot list this folder"))
            return
        }
        for name in names {
            let p = dir.hasSuffix("/") ? dir + name : dir + "/" + name
            let st: Stat
            do { st = try withSystemPath(p) { try Stat($0, followTargetSymlink: false) } } catch {
                out.append(Entry(path: p, problem: reason(errnoValue(error))))
                continue
            }
            switch st.type {
            case .directory: walk(p, into: &out)
            case .regular: out.append(Entry(path: p, problem: nil))
            case .symbolicLink:
                do {
                    let target = try withSystemPath(p) { try Stat($0) }.type
                    if target == .regular {
                        out.append(Entry(path: p, problem: nil))
                    } else if target != .directory {
                        out.append(Entry(path: p, problem: "symbolic link to " + NotARegularFile.kindName(target) + ", not a regular file"))
                    }
                } catch {
                    let e = errnoValue(error)
                    out.append(Entry(path: p, problem: e == ENOENT ? "dangling symbolic link (its target does not exist)"
                                     : e == ELOOP ? "symbolic link loop (ELOOP)" : "symbolic link: " + reason(e)))
                }
            default:
                out.append(Entry(path: p, problem: NotARegularFile.kindName(st.type) + ", not a regular file"))
            }
        }
    }

    static func reason(_ e: Int32) -> String { ErrnoName.reason(e) }
}
