import Firmware

/// What `prepare --rom-from` says when a firmware image gives no single ROM or GOP driver: the
/// Firmware module's fact, then its next steps in the CLI's commands and flags.
extension FirmwareROMSelection.Failure {
    var worded: String {
        switch self {
        case .none:
            return description + " Run `vbios scan` on it to see everything inside, or pass the ROM itself with --rom."
        case .ambiguous:
            return description + "\nExtract them with `vbios scan FILE --out-dir DIR` and pass the right one with --rom, or take one by its number with --rom-candidate N."
        }
    }
}
