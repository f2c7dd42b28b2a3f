import OptionROM

// The ACPI system description table header, declared once (ACPI 6.5 §5.2.6, EDK2
// MdePkg/Include/IndustryStandard/Acpi10.h EFI_ACPI_DESCRIPTION_HEADER). Little-endian.
public enum ACPITableHeaderFields {
    public static let signature = ROMField(0x00, 4)
    /// The whole table's length, header included.
    public static let length = ROMField(0x04, 4)
    /// DSDT/SSDT revision 1 or less: AML integers are 32 bits (ACPI §5.2.11.1).
    public static let revision = ROMField(0x08, 1)
    public static let checksum = ROMField(0x09, 1)
    public static let oemID = ROMField(0x0A, 6)
    public static let oemTableID = ROMField(0x10, 8)
    public static let oemRevision = ROMField(0x18, 4)
    public static let creatorID = ROMField(0x1C, 4)
    public static let creatorRevision = ROMField(0x20, 4)
    /// Where a DSDT's or SSDT's AML (its DefinitionBlock's term list) begins.
    public static let size = 0x24
}

/// A DSDT or SSDT as the firmware published it (`/sys/firmware/acpi/tables/SSDT3`).
public struct ACPITable: Sendable {
    /// Its name among the host's tables (`DSDT`, `SSDT3`, `dynamic/SSDT20`).
    public var name: String
    public var bytes: [UInt8]
    public var signature: String
    public var revision: UInt8
    public var oemTableID: String
    /// Where the AML ends: the declared length, never past the bytes read.
    public var end: Int

    /// Why bytes are not a table the AML reader takes.
    public struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        public var table: String
        public var reason: Reason
        public enum Reason: Sendable, Equatable {
            case shorterThanHeader(count: Int)
            case notDefinitionBlock(signature: String)
            case badLength(declared: Int, count: Int)
        }
        public var description: String {
            switch reason {
            case let .shorterThanHeader(count):
                return "\(table): \(count) bytes, shorter than the \(ACPITableHeaderFields.size)-byte ACPI table header"
            case let .notDefinitionBlock(signature):
                return "\(table): signature \"\(signature)\" is not DSDT or SSDT, so it holds no AML"
            case let .badLength(declared, count):
                return "\(table): the header declares \(declared) bytes (at offset 4) but \(count) were read"
            }
        }
    }

    public init(name: String, bytes: [UInt8]) throws(Malformed) {
        let h = ACPITableHeaderFields.self
        guard bytes.count >= h.size else { throw Malformed(table: name, reason: .shorterThanHeader(count: bytes.count)) }
        let signature = Self.text(bytes, h.signature)
        guard signature == "DSDT" || signature == "SSDT" else {
            throw Malformed(table: name, reason: .notDefinitionBlock(signature: signature))
        }
        let declared = Int(Self.u32(bytes, h.length.offset))
        guard declared >= h.size, declared <= bytes.count else {
            throw Malformed(table: name, reason: .badLength(declared: declared, count: bytes.count))
        }
        self.name = name
        self.bytes = bytes
        self.signature = signature
        self.revision = bytes[h.revision.offset]
        self.oemTableID = Self.text(bytes, h.oemTableID)
        self.end = declared
    }

    static func u32(_ b: [UInt8], _ o: Int) -> UInt32 {
        UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
    }

    static func text(_ b: [UInt8], _ f: ROMField) -> String {
        String(decoding: b[f.offset..<f.end].map { (0x20...0x7E).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
            .trimmingSuffix(" ")
    }
}

extension String {
    func trimmingSuffix(_ c: Character) -> String {
        var s = self
        while s.last == c { s.removeLast() }
        return s
    }
}
