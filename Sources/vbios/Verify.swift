#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ArgumentParser
import Synchronization
import Dispatch
import OptionROM
import PCIHost

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check ROM files' structure and checksums.",
        discussion: """
            Each FILE is checked; each DIR is searched for files, recursively. Files are checked in \
            parallel on every core; results come out in the order given (directories \
            sorted by name), one line per file (one JSON object per line with --json), then a \
            summary. A progress line shows on stderr when it is a terminal. Each file's verdict: OK \
            (nothing to do), NOTE (a valid ROM that needs a step before passthrough: a header, flash \
            contents or a second copy after the chain, runtime-copy evidence; the line says the step), \
            FAIL (damage: checksum, truncation, pointers out of bounds). Exit status: 0 when every \
            file is ok or note, 1 when any fails, 2 when any could not be read.
            """)

    @Argument(help: "ROM files or directories of them.")
    var paths: [String]

    @OptionGroup var global: GlobalOptions

    enum Outcome: Sendable {
        case ok, note, fail, unreadable
        var word: String {
            switch self {
            case .ok: return "ok"
            case .note: return "note"
            case .fail: return "fail"
            case .unreadable: return "unreadable"
            }
        }
    }

    /// One file's verdict, already rendered, so that printing in order is all the lock guards.
    struct Verdict: Sendable {
        var outcome: Outcome
        var line: String
    }

    func run() throws {
        // Input order, directories expanded in place; a missing path keeps its place too.
        // Every entry of a directory is accounted for: one that cannot be read is reported.
        var items: [(path: String, problem: String?)] = []
        for path in paths {
            switch pathKind(path) {
            case .directory: items.append(contentsOf: DirectoryWalk.files(under: path).map { ($0.path, $0.problem) })
            case .missing: items.append((path, "no such file or directory"))
            default: items.append((path, nil))
            }
        }

        let json = global.json
        let printer = OrderedPrinter(count: items.count)
        let queue = items
        let next = Atomic<Int>(0)
        // One worker per core, each with its own read buffer, taking the next file as it frees up.
        let workers = max(1, min(items.count, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
        let work: @Sendable (Int) -> Void = { _ in
            let reader = FileReader()
            while true {
                let n = next.add(1, ordering: .relaxed).oldValue
                guard n < queue.count else { return }
                let item = queue[n]
                let verdict = item.problem.map { Verify.render(path: item.path, outcome: .unreadable, layout: nil, error: $0, json: json) }
                    ?? Verify.check(item.path, reader: reader, json: json)
                printer.deliver(verdict, at: n)
            }
        }
        if workers > 1 {
            DispatchQueue.concurrentPerform(iterations: workers, execute: work)
        } else {
            work(0)
        }
        printer.finish()

        let t = printer.tally
        let total = t.ok + t.note + t.fail + t.unreadable
        if json {
            Terminal.out(JSON.object([("summary", .object([
                ("files", .int(total)), ("ok", .int(t.ok)), ("note", .int(t.note)),
                ("fail", .int(t.fail)), ("unreadable", .int(t.unreadable)),
            ]))]).rendered(pretty: false))
        } else {
            Terminal.out("\(total) file\(total == 1 ? "" : "s"): \(t.ok) ok, \(t.note) note, \(t.fail) fail, \(t.unreadable) unreadable")
        }
        if t.unreadable > 0 { throw ExitCode(2) }
        if t.fail > 0 { throw ExitCode(1) }
    }

    /// Reads, parses and renders one file. Runs on any thread, with that thread's reader.
    static func check(_ file: String, reader: FileReader, json: Bool) -> Verdict {
        do {
            let layout = try reader.withContents(of: file, limit: maximumROMFileSize) {
                ROMParser.parse($0).withRuntimeEvidence($0)
            }
            let outcome: Outcome = switch layout.verdict { case .ok: .ok; case .note: .note; case .fail: .fail }
            return render(path: file, outcome: outcome, layout: layout, error: nil, json: json)
        } catch {
            return render(path: file, outcome: .unreadable, layout: nil, error: String(describing: error), json: json)
        }
    }

    static func render(path: String, outcome: Outcome, layout: ROMLayout?, error: String?, json: Bool) -> Verdict {
        if json {
            var pairs: [(String, JSON)] = [
                ("file", .string(path)),
                ("status", .string(outcome.word)),
            ]
            if let layout {
                pairs.append(("size", .int(layout.size)))
                pairs.append(("images", .int(layout.images.count)))
                if let v = layout.vendorInfo { pairs.append(("summary", .string(v.summary))) }
                pairs.append(("findings", .array(layout.findings.map(\.json))))
            }
            if let error { pairs.append(("error", .string(error))) }
            return Verdict(outcome: outcome, line: JSON.object(pairs).rendered(pretty: false))
        }
        switch outcome {
        case .ok:
            return Verdict(outcome: outcome, line: "OK    \(path): " + summary(layout!))
        case .note, .fail:
            // The summary, then what to do: every finding that is not information.
            let l = layout!
            let steps = l.findings.filter { $0.severity != .info }
            return Verdict(outcome: outcome, line: (outcome == .note ? "NOTE  " : "FAIL  ") + "\(path): " + summary(l) + "; "
                + steps.map { ROMText.findingLine($0) }.joined(separator: "; "))
        case .unreadable:
            return Verdict(outcome: outcome, line: "ERROR \(path): \(error ?? "unreadable")")
        }
    }

    static func summary(_ l: ROMLayout) -> String {
        guard !l.images.isEmpty else { return "no image" }
        let kinds = l.images.map { $0.isLegacy ? "x86" : $0.isEFI ? "EFI" : Hex.prefixed($0.codeType.rawValue, width: 2) }
        var s = "\(l.images.count) image\(l.images.count == 1 ? "" : "s") (\(kinds.joined(separator: ", ")))"
        if let v = l.vendorInfo { s += ", \(v.summary)" }
        return s
    }
}

/// Verdicts arrive from worker threads in any order and leave in input order: each one is parked
/// in its slot, and whoever fills the next slot to print prints every ready one after it, in one
/// write. Also keeps the tally and the progress line.
final class OrderedPrinter: @unchecked Sendable {
    private var lock = pthread_mutex_t()
    private var slots: [Verify.Verdict?]
    private var next = 0
    private var done = 0
    private var lastProgress: UInt64 = 0
    private let showProgress = Terminal.stderrIsTerminal
    private(set) var tally = (ok: 0, note: 0, fail: 0, unreadable: 0)

    init(count: Int) {
        slots = Array(repeating: nil, count: count)
        pthread_mutex_init(&lock, nil)
    }

    deinit { pthread_mutex_destroy(&lock) }

    func deliver(_ verdict: Verify.Verdict, at index: Int) {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        slots[index] = verdict
        done += 1
        switch verdict.outcome {
        case .ok: tally.ok += 1
        case .note: tally.note += 1
        case .fail: tally.fail += 1
        case .unreadable: tally.unreadable += 1
        }
        var text = ""
        while next < slots.count, let ready = slots[next] {
            text += ready.line
            text += "\n"
            slots[next] = nil
            next += 1
        }
        let now = OrderedPrinter.milliseconds()
        let refresh = showProgress && (now &- lastProgress >= 100 || done == slots.count)
        if showProgress, !text.isEmpty || refresh { Terminal.write(2, "\r\u{1B}[K") }
        if !text.isEmpty { Terminal.write(1, text) }
        if refresh || (showProgress && !text.isEmpty && lastProgress != 0) {
            lastProgress = now
            Terminal.write(2, "verifying: \(done)/\(slots.count) files")
        }
    }

    /// Clears the progress line.
    func finish() {
        if showProgress { Terminal.write(2, "\r\u{1B}[K") }
    }

    static func milliseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1000 + UInt64(ts.tv_nsec) / 1_000_000
    }
}
