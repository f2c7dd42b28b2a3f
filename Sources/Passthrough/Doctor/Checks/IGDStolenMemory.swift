import PCIHost
import Core

/// igd-stolen-memory: the Data Stolen Memory the firmware gave the IGD (GMS in the GMCH Graphics
/// Control register, config 0x50 from Sandy Bridge on), which QEMU asks the guest firmware to
/// reserve (fw_cfg `etc/igd-bdsm-size`) and the VBIOS or GOP uses as its framebuffer. QEMU takes
/// the host's value unless `x-igd-gms` overrides it, and refuses GMS above 0x10 before gen 9
/// (`igd_stolen_memory_size`, hw/vfio/igd.c).
extension HostDoctor {
    func igdStolenMemory(_ card: Card) -> DoctorCheck {
        let igd = card.display
        let source = sysfs.attribute(igd.address, "config") + "@0x50 (GMCH/GGC)"
        guard let gen = IGDGeneration.of(igd.deviceID) else {
            return DoctorCheck(.igdStolenMemory, .ok,
                "\(igd.address) (8086:\(Hex.string(igd.deviceID, width: 4))) is a generation QEMU's legacy mode does not know, so its stolen memory is not set up for the guest (UPT mode needs none)")
        }
        guard let gmch = Self.register(igd, IntelIGDFields.gmch).map(UInt16.init) else {
            return Self.igdUnreadable(.igdStolenMemory, igd, source, what: "the GMCH register")
        }
        let gms = gen.gms(gmch: gmch)
        let evidence = [DoctorCheck.Evidence(source, Hex.prefixed(gmch, width: 4) + " (GMS " + Hex.prefixed(gms, width: 2) + ")")]
        let dvmt = DoctorCheck.Step(.firmwareSetting, "set \"DVMT Pre-Allocated\" to 64M or more (up to 512M before Skylake)",
                                    why: "the GMS field follows it, and the guest gets the same size")
        guard let mib = gen.stolenMiB(gmch: gmch) else {
            return DoctorCheck(.igdStolenMemory, .fail,
                "\(igd.address)'s GMS \(Hex.prefixed(gms, width: 2)) asks for more than 512 MiB of stolen memory, which QEMU refuses for gen \(gen.gen) (\(gen.name))",
                evidence: evidence,
                steps: [dvmt, .init(.guest, "x-igd-gms=0x2 on the IGD's -device vfio-pci (64 MiB)", why: "QEMU then reports that size to the guest instead of the host's")])
        }
        guard mib > 0 else {
            return DoctorCheck(.igdStolenMemory, .fail,
                "\(igd.address) has no stolen memory (GMS 0): its VBIOS or GOP has no framebuffer in legacy mode", evidence: evidence,
                steps: [dvmt, .init(.guest, "x-igd-gms=0x2 on the IGD's -device vfio-pci (64 MiB)", why: "when the firmware setup cannot change it")])
        }
        let vga = IGDGeneration.vgaDisabled(gmch: gmch) ? "; the firmware disabled the IGD's VGA (GGC bit 1), so legacy mode's VGA ranges stay off" : ""
        return DoctorCheck(.igdStolenMemory, vga.isEmpty ? .ok : .warn,
            "\(igd.address) has \(mib) MiB of stolen memory (GMS \(Hex.prefixed(gms, width: 2)), gen \(gen.gen) \(gen.name)); the guest firmware reserves the same\(vga)",
            evidence: evidence)
    }
}
