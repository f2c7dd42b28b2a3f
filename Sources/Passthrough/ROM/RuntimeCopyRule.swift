import OptionROM
import PCIHost
import Core

/// What a runtime (shadow) copy of a VGA BIOS is worth for each target: the one rule that
/// `doctor` (rom-readable), `prepare` and `dump` apply, so that they never disagree.
///
/// A runtime copy is the BIOS after it ran on the host: its init code may have been dropped and
/// its data area written (`RuntimeEvidence`). Where it is usable:
/// - an integrated GPU (Intel on bus 0) has no flash of its own: the system firmware's VGA BIOS,
///   as shadowed, is the only copy, and what Xen's `gfx_passthru = "igd"` and QEMU's IGD
///   assignment load (QEMU docs/igd-assign.txt);
/// - a hypervisor that itself loads the host's shadowed VGA BIOS (its profile's
///   `loadsHostRuntimeCopy`: Xen), so the copy is what the guest would get anyway;
/// - a file kept for study (`dump`): usable, said to be a runtime copy.
/// Refused: a discrete card for QEMU/libvirt, where OVMF or SeaBIOS would run the copy again on
/// a card whose flash holds the pristine BIOS (vfio's `romfile=` expects the flash image).
public enum RuntimeCopyRule {
    public enum Use: Sendable, Equatable {
        /// Usable; the note says what it is.
        case usable(note: String)
        /// Not usable for the target; the reason, and what to use instead (a `NextStep`).
        case refused(reason: String, instead: NextStep)
    }

    /// What to use instead of a refused runtime copy.
    public enum NextStep: String, Sendable, Equatable {
        /// Read the flash through the ROM BAR (the card has one).
        case readFlash = "read-flash"
        /// The vendor's ROM file for this exact card, or one dumped where the card is not the boot display.
        case vendorFile = "vendor-file"
    }

    /// Intel's integrated GPU: its VGA BIOS lives only in the system firmware.
    public static func isIntegrated(_ d: PCIDevice) -> Bool { GPUVendor(pciVendorID: d.vendorID) == .intel && d.address.bus == 0 }

    /// The rule. `target` nil: the copy is kept as a file (`dump`), for no consumer yet.
    public static func judge(_ d: PCIDevice, for target: PassthroughTarget?, hasROMBAR: Bool) -> Use {
        let what = "a runtime copy (the VGA BIOS after it ran on the host, as shadowed at 0xC0000)"
        if isIntegrated(d) {
            return .usable(note: "\(what): an integrated GPU has no flash of its own, so this copy is the one Xen and QEMU load")
        }
        guard let target else { return .usable(note: "\(what): keep it for study; a guest needs the flash image") }
        if let why = target.profile.loadsHostRuntimeCopy { return .usable(note: "\(what): \(why)") }
        return .refused(reason: "\(d.address) is the host's boot display and only \(what) can be read: a discrete card's guest firmware (OVMF, SeaBIOS) must run the flash image, not a copy that already ran",
                        instead: hasROMBAR ? .readFlash : .vendorFile)
    }
}
