import OptionROM
import PCIHost
import Core

/// framebuffer: a boot framebuffer driver holding memory inside the card's BARs, the kernel's
/// "BAR N: can't reserve [mem ...]" when vfio-pci (or the guest) asks for the BAR.
extension HostDoctor {
    /// The names boot framebuffers request their memory under in /proc/iomem: efifb
    /// (drivers/video/fbdev/efifb.c), vesafb, simplefb, simpledrm, and BOOTFB, the resource
    /// sysfb registers for the firmware's framebuffer (drivers/firmware/sysfb_simplefb.c, 5.15+).
    static let framebufferNames: Set<String> = ["efifb", "vesafb", "simplefb", "simple-framebuffer", "simpledrm", "BOOTFB"]

    /// One line of /proc/iomem.
    struct IOMemEntry: Equatable {
        var start: UInt64
        var end: UInt64
        var name: String
    }

    static func parseIOMem(_ text: String) -> [IOMemEntry] {
        text.split(separator: "\n").compactMap { line -> IOMemEntry? in
            guard let colon = line.firstRange(of: " : ") else { return nil }
            let range = String(line[..<colon.lowerBound]).trimmingBlanks
            let parts = range.split(separator: "-")
            guard parts.count == 2, let s = UInt64(parts[0], radix: 16), let e = UInt64(parts[1], radix: 16), s <= e else { return nil }
            return IOMemEntry(start: s, end: e, name: String(line.suffix(from: colon.upperBound)).trimmingBlanks)
        }
    }

    /// The running kernel's version, (major, minor), from /proc/version, else the release.
    var kernelVersion: (Int, Int)? {
        let text = host.text("/proc/version").flatMap { t in t.split(separator: " ").dropFirst(2).first.map(String.init) } ?? host.kernelRelease
        guard let text else { return nil }
        let n = text.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        return n.count == 2 ? (n[0], n[1]) : nil
    }

    func framebuffer(_ card: Card) -> DoctorCheck {
        let path = host.join("/proc/iomem")
        guard let text = host.text("/proc/iomem") else {
            return DoctorCheck(.framebuffer, .unknown, "cannot read \(path), so vbios cannot tell whether a boot framebuffer holds the card's memory",
                               evidence: [.init(path, "(unreadable)")],
                               steps: [.init(.command, "grep -i -e efifb -e simplefb -e simpledrm -e BOOTFB -e vesafb /proc/iomem", why: "as root, look for a framebuffer inside the card's BARs")])
        }
        let entries = Self.parseIOMem(text)
        let bars = card.functions.flatMap { f in f.bars.filter { $0.kind == .memory && $0.size > 0 && !$0.unset }.map { (f.address, $0) } }
        if !entries.isEmpty, entries.allSatisfy({ $0.start == 0 && $0.end == 0 }) {
            return DoctorCheck(.framebuffer, .unknown, "\(path) shows every range as 0 (the kernel hides addresses from users other than root)",
                               evidence: [.init(path, "addresses zeroed")],
                               steps: [.init(.command, "sudo vbios doctor \(card.device.address)", why: "root sees the real ranges")])
        }
        var inside: [(IOMemEntry, PCIAddress, BAR)] = []
        for e in entries where Self.framebufferNames.contains(e.name) {
            for (a, b) in bars where e.start <= b.start + b.size - 1 && b.start <= e.end { inside.append((e, a, b)) }
        }
        guard !inside.isEmpty else {
            return DoctorCheck(.framebuffer, .ok, "no boot framebuffer (\(Self.framebufferNames.sorted().joined(separator: ", "))) inside the card's memory BARs in \(path)",
                               evidence: [.init(path, "\(entries.filter { Self.framebufferNames.contains($0.name) }.map { "\($0.name) \(Hex.prefixed($0.start))-\(Hex.prefixed($0.end))" }.joined(separator: ", ").nonEmpty ?? "no framebuffer entries")")])
        }
        let version = kernelVersion
        let said = inside.map { "\($0.0.name) holds \(Hex.prefixed($0.0.start))-\(Hex.prefixed($0.0.end)) inside BAR \($0.2.index) of \($0.1)" }
        let names = Set(inside.map(\.0.name))
        var steps: [DoctorCheck.Step] = []
        let grub = host.join("/etc/default/grub")
        let old = version.map { $0 < (5, 15) } ?? false
        if old && names.isSubset(of: ["efifb", "vesafb"]) {
            for n in names.sorted() {
                steps.append(.init(.kernelParameter, "video=\(n):off", file: grub, why: "kernel \(version!.0).\(version!.1) (before 5.15): \(n) then never starts on the card"))
            }
        } else {
            steps.append(.init(.kernelParameter, "initcall_blacklist=sysfb_init", file: grub,
                               why: "kernel \(version.map { "\($0.0).\($0.1)" } ?? "of unknown version"): since 5.15 sysfb registers the firmware framebuffer for simplefb/simpledrm, which video=efifb:off no longer stops; this keeps it from registering at all"))
        }
        if names.contains("efifb") {
            steps.append(.init(.command, "echo efi-framebuffer.0 > /sys/bus/platform/drivers/efi-framebuffer/unbind", why: "until the next boot: release efifb's hold now"))
        }
        let evidence = [DoctorCheck.Evidence(path, inside.map { "\($0.0.name) \(Hex.prefixed($0.0.start))-\(Hex.prefixed($0.0.end))" }.joined(separator: ", "))]
            + [DoctorCheck.Evidence(host.join("/proc/version"), version.map { "\($0.0).\($0.1)" } ?? "(unreadable)")]
        return DoctorCheck(.framebuffer, .fail, AdvisedText(said.joined(separator: "; ")) + ": vfio-pci cannot reserve that BAR (\"BAR \(inside[0].2.index): can't reserve\"), and the host console stays on the card",
                           evidence: evidence, steps: steps)
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
