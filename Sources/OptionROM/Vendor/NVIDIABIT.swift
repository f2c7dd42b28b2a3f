import Core
/// NVIDIA's BIOS Information Table (nouveau `nvkm/subdev/bios/bit.c`, `base.c`):
/// `FF B8 'B' 'I' 'T' 00`, version u16, header length, entry length, entry count, checksum; then
/// entries `id, version, u16 length, u16 offset`, offsets counting from the ROM's start.
public struct NVIDIAInfo: Sendable, Equatable {
    public struct BITEntry: Sendable, Equatable {
        public var id: UInt8
        public var version: UInt8
        public var length: UInt16
        public var offset: UInt16
        public var idName: String {
            (id >= 0x20 && id < 0x7F) ? String(UnicodeScalar(id)) : Hex.prefixed(id, width: 2)
        }
    }

    /// Offset of the BIT signature in the buffer.
    public var bitOffset: Int
    public var bitVersion: UInt16
    public var entries: [BITEntry]
    /// `80.07.53.00.21` style, from the `i` entry; nil when there is none.
    public var version: String?

    static let signature: [UInt8] = [0xFF, 0xB8, 0x42, 0x49, 0x54, 0x00]

    static func decode(_ v: ByteView, romStart: Int, end: Int, findings: inout [Finding]) -> NVIDIAInfo? {
        guard let bit = v.find(signature, from: romStart, to: end) else { return nil }
        let headerLength = Int(v.u8(bit + 8) ?? 0)
        let entryLength = Int(v.u8(bit + 9) ?? 0)
        let count = Int(v.u8(bit + 10) ?? 0)
        var info = NVIDIAInfo(bitOffset: bit, bitVersion: v.u16(bit + 6) ?? 0, entries: [], version: nil)
        // nouveau reads entries from +12; the header length says the same on every ROM seen.
        let first = bit + (headerLength >= 12 ? headerLength : 12)
        guard entryLength >= 6 else {
            findings.append(Finding(.vendorTable, at: bit + 9,
                "The NVIDIA BIT table at \(Hex.prefixed(bit)) gives an entry length of \(entryLength), less than 6; its entries were not read."))
            return info
        }
        for i in 0..<count {
            let e = first + i * entryLength
            guard let id = v.u8(e), let ver = v.u8(e + 1), let len = v.u16(e + 2), let off = v.u16(e + 4) else {
                findings.append(Finding(.vendorTable, at: e,
                    "The NVIDIA BIT table at \(Hex.prefixed(bit)) declares \(count) entries, but entry \(i) runs past the end of the file."))
                break
            }
            info.entries.append(BITEntry(id: id, version: ver, length: len, offset: off))
        }
        if let i = info.entries.first(where: { $0.id == UInt8(ascii: "i") }), i.length >= 5 {
            let at = romStart + Int(i.offset)
            if v.contains(at, 5) {
                let b = (0..<5).map { Hex.string(v.base[at + $0], width: 2) }
                info.version = [b[3], b[2], b[1], b[0], b[4]].joined(separator: ".")
            } else {
                findings.append(Finding(.vendorTable, at: at,
                    "The NVIDIA BIT 'i' entry points to \(Hex.prefixed(at)), past the end of the file; the BIOS version is unknown."))
            }
        }
        return info
    }
}
