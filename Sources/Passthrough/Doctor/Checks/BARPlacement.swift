import OptionROM
import PCIHost
import Core

extension HostDoctor {
    func barPlacement(_ card: Card) -> DoctorCheck {
        let bars = card.functions.flatMap { f in f.bars.filter { $0.kind == .memory }.map { (f.address, $0) } }
        let unassigned = bars.filter { $0.1.unset || $0.1.size == 0 }
        if !unassigned.isEmpty {
            return DoctorCheck(.barPlacement, .fail,
                "the host kernel did not assign \(unassigned.map { "BAR \($0.1.index) of \($0.0)" }.joined(separator: ", ")): a device with an unassigned BAR cannot be passed",
                fixes: ["Enable \"Above 4G decoding\" (and for Resizable BAR cards \"Re-Size BAR support\") in the firmware setup, or add `pci=realloc` to the kernel command line; `dmesg | grep -i 'BAR'` shows why it failed."])
        }
        let high = bars.filter { $0.1.start >= 1 << 32 }
        let large = bars.filter { $0.1.size >= 256 << 20 }
        let total = bars.reduce(UInt64(0)) { $0 + $1.1.size }
        func list(_ l: [(PCIAddress, BAR)]) -> String {
            l.map { "BAR \($0.1.index) of \($0.0.short) (\(sizeText($0.1.size)) at \(Hex.prefixed($0.1.start)))" }.joined(separator: ", ")
        }
        if high.isEmpty && large.isEmpty {
            return DoctorCheck(.barPlacement, .ok, "memory BARs total \(sizeText(total)), all below 4 GiB and under 256 MiB each: they fit the guest's default MMIO hole")
        }
        var parts: [String] = []
        if !high.isEmpty { parts.append("64-bit BARs above 4 GiB on the host: \(list(high))") }
        if !large.isEmpty { parts.append("large BARs: \(list(large))") }
        parts.append("memory BARs total \(sizeText(total))")
        let gib = Self.hole64GiB(bars.filter { $0.1.is64Bit }.reduce(UInt64(0)) { $0 + $1.1.size })
        let fix = target.profile.barPlacementAdvice(totalBytes: total, hole64GiB: gib)
        return DoctorCheck(.barPlacement, .warn, AdvisedText(parts.joined(separator: "; ")), fixes: [AdvisedText(fix)])
    }

    /// xl's `mmio_hole` in MB: the BARs plus room for the emulated devices, rounded up to a power
    /// of two so that each BAR can be aligned; xl takes 256 to 3840.
    static func mmioHoleMB(_ total: UInt64) -> UInt64 {
        let mb = (total + (256 << 20) + (1 << 20) - 1) >> 20
        var p: UInt64 = 512
        while p < mb { p <<= 1 }
        return min(p, 3840)
    }

    /// A 64-bit PCI hole that holds the BARs twice over, in GiB (at least 32, QEMU's and OVMF's usual size).
    static func hole64GiB(_ total: UInt64) -> UInt64 {
        var g: UInt64 = 32
        while g << 30 < total * 2 { g <<= 1 }
        return g
    }
}
