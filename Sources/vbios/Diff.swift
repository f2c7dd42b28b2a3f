import ArgumentParser
import OptionROM
import PCIHost
import Core

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show which byte ranges of two ROMs differ, what each touches, and which one is pristine.",
        discussion: ExitStatus.discussion("""
            Regions are judged by A's layout (B's past A's end): prefix, image header, size byte, checksum \
            byte, PCIR, NPDE, EFI header, code or data, past chain end. Changes in one region less than \
            --merge-gap bytes apart are one range. The verdict says which of the two looks like the pristine \
            ROM (full-size legacy image, valid checksum, its following images) and which like a runtime copy; \
            ROMs for different devices (their PCI IDs differ) are said to be so first, and neither is called pristine.
            """, ExitStatus.diff))

    @Argument(help: "The first ROM (for example the shadow copy), or a device's PCI address to read its ROM.", completion: .file())
    var a: String

    @Argument(help: "The second ROM (for example the ROM BAR read or the vendor's file), or a device's PCI address.", completion: .file())
    var b: String

    @Option(help: "Merge changes of one region this many bytes apart or closer.")
    var mergeGap = 16

    /// One of the two ROMs.
    enum Side: String, ExpressibleByArgument, CaseIterable { case a, b }

    @Option(help: "Which side was read from shadow RAM: a or b.")
    var shadow: Side?

    @OptionGroup var global: GlobalOptions
    @OptionGroup var host: HostOptions
    @OptionGroup var read: ROMReadOptions

    func load(_ path: String) throws -> (bytes: [UInt8], name: String) {
        try ROMArgument.bytes(path, host: host, read: read)
    }

    /// `VVVV:DDDD` of the ROM's legacy image (else its first), nil without a PCI data structure.
    static func ids(_ bytes: [UInt8]) -> String? {
        let layout = ROMParser.parse(bytes)
        guard let p = (layout.legacyImage ?? layout.images.first)?.pcir else { return nil }
        return p.pciIDs.description
    }

    func run() throws {
        let (x, nameA) = try load(a)
        let (y, nameB) = try load(b)
        let diff = ROMDiff.compare(x, y, mergeGap: max(1, mergeGap))
        var verdict = RuntimeEvidence.compare(x, y, aIsShadow: shadow == .a, bIsShadow: shadow == .b)
        // Two ROMs for different devices are not two copies of one ROM: neither is "the pristine one".
        let ids = (Diff.ids(x), Diff.ids(y))
        let differentDevices = ids.0 != nil && ids.1 != nil && ids.0 != ids.1
        if differentDevices, let i = ids.0, let j = ids.1 {
            verdict.pristine = nil
            verdict.reasons = ["A is a ROM for \(i), B for \(j): different devices, so neither is a pristine copy of the other"]
        }
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
            pairs.append(("differentDevices", .bool(differentDevices)))
            Terminal.out(JSON.object(pairs).rendered())
        } else {
            if differentDevices, let i = ids.0, let j = ids.1 {
                Terminal.out("different devices: A is a ROM for \(i), B for \(j); the ranges compare two ROMs, not two copies of one")
            }
            Terminal.out("A: \(nameA) (\(x.count) bytes)")
            Terminal.out("B: \(nameB) (\(y.count) bytes)")
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
