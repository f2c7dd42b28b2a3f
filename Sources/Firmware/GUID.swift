/// An EFI GUID as stored: the first three fields little-endian, the rest bytes in order.
public struct GUID: Hashable, Sendable, CustomStringConvertible {
    public var bytes: [UInt8]

    public init?(_ b: ArraySlice<UInt8>, at offset: Int) {
        let start = b.startIndex + offset
        guard offset >= 0, offset <= b.count - 16 else { return nil }
        bytes = Array(b[start..<start + 16])
    }

    /// From the text form `XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX`; traps on a malformed literal
    /// (only constants in this module use it).
    /// From the text form; nil unless it is 32 hex digits (dashes anywhere).
    public init?(parsing text: String) {
        let digits = text.utf8.filter { $0 != UInt8(ascii: "-") }
        guard digits.count == 32, digits.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 | 0x20 >= 97 && $0 | 0x20 <= 102) }) else { return nil }
        let nibbles = digits.map(GUID.nibble)
        var raw = (0..<16).map { nibbles[2 * $0] << 4 | nibbles[2 * $0 + 1] }
        raw[0..<4].reverse(); raw[4..<6].reverse(); raw[6..<8].reverse()
        bytes = raw
    }

    init(_ text: StaticString) {
        var nibbles: [UInt8] = []
        text.withUTF8Buffer { for c in $0 where c != UInt8(ascii: "-") { nibbles.append(GUID.nibble(c)) } }
        precondition(nibbles.count == 32)
        var raw = (0..<16).map { nibbles[2 * $0] << 4 | nibbles[2 * $0 + 1] }
        raw[0..<4].reverse(); raw[4..<6].reverse(); raw[6..<8].reverse()
        bytes = raw
    }

    static func nibble(_ c: UInt8) -> UInt8 {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: preconditionFailure("not a hex digit in a GUID literal")
        }
    }

    public var description: String {
        let d: [Character] = Array("0123456789ABCDEF")
        var s = ""
        func put(_ i: Int) { s.append(d[Int(bytes[i] >> 4)]); s.append(d[Int(bytes[i] & 15)]) }
        for i in [3, 2, 1, 0] { put(i) }
        s.append("-"); put(5); put(4); s.append("-"); put(7); put(6); s.append("-"); put(8); put(9); s.append("-")
        for i in 10..<16 { put(i) }
        return s
    }

    // PI spec volume 3 and UEFITool's common/ffs.h.
    /// The Framework's `EFI_FIRMWARE_FILE_SYSTEM_GUID` (FFS v1): Insyde and Phoenix before about
    /// 2012, every Intel Mac. Its files and sections are laid out as FFS v2's.
    static let ffs1 = GUID("7A9354D9-0468-444A-81CE-0BF617D890DF")
    static let ffs2 = GUID("8C8CE578-8A3D-4F1C-9935-896185C32DD3")
    static let ffs3 = GUID("5473C07A-3DCB-4DCA-BD6F-1E9689E7349A")
    /// Other file systems UEFITool's `FFSv2Volumes` (common/ffs.cpp) reads as FFS v2.
    static let ffs2Alike: Set<GUID> = [
        ffs1, ffs2,
        GUID("04ADEEAD-61FF-4D31-B6BA-64F8BF901F5A"), // Apple boot volume / immutable FV
        GUID("BD001B8C-6A71-487B-A14F-0C2A2DCF7A5D"), // Apple boot volume 2 / authentication FV
        GUID("AD3FFFFF-D28B-44C4-9F13-9EA98A97F9F0"), // Intel file system
        GUID("D6A1CD70-4B33-4994-A6EA-375F2CCC5437"), // Intel file system 2
        GUID("4F494156-AED6-4D64-A537-B8A5557BCEEC"), // Sony file system
    ]
    /// Volumes that are stores, not file systems (UEFITool `ffs.h`): NVRAM (VSS, its additional
    /// store, AMI's NVAR) and Apple's microcode volume. Nothing a GPU needs lives there.
    static let stores: Set<GUID> = [
        GUID("FFF12B8D-7696-4C8B-A985-2747075B4F50"), // NVRAM main store (VSS)
        GUID("00504624-8A59-4EEB-BD0F-6B36E96128E0"), // NVRAM additional store
        GUID("CEF5B9A3-476D-497F-9FDC-E98143E0422C"), // AMI NVAR store
        GUID("153D2197-29BD-44DC-AC59-887F70E41A6B"), // Apple microcode volume
    ]
    static let lzma = GUID("EE4E5898-3914-4259-9D6E-DC7BD79403CF")
    static let lzmaX86 = GUID("D42AE6BD-1352-4BFB-909A-CA72A6EAE889")
    /// HP's GUID for the same LZMA sections (UEFITool `ffs.h`, EFI_GUIDED_SECTION_LZMA_HP).
    static let lzmaHP = GUID("0ED85E23-F253-413F-A03C-901987B04397")
    static let tiano = GUID("A31280AD-481E-41B6-95E8-127F4C984779")
    /// GZIP and AMD's zlib GUID-defined sections (UEFITool `ffs.h`, EFI_GUIDED_SECTION_GZIP and
    /// EFI_GUIDED_SECTION_ZLIB_AMD; `ffsparser.cpp` decodes both with zlib).
    static let gzip = GUID("1D301FE9-BE79-4353-91C2-D23BC959AE0C")
    static let zlibAMD = GUID("CE3233F5-2CD6-4D87-9152-4A238BB6D1C4")
    static let brotli = GUID("3D532050-5CDA-4FD0-879E-0F7F630D5AFB")
    static let crc32 = GUID("FC1BCDB0-7D31-49AA-936A-A4600D9DD083")
    static let efiCapsule = GUID("3B6686BD-0D76-4030-B70E-B5519E2FC5A0")
    static let efiCapsule2 = GUID("539182B9-ABB5-4391-B69A-E3A943F72FCC")
    static let fmpCapsule = GUID("6DCBD5ED-E82D-4C44-BDA1-7194199AD92A")
    static let aptioSignedCapsule = GUID("4A3CA68B-7723-48FB-803D-578CC1FEC44D")
    static let aptioUnsignedCapsule = GUID("14EEBB90-890A-43DB-AED1-5D3C4588A418")
    static let aptioCapsules: Set<GUID> = [aptioSignedCapsule, aptioUnsignedCapsule]
    /// Lenovo's two EFI-header capsule GUIDs and Toshiba's own header (UEFITool `ffs.h`).
    static let lenovoCapsule = GUID("E20BAFD3-9914-4F4F-9537-3129E090EB3C")
    static let lenovoCapsule2 = GUID("25B5FE76-8243-4A5C-A9BD-7EE3246198B5")
    static let toshibaCapsule = GUID("3BE07062-1D51-45D2-832B-F093257ED461")
    /// Every capsule header `capsuleBody` opens.
    static let capsules: Set<GUID> = [efiCapsule, efiCapsule2, fmpCapsule, aptioSignedCapsule, aptioUnsignedCapsule,
                                      lenovoCapsule, lenovoCapsule2, toshibaCapsule]
    /// Intel's GOP driver (IntelGopDriver in Intel's FSP and vendor images).
    static let intelGOP = GUID("5BBA83E6-F027-4CA7-BFD0-16358CC9E123")
}
