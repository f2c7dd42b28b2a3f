import PCIHost
import OptionROM
import Core

/// igd-opregion: the IGD's OpRegion (the VBT, the display outputs) is where the system firmware
/// said: ASLS (config 0xFC) holds its physical address, zero when there is none. QEMU copies it to
/// the guest for `x-igd-opregion=on` and legacy mode (the vfio-pci OpRegion region, which the
/// kernel offers only when ASLS is set: drivers/vfio/pci/vfio_pci_igd.c); without it the guest's
/// VBIOS and GOP find no outputs (docs/igd-assign.txt, condition #1).
extension HostDoctor {
    func igdOpRegion(_ card: Card) -> DoctorCheck {
        let igd = card.display
        let source = sysfs.attribute(igd.address, "config") + "@0xfc (ASLS)"
        guard let asls = Self.register(igd, IntelIGDFields.asls).map(UInt32.init) else {
            return Self.igdUnreadable(.igdOpRegion, igd, source, what: "the OpRegion address")
        }
        let evidence = [DoctorCheck.Evidence(source, Hex.prefixed(asls, width: 8))]
        guard asls != 0 else {
            // Legacy mode cannot do without it; UPT mode can (the guest's driver then has no outputs).
            let legacy = IGDGeneration.of(igd.deviceID) != nil
            return DoctorCheck(.igdOpRegion, legacy ? .fail : .warn,
                "\(igd.address) has no OpRegion: ASLS (config 0xFC) is 0, so the guest gets no VBT and "
                    + (legacy ? "its VBIOS or GOP finds no display outputs" : "its driver drives no physical outputs"),
                evidence: evidence,
                steps: [.init(.firmwareSetting, "the IGD enabled, as the primary display",
                              why: "the system firmware writes ASLS only when it sets up the IGD")])
        }
        return DoctorCheck(.igdOpRegion, .ok,
            "\(igd.address)'s OpRegion is at \(Hex.prefixed(asls, width: 8)) (ASLS); QEMU copies it to the guest with x-igd-opregion=on",
            evidence: evidence)
    }

    /// An IGD register from `d`'s config space (`IntelIGDFields`), nil when not that much was read.
    static func register(_ d: PCIDevice, _ field: ROMField) -> UInt64? { d.config?.read(field) }

    /// A check that cannot look: beyond the first 64 bytes, config space is root's.
    static func igdUnreadable(_ id: DoctorCheck.ID, _ d: PCIDevice, _ source: String, what: String) -> DoctorCheck {
        DoctorCheck(id, .unknown, "cannot read \(what) of \(d.address): only \(d.config?.count ?? 0) bytes of its config space are readable (root reads 256)",
                    evidence: [.init(source, "unreadable")],
                    steps: [.init(.command, "sudo vbios doctor \(d.address)", why: "root reads the whole config space")])
    }
}
