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
        /// Read with another ROM source (`value`: its name, as the CLI's source option takes it).
        case readSource = "read-source"
        /// Take the card from its driver (the CLI's unbind command).
        case unbind
        /// Search a file for the ROMs inside it (`value`: the file, when one is meant).
        case scan
        /// List the PCI devices, to see what is there.
        case list
        /// List every PCI device, not only the displays: the addresses on this machine.
        case listAll = "list-all"
        /// Read the device's ROM the way that may enable it for the moment (the CLI's dump;
        /// `value`: the device, read into a file).
        case dump
        /// Read a device's ROM into a regular file first (`value`: the device, when known).
        case dumpToFile = "dump-to-file"
        /// The sys tree given instead of /sys may not be a real one.
        case checkSysfsTree = "check-sysfs-tree"
        /// Prepare from the card's own ROM file instead of reading the card (`value`: the card).
        case prepareWithROMFile = "prepare-with-rom-file"
        /// Run again with the override that replaces an existing file.
        case replace
        /// Bind with this driver instead (`value`: its name; pciback under Xen needs no driver_override).
        case bindWith = "bind-with"
        /// Bind this device (`value`: its address) to vfio-pci as well.
        case bindToVFIO = "bind-to-vfio"
        /// Run the host's checks again (`value`: the card).
        case doctor
        /// Run the host's checks again as root (`value`: the card): root reads what this user cannot.
        case doctorAsRoot = "doctor-as-root"
        /// Read the card's flash through its ROM BAR into a file (`value`: the card).
        case dumpFromROMBAR = "dump-from-rom-bar"
        /// Take the ROMs out of a firmware image or the vendor's file into a folder.
        case extractROMs = "extract-roms"
        /// Prepare the card (`value`: its address): reads its ROM and writes the configs.
        case prepare
        /// Make pciback take the card at boot (`value`: the card).
        case persistPciback = "persist-pciback"
        /// List what the firmware image holds, extracted, to choose from (the message names the image).
        case scanFirmware = "scan-firmware"
        /// Give the EFI driver to add to the ROM yourself (`why`: which one).
        case addEFIDriver = "add-efi-driver"
        /// Patch the ROM file (`value`: the patch operation and its argument, as `PatchOperation`
        /// names it: `fix-checksum`, `set-ids 10de:1b80`).
        case patch
        /// Prepare from the ROM file, which drops what the card does not expose.
        case prepareWithROM = "prepare-with-rom"
        /// Prepare for a hypervisor (`value`: its name).
        case prepareFor = "prepare-for"
        /// Read the ROM through the ROM BAR (dump's source option).
        case dumpFromROMBARSource = "dump-from-rom-bar-source"
        /// `patch`, named inside a parenthesis of running text (unquoted).
        case patchCommand = "patch-command"
        /// Give the card's other functions too (`value`: an address; prepare's option).
        case with
        /// Write the card's IDs into a ROM made for another chip (prepare's option).
        case retarget
        /// Read this card's ROM (`value`: the card).
        case dumpDevice = "dump-device"
        /// The patch operation's option, as a name inside a message (`value`: the operation).
        case patcherOption = "patcher-option"
        /// The guest firmware option (`value`: bios or uefi).
        case firmware
        /// Change the persisted binding, or remove it (persist's command).
        case persistOrRemove = "persist-or-remove"
        /// Bind each function to a driver (`value`: the driver).
        case bindEachTo = "bind-each-to"
        /// Take this one of a firmware image's candidate ROMs (`why`: how they are numbered).
        case firmwareCandidate = "firmware-candidate"
    }

    public var action: Action
    /// What the step acts on (a path, an address, an image, a command); nil when nothing.
    public var value: String?
    /// Why, in one sentence; nil when the message around it says it.
    public var why: String?

    /// The step as its action and value (`[patch fix-checksum]`): what a reader without the CLI's
    /// words sees (a test, a library used on its own).
    public var neutral: String { "[" + ([action.rawValue] + (value.map { [$0] } ?? [])).joined(separator: " ") + "]" }

    public init(_ action: Action, _ value: String? = nil, why: String? = nil) {
        self.action = action
        self.value = value
        self.why = why
    }
}
