import OptionROM

/// How `vbios patch` names what a patch message refers to: each `PatchOperation` by its flag, the
/// override and the commands that read a ROM. OptionROM words the facts with these names.
extension PatchNaming {
    static let cli = PatchNaming(
        operations: Dictionary(uniqueKeysWithValues: PatchOperation.allCases.map { ($0, PatchNaming.flag($0)) }),
        override: "--allow-broken", inspect: "`vbios info`", check: "`verify`")

    /// The flag of `patch` that asks for the operation (one line each; the switch is exhaustive).
    static func flag(_ operation: PatchOperation) -> String {
        switch operation {
        case .stripHeader: return "--strip-header"
        case .extract: return "--extract"
        case .dropEFI: return "--drop-efi"
        case .addEFI: return "--add-efi"
        case .replaceEFI: return "--replace-efi"
        case .compressEFI: return "--compress-efi"
        case .truncate: return "--truncate"
        case .setIDs: return "--set-ids"
        case .fixChecksum: return "--fix-checksum"
        case .checksumByte: return "--checksum-byte"
        case .padTo: return "--pad-to"
        }
    }
}
