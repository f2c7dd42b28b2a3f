import Core
import Firmware
import OptionROM
import PCIHost

extension Preparation {
    /// What `plan()` found and would write. Libraries never print: every note is a value the
    /// CLI words (`Note`), every refusal a `Failure`.
    public struct Plan {
        /// Where the ROM will live on the VM host (what the configs name).
        public var romPath: String
        /// The guest firmware the plan is for.
        public var firmware: ROMPreparation.Firmware
        /// Where the ROM came from.
        public var provenance = Provenance(kind: .none, origin: "none")
        /// The ROM as acquired, before any step; nil when none could be had.
        public var input: [UInt8]?
        /// Why there is no ROM and what the guest gets without one (nil: there is one).
        public var noROM: AdvisedText?
        /// The GOP driver taken from the firmware image, and the image it came from.
        public var gop: FirmwareGOPSelection.Candidate?
        /// What the search for a GOP driver found when it added none (said in the `no-efi-image` note).
        public var gopAdvice: String?
        /// The EFI driver added to the ROM (the GOP's bytes, or the file's).
        public var driver: [UInt8]?
        /// The ROM prepared for the target: its bytes, notes and the consumers' verdicts.
        public var prepared: ROMPreparation.Result?
        /// What platform stages added to the ROM before its preparation (an IGD's helper drivers).
        public var assembly: [Finding] = []
        /// The GOP driver as its own ROM for the card's HD-audio function (an APU), and where
        /// the configs say it lives on the VM host.
        public var gopROM: APUGOPROM.Result?
        public var gopROMPath: String?
        /// The files, the ROM's first.
        public var files: [File] = []
        /// What happened on the way, in order (the CLI words each).
        public var notes: [Note] = []
        /// What to do with the files, in order, in words (the hypervisor profile's).
        public var steps: [String] = []

        public init(romPath: String, firmware: ROMPreparation.Firmware) {
            self.romPath = romPath
            self.firmware = firmware
        }

        /// What was found about the ROMs, in order: what went into the ROM before its
        /// preparation, the prepared ROM's notes, the GOP ROM's. A GOP in its own ROM answers the
        /// `no-efi-image` note about the ROM, which is then left out.
        public var findings: [Finding] {
            assembly + (prepared?.notes ?? []).filter { gopROM == nil || $0.code != .noEFIImage } + (gopROM?.notes ?? [])
        }

        /// What was accepted though a rule would refuse it or warn, and why.
        public var acceptances: [Accepted] {
            notes.compactMap { if case .accepted(let a) = $0 { a } else { nil } }
        }
    }

    /// One file of the plan.
    public struct File: Sendable {
        public enum Kind: String, Sendable { case rom, config }
        public var name: String
        public var bytes: [UInt8]
        /// Permission bits it is written with: 0644 for every file (SystemIO's `FileSet` writes
        /// no other), said in the plan for scripts.
        public let mode: UInt32 = 0o644
        public var kind: Kind
        public init(name: String, bytes: [UInt8], kind: Kind) {
            self.name = name
            self.bytes = bytes
            self.kind = kind
        }
    }

    /// Where the ROM came from, for the report (`romSource`) and scripts (`romProvenance`).
    public struct Provenance: Sendable {
        public enum Kind: String, Sendable {
            case device, file, vfct, none
            case firmwareImage = "firmware-image"
        }
        public var kind: Kind
        /// One line: the source and where (`sysfs (/sys/...)`, a path, `FIRMWARE: summary`).
        public var origin: String
        /// The file or firmware image read.
        public var path: String?
        /// The reader's source (`sysfs`, `shadow`, `rombar`, `vfct`, `acpi-rom`, `driver`) and its location.
        public var source: String?
        public var location: String?
        /// A firmware image's ROM names the card's IDs itself (false: its device list includes them).
        public var exact: Bool?
        public init(kind: Kind, origin: String) {
            self.kind = kind
            self.origin = origin
        }
    }

