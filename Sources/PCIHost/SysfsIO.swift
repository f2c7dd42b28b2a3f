#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The reads and writes `SysfsROMSource` makes on a device's `rom` attribute, behind one seam so
/// that tests can make them fail the way a kernel or a vanishing device does (an errno, a short
/// read, bytes that change between reads, a slow read to interrupt) without a real device.
///
/// Production code never changes it. Tests set it per task (`SysfsIO.$current.withValue`), or, for
/// the debug CLI binary, through the test-only environment variable `VBIOS_TEST_SYSFS_ROM` (see
/// `SysfsIO.testHook(_:)`); release builds do not read that variable at all (`TestSeams`).
public struct SysfsIO: Sendable {
    /// Reads the attribute to EOF: the bytes, or the errno that stopped the read.
    public var read: @Sendable (_ path: String) -> (bytes: [UInt8], errno: Int32?)
    /// Writes `text` at offset 0; nil on success, else the errno.
    public var write: @Sendable (_ path: String, _ text: String) -> Int32?

    public init(read: @escaping @Sendable (String) -> (bytes: [UInt8], errno: Int32?),
                write: @escaping @Sendable (String, String) -> Int32?) {
        self.read = read
        self.write = write
    }

    public static let system = SysfsIO(
        read: { path in
            // A ROM attribute is a regular file; anything else (a FIFO planted in a fake tree)
            // is refused with ESPIPE rather than waited on.
            let fd: Int32
            do { fd = try openRegularFile(path) } catch let e as SystemError { return ([], e.errno) } catch { return ([], ESPIPE) }
            defer { close(fd) }
            return readAll(fd, limit: maximumROMSize)
        },
        write: { path, text in
            let fd = open(path, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { return errno }
            defer { close(fd) }
            let n = Array(text.utf8).withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
            return n < 0 ? errno : nil
        })

    /// `.system`, or in debug builds the hook `VBIOS_TEST_SYSFS_ROM` asks for (`TestSeams`).
    @TaskLocal public static var current: SysfsIO = TestSeams.sysfsIO()

    #if VBIOS_TEST_SEAMS
    /// A kernel-like `rom` attribute over a fake tree's plain file, for tests of the CLI binary.
    /// `spec` is a comma-separated list:
    /// - `disabled`: reads fail with EINVAL until `1` is written; `0` disables again (the
    ///   kernel's behaviour). Writes never reach the file.
    /// - `log=PATH`: each write is appended to PATH as `WRITTEN-TEXT` on its own line.
    /// - `fail=ERRNO` (EIO, EINVAL, EACCES, ENODEV, ENOENT, or a number): every read fails so;
    ///   `fail-enabled=ERRNO`: only reads while enabled fail (the device went away mid-dump).
    /// - `short`: reads return the first half of the bytes.
    /// - `change`: every read returns different bytes (the last byte counts reads).
    /// - `delay-ms=N`: each read waits N ms first (to interrupt a dump mid-read).
    /// - `vanish`: once a read ran enabled, writes fail with ENOENT (the device was removed).
    public static func testHook(_ spec: String) -> SysfsIO {
        var disabled = false, short = false, change = false, vanish = false
        var log: String?
        var fail: Int32?, failEnabled: Int32?
        var delay = 0
        for item in spec.split(separator: ",") {
            let kv = item.split(separator: "=", maxSplits: 1).map(String.init)
            switch kv[0] {
            case "disabled": disabled = true
            case "short": short = true
            case "change": change = true
            case "vanish": vanish = true
            case "log" where kv.count == 2: log = kv[1]
            case "fail" where kv.count == 2: fail = errnoNamed(kv[1])
            case "fail-enabled" where kv.count == 2: failEnabled = errnoNamed(kv[1])
            case "delay-ms" where kv.count == 2: delay = Int(kv[1]) ?? 0
            default: break
            }
        }
        let state = HookState(enabled: !disabled)
        return SysfsIO(
            read: { [disabled, short, change, fail, failEnabled, delay] path in
                if delay > 0 { usleep(useconds_t(delay * 1000)) }
                let enabled = state.update { s in s.reads += 1; if s.enabled { s.enabledReads += 1 }; return s.enabled }
                if let fail { return ([], fail) }
                if !enabled { return ([], EINVAL) }
                if disabled, let failEnabled { return ([], failEnabled) }
                var r = SysfsIO.system.read(path)
                if r.errno == nil {
                    if short { r.bytes = Array(r.bytes.prefix(r.bytes.count / 2)) }
                    if change, !r.bytes.isEmpty { r.bytes[r.bytes.count - 1] &+= UInt8(truncatingIfNeeded: state.update { $0.reads }) }
                }
                return r
            },
            write: { [log, vanish, disabled] _, text in
                if let log {
                    let fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
                    if fd >= 0 { _ = Array((text.hasSuffix("\n") ? text : text + "\n").utf8).withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }; close(fd) }
                }
                return state.update { s in
                    if vanish, s.enabledReads > 0 { return ENOENT }
                    if text.hasPrefix("1") { s.enabled = true }
                    if text.hasPrefix("0") { s.enabled = !disabled }
                    return nil
                }
            })
    }

    static func errnoNamed(_ s: String) -> Int32 {
        switch s {
        case "EIO": return EIO
        case "EINVAL": return EINVAL
        case "EACCES": return EACCES
        case "EPERM": return EPERM
        case "ENODEV": return ENODEV
        case "ENOENT": return ENOENT
        case "EBUSY": return EBUSY
        default: return Int32(s) ?? EIO
        }
    }

    /// The hook's mutable state, shared by its closures.
    final class HookState: @unchecked Sendable {
        struct S { var enabled: Bool; var reads = 0; var enabledReads = 0 }
        var s: S
        var lock = pthread_mutex_t()
        init(enabled: Bool) { s = S(enabled: enabled); pthread_mutex_init(&lock, nil) }
        func update<R>(_ body: (inout S) -> R) -> R {
            pthread_mutex_lock(&lock)
            defer { pthread_mutex_unlock(&lock) }
            return body(&s)
        }
    }
    #endif
}
