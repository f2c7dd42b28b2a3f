import Core
import PCIHost

/// A card with no ROM to be had (no ROM resource, or every source read nothing with an image):
/// its configs are still written, with the guest's ROM BAR off, and `statement` says what that
/// means. A read that was denied or failed is not "no ROM": running as root, or after unbinding
/// the driver, may cure it, so it stays an error.
public enum MissingROM {
    public static func isAbsent(_ failure: ROMReader.Failure) -> Bool {
        switch failure {
        case .nothingToRead: return true
        // The kernel's shadow belongs to another card: this card's ROM may well exist.
        case .notBootVGAShadow: return false
        case let .nothingRead(candidates):
            return candidates.allSatisfy { c in
                guard let e = c.error else { return true }
                switch e.reason {
                case .permissionDenied, .deviceGone, .memoryOpen, .memoryRead, .memoryMap, .readFailed, .decodingOff, .stillDisabled, .disabled:
                    return false
                default: return true
                }
            }
        }
    }

    /// Why there is no ROM, and what a guest gets without one.
    public static func statement(_ card: PassthroughCard, target: PassthroughTarget, why: AdvisedText) -> AdvisedText {
        let rom = card.romFunction
        let after: String = "\nThe \(target) configuration is written without one, with the guest's ROM BAR off (rombar=0; libvirt <rom bar='off'/>): "
            + "the guest sees no option ROM on the card, so its firmware (OVMF or SeaBIOS) shows nothing on it at boot, and the card "
            + "starts only when the guest's own driver brings it up from its own copy of the VBIOS (Linux's amdgpu and nouveau can, "
            + "from the ACPI VFCT or the driver's firmware; Windows drivers often cannot). A primary display needs the ROM: give the "
            + "card's ROM file, or a system firmware image that holds it, and prepare again."
        var text = AdvisedText("No ROM could be had for \(rom.address) (\(rom.pciIDs)): ")
        text += why
        text += after
        return text
    }
}
