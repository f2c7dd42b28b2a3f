#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Hooks that let the CLI tests reach states no real run shows on demand (a sysfs fault, a pause
/// mid-write to signal). They exist only in builds with `VBIOS_TEST_SEAMS` defined, which
/// Package.swift sets for debug builds alone: a release binary contains neither the hooks nor
/// the names of their environment variables, so no environment can steer it (it may run as root).
public enum TestSeams {
    /// Whether this build has the seams (false in release builds).
    public static var compiledIn: Bool {
        #if VBIOS_TEST_SEAMS
        return true
        #else
        return false
        #endif
    }

    /// `VBIOS_TEST_PAUSE=STAGE:MARKER[:SECONDS]`: at `STAGE`, create the file MARKER and sleep
    /// (30 s unless SECONDS says), so a test can signal the process at a known point. Stages: `write` (an output's temporary file
    /// exists), `read` (an input has been read).
    public static func pause(_ stage: String) {
        #if VBIOS_TEST_SEAMS
        guard let spec = getenv("VBIOS_TEST_PAUSE") else { return }
        let parts = String(cString: spec).split(separator: ":").map(String.init)
        guard parts.count >= 2, parts[0] == stage else { return }
        let fd = open(parts[1], O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        if fd >= 0 { close(fd) }
        var left = timespec(tv_sec: parts.count > 2 ? Int(parts[2]) ?? 30 : 30, tv_nsec: 0)
        var rest = timespec()
        while nanosleep(&left, &rest) != 0, errno == EINTR { left = rest }
        #endif
    }

    /// `VBIOS_TEST_FAIL=STAGE:N`: the Nth (from 0) step of `STAGE` fails with EIO. Stages:
    /// `move` (a move of `FileSet.place`). Nil: go on.
    public static func failure(_ stage: String, step: Int) -> Int32? {
        #if VBIOS_TEST_SEAMS
        guard let spec = getenv("VBIOS_TEST_FAIL") else { return nil }
        let parts = String(cString: spec).split(separator: ":").map(String.init)
        guard parts.count == 2, parts[0] == stage, Int(parts[1]) == step else { return nil }
        return EIO
        #else
        return nil
        #endif
    }

    /// The sysfs I/O the environment asks for (`VBIOS_TEST_SYSFS_ROM`, see `SysfsIO.testHook`).
    static func sysfsIO() -> SysfsIO {
        #if VBIOS_TEST_SEAMS
        guard let spec = getenv("VBIOS_TEST_SYSFS_ROM") else { return .system }
        return SysfsIO.testHook(String(cString: spec))
        #else
        return .system
        #endif
    }
}
