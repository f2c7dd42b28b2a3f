import OptionROM
import Core
import SystemIO

/// The ACPI VFCT table at `<sysfs>/firmware/acpi/tables/VFCT`: the VBIOS the system firmware ran
/// for an AMD GPU without a ROM of its own (APUs, laptop dGPUs). The entry is chosen as amdgpu's
/// `amdgpu_acpi_vfct_bios` chooses it: bus, device, function, vendor and device ID all match.
public struct VFCTROMSource: ROMSource {
    public let root: SysfsRoot
    public let address: PCIAddress
    public let vendorID: UInt16
    public let deviceID: UInt16

    public init(root: SysfsRoot, address: PCIAddress, vendorID: UInt16, deviceID: UInt16) {
        self.root = root
        self.address = address
        self.vendorID = vendorID
        self.deviceID = deviceID
    }

    public var name: String { "vfct" }
    public var location: String { Self.tablePath(root) }
    public var isShadowCopy: Bool { false }

    public static func tablePath(_ root: SysfsRoot) -> String { root.path + "/firmware/acpi/tables/VFCT" }

    /// Whether the host has a VFCT table at all (`auto` only tries it then).
    public static func present(_ root: SysfsRoot) -> Bool { pathKind(tablePath(root)) == .file }

    public func read() throws -> [UInt8] {
        let path = location
        guard pathKind(path) != .missing else {
            throw ROMReadError(source: name, .noVFCT(path: path))
        }
        let table: [UInt8]
        do { table = try FileBytes(path: path, limit: maximumROMSize).bytes } catch {
            throw ROMReadError(source: name, .vfctUnreadable(path: path, detail: AdvisedText(describing: error),
                                                              errno: (error as? SystemError)?.errno))
        }
        let parsed: VFCTTable
        do { parsed = try VFCTTable.parse(table) } catch {
            throw ROMReadError(source: name, .vfctMalformed(path: path, detail: String(describing: error)))
        }
        guard let entry = parsed.entry(bus: address.bus, device: address.device, function: address.function,
                                       vendorID: vendorID, deviceID: deviceID) else {
            let have = parsed.entries.map {
                String(format2: $0.bus, $0.device, $0.function) + " " + $0.pciIDs.description
            }
            throw ROMReadError(source: name, .vfctNoEntry(path: path, ids: PCIIDs(vendor: vendorID, device: deviceID).description,
                                                           entries: have, truncatedAt: parsed.truncatedAt), address: address)
        }
        return Array(table[entry.offset..<entry.offset + entry.length])
    }
}

extension String {
    /// `BB:DD.F` as VFCT stores it (u32 each; shown in hex like an address).
    fileprivate init(format2 bus: UInt32, _ device: UInt32, _ function: UInt32) {
        self = Hex.string(bus, width: 2) + ":" + Hex.string(device, width: 2) + "." + String(function, radix: 16)
    }
}
