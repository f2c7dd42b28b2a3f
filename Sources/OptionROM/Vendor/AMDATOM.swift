/// AMD/ATI ATOM BIOS (Linux `amdgpu/atom.c`, `atombios.h`): the string ` 761295520` at 0x30, the
/// ATOM ROM header at the u16 at 0x48 (`ATOM` at +4), the part number through the u16 at 0x6E,
/// the version after `ATOMBIOSBK-AMD VER`, the build date at 0x50.
public struct AMDInfo: Sendable, Equatable {
    public var atomHeaderOffset: Int?
    public var partNumber: String?
    public var version: String?
    public var buildDate: String?
    /// The board the BIOS was built for: `ATOM_ROM_HEADER`'s usSubsystemVendorID and
    /// usSubsystemID (atombios.h, +0x18 and +0x1A), as a card's config space would carry them.
    public var subsystemVendorID: UInt16?
    public var subsystemID: UInt16?

    /// ATI's signature without an ATOM table: a BIOS from before ATOM (Mach64, Rage, Rage 128 and
    /// Radeons up to R400 keep their tables in ATI's older "legacy" layout; Linux `radeon_bios.c`
    /// reads those through the pointer at 0x48 instead).
    public var isPreATOM: Bool { atomHeaderOffset == nil }

    static let magic: StaticString = " 761295520"
    static let versionPrefix: [UInt8] = Array("ATOMBIOSBK-AMD VER".utf8)

    static func decode(_ v: ByteView, romStart b: Int, end: Int) -> AMDInfo? {
        guard v.matches(b + 0x30, magic) else { return nil }
        var info = AMDInfo()
        if let ptr = v.u16(b + 0x48), v.matches(b + Int(ptr) + 4, "ATOM") {
            info.atomHeaderOffset = b + Int(ptr)
            info.subsystemVendorID = v.u16(b + Int(ptr) + 0x18)
            info.subsystemID = v.u16(b + Int(ptr) + 0x1A)
        }
        // Part number: through the string table when the ROM says it has strings (0x2F),
        // else at 0x80, as atom_get_vbios_pn does: an ATOM convention, so without an ATOM table only
        // text in the form of ATI/AMD board part numbers ("113-...") counts; a pre-ATOM BIOS's
        // bytes there are code or data.
        var pn = b + 0x80
        if let strings = v.u8(b + 0x2F), strings != 0, let ptr = v.u16(b + 0x6E) { pn = b + Int(ptr) }
        if v.u8(pn) == 0 { pn += 1 }
        let part = v.printable(pn, max: 43).trimmingSpaces()
        if !part.isEmpty, info.atomHeaderOffset != nil || part.hasPrefix("113-") { info.partNumber = part }
        if let at = v.find(versionPrefix, from: b, to: min(end, b + 0x10000)) {
            var s = at + versionPrefix.count
            while v.u8(s) == 0x20 || v.u8(s) == 0 { s += 1; if s > at + 24 { break } }
            let version = v.printable(s, max: 43).trimmingSpaces()
            if !version.isEmpty { info.version = version }
        }
        let date = v.printable(b + 0x50, max: 17).trimmingSpaces()
        if date.utf8.count >= 8 { info.buildDate = date }
        return info
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
