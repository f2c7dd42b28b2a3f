/// Byte strings that may not be UTF-8 (file names, command-line arguments) carried in a Swift
/// `String` without loss, as Python's "surrogateescape" does: a byte that is not part of a valid
/// UTF-8 sequence becomes the private-use scalar U+10FF00 + byte (U+10FF80...U+10FFFF), and turns
/// back into that byte on the way to a system call. Valid UTF-8 passes through unchanged.
///
/// A name that already holds one of those 128 scalars, written as valid UTF-8, does not survive
/// the round trip (it comes back as the raw byte); such names are vanishingly rare.
public enum RawBytes {
    static let base: UInt32 = 0x10FF00

    /// The string for `bytes`: valid UTF-8 decoded, every other byte escaped.
    public static func string<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let b = Array(bytes)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < b.count {
            if let (scalar, length) = decodeScalar(b, at: i) {
                out.append(scalar)
                i += length
            } else {
                out.append(Unicode.Scalar(base + UInt32(b[i]))!)
                i += 1
            }
        }
        return String(out)
    }

    /// The bytes `string` stands for (the inverse of `string(_:)`).
    public static func bytes(_ string: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(string.utf8.count)
        for u in string.unicodeScalars {
            if let raw = rawByte(u) { out.append(raw) } else { out.append(contentsOf: String(u).utf8) }
        }
        return out
    }

    /// The raw byte an escape scalar stands for; nil for any other scalar.
    public static func rawByte(_ u: Unicode.Scalar) -> UInt8? {
        u.value >= base + 0x80 && u.value <= base + 0xFF ? UInt8(u.value - base) : nil
    }

    /// Whether `string` holds any escaped byte (then it must go through `bytes` to reach the system).
    public static func hasRawBytes(_ string: String) -> Bool {
        string.unicodeScalars.contains { rawByte($0) != nil }
    }

    /// One strictly valid UTF-8 scalar at `i` (no overlongs, no surrogates, nothing past U+10FFFF).
    static func decodeScalar(_ b: [UInt8], at i: Int) -> (Unicode.Scalar, Int)? {
        let c0 = b[i]
        if c0 < 0x80 { return (Unicode.Scalar(c0), 1) }
        let length: Int
        var value: UInt32
        var low: UInt8 = 0x80, high: UInt8 = 0xBF
        switch c0 {
        case 0xC2...0xDF: length = 2; value = UInt32(c0 & 0x1F)
        case 0xE0: length = 3; value = 0; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3; value = UInt32(c0 & 0x0F)
        case 0xED: length = 3; value = 0x0D; high = 0x9F
        case 0xF0: length = 4; value = 0; low = 0x90
        case 0xF1...0xF3: length = 4; value = UInt32(c0 & 0x07)
        case 0xF4: length = 4; value = 4; high = 0x8F
        default: return nil
        }
        guard i + length <= b.count else { return nil }
        for k in 1..<length {
            let c = b[i + k]
            if k == 1 { guard c >= low && c <= high else { return nil } } else { guard c & 0xC0 == 0x80 else { return nil } }
            value = (value << 6) | UInt32(c & 0x3F)
        }
        guard let scalar = Unicode.Scalar(value) else { return nil }
        return (scalar, length)
    }

    /// `string` made safe to print on a terminal: control characters (C0 but newline and tab,
    /// DEL, C1), bidirectional overrides and invisible format characters as `\u{…}`, escaped raw
    /// bytes as `\xNN`. Nothing that reaches a terminal from a file name or sysfs can move the
    /// cursor, change colours or hide text.
    /// A name from an input (a UI name, a CBFS name) in double quotes, a quote or backslash in it
    /// escaped, so where it ends is never in doubt; what is unprintable is escaped on output.
    public static func quoted(_ name: String) -> String {
        var out = "\""
        for u in name.unicodeScalars {
            if u == "\"" || u == "\\" { out += "\\" }
            out.unicodeScalars.append(u)
        }
        return out + "\""
    }

    public static func printable(_ string: String, keepNewlines: Bool = true) -> String {
        var needs = false
        for u in string.unicodeScalars where isUnsafe(u, keepNewlines: keepNewlines) { needs = true; break }
        guard needs else { return string }
        var out = ""
        for u in string.unicodeScalars {
            if let raw = rawByte(u) {
                out += "\\x" + Hex.string(raw, width: 2)
            } else if isUnsafe(u, keepNewlines: keepNewlines) {
                out += "\\u{" + Hex.string(u.value, width: u.value < 0x100 ? 2 : 4) + "}"
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    static func isUnsafe(_ u: Unicode.Scalar, keepNewlines: Bool) -> Bool {
        switch u.value {
        case 0x0A, 0x09: return !keepNewlines
        case 0x00..<0x20, 0x7F...0x9F: return true
        // Zero-width and direction marks, and the line and paragraph separators (U+2028/2029),
        // which some terminals and viewers break lines at.
        case 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2069, 0xFEFF: return true
        default: return rawByte(u) != nil
        }
    }
}
