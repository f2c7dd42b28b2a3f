import Core
import OptionROM
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemIO

/// What the host says about one PCI function: what libpci's one enumeration filled (identity,
/// names from pci.ids, class, revision, subsystem, driver, IOMMU group, BARs and ROM with the
/// kernel's flags, the config-space header, capabilities), and from its sysfs directory only what
/// libpci does not give: `boot_vga`, the members of its IOMMU group, and whether a `rom` attribute
/// exists.
public struct PCIDevice: Sendable {
    public var address: PCIAddress
    public var vendorID: UInt16
    public var deviceID: UInt16
    /// Base class, subclass and programming interface.
    public var classCode: UInt32
    public var revision: UInt8?
    public var subsystemVendorID: UInt16?
    public var subsystemDeviceID: UInt16?
    public var vendorName: String?
    public var deviceName: String?
    public var bootVGA: Bool
    public var driver: String?
    public var iommuGroup: String?
    public var iommuGroupMembers: [PCIAddress]
    /// The kernel's BARs (0-5) and ROM (6), as libpci filled them; empty without a `resource` file.
    public var resources: [ResourceLine]
    /// The config-space header libpci read (64 bytes); nil when it could not be read.
    public var configHeader: [UInt8]?
    /// Bytes of config space that can be read: 0, 64 (without root), 256, or 4096 (PCI Express, root).
    public var configSize: Int
    /// Config space as far as it reads, up to the standard 256 bytes: the header alone without root.
    public var config: [UInt8]?
    public var bars: [BAR]
    public var rom: ROMResource?
    public var resizableBARs: [ResizableBAR]
    /// Function Level Reset (PCIe DevCap bit 28) and No_Soft_Reset (PMCSR bit 3), from libpci's
    /// capability list (`PCIEnumeration.Entry`); nil without the capability.
    public var supportsFLR: Bool?
    public var noSoftReset: Bool?

    /// The expansion ROM register as config space holds it now (nil: the header is unreadable).
    public var romRegister: (offset: Int, address: UInt64, enabled: Bool)? { configHeader.flatMap { ConfigBAR.romRegister($0) } }

    public var isDisplay: Bool { PCIDevice.isDisplay(classCode) }
    /// Display class (03): VGA, XGA, 3D, other display controllers.
    public static func isDisplay(_ classCode: UInt32) -> Bool { classCode >> 16 == 0x03 }
    /// A PCI-to-PCI bridge (class 06 04): it stays with the host when its group goes to a guest.
    public var isBridge: Bool { PCIDevice.isBridge(classCode) }
    public static func isBridge(_ classCode: UInt32) -> Bool { classCode >> 8 == 0x0604 }
    public var hasROMFile: Bool

    /// One device, from one enumeration of the bus (`PCIBus` answers more questions from the same
    /// enumeration).
    public static func load(_ address: PCIAddress, root: SysfsRoot) throws -> PCIDevice {
        try PCIBus.scan(root, requiring: [address]).device(at: address)
    }

    /// Every device, sorted by address.
    public static func all(root: SysfsRoot) throws -> [PCIDevice] {
        try PCIBus.scan(root).all()
    }

    /// IOMMU group members, each group listed once however many devices share it (a group of
    /// thousands of functions would otherwise be listed once per member: quadratic).
    final class GroupMembers {
        let root: SysfsRoot
        var known: [String: [PCIAddress]] = [:]
        init(_ root: SysfsRoot) { self.root = root }
        func members(_ group: String) -> [PCIAddress] {
            if let m = known[group] { return m }
            let m = root.iommuGroupMembers(group)
            known[group] = m
            return m
        }
    }

    /// The record of one enumerated device: libpci's fields, then the sysfs attributes libpci
    /// does not read.
    init(_ e: PCIEnumeration.Entry, root: SysfsRoot, groups: GroupMembers) throws {
        let address = e.address
        guard root.exists(address) else { throw DeviceError.notFound(address, root) }
        let resources = try e.regions.map { try ResourceLine.fromLibpci($0 + (e.romRegion.map { [$0] } ?? []), path: root.attribute(address, "resource")) } ?? []
        self.init(
            address: address, vendorID: e.vendorID, deviceID: e.deviceID, classCode: e.classCode,
            revision: e.revision, subsystemVendorID: e.subsystem?.vendorID, subsystemDeviceID: e.subsystem?.deviceID,
            vendorName: e.vendorName, deviceName: e.deviceName,
            // libpci has no field for the kernel's boot_vga (the VGA arbiter's choice).
            bootVGA: root.readText(address, "boot_vga") == "1",
            driver: e.driver,
            // libpci names the group; the kernel's iommu_groups directory lists its members.
            iommuGroup: e.iommuGroup, iommuGroupMembers: e.iommuGroup.map { groups.members($0) } ?? [],
            resources: resources, configHeader: e.configHeader, configSize: e.configSize, config: e.config,
            bars: BAR.reconcile(resources: resources, config: e.configHeader),
            rom: ROMResource.from(resources: resources, config: e.configHeader),
            resizableBARs: e.resizableBARCapability.map { ResizableBAR.decode(capability: $0.bytes) } ?? [],
            // libpci does not read the `rom` attribute (the kernel's copy of the ROM, pci-sysfs.c).
            hasROMFile: pathKind(root.attribute(address, "rom"), followLinks: false) != .missing)
        supportsFLR = e.supportsFLR
        noSoftReset = e.noSoftReset
    }

    init(address: PCIAddress, vendorID: UInt16, deviceID: UInt16, classCode: UInt32, revision: UInt8?,
         subsystemVendorID: UInt16?, subsystemDeviceID: UInt16?, vendorName: String?, deviceName: String?,
         bootVGA: Bool, driver: String?, iommuGroup: String?, iommuGroupMembers: [PCIAddress], resources: [ResourceLine],
         configHeader: [UInt8]?, configSize: Int, config: [UInt8]? = nil, bars: [BAR], rom: ROMResource?, resizableBARs: [ResizableBAR], hasROMFile: Bool) {
        self.address = address
        self.vendorID = vendorID
        self.deviceID = deviceID
        self.classCode = classCode
        self.revision = revision
        self.subsystemVendorID = subsystemVendorID
        self.subsystemDeviceID = subsystemDeviceID
        self.vendorName = vendorName
        self.deviceName = deviceName
        self.bootVGA = bootVGA
        self.driver = driver
        self.iommuGroup = iommuGroup
        self.iommuGroupMembers = iommuGroupMembers
        self.resources = resources
        self.configHeader = configHeader
        self.configSize = configSize
        self.config = config ?? configHeader
        self.bars = bars
        self.rom = rom
        self.resizableBARs = resizableBARs
        self.hasROMFile = hasROMFile
    }
}

public enum DeviceError: Error, CustomStringConvertible, Advised {
    case notFound(PCIAddress, SysfsRoot)
    case libpci(String, SysfsRoot)

    public var description: String { StepWording.text(advice) }

    public var advice: AdvisedText {
        switch self {
        case let .notFound(a, root):
            let list = NextStep(.listAll, root.path == "/sys" ? nil : root.path)
            return "no PCI device \(a) under \(root.devicesDirectory). Check the address with \(list); a device that was removed "
                + "or is behind a powered-off slot does not appear."
        case let .libpci(message, root):
            return "libpci could not enumerate \(root.busPCI): \(message). Is sysfs mounted (or \(NextStep(.checkSysfsTree)) pointing at "
                + "a tree with bus/pci/devices)?"
        }
    }
}
