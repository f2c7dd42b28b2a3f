import Core
import OptionROM
import PCIHost

/// resizable-bar: a Resizable BAR's current and supported sizes (the capability `bars` reads),
/// and whether the guest's 64-bit MMIO window fits them. The guest sees the size the host left
/// the BAR at; SeaBIOS and the i440fx machine have no room for a BAR over 256 MiB (SeaBIOS maps
/// 64-bit BARs high only on q35-like layouts, src/fw/pciinit.c), so large BARs need q35 with
/// OVMF and a window of their size: QEMU's `pci-hole64-size` and OVMF's `X-PciMmio64Mb`
/// (OvmfPkg/Library/PlatformInitLib, read through fw_cfg `opt/ovmf/X-PciMmio64Mb`).
extension HostDoctor {
    func resizableBAR(_ card: Card) -> DoctorCheck {
        var evidence: [DoctorCheck.Evidence] = []
        var rebars: [(PCIAddress, ResizableBAR)] = []
        var unreadable: [PCIAddress] = []
        for f in card.functions {
            let source = sysfs.attribute(f.address, "config") + " (extended capability 0x15)"
            guard f.configSize >= 4096 else {
                // Conventional config space only: root reads 4096 bytes of a PCIe device.
                if f.supportsFLR != nil { unreadable.append(f.address); evidence.append(.init(source, "only \(f.configSize) bytes readable")) }
                continue
            }
            for r in f.resizableBARs {
                rebars.append((f.address, r))
                evidence.append(.init(source, "BAR \(r.index): \(sizeText(r.currentSize)) now, \(r.supportedSizes.map(sizeText).joined(separator: " ")) supported"))
            }
        }
        if rebars.isEmpty {
            if !unreadable.isEmpty {
                return DoctorCheck(.resizableBAR, .unknown, "cannot read the extended config space of \(unreadable.map(\.description).joined(separator: ", ")) (root only), so vbios cannot tell whether a BAR is resizable",
                                   evidence: evidence, steps: [.init(.command, "sudo vbios doctor \(card.device.address)", why: "root reads the whole config space")])
            }
            return DoctorCheck(.resizableBAR, .ok, "no Resizable BAR capability on \(card.addressList)", evidence: evidence)
        }
        let large = rebars.filter { $0.1.currentSize > 256 << 20 }
        let growable = rebars.filter { ($0.1.supportedSizes.last ?? 0) > $0.1.currentSize }
        let total64 = card.functions.flatMap { $0.bars.filter { $0.kind == .memory && $0.is64Bit } }.reduce(UInt64(0)) { $0 + $1.size }
        let gib = Self.hole64GiB(total64)
        var said = rebars.map { "BAR \($0.1.index) of \($0.0.short) is \(sizeText($0.1.currentSize)) (up to \(sizeText($0.1.supportedSizes.last ?? $0.1.currentSize)))" }
        if !growable.isEmpty, large.isEmpty {
            said.append("the guest sees the size the host leaves it at; if the firmware grows it (\"Re-Size BAR support\"), check again")
            return DoctorCheck(.resizableBAR, .ok, AdvisedText(said.joined(separator: "; ")), evidence: evidence)
        }
        if large.isEmpty { return DoctorCheck(.resizableBAR, .ok, AdvisedText(said.joined(separator: "; ")), evidence: evidence) }
        said.append("a BAR over 256 MiB fits no SeaBIOS or i440fx guest, and needs a 64-bit MMIO window of \(gib) GiB")
        var steps = [target.profile.largeBARGuest(hole64GiB: gib, largest: large.map(\.1.currentSize).max()!)]
        steps.append(.init(.firmwareSetting, "turn \"Re-Size BAR support\" off", why: "the BAR goes back to 256 MiB, which every guest firmware places"))
        return DoctorCheck(.resizableBAR, .warn, AdvisedText(said.joined(separator: "; ")), evidence: evidence, steps: steps)
    }
}
