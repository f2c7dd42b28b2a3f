// Who wrote an EFI driver and which version it is, where the image says so. There is no standard
// place: each vendor leaves its own marker (the patterns GOPupd and drvver look for).
//   AMD:    UTF-16 "AMD GOP X64 Release Driver Rev.1.61.0.15.50.Jan 12 2017.11:16:18"
//   NVIDIA: ASCII "NV-UEFI-BLD-INFO" then NUL-separated "DAT:…", "VER:0x6000D", "CHG:…"
//           (the version is also in the EFI image's NPDE at +0x0C); UTF-16 "NVIDIA GPU UEFI Driver"
//   Intel:  UTF-16 "Intel(R) GOP Driver" in a fixed buffer followed by UTF-16 version text
//   iPXE:   UTF-16 "iPXE" then its version, "1.0.0+git-20190125.36a4c85-5.1"

public struct EFIDriverIdentity: Sendable, Equatable {
    public var name: String
    public var version: String?
    public var buildDate: String?

    public init(name: String, version: String?, buildDate: String? = nil) {
        self.name = name
        self.version = version
        self.buildDate = buildDate
    }

    /// What `pe` (the driver's bytes, decompressed) says about itself, or nil.
    public static func find(in pe: [UInt8]) -> EFIDriverIdentity? {
        pe.withUnsafeBytes { raw in
            let v = ByteView(raw)
            return amd(v) ?? nvidia(v) ?? intel(v) ?? ipxe(v)
        }
    }

    static func amd(_ v: ByteView) -> EFIDriverIdentity? {
        let text: String
        if let at = utf16Find(v, "AMD GOP ") {
            text = utf16String(v, at, max: 160)
        } else if let at = v.find(Array("AMD GOP ".utf8)) {
            text = v.printable(at, max: 160)
        } else {
            return nil
        }
        guard let rev = text.firstRange(of: " Rev.") else { return EFIDriverIdentity(name: text, version: nil) }
        let name = String(text[..<rev.lowerBound])
        // "1.61.0.15.50.Jan 12 2017.11:16:18": the numeric fields are the version, the rest its date.
        let fields = text[rev.upperBound...].split(separator: ".", omittingEmptySubsequences: false)
        let numeric = fields.prefix { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
        let rest = fields.dropFirst(numeric.count).joined(separator: " ")
        return EFIDriverIdentity(name: name, version: numeric.isEmpty ? nil : numeric.joined(separator: "."),
                                 buildDate: rest.isEmpty ? nil : rest)
    }

    static func nvidia(_ v: ByteView) -> EFIDriverIdentity? {
        guard let at = v.find(Array("NV-UEFI-BLD-INFO".utf8)) else { return nil }
        var version: String?
        var date: String?
        // The fields follow within a few dozen bytes, each NUL-terminated.
        var i = at + 16
        let end = min(v.count, at + 128)
        while i < end {
            let s = v.printable(i, max: 64)
            if s.hasPrefix("VER:") { version = String(s.dropFirst(4)) }
            if s.hasPrefix("DAT:") { date = String(s.dropFirst(4)) }
            i += max(s.utf8.count, 1)
        }
        let name = utf16Find(v, "NVIDIA GPU UEFI Driver") != nil ? "NVIDIA GPU UEFI Driver" : "NVIDIA GOP"
        return EFIDriverIdentity(name: name, version: version, buildDate: date)
    }

    static func intel(_ v: ByteView) -> EFIDriverIdentity? {
        let name = "Intel(R) GOP Driver"
        guard let at = utf16Find(v, name) else { return nil }
        // The name sits in a fixed-size buffer; the version text is the next UTF-16 string after it.
        var i = at + 2 * name.utf8.count
        let end = min(v.count - 1, at + 0x180)
        while i < end, v.u16(i) == 0 { i += 2 }
        let version = utf16String(v, i, max: 32)
        let ok = !version.isEmpty && version.allSatisfy { $0.isNumber || $0 == "." }
        return EFIDriverIdentity(name: name, version: ok ? version : nil)
    }

    static func ipxe(_ v: ByteView) -> EFIDriverIdentity? {
        guard let at = utf16Find(v, "iPXE") else { return nil }
        var i = at + 8
        let end = min(v.count - 1, at + 0x40)
        while i < end, v.u16(i) == 0 { i += 2 }
        let version = utf16String(v, i, max: 64)
        return EFIDriverIdentity(name: "iPXE", version: version.first?.isNumber == true ? version : nil)
    }

    static func utf16Find(_ v: ByteView, _ ascii: String) -> Int? {
        var needle: [UInt8] = []
        for b in ascii.utf8 { needle += [b, 0] }
        return v.find(needle)
    }

    /// Printable UTF-16LE text (ASCII range) at `at`, up to `max` characters.
    static func utf16String(_ v: ByteView, _ at: Int, max: Int) -> String {
        var out: [UInt8] = []
        var i = at
        while out.count < max, let c = v.u16(i), c >= 0x20, c <= 0x7E {
            out.append(UInt8(c))
            i += 2
        }
        return String(decoding: out, as: UTF8.self)
    }
}
