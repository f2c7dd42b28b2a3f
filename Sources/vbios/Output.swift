import ArgumentParser
import SystemPackage
import SystemIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where `-o/--output` sends one file: a path (written whole or not at all, `AtomicFile`), or `-`,
/// standard output, so a ROM can go down a pipe (`vbios dump 01:00.0 -o - | sha256sum`).
enum Output {
    static let standardOutput = "-"

    static func isStandardOutput(_ path: String?) -> Bool { path == standardOutput }

    /// `-o -` with `--json` would put two things on stdout; `-o -` to a terminal would print raw bytes.
    static func validate(_ path: String?, json: Bool) throws {
        guard isStandardOutput(path) else { return }
        if json { throw ValidationError("-o - writes the ROM to stdout, where --json would write too; name a file with -o, or drop --json.") }
        if isatty(1) != 0 { throw ValidationError("-o - writes the ROM's bytes to stdout, which is a terminal; redirect it (-o - > card.rom, or | COMMAND).") }
    }

    /// Whether something is in the way of writing `path` without `--force` (stdout never is).
    static func isInTheWay(_ path: String) -> Bool {
        !isStandardOutput(path) && pathKind(path, followLinks: false) != .missing
    }

    static func write(_ bytes: [UInt8], to path: String, overwrite: Bool) throws {
        guard isStandardOutput(path) else { return try AtomicFile.write(bytes, to: path, overwrite: overwrite) }
        do {
            _ = try bytes.withUnsafeBytes { try FileDescriptor.standardOutput.writeAll($0) }
        } catch let e as Errno {
            throw SystemError(.writeTo, "standard output", e)
        }
    }

    /// How a report names the output: "stdout" for `-`.
    static func name(_ path: String) -> String { isStandardOutput(path) ? "stdout" : path }
}
