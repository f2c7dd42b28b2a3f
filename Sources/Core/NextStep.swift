/// Something the user can do next, named by a library and worded by the CLI: the libraries know
/// what would help, only the CLI knows its own flags and commands (`vbios/NextStepWording.swift`
/// says each action in words, one case each). A script reads the same value from `--json`.
///
/// The actions are one registry, as `Finding.Code` is: a new kind of advice is a new case here
/// and a new line in the wording table (the switch there is exhaustive, so the compiler asks).
public struct NextStep: Sendable, Equatable {
    public enum Action: String, Sendable, CaseIterable {
        /// Run again with the override that accepts what was refused (a broken ROM, a runtime copy).
        case allowBroken = "allow-broken"
        /// Run again as root (or with the capability the read needs).
        case runAsRoot = "run-as-root"
        /// Read the ROM from this file instead (`value`: what the file should be).
        case romFile = "rom-file"
        /// Read the ROM out of the vendor's system firmware image.
        case romFromFirmware = "rom-from-firmware"
        /// Choose one of several candidates (`value`: the candidate).
        case choose
        /// A shell command to run as root (`value`: the command).
        case command
        /// List what the firmware image holds, extracted, to choose from (the message names the image).
        case scanFirmware = "scan-firmware"
        /// Give the EFI driver to add to the ROM yourself (`why`: which one).
        case addEFIDriver = "add-efi-driver"
    }

    public var action: Action
    /// What the step acts on (a path, an address, an image, a command); nil when nothing.
    public var value: String?
    /// Why, in one sentence; nil when the message around it says it.
    public var why: String?

    public init(_ action: Action, _ value: String? = nil, why: String? = nil) {
        self.action = action
        self.value = value
        self.why = why
    }
}
