import ACPI
import OptionROM
import SystemIO
import Core

/// The VBIOS a laptop's ACPI `_ROM` or `ATRM` method serves, read without running AML: the device's
/// node from sysfs `firmware_node/path`, the method under it in the DSDT and SSDTs, the
/// SystemMemory region it reads and that region's base (NVIDIA's Optimus template: `NVHM` at the
/// `NVHA` word of an NVS region), then the image through physical memory. The firmware fills that
/// memory at boot and the kernel reserves it (e820), so it is what the firmware put there.
public struct ACPIROMSource: ROMSource {
    public let root: SysfsRoot
    public let address: PCIAddress
    /// Physical memory; nil: off (a fake sysfs tree without a file standing for /dev/mem).
    public let memory: PhysicalMemory?

    public init(root: SysfsRoot, address: PCIAddress, memory: PhysicalMemory?) {
        self.root = root
        self.address = address
        self.memory = memory
    }

    public var name: String { "acpi-rom" }
    public var location: String { root.attribute(address, "firmware_node/path") + " (_ROM/ATRM in " + Self.tablesDirectory(root) + ")" }
    public var isShadowCopy: Bool { false }

    public static func tablesDirectory(_ root: SysfsRoot) -> String { root.path + "/firmware/acpi/tables" }

    /// Whether the device has an ACPI node and the host publishes a DSDT (`auto` tries it then).
    public static func present(_ root: SysfsRoot, _ address: PCIAddress) -> Bool {
        pathKind(root.attribute(address, "firmware_node/path")) == .file && pathKind(tablesDirectory(root) + "/DSDT") == .file
    }

    /// Each step, for the person and for `--json`: where the image was found.
    public struct Provenance: Sendable, Equatable {
        public var node: AMLPath
        public var resolution: ACPIROMResolution
        /// The region's base as read (the `NVHA` word), and the image's address and length.
        public var base: UInt64
        public var imageAddress: UInt64
        public var length: Int
    }

    public func read() throws -> [UInt8] { try locate().bytes }

    /// Resolves the ROM statically, then reads the words it hangs on and the image.
    public func locate() throws -> (bytes: [UInt8], provenance: Provenance) {
        let node = try self.node()
        let ns = AMLNamespace(tables: try tables())
        let resolution: ACPIROMResolution
        switch ACPIROMResolver.resolve(device: node, in: ns) {
        case .success(let r): resolution = r
        case .failure(let why): throw ROMReadError(source: name, .acpiUnresolved(node: node.description, why), address: address)
        }
        switch resolution {
        case let .embedded(image):
            let t = ns.tables.first { $0.name == image.table }!
            return (Array(t.bytes[image.range]), Provenance(node: node, resolution: resolution, base: 0, imageAddress: 0, length: image.range.count))
        case let .region(region):
            guard let memory else { throw ROMReadError(source: name, .memoryOff, address: address) }
            let base: UInt64
            switch region.base {
            case let .constant(v): base = v
            case let .field(f):
                base = try memory.readWord(at: f.address, width: f.byteWidth, source: name)
                guard base != 0 else { throw ROMReadError(source: name, .acpiBaseZero(field: f.path.description, address: f.address), address: address) }
            }
            let limit = min(Int(clamping: region.regionLength ?? UInt64(maximumROMSize)) - region.imageOffset, maximumROMSize)
            var length = limit
            if case let .field(field, bit, width) = region.length {
                let at = base &+ UInt64(bit / 8)
                let value = try memory.readWord(at: at, width: width / 8, source: name)
                guard value > 0, value <= UInt64(max(limit, 0)) else {
                    throw ROMReadError(source: name, .acpiBadLength(field: region.region.appending([field]).description, address: at,
                                                                     value: value, limit: max(limit, 0)), address: address)
                }
                length = Int(value)
            } else if case let .fixed(n) = region.length {
                length = min(n, max(limit, 0))
            }
            let image = base &+ UInt64(region.imageOffset)
            if case let .image(maximum) = region.length {
                let bytes = try Self.readChain(memory, at: image, maximum: min(maximum, maximumROMSize), source: name)
                return (bytes, Provenance(node: node, resolution: resolution, base: base, imageAddress: image, length: bytes.count))
            }
            let bytes = try memory.read(at: image, count: length, source: name)
            return (bytes, Provenance(node: node, resolution: resolution, base: base, imageAddress: image, length: length))
        }
    }

    /// An image whose length the tables do not give: read 64 KiB at a time until the option ROM
    /// chain in it ends (its own headers say where), at most `maximum` bytes.
    static func readChain(_ memory: PhysicalMemory, at address: UInt64, maximum: Int, source: String) throws -> [UInt8] {
        let step = 0x10000
        var bytes: [UInt8] = []
        while bytes.count < maximum {
            let more = try memory.read(at: address &+ UInt64(bytes.count), count: min(step, maximum - bytes.count), source: source)
            bytes += more
            let layout = ROMParser.parse(bytes)
            if layout.images.isEmpty || more.count < step { break }
            if layout.chainEnd < bytes.count { return Array(bytes[0..<layout.chainEnd]) }
        }
        let end = ROMParser.parse(bytes).chainEnd
        return end > 0 && end < bytes.count ? Array(bytes[0..<end]) : bytes
    }

    /// The device's ACPI path, as the kernel names it (`\_SB_.PCI0.RP05.PEGP`).
    func node() throws -> AMLPath {
        let path = root.attribute(address, "firmware_node/path")
        let text: String
        do { text = String(decoding: try HostIO.current.read(path, 4096), as: UTF8.self).trimmingSuffix("\n") } catch {
            throw ROMReadError(source: name, .noFirmwareNode(path: path), address: address)
        }
        guard let node = AMLPath(parsing: text) else {
            throw ROMReadError(source: name, .acpiTablesUnreadable(path: path, detail: "\"\(text)\" is not an ACPI path"), address: address)
        }
        return node
    }

    /// The DSDT, then SSDT1…, then the SSDTs the firmware loaded at run time (`dynamic/`).
    func tables() throws -> [ACPITable] {
        let dir = Self.tablesDirectory(root)
        let ssdts = ((try? directoryEntries(dir)) ?? []).filter { $0.hasPrefix("SSDT") }
            .sorted { (Int($0.dropFirst(4)) ?? 0) < (Int($1.dropFirst(4)) ?? 0) }
        let dynamic = ((try? directoryEntries(dir + "/dynamic")) ?? []).filter { $0.hasPrefix("SSDT") }.sorted().map { "dynamic/" + $0 }
        return try (["DSDT"] + ssdts + dynamic).map { n in
            let path = dir + "/" + n
            do { return try ACPITable(name: n, bytes: HostIO.current.read(path, maximumROMSize)) } catch let e as ACPITable.Malformed {
                throw ROMReadError(source: name, .acpiTablesUnreadable(path: path, detail: AdvisedText(e.description)), address: address)
            } catch {
                throw ROMReadError(source: name, .acpiTablesUnreadable(path: path, detail: AdvisedText(describing: error)), address: address)
            }
        }
    }
}

extension String {
    fileprivate func trimmingSuffix(_ s: String) -> String {
        var t = self
        while t.hasSuffix(s) { t.removeLast(s.count) }
        return t
    }
}
