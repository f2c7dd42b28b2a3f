import PCIHost
import Core

/// igd-legacy-mode: whether QEMU's legacy IGD mode applies to this generation (`igd_gen` in
/// hw/vfio/igd.c knows Sandy Bridge to Raptor Lake; others get -1 and legacy mode is refused), and
/// what else it needs: the IGD as the host's boot display (docs/igd-assign.txt condition #4). Where
/// it does not apply, Universal Pass-Through (Broadwell and newer) passes the IGD as a secondary
/// display beside an emulated VGA, without its VBIOS.
extension HostDoctor {
    func igdLegacyMode(_ card: Card) -> DoctorCheck {
        let igd = card.display
        let ids = "8086:" + Hex.string(igd.deviceID, width: 4)
        let evidence = [DoctorCheck.Evidence(sysfs.attribute(igd.address, "device"), Hex.prefixed(igd.deviceID, width: 4)),
                        DoctorCheck.Evidence(sysfs.attribute(igd.address, "boot_vga"), igd.bootVGA ? "1" : "0")]
        guard let gen = IGDGeneration.of(igd.deviceID) else {
            let upt = IGDGeneration.supportsUPT(igd.deviceID)
            return DoctorCheck(.igdLegacyMode, upt ? .warn : .fail,
                "\(igd.address) (\(ids)) is a generation QEMU's legacy IGD mode does not support (it knows Sandy Bridge to Raptor Lake)"
                    + (upt ? "; pass it in UPT mode: a secondary display beside an emulated VGA, no VBIOS, the guest's driver starts it"
                           : "; it is older than Sandy Bridge, which neither legacy nor UPT mode supports"),
                evidence: evidence,
                steps: upt ? [.init(.guest, "the IGD at any guest address but 00:02.0 (x-igd-legacy-mode=off where QEMU lists it), with an emulated VGA (-vga std) as the guest's primary display",
                                    why: "UPT mode: QEMU then sets up nothing of legacy mode and the guest's i915/xe driver drives the IGD")] : [])
        }
        guard igd.bootVGA else {
            return DoctorCheck(.igdLegacyMode, .warn,
                "\(igd.address) (\(ids), gen \(gen.gen) \(gen.name)) is supported by QEMU's legacy mode, but it is not the host's boot display, which its VBIOS needs",
                evidence: evidence,
                steps: [.init(.firmwareSetting, "make the IGD the primary display", why: "legacy mode needs the IGD as the boot VGA (docs/igd-assign.txt #4)"),
                        .init(.guest, "x-igd-legacy-mode=off (UPT mode) if it must stay secondary", why: "the guest then drives it without its VBIOS")])
        }
        return DoctorCheck(.igdLegacyMode, .ok,
            "\(igd.address) (\(ids)) is gen \(gen.gen) (\(gen.name)), which QEMU's legacy IGD mode supports; it is the boot display",
            evidence: evidence)
    }
}
