#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The one progress reporter: a line on stderr that rewrites itself, for work that takes longer
/// than about a second (verify of many files, scan of a large image, a firmware walk). Shown
/// only when stderr is a terminal, never with --json (commands pass nil then), and not before a
/// second has passed, so quick work prints nothing extra; at most ten updates a second. Libraries
/// never print: they report through a callback (`BlobScan.scan(progress:)`,
/// `FirmwareWalker.walk(progress:)`), and the command hands it this reporter's `update`.
/// Not thread-safe by itself: callers serialise (verify's printer calls it under its lock).
final class Progress: @unchecked Sendable {
    let what: String
    let unit: String
    private let start = Progress.milliseconds()
    private var last: UInt64 = 0
    private var shown = false

    /// How long work runs before the line appears.
    static var delay: UInt64 {
        #if DEBUG
        // Debug builds only: tests see the line without work that really takes a second.
        if let v = getenv("VBIOS_TEST_PROGRESS_AFTER_MS"), let n = UInt64(String(cString: v)) { return n }
        #endif
        return 1000
    }

    /// nil when stderr is not a terminal: then nothing is ever shown.
    init?(what: String, unit: String) {
        guard Terminal.stderrIsTerminal else { return nil }
        self.what = what
        self.unit = unit
    }

    /// `done` of `total` (bytes when `unit` is "bytes", shown in MiB).
    func update(done: Int, of total: Int) {
        let now = Progress.milliseconds()
        guard now &- start >= Progress.delay, now &- last >= 100 || done == total else { return }
        last = now
        shown = true
        let text = unit == "bytes"
            ? "\(done >> 20) of \(max(1, total >> 20)) MiB"
            : "\(done)/\(total) \(unit)"
        Terminal.write(2, Terminal.clearLine + "\(what): \(text)")
    }

    /// A count without a known end ("walking firmware: 120 containers").
    func update(_ text: String) {
        let now = Progress.milliseconds()
        guard now &- start >= Progress.delay, now &- last >= 100 else { return }
        last = now
        shown = true
        Terminal.write(2, Terminal.clearLine + "\(what): \(text)")
    }

    /// Takes the line away before other output goes to the terminal.
    func clear() {
        guard shown else { return }
        Terminal.rawWrite(2, Terminal.clearLine)
    }

    func finish() {
        clear()
        shown = false
    }

    static func milliseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1000 + UInt64(ts.tv_nsec) / 1_000_000
    }
}
