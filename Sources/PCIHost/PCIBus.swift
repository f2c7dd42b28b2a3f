import CPCIShim
import OptionROM
import Core

/// One enumeration of the host's PCI devices by libpci. Every question a command asks about
/// devices, slots and IOMMU groups is answered from it, so a command enumerates once however many
/// functions it looks at; the sysfs attributes libpci does not read are read only for the devices
/// asked about.
public struct PCIBus: Sendable {
    public let root: SysfsRoot
    /// What libpci filled, sorted by address.
    public let entries: [PCIEnumeration.Entry]

    let index: [PCIAddress: Int]

    public init(root: SysfsRoot, entries: [PCIEnumeration.Entry]) {
        self.root = root
        self.entries = entries.sorted { $0.address < $1.address }
        index = Dictionary(self.entries.enumerated().map { ($1.address, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public static func scan(_ root: SysfsRoot, idsFile: String? = nil) throws -> PCIBus {
        PCIBus(root: root, entries: try PCIEnumeration.scan(root, idsFile: idsFile))
    }

    /// The enumeration, once `addresses` are known to exist: a missing device is named as such
    /// even on a tree libpci cannot enumerate.
    public static func scan(_ root: SysfsRoot, requiring addresses: [PCIAddress]) throws -> PCIBus {
        for a in addresses where !root.exists(a) { throw DeviceError.notFound(a, root) }
        return try scan(root)
    }

    public var addresses: [PCIAddress] { entries.map(\.address) }

    public func entry(at address: PCIAddress) -> PCIEnumeration.Entry? {
        index[address].map { entries[$0] }
    }

    /// One device; throws `DeviceError.notFound` when the enumeration did not see it.
    public func device(at address: PCIAddress) throws -> PCIDevice {
        try device(at: address, groups: PCIDevice.GroupMembers(root))
    }

    func device(at address: PCIAddress, groups: PCIDevice.GroupMembers) throws -> PCIDevice {
        guard let e = entry(at: address) else { throw DeviceError.notFound(address, root) }
        return try PCIDevice(e, root: root, groups: groups)
    }

    /// Every device, sorted by address; the first that cannot be read throws.
    public func all() throws -> [PCIDevice] {
        let groups = PCIDevice.GroupMembers(root)
        return try entries.map { try PCIDevice($0, root: root, groups: groups) }
    }

    /// Every device `include` picks by what libpci filled that can be read, for surveys that go
    /// on past a broken one; the others' attributes are not read.
    public func readable(_ include: (PCIEnumeration.Entry) -> Bool = { _ in true }) -> [PCIDevice] {
        let groups = PCIDevice.GroupMembers(root)
        return entries.filter(include).compactMap { try? PCIDevice($0, root: root, groups: groups) }
    }

    /// The slot of `address`: every function present in it and the other members of their IOMMU
    /// groups (as libpci saw them: a group of thousands costs no attribute reads). Throws when a
    /// function of the slot is missing or cannot be read.
    public func slot(of address: PCIAddress) throws -> Slot {
        let groups = PCIDevice.GroupMembers(root)
        let named = try device(at: address, groups: groups)
        // A function that cannot be read fails the slot: binding or passing part of a card is
        // worse than saying which attribute is broken.
        let functions = try entries.filter { $0.address.sameSlot(as: address) }
            .map { $0.address == address ? named : try PCIDevice($0, root: root, groups: groups) }
        var seen = Set(functions.map(\.address))
        var peers: [Slot.GroupPeer] = []
        for f in functions {
            guard let group = f.iommuGroup else { continue }
            for m in f.iommuGroupMembers where !seen.contains(m) {
                seen.insert(m)
                peers.append(Slot.GroupPeer(address: m, group: group, of: f.address, entry: entry(at: m)))
            }
        }
        return Slot(named: named, functions: functions, peers: peers)
    }
}

/// libpci's sysfs backend, through the C shim: one `pci_fill_info` per device.
public enum PCIEnumeration {
    public struct Entry: Sendable, Equatable {
        /// A BAR as libpci gives it: the start with its low flag bits, the size, and the kernel's
        /// resource flags (PCI_FILL_IO_FLAGS).
        public struct Region: Sendable, Equatable {
            public var base: UInt64
            public var size: UInt64
            public var flags: UInt64
        }

        public var address: PCIAddress
        public var vendorID: UInt16
        public var deviceID: UInt16
        /// Base class, subclass and programming interface.
        public var classCode: UInt32
        public var revision: UInt8?
        public var subsystem: (vendorID: UInt16, deviceID: UInt16)?
        public var vendorName: String?
        public var deviceName: String?
        /// The kernel's `driver` and `iommu_group` links, by name.
        public var driver: String?
        public var iommuGroup: String?
        /// BARs 0-5; nil when the device has no `resource` attribute.
        public var regions: [Region]?
        /// The ROM (the resource file's line 7); nil without one.
        public var romRegion: Region?
        /// The config-space header as libpci read it; nil when it could not be read whole.
        public var configHeader: [UInt8]?
        /// Bytes of config space libpci could read: 0, 64 (Linux, without CAP_SYS_ADMIN), 256, or
        /// 4096 (PCI Express, as root).
        public var configSize: Int = 0
        /// Config space as far as it reads, up to the standard 256 bytes (the header alone without root).
        public var config: [UInt8]?
        /// The Resizable BAR capability's registers, from its header on (`pci_find_cap`), and
        /// where it is in config space; nil without the capability (or without root).
        public var resizableBARCapability: (offset: Int, bytes: [UInt8])?
        /// PCI Express Device Capabilities, from libpci's capability list; nil without the capability.
        public var pcieDeviceCapabilities: UInt32?
        /// The PM control/status register, from libpci's capability list; nil without the capability.
        public var pmControl: UInt16?

        /// Function Level Reset (DevCap bit 28, PCIe base 6.0 7.5.3.3); nil: not PCI Express.
        public var supportsFLR: Bool? { pcieDeviceCapabilities.map { $0 & (1 << 28) != 0 } }
        /// No_Soft_Reset (PMCSR bit 3, PCI PM 1.2 3.2.4): a D3hot->D0 PM reset keeps the device's state, so it resets nothing.
        public var noSoftReset: Bool? { pmControl.map { $0 & 0x8 != 0 } }

        /// Base class and subclass.
        public var deviceClass: UInt16 { UInt16(truncatingIfNeeded: classCode >> 8) }
        public var isDisplay: Bool { PCIDevice.isDisplay(classCode) }
        public var isBridge: Bool { PCIDevice.isBridge(classCode) }

        public static func == (a: Entry, b: Entry) -> Bool {
            a.address == b.address && a.vendorID == b.vendorID && a.deviceID == b.deviceID && a.classCode == b.classCode
                && a.revision == b.revision && a.subsystem?.vendorID == b.subsystem?.vendorID && a.subsystem?.deviceID == b.subsystem?.deviceID
                && a.vendorName == b.vendorName && a.deviceName == b.deviceName && a.driver == b.driver && a.iommuGroup == b.iommuGroup
                && a.regions == b.regions && a.romRegion == b.romRegion
                && a.pcieDeviceCapabilities == b.pcieDeviceCapabilities && a.pmControl == b.pmControl
                && a.configHeader == b.configHeader && a.configSize == b.configSize && a.config == b.config
                && a.resizableBARCapability?.offset == b.resizableBARCapability?.offset
                && a.resizableBARCapability?.bytes == b.resizableBARCapability?.bytes
        }
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
        return (0..<count).map { entry(list[$0]) }.sorted { $0.address < $1.address }
    }

    static func entry(_ d: cpci_device) -> Entry {
        let has = UInt32(d.has)
        let classExt = has & UInt32(CPCI_HAS_CLASS_EXT) != 0
        var e = Entry(
            address: PCIAddress(domain: UInt32(bitPattern: d.domain), bus: UInt8(d.bus), device: UInt8(d.dev), function: UInt8(d.func)),
            vendorID: UInt16(truncatingIfNeeded: d.vendor_id), deviceID: UInt16(truncatingIfNeeded: d.device_id),
            classCode: UInt32(d.device_class & 0xFFFF) << 8 | (classExt ? UInt32(d.prog_if & 0xFF) : 0),
            revision: classExt ? UInt8(truncatingIfNeeded: d.rev_id) : nil,
            subsystem: has & UInt32(CPCI_HAS_SUBSYS) != 0
                ? (UInt16(truncatingIfNeeded: d.subsys_vendor_id), UInt16(truncatingIfNeeded: d.subsys_id)) : nil,
            vendorName: nonEmpty(withUnsafeBytes(of: d.vendor_name) { cString($0) }),
            deviceName: nonEmpty(withUnsafeBytes(of: d.device_name) { cString($0) }),
            driver: nonEmpty(withUnsafeBytes(of: d.driver) { cString($0) }),
            iommuGroup: nonEmpty(withUnsafeBytes(of: d.iommu_group) { cString($0) }),
            pcieDeviceCapabilities: has & UInt32(CPCI_HAS_PCIE) != 0 ? UInt32(d.pcie_devcap) : nil,
            pmControl: has & UInt32(CPCI_HAS_PM) != 0 ? UInt16(truncatingIfNeeded: d.pm_ctrl) : nil)
        if has & UInt32(CPCI_HAS_BASES) != 0 {
            let bases = withUnsafeBytes(of: d.base_addr) { Array($0.bindMemory(to: UInt64.self)) }
            let sizes = withUnsafeBytes(of: d.size) { Array($0.bindMemory(to: UInt64.self)) }
            let flags = withUnsafeBytes(of: d.flags) { Array($0.bindMemory(to: UInt64.self)) }
            e.regions = (0..<6).map { Entry.Region(base: bases[$0], size: sizes[$0], flags: flags[$0]) }
        }
        if has & UInt32(CPCI_HAS_ROM_BASE) != 0 {
            e.romRegion = Entry.Region(base: UInt64(d.rom_base_addr), size: UInt64(d.rom_size), flags: UInt64(d.rom_flags))
        }
        if has & UInt32(CPCI_HAS_CONFIG) != 0 {
            e.configHeader = withUnsafeBytes(of: d.config) { Array($0) }
            e.configSize = Int(d.config_size)
            e.config = e.configSize >= 256 ? withUnsafeBytes(of: d.config_std) { Array($0) } : e.configHeader
        }
        if has & UInt32(CPCI_HAS_REBAR) != 0 {
            e.resizableBARCapability = (Int(d.rebar_offset), withUnsafeBytes(of: d.rebar) { Array($0.prefix(Int(d.rebar_len))) })
        }
        return e
    }

    static func nonEmpty(_ s: String) -> String? { s.isEmpty ? nil : s }

    static func cString(_ raw: UnsafeRawBufferPointer) -> String {
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
}
