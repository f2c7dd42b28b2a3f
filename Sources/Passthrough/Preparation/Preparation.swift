import Core
import Firmware
import OptionROM
import PCIHost

/// `prepare`'s whole job as one request: the card, where its ROM comes from, a GOP driver to add,
/// the guest firmware, the hypervisor and where the ROM will live on the VM host. `plan()` runs
/// `stages` in order and returns a `Plan` (the bytes and files to write, what was found, what
/// was accepted and why, the next steps) without writing anything: the CLI renders it and
/// writes `Plan.files` through SystemIO's `FileSet`.
///
/// Extending it: a platform that needs more is a function `(Preparation, inout Plan) throws`
/// plus one line in `standardStages` (or in a request's own `stages`), as an Intel IGD's mode and
/// OVMF helper drivers and an APU's GOP ROM for its audio function are (`Preparation+Platforms`);
/// the ROM's byte steps are `ROMPreparation.steps`, extended the same way. No stage reads
/// another's text.
public struct Preparation {
    /// Where the ROM comes from.
    public enum Origin {
        /// Read from the card's ROM function (`ROMReader`), or why nothing could be read.
        /// `automatic`: the reader chose the sources (a card with nothing to read then still gets
        /// its configs). `acpi`: where an `acpi-rom` read found its image, one line per fact.
        case device(PCIDevice, read: Result<ROMReader.DeviceROM, ROMReader.Failure>, automatic: Bool, acpi: [String]?)
        /// A ROM file the user gave.
        case file(path: String, bytes: [UInt8])
        /// A system firmware image, walked: the card's ROM is chosen in it by the card's IDs.
        case firmwareImage(path: String, report: FirmwareReport)
    }

    /// An EFI driver for OVMF guests.
    public enum GOP {
        /// The firmware image's GOP driver for the card's vendor, when the ROM comes from a
        /// firmware image, the guest is UEFI and the ROM has no X64 EFI image; else none.
        case automatic
        /// This driver (PE32+/TE, or an EFI option ROM), read from `path`.
        case file(path: String, bytes: [UInt8])
    }

    public var card: PassthroughCard
    /// Every function of the card's slot, as the host reports them (BARs, the ROM BAR's size).
    public var devices: [PCIDevice]
    public var rom: Origin
    public var gop: GOP = .automatic
    /// The guest firmware; nil: the hypervisor's default.
    public var firmware: ROMPreparation.Firmware?
    public var target: PassthroughTarget
    /// Where the ROM will live on the VM host; nil: the hypervisor's default (`romPath(...)`).
    public var romPath: String?
    /// The folder the files go into (named in the next steps and the default ROM path).
    public var outDir: String
    /// The card is the guest's boot display; nil: the writers' default.
    public var primaryDisplay: Bool?
    /// Map every BAR 1:1 (Xen's iomem/ioports), where the hypervisor can.
    public var mapBARs = false
    /// Accept a ROM whose verdict is fail, or a runtime copy the target would refuse.
    public var allowBroken = false
    /// Accept a ROM file made for another chip, writing the card's IDs into it.
    public var retarget = false
    /// Which of a firmware image's candidate ROMs to take (from 1, as they are listed); nil: choose.
    public var firmwareCandidate: Int?
    /// An Intel IGD's mode as asked; nil: `IGDMode.automatic` for its generation. The card
    /// carries the mode decided (`PassthroughCard.igdMode`), which the writers key on.
    public var igdMode: IGDMode? {
        didSet { if card.romFunction.isIntelIGD { card.igdMode = igdMode ?? .automatic(deviceID: card.romFunction.deviceID) } }
    }
    /// EFI drivers an IGD's OVMF guest needs ahead of Intel's GOP (IgdAssignmentDxe,
    /// PlatformGopPolicy), in order, each read from `path`.
    public var igdDrivers: [(path: String, bytes: [UInt8])] = []
    /// Where a GOP driver goes: its own ROM for the HD-audio function, or into the ROM; nil:
    /// `APUGOPROM.defaultPlacement`.
    public var gopPlacement: APUGOPROM.Placement?
    /// How the plan's advice names its next steps in the text it keeps (the CLI: its flags and
    /// commands, `NextStepWording`); by default each step as its action and value.
    public var wording: @Sendable (AdvisedText) -> String = { $0.description }
    /// The stages `plan()` runs, in order.
    public var stages: [Stage] = Preparation.standardStages

    public init(card: PassthroughCard, devices: [PCIDevice], rom: Origin, target: PassthroughTarget, outDir: String) {
        self.card = card
        if card.romFunction.isIntelIGD { self.card.igdMode = .automatic(deviceID: card.romFunction.deviceID) }
        self.devices = devices
        self.rom = rom
        self.target = target
        self.outDir = outDir
    }

    /// One stage of the job: a name (for reports) and a function that adds to the plan.
    public struct Stage: Sendable {
        public var name: String
        public var run: @Sendable (Preparation, inout Plan) throws -> Void
        public init(_ name: String, _ run: @escaping @Sendable (Preparation, inout Plan) throws -> Void) {
            self.name = name
            self.run = run
        }
    }

    /// The stages, in order: the ROM, an IGD's mode, a GOP driver (in its own ROM for an APU's
    /// audio function), an IGD's OVMF helper drivers, the ROM's preparation for the target, the
    /// broken-ROM rule, the files, the next steps. A platform's stage does nothing for other cards.
    public static let standardStages: [Stage] = [
        Stage("rom", acquireROM),
        Stage("igd-mode", igdMode),
        Stage("gop", chooseGOP),
        Stage("gop-rom", separateGOP),
        Stage("igd-drivers", addIGDDrivers),
        Stage("prepare-rom", prepareROM),
        Stage("broken-rom", checkBroken),
        Stage("files", makeFiles),
        Stage("next-steps", addNextSteps),
    ]

    /// Adds `stage` right after the stage named `name`, or at the end when there is none (a
    /// platform's stage: `request.add(Stage("apu-gop", apuGOP), after: "files")`).
    public mutating func add(_ stage: Stage, after name: String) {
        let at = stages.firstIndex { $0.name == name }.map { $0 + 1 } ?? stages.endIndex
        stages.insert(stage, at: at)
    }

    /// The plan: everything computed, nothing written.
    public func plan() throws -> Plan {
        var plan = try start()
        try run(&plan)
        return plan
    }

    /// An empty plan: where the ROM will live and the guest firmware, before any stage.
    public func start() throws(Failure) -> Plan {
        Plan(romPath: try Self.romPath(target, card: card, requested: romPath, outDir: outDir),
             firmware: guestFirmware ?? .default(for: target))
    }

    /// Runs the stages over `plan`. When one throws, `plan` keeps what the stages before it
    /// found (its notes say what was accepted on the way).
    public func run(_ plan: inout Plan) throws {
        for stage in stages { try stage.run(self, &plan) }
    }

    /// Where the ROM will live on the VM host: `requested`, else the hypervisor's default;
    /// refused where the hypervisor cannot load from there.
    public static func romPath(_ target: PassthroughTarget, card: PassthroughCard, requested: String?,
                               outDir: String) throws(Failure) -> String {
        let path = requested ?? target.profile.defaultROMPath(card, outDir: outDir)
        if let refused = target.profile.checkROMPath(path) { throw .romPath(refused) }
        return path
    }

    /// The device that holds the ROM (the card's ROM function), as the host reports it.
    var romDevice: PCIDevice? { devices.first { $0.address == card.romFunction.address } }
}