    /// Something accepted that a rule refuses or doubts, and why.
    public struct Accepted: Sendable {
        public enum Kind: String, Sendable {
            /// A runtime (shadow) copy of the VGA BIOS.
            case runtimeCopy = "runtime-copy"
            /// A ROM whose verdict is fail.
            case brokenROM = "broken-rom"
            /// A ROM file for another chip, given the card's IDs.
            case anotherChip = "another-chip"
        }
        public var kind: Kind
        /// Why it is doubted or refused (a sentence).
        public var reason: String
        /// true: accepted only because the user overrode the rule (allow-broken, retarget);
        /// false: the rule itself accepts it here (an IGD's or Xen's runtime copy).
        public var overridden: Bool
        /// The errors behind a broken ROM's verdict.
        public var errors: [Finding] = []
        public init(_ kind: Kind, reason: String, overridden: Bool, errors: [Finding] = []) {
            self.kind = kind
            self.reason = reason
            self.overridden = overridden
            self.errors = errors
        }
    }

    /// What happened on the way that a person should know, typed; the CLI words it.
    public enum Note: Sendable {
        /// The firmware image holds no ROM naming the card's IDs itself; one whose device list
        /// includes them was taken.
        case inexactFirmwareMatch(firmware: String)
        /// Accepted though a rule doubts it (also in `Plan.acceptances`).
        case accepted(Accepted)
        /// A finding of the read itself (a shadow copy, a driver's copy).
        case readFinding(Finding)
        /// Two reads of the ROM differed (the driver is using the card).
        case unstableRead
        /// BAR mapping was asked for a hypervisor whose config has no such thing.
        case rangesIgnored
        /// The firmware image holds no ROM naming the IGD itself; Intel's all-device VBIOS
        /// (8086:FFFF), the IGD's own, was taken.
        case allDeviceVBIOS(firmware: String)
        /// The mode an Intel IGD is written for (`IGDMode.statement`), and whether it was asked.
        case igdMode(IGDMode, deviceID: UInt16, asked: Bool)
        /// The guest firmware is SeaBIOS, the default for an IGD in legacy mode (`IGDMode.firmwareStatement`).
        case igdFirmwareDefault
        /// An OVMF guest of a legacy-mode IGD needs EDK2 drivers beyond Intel's GOP (`IGDMode.uefiStatement`).
        case igdOVMFNeedsDrivers
        /// The image holds variants of the card's ROM (same IDs and length, a few bytes apart: a
        /// table the firmware picks at run time); the first by address was taken, these are the others.
        case firmwareVariant(firmware: String, alternatives: [String])

        /// Its registry name (JSON `code`).
        public var code: String {
            switch self {
            case .inexactFirmwareMatch: "inexact-firmware-match"
            case .accepted(let a): a.kind.rawValue
            case .readFinding(let f): f.code.rawValue
            case .unstableRead: "unstable-read"
            case .rangesIgnored: "ranges-ignored"
            case .allDeviceVBIOS: "all-device-vbios"
            case .igdMode: "igd-mode"
            case .igdFirmwareDefault: "igd-firmware-default"
            case .igdOVMFNeedsDrivers: "igd-ovmf-drivers"
            case .firmwareVariant: "firmware-variant"
            }
        }
    }

    /// Why `plan()` refused; the CLI words each with what to try.
    public enum Failure: Error {
        /// The hypervisor cannot load the ROM from the path asked for.
        case romPath(PassthroughError)
        /// The firmware image's ROMs: none, or several, for the card.
        case firmwareROM(path: String, FirmwareROMSelection.Failure)
        /// A runtime copy the target cannot use; what to use instead.
        case runtimeCopy(reason: String, instead: RuntimeCopyRule.NextStep)
        /// The ROM cannot be prepared for the target (with the GOP driver taken, if one was).
        case unprepared(PassthroughError, gop: FirmwareGOPSelection.Candidate?)
        /// The prepared ROM's verdict is fail: its first errors, where it came from, where it would go.
        case broken(errors: [Finding], origin: String, output: String)
        /// The GOP was to go in its own ROM for the HD-audio function, but the card (its ROM function here) has none.
        case noAudioFunction(PCIAddress)
        /// The GOP ROM for the HD-audio function cannot be built (a driver for another chip, another CPU).
        case gopROM(PassthroughError)
        /// IGD helper drivers were given, but the card is not an IGD in legacy mode with an OVMF guest.
        case igdDriversNotApplicable
        /// An IGD helper driver cannot be added to the ROM.
        case igdDrivers(PassthroughError)
    }
}
