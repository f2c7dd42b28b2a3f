import Core
// Bounds-checked little-endian reads over borrowed bytes. Every read that could fall off the
// end returns nil, so a parser built on it cannot trap on hostile input.

@usableFromInline
struct ByteView {
    @usableFromInline let base: UnsafeRawBufferPointer

    @inlinable init(_ base: UnsafeRawBufferPointer) { self.base = base }

    @inlinable var count: Int { base.count }

    @inlinable func contains(_ offset: Int, _ length: Int) -> Bool {
        offset >= 0 && length >= 0 && offset <= base.count && length <= base.count - offset
    }

    @inlinable func u8(_ offset: Int) -> UInt8? {
        guard contains(offset, 1) else { return nil }
        return base[offset]
    }

    @inlinable func u16(_ offset: Int) -> UInt16? {
        guard contains(offset, 2) else { return nil }
        return UInt16(base[offset]) | UInt16(base[offset + 1]) << 8
    }

    @inlinable func u32(_ offset: Int) -> UInt32? {
        guard contains(offset, 4) else { return nil }
        return UInt32(base[offset]) | UInt32(base[offset + 1]) << 8
            | UInt32(base[offset + 2]) << 16 | UInt32(base[offset + 3]) << 24
    }

    /// Whether the bytes at `offset` equal `ascii`.
    @inlinable func matches(_ offset: Int, _ ascii: StaticString) -> Bool {
        let n = ascii.utf8CodeUnitCount
        guard contains(offset, n) else { return false }
        return ascii.withUTF8Buffer { s in
            for i in 0..<n where base[offset + i] != s[i] { return false }
            return true
        }
    }

    @inlinable func matches(_ offset: Int, _ bytes: [UInt8]) -> Bool {
        guard contains(offset, bytes.count) else { return false }
        for i in 0..<bytes.count where base[offset + i] != bytes[i] { return false }
        return true
    }

    /// Printable ASCII starting at `offset`, stopping at the first byte outside `' '...'~'`.
    func printable(_ offset: Int, max: Int) -> String {
        guard offset >= 0, offset < base.count else { return "" }
        var out: [UInt8] = []
        var i = offset
        while i < base.count, out.count < max {
            let b = base[i]
            if b < 0x20 || b > 0x7E { break }
            out.append(b)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Four bytes as text when they are printable, else as hex.
    func tag(_ offset: Int) -> String {
        guard contains(offset, 4) else { return "" }
        let s = printable(offset, max: 4)
        if s.utf8.count == 4 { return s }
        return Hex.bytes(base, offset, 4)
    }

    /// First offset >= `from` (and < `to`) where `needle` starts; nil if none.
    ///
    /// `memchr` on the needle's first byte that is not 0x00 or 0xFF, not on its first byte:
    /// vendor signatures such as NVIDIA's `FF B8 'BIT'` start with a byte that fills a ROM's
    /// padding, and a hit per byte made this the hot spot of `verify`.
    func find(_ needle: [UInt8], from: Int = 0, to: Int? = nil) -> Int? {
        let end = Swift.min(to ?? base.count, base.count)
        guard !needle.isEmpty, from >= 0, needle.count <= end - from else { return nil }
        let k = needle.firstIndex { $0 != 0x00 && $0 != 0xFF } ?? 0
        let key = needle[k]
        // Candidates start in from...end - needle.count, so the key byte lies at start + k.
        var at = from + k
        let keyEnd = end - needle.count + k + 1
        while let hit = ByteSearch.index(of: key, in: base, from: at, to: keyEnd) {
            if matches(hit - k, needle) { return hit - k }
            at = hit + 1
        }
        return nil
    }
}

extension Hex {
    /// `count` bytes of `base` from `offset` as hex, clipped to the buffer.
    static func bytes(_ base: UnsafeRawBufferPointer, _ offset: Int, _ count: Int) -> String {
        var out = ""
        for i in offset..<Swift.min(offset + count, base.count) { out += string(base[i], width: 2) }
        return out
    }
}
