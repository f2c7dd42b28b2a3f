import OptionROM
import PCIHost

extension HostDoctor {
    func bootVGA(_ card: Card) -> DoctorCheck {
        let v = card.display
        guard v.bootVGA else {
            let primary = target == .xen ? "gfx_passthru" : "x-vga=on"
            return DoctorCheck("boot-vga", .ok, "\(v.address) is not the boot display: its ROM reads come from the card's own ROM, and the guest gets it as a secondary card (\(primary) only if the guest must boot on it)")
        }
        let passOption = target == .xen ? "gfx_passthru = 1 in xl.cfg" : target == .qemu ? "x-vga=on on the -device vfio-pci line" : "the card as the guest's only display"
        let igd = v.vendorID == 0x8086 && v.address.bus == 0
        var msg = "\(v.address) is the boot display: the firmware ran its VGA BIOS and the host console is on it (lost when it is passed); primary passthrough needs \(passOption)"
        if let rom = v.rom, rom.shadowed {
            msg += "; the kernel's rom attribute gives the runtime copy at \(Hex.prefixed(rom.start)), not the flash"
            let hasROMBAR = (v.config.flatMap { ConfigBAR.romRegister($0) }?.address ?? 0) != 0
            if !hasROMBAR && !igd {
                return DoctorCheck("boot-vga", .fail, msg + ", and config space shows no ROM BAR address, so the flash cannot be read on this host",
                                   fixes: ["Use the vendor's ROM file for this exact card (same subsystem IDs) with `vbios prepare \(v.address) --rom FILE`, or make another GPU the boot display in the firmware setup and dump again."])
            }
            return DoctorCheck("boot-vga", .warn, msg,
                               fixes: [igd ? "An integrated GPU keeps its VGA BIOS only in the system firmware: the shadow copy is what Xen (gfx_passthru = \"igd\") and QEMU use; `vbios dump \(v.address) --source shadow -o igd.rom` saves it."
                                           : "Read the flash instead: `vbios dump \(v.address) --source rombar -o card.rom`, or use the vendor's ROM file, or make another GPU the boot display in the firmware setup."])
        }
        return DoctorCheck("boot-vga", .warn, msg, fixes: ["Make another GPU the boot display in the firmware setup if the host needs its console."])
    }
}
