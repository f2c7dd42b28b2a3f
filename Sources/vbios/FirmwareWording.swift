import Firmware

/// What `prepare --rom-from` says when a firmware image gives no single ROM or GOP driver: the
/// Firmware module's fact, then its next steps in the CLI's commands and flags.
extension FirmwareROMSelection.Failure {
    var worded: String {
        switch self {
        case .none:
            return description + " Run `vbios scan` on it to see everything inside, or pass the ROM itself with --rom."
        case .ambiguous:
            return description + "\nExtract them with `vbios scan FILE --out-dir DIR` and pass the right one with --rom."
        }
    }
}

extension FirmwareGOPSelection.Outcome {
    /// For prepare's `no-efi-image` note: what the search in `firmwarePath` found and what to do.
    func advice(firmwarePath: String) -> String? {
        guard let found = finding(firmwarePath: firmwarePath) else { return nil }
        switch self {
        case .notNeeded, .chosen: return nil
        case .ambiguous:
            return found + ". Extract them with `vbios scan \(firmwarePath) --out-dir DIR` and pass the card's with --add-efi FILE."
        case .none:
            return found + "; `vbios scan \(firmwarePath) --out-dir DIR` shows everything in it, and --add-efi FILE adds a driver you pick."
        }
    }
}
