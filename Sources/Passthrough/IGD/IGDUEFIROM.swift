import OptionROM
import Core

/// An Intel IGD's ROM for an OVMF guest, as QEMU's docs/igd-assign.txt ("Guest firmware") has
/// people build it with EDK2's EfiRom (`-e IgdAssignmentDxe.efi PlatformGOPPolicy.efi
/// IntelGopDriver.efi`): the VBIOS, then the EDK2 drivers that set up the OpRegion and stolen
/// memory and hand the GOP its VBT, then Intel's GOP (added after these by the preparation, from
/// `--add-efi` or the firmware image). Each driver goes in through OptionROM's patcher, in order,
/// as an EFI image naming the VBIOS's IDs.
public enum IGDUEFIROM {
    /// `rom` with each of `drivers` (PE32+/TE files or EFI option ROMs) added as an EFI image, in order.
    public static func withDrivers(_ rom: [UInt8], drivers: [[UInt8]], names: [String]) throws(PassthroughError) -> (bytes: [UInt8], notes: [Finding]) {
        var bytes = rom
        var notes: [Finding] = []
        for (file, name) in zip(drivers, names) {
            var plan = PatchPlan()
            plan.addEFI = file
            do {
                let r = try ROMPatcher.apply(plan, to: bytes)
                bytes = r.bytes
                let image = r.layout.efiImages.last
                notes.append(Finding(.info, .extraImages, at: image?.offset,
                    "Added \(name) as EFI image \(r.layout.images.count - 1) (\(image?.length ?? 0) bytes) for the IGD's OVMF guest, ahead of Intel's GOP."))
            } catch {
                throw PassthroughError("Cannot add \(name) to the IGD's ROM: \(error.description)")
            }
        }
        return (bytes, notes)
    }
}
