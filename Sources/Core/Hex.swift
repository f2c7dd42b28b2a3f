/// Lowercase hexadecimal text, the one spelling vbios uses for IDs, offsets and bytes.
public enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Lowercase hex, zero-padded to `width` digits.
    public static func string<T: BinaryInteger>(_ value: T, width: Int) -> String {
        var v = UInt64(truncatingIfNeeded: value)
        var out = [UInt8](repeating: 0x30, count: width)
        var i = width - 1
        while i >= 0 {
            out[i] = digits[Int(v & 0xF)]
            v >>= 4
            i -= 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `0x`-prefixed lowercase hex with at least `width` digits.
    public static func prefixed<T: BinaryInteger>(_ value: T, width: Int = 1) -> String {
        var w = width
        var v = UInt64(truncatingIfNeeded: value) >> (4 * UInt64(w))
        while v != 0 { w += 1; v >>= 4 }
        return "0x" + string(value, width: w)
    }
}
