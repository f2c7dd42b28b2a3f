import OptionROM
import PCIHost

/// What vbios knows of one hypervisor, in one place: the files `prepare` writes for it, who
/// loads the ROM there and by which rules, the guest firmware it defaults to, the host driver and
/// kernel options it needs, and what a person does next. One conforming type per file in this
/// folder, listed in `Hypervisors.table` (in the spirit of pciutils' `pci_methods`): a new
/// hypervisor is one new file and one line in that table.
public protocol HypervisorProfile: Sendable {
    /// The name `--for` takes and JSON reports (`xen`).
    var name: String { get }
    /// The consumers of its ROM, its own first (that one decides; the others are advice).
    var consumers: [ConsumerProfile] { get }
    /// The guest firmware when none is asked for.
    var defaultFirmware: ROMPreparation.Firmware { get }
    /// Keeps only the legacy x86 image: the reason (a sentence), or nil when the whole chain is kept.
    var legacyOnlyReason: String? { get }
    /// Why the card's IDs are written into a ROM that names others, said in the note.
    var idMismatchConsequence: String { get }
    /// The host driver the card is bound to (`pciback`, `vfio-pci`).
    var driver: PassthroughDriver { get }
    /// Kernel options (without `CONFIG_`) it needs, and those it can do without.
    var kernelOptions: (needed: [String], optional: [String]) { get }
    /// Where QEMU arguments it has no key for go (doctor's advice), or nil: on QEMU's own command
    /// line (or not QEMU at all).
    var extraQEMUArguments: String? { get }
    /// Whether its config maps BARs 1:1 on request (xl's `iomem`/`ioports`).
    var mapsBARs: Bool { get }
    /// Why a runtime (shadow) copy of the boot display's VGA BIOS is what its guest gets anyway
    /// (its device model loads the host's copy itself), or nil: its guest needs the flash image.
    var loadsHostRuntimeCopy: String? { get }
    /// Where the ROM will live on the VM host when none is named (`dir`: the output folder).
    func defaultROMPath(_ card: PassthroughCard, outDir dir: String) -> String
    /// The name the ROM is written under in the output folder.
    func romFileName(romPath: String) -> String
    /// Refuses a ROM path the hypervisor cannot load from (nil: fine).
    func checkROMPath(_ path: String) -> PassthroughError?
    /// The configuration files, by name, after the ROM's.
    var configNames: [String] { get }
    /// The configuration files' bytes, in `configNames` order.
    func configFiles(_ card: PassthroughCard, options: ConfigFiles.Options) throws(PassthroughError) -> [(name: String, bytes: [UInt8])]
    /// What to do with the files, in order (`dir`: where they lie; `hasROM` false: no ROM was written).
    func nextSteps(_ card: PassthroughCard, outDir dir: String, romPath: String?, hasROM: Bool) -> [String]

    // Doctor: what its checks ask of this hypervisor.
    /// Whether it owns the IOMMU itself, so that its control domain sees no IOMMU groups (Xen's dom0).
    var ownsIOMMU: Bool { get }
    /// Whether doctor checks interrupt remapping: vfio refuses a device without it (QEMU's and
    /// libvirt's concern); a hypervisor that remaps interrupts itself needs no check.
    var checksInterruptRemapping: Bool { get }
    /// Doctor's checks of its own, run after the host's (`DoctorCheck.ID.xen`).
    var doctorChecks: [DoctorCheck.ID] { get }
    /// Whether it takes the card from the host's drivers itself (libvirt's managed hostdev).
    var detachesHostDrivers: Bool { get }
    /// The option that makes the card the guest's primary display, in a word (`gfx_passthru`).
    var primaryDisplayOption: String { get }
    /// How primary passthrough is asked for, in a phrase (`gfx_passthru = 1 in xl.cfg`).
    var primaryDisplaySetting: String { get }
    /// Doctor's advice when the card's memory BARs (`totalBytes`) outgrow the guest's default
    /// MMIO hole; `hole64GiB`: a 64-bit window that holds the 64-bit BARs twice over.
    func barPlacementAdvice(totalBytes: UInt64, hole64GiB: UInt64) -> String
    /// The guest that can place a Resizable BAR over 256 MiB (`largest` bytes) in a 64-bit
    /// window of `hole64GiB`.
    func largeBARGuest(hole64GiB: UInt64, largest: UInt64) -> DoctorCheck.Step
}

