import ArgumentParser
import OptionROM
import PCIHost

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show which byte ranges of two ROMs differ, what each touches, and which one is pristine.",
        discussion: """
            Regions are judged by A's layout (B's past A's end): prefix, image header, size byte, checksum \
            byte, PCIR, NPDE, EFI header, code or data, past chain end. Changes in one region less than \
            --merge-gap bytes apart are one range. The verdict says which of the two looks like the pristine \
            ROM (full-size legacy image, valid checksum, its following images) and which like a runtime copy. \
            Exit status: 0 identical, 1 different, 2 unreadable.
            """)

    @Argument(help: "The first ROM (for example the shadow copy).")
    var a: String

    @Argument(help: "The second ROM (for example the ROM BAR read or the vendor's file).")
    var b: String

    @Option(help: "Merge changes of one region this many bytes apart or closer.")
    var mergeGap = 16

    /// One of the two ROMs.
    enum Side: String, ExpressibleByArgument, CaseIterable { case a, b }

    @Option(help: "Which side was read from shadow RAM: a or b.")
    var shadow: Side?

    @OptionGroup var global: GlobalOptions

    func read(_ path: String) throws -> [UInt8] {
        let data = try FileBytes(path: path, limit: maximumROMFileSize)
        return data.withUnsafeBytes { Array($0) }
    }

    func run() throws {
        let x = try read(a)
        let y = try read(b)
        let diff = ROMDiff.compare(x, y, mergeGap: max(1, mergeGap))
        let verdict = RuntimeEvidence.compare(x, y, aIsShadow: shadow == .a, bIsShadow: shadow == .b)
        let perImage = diff.perImage
        let label = { (i: Int?, r: ROMDiff.Region?) -> String in
            if let i { return "image \(i)" }
            return r?.rawValue ?? "outside the images"
        }
        if global.json {
            guard case .object(var pairs) = diff.json else { return }
            pairs.append(("perImage", .array(perImage.map { p in
                .object([("image", .optional(p.image)), ("changedBytes", .int(p.changedBytes))])
            })))
            pairs.append(("verdict", verdict.json))
            Terminal.out(JSON.object(pairs).rendered())
        } else {
            Terminal.out("A: \(a) (\(x.count) bytes)")
            Terminal.out("B: \(b) (\(y.count) bytes)")
            let shown = 400
            for r in diff.ranges.prefix(shown) {
                let span = r.length == 1 ? "1 byte" : "\(r.length) bytes"
                let changed = r.changedBytes == r.length ? "" : " (\(r.changedBytes) changed)"
                Terminal.out("\(Hex.prefixed(r.offset, width: 5))  \(span)\(changed)  \(label(r.image, nil)): \(r.region.rawValue)")
            }
            if diff.ranges.count > shown { Terminal.out("... \(diff.ranges.count - shown) more ranges (the first \(ROMDiff.jsonRangeLimit) with --json)") }
            if x.count != y.count {
                Terminal.out("lengths differ: A \(x.count), B \(y.count) bytes")
            }
            for p in perImage {
                let region = p.image == nil ? diff.ranges.first { $0.image == nil }?.region : nil
                Terminal.out("\(label(p.image, region)): \(p.changedBytes) bytes changed")
            }
            Terminal.out(diff.changedBytes == 0 ? "identical" : "\(diff.changedBytes) bytes differ in \(diff.ranges.count) range\(diff.ranges.count == 1 ? "" : "s")")
            switch verdict.pristine {
            case .a?: Terminal.out("verdict: A is the pristine one; " + verdict.reasons.joined(separator: "; "))
            case .b?: Terminal.out("verdict: B is the pristine one; " + verdict.reasons.joined(separator: "; "))
            case nil: Terminal.out("verdict: " + verdict.reasons.joined(separator: "; "))
            }
        }
        if diff.changedBytes > 0 { throw ExitCode(1) }
    }
}
