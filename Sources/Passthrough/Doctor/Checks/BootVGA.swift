import OptionROM
import PCIHost
import Core

extension HostDoctor {
    func bootVGA(_ card: Card) -> DoctorCheck {
        let v = card.display
        guard v.bootVGA else {
            return DoctorCheck(.bootVGA, .ok, "\(v.address) is not the boot display: its ROM reads come from the card's own ROM, and the guest gets it as a secondary card (\(target.profile.primaryDisplayOption) only if the guest must boot on it)")
        }
        let igd = RuntimeCopyRule.isIntegrated(v)
        var msg = "\(v.address) is the boot display: the firmware ran its VGA BIOS and the host console is on it (lost when it is passed); primary passthrough needs \(target.profile.primaryDisplaySetting)"
        if let rom = v.rom, rom.shadowed {
            msg += "; the kernel's rom attribute gives the runtime copy at \(Hex.prefixed(rom.start)), not the flash"
            return DoctorCheck(.bootVGA, .warn, AdvisedText(msg),
                               fixes: [igd ? "An integrated GPU keeps its VGA BIOS only in the system firmware: the shadow copy is what Xen (gfx_passthru = \"igd\") and QEMU use; \(NextStep(.prepare, v.address.description)) takes it (rom-readable says what it is worth)."
                                           : "Whether the runtime copy will do for \(target.rawValue) is rom-readable's verdict; to free the card, make another GPU the boot display in the firmware setup."])
        }
        return DoctorCheck(.bootVGA, .warn, AdvisedText(msg), fixes: ["Make another GPU the boot display in the firmware setup if the host needs its console."])
    }
}