extension HypervisorProfile {
    public var legacyOnlyReason: String? { nil }
    public var mapsBARs: Bool { false }
    public var loadsHostRuntimeCopy: String? { nil }
    public var extraQEMUArguments: String? { nil }
    public var driver: PassthroughDriver { .vfioPCI }
    public var kernelOptions: (needed: [String], optional: [String]) { (["VFIO", "VFIO_PCI", "VFIO_IOMMU_TYPE1"], []) }
    public var idMismatchConsequence: String { "QEMU passes a romfile as it is and the guest firmware matches IDs" }
    public func defaultROMPath(_ card: PassthroughCard, outDir dir: String) -> String { dir + "/bios.bin" }
    public func romFileName(romPath: String) -> String { "bios.bin" }
    public func checkROMPath(_ path: String) -> PassthroughError? { nil }

    public var ownsIOMMU: Bool { false }
    public var checksInterruptRemapping: Bool { true }
    public var doctorChecks: [DoctorCheck.ID] { [] }
    public var detachesHostDrivers: Bool { false }
    public var primaryDisplayOption: String { "x-vga=on" }
    public var primaryDisplaySetting: String { "the card as the guest's only display" }

    /// QEMU's own q35 and OVMF knobs, on its command line or through `extraQEMUArguments`.
    public func barPlacementAdvice(totalBytes: UInt64, hole64GiB gib: UInt64) -> String {
        let args = "`-global q35-pcihost.pci-hole64-size=\(gib)G` and, for OVMF, `-fw_cfg name=opt/ovmf/X-PciMmio64Mb,string=\(gib * 1024)`"
        return extraQEMUArguments.map { "Use a q35 machine; if OVMF cannot place the BARs, add \(args) through \($0)." }
            ?? "Use -machine q35 and, if the guest firmware cannot place the BARs (OVMF log: \"out of resources\"), add \(args)."
    }

    public func largeBARGuest(hole64GiB gib: UInt64, largest: UInt64) -> DoctorCheck.Step {
        .init(.guest, "-machine q35 with OVMF, -global q35-pcihost.pci-hole64-size=\(gib)G and -fw_cfg name=opt/ovmf/X-PciMmio64Mb,string=\(gib * 1024)",
              why: "OVMF then places the \(sizeText(largest)) BAR in a window that holds it" + (extraQEMUArguments.map { " (through \($0))" } ?? ""))
    }
}

/// The hypervisors vbios prepares for, one line each.
public enum Hypervisors {
    public static let table: [any HypervisorProfile] = [
        XenProfile(),
        QEMUProfile(),
        LibvirtProfile(),
        ProxmoxProfile(),
    ]

    public static func profile(named name: String) -> (any HypervisorProfile)? {
        table.first { $0.name == name }
    }
}

/// Who will load the ROM and read the config fragments: a name in `Hypervisors.table`.
public struct PassthroughTarget: RawRepresentable, Hashable, CaseIterable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init?(rawValue: String) {
        guard Hypervisors.profile(named: rawValue) != nil else { return nil }
        self.rawValue = rawValue
    }

    /// For the constants each profile file declares (`PassthroughTarget.xen`).
    init(profile name: String) { rawValue = name }

    public static var allCases: [PassthroughTarget] { Hypervisors.table.map { PassthroughTarget(profile: $0.name) } }

    public var profile: any HypervisorProfile {
        guard let p = Hypervisors.profile(named: rawValue) else { preconditionFailure("\(rawValue) is not in Hypervisors.table") }
        return p
    }

    public var description: String { rawValue }
}
