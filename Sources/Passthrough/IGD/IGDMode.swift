/// How an Intel IGD is given to a QEMU guest (docs/igd-assign.txt, hw/vfio/igd.c): legacy mode,
/// the IGD at guest 00:02.0 as the only display, running its VBIOS with the host's OpRegion and
/// stolen memory; or Universal Pass-Through (UPT, Broadwell and newer), a secondary display beside
/// an emulated VGA that the guest's driver starts, with no VBIOS, no fixed address and no i440fx
/// requirement. The writers take legacy mode's settings (addr=02.0, x-igd-opregion, -vga none,
/// gfx_passthru="igd", legacy-igd=1, slot 0x02) only in legacy mode.
public enum IGDMode: String, Sendable, CaseIterable {
    case legacy, upt

    /// Legacy mode where QEMU's `igd_gen` knows the generation, UPT for the rest.
    public static func automatic(deviceID: UInt16) -> IGDMode {
        IGDGeneration.of(deviceID) != nil ? .legacy : .upt
    }

    /// The guest firmware when none is asked: SeaBIOS for legacy mode, since the guest firmware must
    /// reserve the OpRegion and stolen memory QEMU announces (fw_cfg `etc/igd-opregion`,
    /// `etc/igd-bdsm-size`), which upstream SeaBIOS does and upstream OVMF does not without an extra
    /// option ROM of EDK2 drivers (docs/igd-assign.txt, "Guest firmware"); nil (the target's default) in UPT.
    public static func defaultFirmware(_ mode: IGDMode) -> ROMPreparation.Firmware? {
        mode == .legacy ? .bios : nil
    }

    public static let firmwareStatement = "The guest firmware is SeaBIOS (bios), the default for an IGD in legacy mode: upstream SeaBIOS sets up the OpRegion and stolen memory QEMU hands over, upstream OVMF does not (QEMU docs/igd-assign.txt)."

    /// What an OVMF guest needs beyond Intel's GOP in legacy mode (docs/igd-assign.txt, "Guest
    /// firmware"): upstream OVMF neither copies the OpRegion (which carries the host's VBT, the table
    /// the GOP reads through its platform policy) nor reserves stolen memory, so the ROM must also
    /// hold IgdAssignmentDxe and a PlatformGopPolicy (EDK2 drivers, built for instance from VfioIgdPkg)
    /// ahead of IntelGopDriver, as `EfiRom -e IgdAssignmentDxe.efi PlatformGOPPolicy.efi IntelGopDriver.efi` builds it.
    public static let uefiStatement = "An OVMF guest of a legacy-mode IGD needs more than Intel's GOP: upstream OVMF sets up neither the OpRegion (the VBT comes from the host's, copied by x-igd-opregion=on) nor the stolen memory, so the IGD's ROM must also carry IgdAssignmentDxe and a PlatformGopPolicy (EDK2 drivers, e.g. built from VfioIgdPkg) before IntelGopDriver (QEMU docs/igd-assign.txt, \"Guest firmware\"); vbios cannot build those drivers."

    /// Why `mode` was chosen or what it asks of the guest, for the next steps.
    public static func statement(_ mode: IGDMode, deviceID: UInt16, asked: Bool) -> String {
        let gen = IGDGeneration.of(deviceID)
        switch mode {
        case .legacy:
            return gen.map { "The IGD is gen \($0.gen) (\($0.name)): written for QEMU's legacy mode" + (asked ? " as asked." : ".") }
                ?? "Legacy mode was asked for, but QEMU's legacy mode does not know this IGD's generation: QEMU will not set it up (it reports the IGD as unsupported)."
        case .upt:
            let why = asked ? "as asked" : "QEMU's legacy mode does not know this generation"
            return "The IGD is written for UPT mode (\(why)): it is a secondary display, so give the guest an emulated VGA (-vga std) as its primary one; "
                + "the guest's i915/xe driver starts the IGD (no VBIOS runs), and its physical outputs are not officially supported in this mode."
                + (IGDGeneration.supportsUPT(deviceID) ? "" : " This IGD is older than Broadwell, which UPT mode does not support.")
        }
    }
}
