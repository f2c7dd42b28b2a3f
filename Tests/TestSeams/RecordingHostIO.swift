#if VBIOS_TEST_SEAMS
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization
import SystemIO

/// A `HostIO` that records every device-file write and plays the kernel's part where a fake
/// tree's plain files cannot (Linux's `rom` attribute: drivers/pci/pci-sysfs.c), to reach on
/// demand what real devices do rarely: an errno, a short read, bytes that change between reads,
/// a device that vanishes, a pause to signal the process at. Debug builds only (`VBIOS_TEST_SEAMS`):
/// the tests use it directly (`HostIO.$current.withValue(fake.io)`), and the debug vbios binary
/// installs `fromEnvironment()` as HostIO's process default at startup, for the CLI's
/// fault-injection tests. It lives outside Sources so that SystemIO holds the seam, not the fake.
///
/// Reads and writes of paths it does not `play` go to `HostIO.live` unrecorded.
public final class RecordingHostIO: Sendable {
    public struct Options: Sendable {
        /// The ROM reads fail with EINVAL until `1` is written; `0` disables again (the kernel's
        /// disabled ROM). Without it the ROM counts as enabled.
        public var disabledROM = false
        /// Every read fails so.
        public var failReads: Int32?
        /// With `disabledROM`, reads while enabled fail so (the device went away mid-dump).
        public var failEnabledReads: Int32?
        /// Once a read ran enabled, writes fail with ENOENT (the device was removed).
        public var vanish = false
        /// Writes of `0` (the disable) fail so, after being recorded.
        public var failDisable: Int32?
        /// Writes reach the files too (a copied fake tree that must show them); else they stop here.
        public var writesReachFiles = false
        /// Each read waits this long first (to signal the process mid-read).
        public var readDelayMilliseconds = 0
        /// Each write is appended to this file as its text on its own line.
        public var log: String?
        /// At this stage: create `marker` and sleep `seconds`.
        public var pause: (stage: HostIO.Stage, marker: String, seconds: Int)?
        /// Step `n` of this stage fails with EIO.
        public var failStep: (stage: HostIO.Stage, n: Int)?
        public init() {}
    }

    /// One write, as made: at `offset` for a register (`HostIO.writeAt`), nil for a whole attribute.
    public struct Write: Sendable, Equatable {
        public var path: String
        public var bytes: [UInt8]
        public var offset: Int? = nil
        public var text: String { String(decoding: bytes, as: UTF8.self) }
        public init(path: String, bytes: [UInt8], offset: Int? = nil) {
            self.path = path
            self.bytes = bytes
            self.offset = offset
        }
    }

    struct State {
        var enabled: Bool
        var reads = 0
        var enabledReads = 0
        var writes: [Write] = []
    }

    public let options: Options
    let plays: @Sendable (String) -> Bool
    let transform: (@Sendable (_ bytes: [UInt8], _ readNumber: Int) -> [UInt8])?
    let react: (@Sendable (_ path: String, _ bytes: [UInt8]) throws(SystemError) -> Void)?
    let state: Mutex<State>

    /// - `plays`: the paths it stands in for (all by default).
    /// - `transform`: what a successful read returns instead of the file's bytes (given the
    ///   bytes and the read's number, from 1).
    /// - `react`: after each write that took, the kernel's reaction (moving a `driver` link), or
    ///   a failure to throw instead (a device removed mid-bind).
    public init(_ options: Options = Options(),
                plays: @escaping @Sendable (String) -> Bool = { _ in true },
                transform: (@Sendable ([UInt8], Int) -> [UInt8])? = nil,
                react: (@Sendable (String, [UInt8]) throws(SystemError) -> Void)? = nil) {
        self.options = options
        self.plays = plays
        self.transform = transform
        self.react = react
        state = Mutex(State(enabled: !options.disabledROM))
    }

    /// The writes made so far, in order.
    public var writes: [Write] { state.withLock { $0.writes } }
    /// Their texts.
    public var texts: [String] { writes.map(\.text) }
    /// Forgets the writes made so far (a test's second act).
    public func clearWrites() { state.withLock { $0.writes.removeAll() } }
    /// Reads made so far.
    public var reads: Int { state.withLock { $0.reads } }

    public var io: HostIO {
        HostIO(
            read: { path, limit throws(SystemError) in try self.read(path, limit) },
            write: { path, bytes throws(SystemError) in try self.write(path, bytes) },
            writeAt: { path, offset, bytes throws(SystemError) in try self.write(path, offset, bytes) },
            pause: { self.pause($0) },
            failure: { stage, n in
                guard let f = self.options.failStep, f.stage == stage, f.n == n else { return nil }
                return EIO
            })
    }

    func read(_ path: String, _ limit: Int) throws(SystemError) -> [UInt8] {
        guard plays(path) else { return try HostIO.live.read(path, limit) }
        if options.readDelayMilliseconds > 0 { usleep(useconds_t(options.readDelayMilliseconds * 1000)) }
        let (enabled, number) = state.withLock { s in
            s.reads += 1
            if s.enabled { s.enabledReads += 1 }
            return (s.enabled, s.reads)
        }
        if let e = options.failReads { throw SystemError(.read, path, errno: e) }
        if !enabled { throw SystemError(.read, path, errno: EINVAL) }
        if options.disabledROM, let e = options.failEnabledReads { throw SystemError(.read, path, errno: e) }
        let bytes = try HostIO.live.read(path, limit)
        return transform.map { $0(bytes, number) } ?? bytes
    }

