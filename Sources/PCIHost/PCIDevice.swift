import CPCIShim
import OptionROM
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What the host says about one PCI function: identity from libpci (names from pci.ids), the
/// rest from its sysfs directory.
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
    public var resources: [ResourceLine]
    /// Config space as far as it could be read (64 bytes for non-root, 256 or 4096 for root).
    public var config: [UInt8]?
    public var bars: [BAR]
    public var rom: ROMResource?
    public var resizableBARs: [ResizableBAR]

    public var isDisplay: Bool { classCode >> 16 == 0x03 }
    public var hasROMFile: Bool

    /// Reads one device's attributes. `identity` comes from libpci when enumerating; alone it is
    /// read from the sysfs files.
    public static func load(_ address: PCIAddress, root: SysfsRoot, names: (vendor: String?, device: String?)? = nil) throws -> PCIDevice {
        try load(address, root: root, names: names, groups: GroupMembers(root))
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

    static func load(_ address: PCIAddress, root: SysfsRoot, names: (vendor: String?, device: String?)?, groups: GroupMembers) throws -> PCIDevice {
        guard root.exists(address) else { throw DeviceError.notFound(address, root) }
        guard let vendor = root.readHex(address, "vendor"), let device = root.readHex(address, "device"),
              let cls = root.readHex(address, "class") else {
            throw DeviceError.unreadable(address, root.deviceDirectory(address))
        }
        let resourcePath = root.attribute(address, "resource")
        let resources = try root.readText(address, "resource").map { try ResourceLine.parseFile($0, path: resourcePath) } ?? []
        let config = try? readSmallFile(root.attribute(address, "config"), limit: 4096)
        let group = root.linkName(address, "iommu_group")
        var names = names
        if names == nil, let found = try? PCIEnumeration.scan(root).first(where: { $0.address == address }) {
            names = (found.vendorName, found.deviceName)
        }
        return PCIDevice(
            address: address, vendorID: UInt16(truncatingIfNeeded: vendor), deviceID: UInt16(truncatingIfNeeded: device),
            classCode: UInt32(truncatingIfNeeded: cls),
            revision: root.readHex(address, "revision").map { UInt8(truncatingIfNeeded: $0) },
            subsystemVendorID: root.readHex(address, "subsystem_vendor").map { UInt16(truncatingIfNeeded: $0) },
            subsystemDeviceID: root.readHex(address, "subsystem_device").map { UInt16(truncatingIfNeeded: $0) },
            vendorName: names?.vendor, deviceName: names?.device,
            bootVGA: root.readText(address, "boot_vga") == "1",
            driver: root.linkName(address, "driver"),
            iommuGroup: group, iommuGroupMembers: group.map { groups.members($0) } ?? [],
            resources: resources, config: config,
            bars: BAR.reconcile(resources: resources, config: config),
            rom: ROMResource.from(resources: resources, config: config),
            resizableBARs: config.map { ResizableBAR.decode($0) } ?? [],
            hasROMFile: pathKind(root.attribute(address, "rom"), followLinks: false) != .missing)
    }

    /// Every device, sorted by address: libpci enumerates, sysfs fills in.
    public static func all(root: SysfsRoot) throws -> [PCIDevice] {
        let groups = GroupMembers(root)
        return try PCIEnumeration.scan(root).map { try load($0.address, root: root, names: ($0.vendorName, $0.deviceName), groups: groups) }
    }
}

public enum DeviceError: Error, CustomStringConvertible {
    case notFound(PCIAddress, SysfsRoot)
    case unreadable(PCIAddress, String)
    case libpci(String, SysfsRoot)

    public var description: String {
        switch self {
        case let .notFound(a, root):
            return "no PCI device \(a) under \(root.devicesDirectory). Check the address with `vbios list --all"
                + (root.path == "/sys" ? "" : " --sysfs \(root.path)") + "`; a device that was removed or is behind a powered-off slot does not appear."
        case let .unreadable(a, dir):
            return "cannot read the identity of \(a) in \(dir) (vendor, device, class). Is this a sysfs device directory?"
        case let .libpci(message, root):
            return "libpci could not enumerate \(root.busPCI): \(message). Is sysfs mounted (or --sysfs pointing at a tree with bus/pci/devices)?"
        }
    }
}

/// libpci's sysfs backend, through the C shim.
public enum PCIEnumeration {
    public struct Entry: Sendable {
        public var address: PCIAddress
        public var vendorID: UInt16
        public var deviceID: UInt16
        public var deviceClass: UInt16
        public var vendorName: String?
        public var deviceName: String?
    }

    public static func scan(_ root: SysfsRoot, idsFile: String? = nil) throws -> [Entry] {
        // libpci opens attributes with a blocking open(2): a FIFO planted in a tree would hang it.
        try root.refuseSpecialAttributes()
        var count = 0
        var message = [CChar](repeating: 0, count: 512)
        let list = root.busPCI.withCString { bus in
            if let idsFile {
                return idsFile.withCString { cpci_enumerate(bus, $0, &count, &message, message.count) }
            }
            return cpci_enumerate(bus, nil, &count, &message, message.count)
        }
        guard let list else {
            throw DeviceError.libpci(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), root)
        }
        defer { cpci_free(list) }
        var out: [Entry] = []
        for i in 0..<count {
            let d = list[i]
            let vendorName = withUnsafeBytes(of: d.vendor_name) { cString($0) }
            let deviceName = withUnsafeBytes(of: d.device_name) { cString($0) }
            out.append(Entry(address: PCIAddress(domain: UInt32(bitPattern: d.domain), bus: UInt8(d.bus), device: UInt8(d.dev), function: UInt8(d.func)),
                             vendorID: UInt16(d.vendor_id), deviceID: UInt16(d.device_id), deviceClass: UInt16(d.device_class),
                             vendorName: vendorName.isEmpty ? nil : vendorName, deviceName: deviceName.isEmpty ? nil : deviceName))
        }
        return out.sorted { $0.address < $1.address }
    }

    static func cString(_ raw: UnsafeRawBufferPointer) -> String {
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
}
