import Firmware

/// What `prepare --rom-from` says when a firmware image gives no single ROM or GOP driver: the
/// Firmware module's fact, then its next steps in the CLI's commands and flags.
extension FirmwareROMSelection.Failure {
    var worded: String {
        switch self {
        case .none:
            return description + " Run `vbios scan` on it to see everything inside, or pass the ROM itself with --rom."
        case .gopOnly:
            return description + " Extract it with `vbios scan FILE --extract DIR`, then `vbios prepare ADDR --rom VBIOS --add-efi DIR/GOP.efi`"
                + " (the VBIOS from `vbios dump ADDR` on the host); or boot the guest with such an image as its OVMF."
        case .noSuchChoice:
            return description + "\nPass one of these numbers with --rom-choice."
        }
    }
}