    func write(_ path: String, _ bytes: [UInt8]) throws(SystemError) {
        guard plays(path) else { return try HostIO.live.write(path, bytes) }
        if let log = options.log {
            let text = String(decoding: bytes, as: UTF8.self)
            let fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            if fd >= 0 {
                _ = Array((text.hasSuffix("\n") ? text : text + "\n").utf8).withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
                close(fd)
            }
        }
        let failure: Int32? = state.withLock { s in
            s.writes.append(Write(path: path, bytes: bytes))
            if options.vanish, s.enabledReads > 0 { return ENOENT }
            if bytes.first == UInt8(ascii: "0"), let e = options.failDisable { return e }
            if bytes.first == UInt8(ascii: "1") { s.enabled = true }
            if bytes.first == UInt8(ascii: "0") { s.enabled = !options.disabledROM }
            return nil
        }
        if let failure { throw SystemError(.write, path, errno: failure) }
        if options.writesReachFiles { try HostIO.live.write(path, bytes) }
        try react?(path, bytes)
    }

    /// A register write (config space): recorded; it reaches the file only with `writesReachFiles`.
    func write(_ path: String, _ offset: Int, _ bytes: [UInt8]) throws(SystemError) {
        guard plays(path) else { return try HostIO.live.writeAt(path, offset, bytes) }
        state.withLock { $0.writes.append(Write(path: path, bytes: bytes, offset: offset)) }
        if options.writesReachFiles { try HostIO.live.writeAt(path, offset, bytes) }
    }

    func pause(_ stage: HostIO.Stage) {
        guard let p = options.pause, p.stage == stage else { return }
        let fd = open(p.marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        if fd >= 0 { close(fd) }
        // sleep(3) returns early, with the seconds left, when a handled signal interrupts it.
        var left = UInt32(max(p.seconds, 0))
        while left > 0 { left = sleep(left) }
    }

    /// The fake the environment asks for, or nil when it asks for none:
    ///
    /// `VBIOS_TEST_SYSFS_ROM=SPEC` plays every `rom` attribute (other device files stay live);
    /// SPEC is a comma-separated list:
    /// - `disabled`: reads fail with EINVAL until `1` is written; `0` disables again (the
    ///   kernel's behaviour). Writes never reach the file.
    /// - `log=PATH`: each write is appended to PATH as `WRITTEN-TEXT` on its own line.
    /// - `fail=ERRNO` (a name glibc knows, such as EIO or ENODEV, or a number): every read fails so;
    ///   `fail-enabled=ERRNO`: only reads while enabled fail (the device went away mid-dump).
    /// - `short`: reads return the first half of the bytes.
    /// - `change`: every read returns different bytes (the last byte counts reads).
    /// - `delay-ms=N`: each read waits N ms first (to interrupt a dump mid-read).
    /// - `vanish`: once a read ran enabled, writes fail with ENOENT (the device was removed).
    ///
    /// `VBIOS_TEST_PAUSE=STAGE:MARKER[:SECONDS]`: at `STAGE` (`read`, `write`), create the file
    /// MARKER and sleep (30 s unless SECONDS says), so a test can signal the process at a known point.
    ///
    /// `VBIOS_TEST_FAIL=STAGE:N`: the Nth (from 0) step of `STAGE` (`move`) fails with EIO.
    public static func fromEnvironment() -> RecordingHostIO? {
        func env(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
        let rom = env("VBIOS_TEST_SYSFS_ROM"), pause = env("VBIOS_TEST_PAUSE"), fail = env("VBIOS_TEST_FAIL")
        guard rom != nil || pause != nil || fail != nil else { return nil }
        var o = Options()
        var short = false, change = false
        for item in (rom ?? "").split(separator: ",") {
            let kv = item.split(separator: "=", maxSplits: 1).map(String.init)
            switch kv[0] {
            case "disabled": o.disabledROM = true
            case "short": short = true
            case "change": change = true
            case "vanish": o.vanish = true
            case "log" where kv.count == 2: o.log = kv[1]
            case "fail" where kv.count == 2: o.failReads = ErrnoName.value(kv[1]) ?? EIO
            case "fail-enabled" where kv.count == 2: o.failEnabledReads = ErrnoName.value(kv[1]) ?? EIO
            case "delay-ms" where kv.count == 2: o.readDelayMilliseconds = Int(kv[1]) ?? 0
            default: break
            }
        }
        if let parts = pause?.split(separator: ":").map(String.init), parts.count >= 2, let stage = HostIO.Stage(rawValue: parts[0]) {
            o.pause = (stage, parts[1], parts.count > 2 ? Int(parts[2]) ?? 30 : 30)
        }
        if let parts = fail?.split(separator: ":").map(String.init), parts.count == 2,
           let stage = HostIO.Stage(rawValue: parts[0]), let n = Int(parts[1]) {
            o.failStep = (stage, n)
        }
        let playsROM = rom != nil
        var transform: (@Sendable ([UInt8], Int) -> [UInt8])?
        if short || change {
            transform = { [short, change] bytes, number in
                var b = short ? Array(bytes.prefix(bytes.count / 2)) : bytes
                if change, !b.isEmpty { b[b.count - 1] &+= UInt8(truncatingIfNeeded: number) }
                return b
            }
        }
        return RecordingHostIO(o, plays: { path in playsROM && path.hasSuffix("/rom") }, transform: transform)
    }
}
#endif
