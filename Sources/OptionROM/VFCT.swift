/// The ACPI VFCT table (AMD's "VFCT", Linux `amdgpu_bios.c` `amdgpu_acpi_vfct_bios`): the VBIOS
/// images the system firmware ran, for GPUs without a ROM of their own (APUs, laptop dGPUs).
///
/// Layout: the 36-byte ACPI header, a 16-byte UUID at 0x24, `VBIOSImageOffset` u32 at 0x34; from
/// there, repeated 28-byte headers `{bus, device, function u32; vendor, device, subsystem vendor,
/// subsystem u16; revision u32; image length u32}`, each followed by its image.
public struct VFCTTable: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var bus: UInt32
        public var device: UInt32
        public var function: UInt32
        public var vendorID: UInt16
        public var deviceID: UInt16
        public var subsystemVendorID: UInt16
        public var subsystemID: UInt16
        public var revision: UInt32
        /// Offset of the image in the table.
        public var offset: Int
        public var length: Int
    }

    public var entries: [Entry]
    /// Set when the walk stopped at a header or image that runs past the table, as the kernel's does.
    public var truncatedAt: Int?

    public struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        public var offset: Int
        public var reason: String
        public var description: String { "not a VFCT table vbios can read: \(reason) (at offset \(offset))" }
    }

    public static let headerLength = 28

    public static func parse(_ table: [UInt8]) throws(Malformed) -> VFCTTable {
        let parsed: Result<VFCTTable, Malformed> = table.withUnsafeBytes { raw in
            do throws(Malformed) { return .success(try parse(raw)) } catch { return .failure(error) }
        }
        return try parsed.get()
    }

    public static func parse(_ table: UnsafeRawBufferPointer) throws(Malformed) -> VFCTTable {
        let v = ByteView(table)
        guard v.matches(0, "VFCT") else { throw Malformed(offset: 0, reason: "no VFCT signature") }
        guard let declared = v.u32(4), let first = v.u32(0x34) else { throw Malformed(offset: 4, reason: "the table is shorter than its 0x38-byte header") }
        // The kernel walks up to the ACPI length; never past what was read.
        let size = Swift.min(Int(declared), table.count)
        var entries: [Entry] = []
        var offset = Int(first)
        var truncated: Int?
        // No count limit (the kernel has none): each entry moves on by at least its 28-byte
        // header, so the table's own length bounds the walk.
        while offset < size {
            let at = offset
            guard offset + headerLength <= size else { truncated = at; break }
            let length = Int(v.u32(at + 24)!)
            guard length <= size - (at + headerLength) else { truncated = at; break }
            entries.append(Entry(bus: v.u32(at)!, device: v.u32(at + 4)!, function: v.u32(at + 8)!,
                                 vendorID: v.u16(at + 12)!, deviceID: v.u16(at + 14)!,
                                 subsystemVendorID: v.u16(at + 16)!, subsystemID: v.u16(at + 18)!,
                                 revision: v.u32(at + 20)!, offset: at + headerLength, length: length))
            offset = at + headerLength + length
        }
        return VFCTTable(entries: entries, truncatedAt: truncated)
    }

    /// The image amdgpu would take: non-empty, matching bus, device, function, vendor and device IDs.
    public func entry(bus: UInt8, device: UInt8, function: UInt8, vendorID: UInt16, deviceID: UInt16) -> Entry? {
        entries.first {
            $0.length > 0 && $0.bus == UInt32(bus) && $0.device == UInt32(device) && $0.function == UInt32(function)
                && $0.vendorID == vendorID && $0.deviceID == deviceID
        }
    }
}
