#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import OptionROM

// Bounds-checked reads at offsets relative to a slice's start: every read that would fall off
// the end returns nil, so the walker cannot trap on hostile lengths.
extension ArraySlice where Element == UInt8 {
    func has(_ offset: Int, _ length: Int) -> Bool {
        offset >= 0 && length >= 0 && offset <= count && length <= count - offset
    }

    func u8(_ o: Int) -> UInt8? { has(o, 1) ? self[startIndex + o] : nil }

    func u16(_ o: Int) -> UInt16? {
        guard has(o, 2) else { return nil }
        let s = startIndex + o
        return UInt16(self[s]) | UInt16(self[s + 1]) << 8
    }

    func u24(_ o: Int) -> Int? {
        guard has(o, 3) else { return nil }
        let s = startIndex + o
        return Int(self[s]) | Int(self[s + 1]) << 8 | Int(self[s + 2]) << 16
    }

    func u32(_ o: Int) -> UInt32? {
        guard has(o, 4) else { return nil }
        let s = startIndex + o
        return UInt32(self[s]) | UInt32(self[s + 1]) << 8 | UInt32(self[s + 2]) << 16 | UInt32(self[s + 3]) << 24
    }

    func u32be(_ o: Int) -> UInt32? { u32(o).map { $0.byteSwapped } }

    func u64(_ o: Int) -> UInt64? {
        guard let lo = u32(o), let hi = u32(o + 4) else { return nil }
        return UInt64(lo) | UInt64(hi) << 32
    }

    /// `length` bytes at `offset`, keeping the buffer's indices.
    func sub(_ offset: Int, _ length: Int) -> ArraySlice<UInt8>? {
        guard has(offset, length) else { return nil }
        return self[(startIndex + offset)..<(startIndex + offset + length)]
    }

    func from(_ offset: Int) -> ArraySlice<UInt8>? { sub(offset, count - offset) }

    func matches(_ o: Int, _ ascii: StaticString) -> Bool {
        let n = ascii.utf8CodeUnitCount
        guard has(o, n) else { return false }
        return ascii.withUTF8Buffer { s in
            for i in 0..<n where self[startIndex + o + i] != s[i] { return false }
            return true
        }
    }

    /// Offset (relative) of the first `needle` at or after `from` (and starting before `before`,
    /// when given), at memory speed.
    func find(_ needle: StaticString, from: Int, before: Int? = nil) -> Int? {
        guard from >= 0, from < count else { return nil }
        let last = Swift.min(count - needle.utf8CodeUnitCount, (before ?? count) - 1)
        return withUnsafeBytes { raw -> Int? in
            guard let base = raw.baseAddress else { return nil }
            return needle.withUTF8Buffer { n -> Int? in
                // The first two bytes by ByteSearch's pair search, then a compare. memchr for the
                // first byte alone stopped every few bytes in decoded x86 code, where `L` (a REX
                // prefix), `_` and `$` (the SIB byte of rsp-relative operands) are common.
                guard last >= from else { return nil }
                guard n.count >= 2 else { return ByteSearch.index(of: n[0], in: raw, from: from, to: last + 1) }
                var at = from
                while at <= last, let i = ByteSearch.index(of: n[0], n[1], in: raw, from: at, to: last + 2) {
                    if memcmp(base + i, n.baseAddress!, n.count) == 0 { return i }
                    at = i + 1
                }
                return nil
            }
        }
    }

    /// Whether `length` bytes at `offset` are all `byte`, at memcmp speed: the first is `byte`
    /// and every byte equals the one after it (a comparison of the range with itself shifted by one).
    func allEqual(_ byte: UInt8, _ offset: Int, _ length: Int) -> Bool {
        guard has(offset, length) else { return false }
        guard length > 0 else { return true }
        return withUnsafeBytes { raw in
            let p = raw.baseAddress! + offset
            return p.load(as: UInt8.self) == byte && (length == 1 || memcmp(p, p + 1, length - 1) == 0)
        }
    }

    /// UCS-2 text up to its NUL or `maxBytes`, printable characters only.
    func ucs2(_ offset: Int, maxBytes: Int) -> String {
        var scalars = String.UnicodeScalarView()
        var o = offset
        while o + 1 < Swift.min(count, offset + maxBytes), let c = u16(o), c != 0 {
            if let u = Unicode.Scalar(UInt32(c)), c >= 0x20 { scalars.append(u) }
            o += 2
        }
        return String(scalars)
    }

    /// ASCII text up to its NUL or `maxBytes`.
    func ascii(_ offset: Int, maxBytes: Int) -> String {
        var out: [UInt8] = []
        var o = offset
        while o < Swift.min(count, offset + maxBytes), let c = u8(o), c != 0 {
            out.append(c >= 0x20 && c < 0x7F ? c : UInt8(ascii: "?"))
            o += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}

func alignUp(_ v: Int, _ a: Int) -> Int { (v + a - 1) & ~(a - 1) }

func hex(_ v: Int) -> String { "0x" + String(v, radix: 16) }
