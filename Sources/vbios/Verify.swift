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
import Core
import SystemIO

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check ROM files' structure and checksums.",
        discussion: ExitStatus.discussion("""
            Each FILE is checked; each DIR is searched for files, recursively. Files are checked in \
            parallel on every core; results come out in the order given (directories \
            sorted by name), one line per file (one JSON object per line with --json), then a \
            summary. A progress line shows on stderr when it is a terminal. Each file's verdict: OK \
            (nothing to do), NOTE (a valid ROM that needs a step before passthrough: a header, flash \
            contents or a second copy after the chain, runtime-copy evidence; the line says the step), \
            FAIL (damage: checksum, truncation, pointers out of bounds), with the findings to act \
            on indented under it as `info` shows them. A file found in a DIR that is not a ROM by its \
            content (no 55 AA signature and no image; a text file such as a MANIFEST) is SKIP, counted \
            as skipped; --strict fails it instead. A named FILE is always checked. An argument that is \
            not a file and parses as a PCI address reads that device's ROM as `vbios dump` does.
            """, ExitStatus.verify))

    @Argument(help: "ROM files, directories of them, or devices' PCI addresses (read as `vbios dump` does).",
              completion: .file())
    var paths: [String]

    @Flag(help: "Fail files found in a directory that are not ROMs (no 55 AA signature, text) instead of skipping them.")
    var strict = false

    @OptionGroup var global: GlobalOptions
    @OptionGroup var host: HostOptions
    @OptionGroup var read: ROMReadOptions

    enum Outcome: Sendable {
        case ok, note, fail, unreadable, skipped
        var word: String {
            switch self {
            case .ok: return "ok"
            case .note: return "note"
            case .fail: return "fail"
            case .unreadable: return "unreadable"
            case .skipped: return "skipped"
            }
        }
    }

    /// One file's verdict, already rendered, so that printing in order is all the lock guards.
    struct Verdict: Sendable {
        var outcome: Outcome
        var text: String
    }

    /// One argument or directory entry to check, in the order of the output.
    struct Item: Sendable {
        var path: String
        var problem: String?
        /// Found by walking a directory (not named): skipped when it is not a ROM, unless --strict.
        var found = false
        var device: PCIAddress?
    }

    func run() throws {
        let items = try expand()
        let json = global.json, skipNonROMs = !strict
        let printer = OrderedPrinter(count: items.count, progress: json ? nil : Progress(what: "verifying", unit: "files"))
        // Devices first, one at a time on this thread (each read restores the device's state).
        for (n, item) in items.enumerated() {
            guard let address = item.device else { continue }
            printer.deliver(checkDevice(address, json: json), at: n)
        }
        let queue = items
        let next = Atomic<Int>(0)
        // One worker per core, each with its own read buffer, taking the next file as it frees up.
        let files = items.filter { $0.device == nil }.count
        let workers = max(1, min(files, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
        let work: @Sendable (Int) -> Void = { _ in
            let reader = FileReader()
            while true {
                let n = next.add(1, ordering: .relaxed).oldValue
                guard n < queue.count else { return }
                let item = queue[n]
                if item.device != nil { continue }
                let verdict = item.problem.map { Verify.render(path: item.path, outcome: .unreadable, layout: nil, error: $0, json: json) }
                    ?? Verify.check(item.path, reader: reader, json: json, skipNonROM: item.found && skipNonROMs)
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
        let total = t.ok + t.note + t.fail + t.unreadable + t.skipped
        if json {
            Terminal.out(JSON.object([("summary", .object([
                ("files", .int(total)), ("ok", .int(t.ok)), ("note", .int(t.note)),
                ("fail", .int(t.fail)), ("unreadable", .int(t.unreadable)), ("skipped", .int(t.skipped)),
            ]))]).rendered(pretty: false))
        } else {
            Terminal.out("\(total) file\(total == 1 ? "" : "s"): \(t.ok) ok, \(t.note) note, \(t.fail) fail, \(t.unreadable) unreadable"
                + (t.skipped > 0 ? ", \(t.skipped) skipped (not ROMs; --strict fails them)" : ""))
        }
        if t.unreadable > 0 { throw ExitCode(2) }
        if t.fail > 0 { throw ExitCode(1) }
    }

    /// Input order, directories expanded in place; a missing path keeps its place too. Every
    /// entry of a directory is accounted for: one that cannot be read is reported. An argument
    /// that is no file and is shaped like a PCI address names a device (a malformed one is a usage error).
    func expand() throws -> [Item] {
        var items: [Item] = []
        for path in paths {
            switch pathKind(path) {
            case .directory:
                items.append(contentsOf: DirectoryWalk.files(under: path).map { Item(path: $0.path, problem: $0.problem, found: true) })
            case .missing where ROMArgument.looksLikeAddress(path):
                let address = try ROMArgument.address(path)
                items.append(Item(path: address.description, device: address))
            case .missing: items.append(Item(path: path, problem: "no such file or directory"))
            default: items.append(Item(path: path))
            }
        }
        return items
    }

    /// `verify ADDR`: the device's ROM, read as `dump` reads it, judged as a file is.
    func checkDevice(_ address: PCIAddress, json: Bool) -> Verdict {
        DeviceStateGuard.installSignalHandlers()
        do {
            let d = try host.device(address)
            let rom = try read.read(d, root: host.root)
            return Verify.render(path: "\(d.address) (\(rom.choice.kept.source.name))", outcome: Verify.outcome(rom.layout),
                                 layout: rom.layout, error: nil, json: json)
        } catch {
            return Verify.render(path: address.description, outcome: .unreadable, layout: nil, error: NextStepWording.text(of: error), json: json)
        }
    }

    static func outcome(_ layout: ROMLayout) -> Outcome {
        switch layout.verdict { case .ok: .ok; case .note: .note; case .fail: .fail }
    }

    /// Reads, parses and renders one file. Runs on any thread, with that thread's reader.
    static func check(_ file: String, reader: FileReader, json: Bool, skipNonROM: Bool) -> Verdict {
        do {
            let (layout, why) = try reader.withContents(of: file, limit: maximumROMFileSize) { bytes in
                let layout = ROMParser.parse(bytes).withRuntimeEvidence(bytes)
                return (layout, skipNonROM ? notAROM(bytes, layout) : nil)
            }
            if let why { return render(path: file, outcome: .skipped, layout: nil, error: why, json: json) }
            return render(path: file, outcome: outcome(layout), layout: layout, error: nil, json: json)
        } catch {
            return render(path: file, outcome: .unreadable, layout: nil, error: NextStepWording.text(of: error), json: json)
        }
    }

    /// Why a file is not a ROM by its content, nil when it may be one: no image was found and it
    /// does not start with the 55 AA signature (a damaged ROM does, and fails instead).
    static func notAROM(_ bytes: UnsafeRawBufferPointer, _ layout: ROMLayout) -> String? {
        guard layout.images.isEmpty, !(bytes.count >= 2 && bytes[0] == 0x55 && bytes[1] == 0xAA) else { return nil }
        if bytes.isEmpty { return "not a ROM: empty" }
        let head = bytes.prefix(4096)
        let text = head.allSatisfy { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || ($0 >= 0x20 && $0 != 0x7F) }
        return text ? "not a ROM: text" : "not a ROM: no 55 AA signature"
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
            if let error { pairs.append((outcome == .skipped ? "reason" : "error", .string(error))) }
            return Verdict(outcome: outcome, text: JSON.object(pairs).rendered(pretty: false) + "\n")
        }
        // One line per file, then what to do, indented under it as `info` shows findings:
        // every finding that is not information.
        var lines: [String]
        switch outcome {
        case .ok, .note, .fail:
            let l = layout!
            let word = outcome == .ok ? "OK    " : outcome == .note ? "NOTE  " : "FAIL  "
            lines = [word + "\(path): " + summary(l)]
            if outcome != .ok { lines += l.findings.filter { $0.severity != .info }.map { "      " + ROMText.findingLine($0) } }
        case .unreadable:
            lines = ["ERROR \(path): \(error ?? "unreadable")"]
        case .skipped:
            lines = ["SKIP  \(path): \(error ?? "not a ROM")"]
        }
        return Verdict(outcome: outcome, text: lines.joined(separator: "\n") + "\n")
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
    private let progress: Progress?
    private(set) var tally = (ok: 0, note: 0, fail: 0, unreadable: 0, skipped: 0)

    init(count: Int, progress: Progress?) {
        slots = Array(repeating: nil, count: count)
        self.progress = progress
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
        case .skipped: tally.skipped += 1
        }
        var text = ""
        while next < slots.count, let ready = slots[next] {
            text += ready.text
            slots[next] = nil
            next += 1
        }
        if !text.isEmpty {
            progress?.clear()
            Terminal.write(1, text)
        }
        progress?.update(done: done, of: slots.count)
    }

    /// Clears the progress line.
    func finish() { progress?.finish() }
}
