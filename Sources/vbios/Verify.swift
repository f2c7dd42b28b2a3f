import ArgumentParser
import OptionROM
import PCIHost

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check ROM files' structure and checksums.",
        discussion: """
            Each FILE is checked; each DIR is searched for files, recursively. One line per file, then a
            summary. Exit status: 0 when every file is clean, 1 when any has findings (warnings or
            errors), 2 when any could not be read.
            """)

    @Argument(help: "ROM files or directories of them.")
    var paths: [String]

    @OptionGroup var global: GlobalOptions

    enum Outcome { case clean, findings, unreadable }

    func run() throws {
        var files: [String] = []
        var unreadable = 0
        var clean = 0
        var withFindings = 0
        for path in paths {
            switch pathKind(path) {
            case .directory: files.append(contentsOf: collect(path))
            case .missing:
                unreadable += 1
                emit(path: path, outcome: .unreadable, layout: nil, error: "no such file or directory")
            default: files.append(path)
            }
        }
        for (n, file) in files.enumerated() {
            Terminal.progress("verifying \(n + 1)/\(files.count) \(file)")
            do {
                let data = try FileBytes(path: file, limit: maximumROMFileSize)
                let layout = data.withUnsafeBytes { ROMParser.parse($0).withRuntimeEvidence($0) }
                let outcome: Outcome = layout.isClean ? .clean : .findings
                if outcome == .clean { clean += 1 } else { withFindings += 1 }
                emit(path: file, outcome: outcome, layout: layout, error: nil)
            } catch {
                unreadable += 1
                emit(path: file, outcome: .unreadable, layout: nil, error: String(describing: error))
            }
        }
        Terminal.endProgress()
        let total = clean + withFindings + unreadable
        if global.json {
            Terminal.out(JSON.object([("summary", .object([
                ("files", .int(total)), ("clean", .int(clean)),
                ("findings", .int(withFindings)), ("unreadable", .int(unreadable)),
            ]))]).rendered(pretty: false))
        } else {
            Terminal.out("\(total) file\(total == 1 ? "" : "s"): \(clean) clean, \(withFindings) with findings, \(unreadable) unreadable")
        }
        if unreadable > 0 { throw ExitCode(2) }
        if withFindings > 0 { throw ExitCode(1) }
    }

    func emit(path: String, outcome: Outcome, layout: ROMLayout?, error: String?) {
        if global.json {
            var pairs: [(String, JSON)] = [
                ("file", .string(path)),
                ("status", .string(outcome == .clean ? "ok" : outcome == .findings ? "findings" : "unreadable")),
            ]
            if let layout {
                pairs.append(("size", .int(layout.size)))
                pairs.append(("images", .int(layout.images.count)))
                pairs.append(("findings", .array(layout.findings.map(\.json))))
            }
            if let error { pairs.append(("error", .string(error))) }
            Terminal.out(JSON.object(pairs).rendered(pretty: false))
            return
        }
        switch outcome {
        case .clean:
            let l = layout!
            let kinds = l.images.map { $0.isLegacy ? "x86" : $0.isEFI ? "EFI" : Hex.prefixed($0.codeType.rawValue, width: 2) }
            var s = "OK    \(path): \(l.images.count) image\(l.images.count == 1 ? "" : "s") (\(kinds.joined(separator: ", ")))"
            if let v = l.vendorInfo, let version = v.version { s += ", \(v.vendorName) \(version)" }
            Terminal.out(s)
        case .findings:
            let l = layout!
            let worst = l.findings.filter { $0.severity != .info }
            Terminal.out("FAIL  \(path): " + worst.map { ROMText.findingLine($0) }.joined(separator: "; "))
        case .unreadable:
            Terminal.out("ERROR \(path): \(error ?? "unreadable")")
        }
    }

    /// Regular files under `dir`, depth first, sorted, symlinks to directories not followed.
    func collect(_ dir: String) -> [String] {
        var out: [String] = []
        guard let names = try? directoryEntries(dir) else { return [dir] }
        for name in names {
            let p = dir.hasSuffix("/") ? dir + name : dir + "/" + name
            switch pathKind(p, followLinks: false) {
            case .directory: out.append(contentsOf: collect(p))
            case .file: out.append(p)
            default: if pathKind(p) == .file { out.append(p) }
            }
        }
        return out
    }
}
