#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte search and sums at memory speed: `memchr` for the first byte of a signature (a Swift
/// byte loop does not vectorise), and a wide-word sum for checksums.
public enum ByteSearch {
    /// Index of the first `byte` in `buffer[from..<to]`.
    @inlinable
    public static func index(of byte: UInt8, in buffer: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
        guard let base = buffer.baseAddress, from >= 0, from < to, to <= buffer.count else { return nil }
        guard let hit = memchr(base + from, Int32(byte), to - from) else { return nil }
        return base.distance(to: UnsafeRawPointer(hit))
    }

    /// Index of the first `first second` byte pair starting in `buffer[from..<to]` (both bytes
    /// inside `to`): 64 pairs per step with vector compares, then `memchr` for the first byte
    /// and one compare for the second. Random data holds a `55` every 256 bytes but a `55 AA`
    /// only every 64 KiB: stopping at each `55` (memchr alone) cost as much as reading the data.
    @inlinable
    public static func index(of first: UInt8, _ second: UInt8, in buffer: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
        let end = Swift.min(to, buffer.count)
        var at = Swift.max(from, 0)
        if let base = buffer.baseAddress {
            // Eight bytes per word: a byte of (x ^ first) | (next ^ second) is 0 where the pair
            // starts, and (v - 0x01…) & ~v & 0x80… is not 0 exactly when a byte of v is 0.
            // (Swift's generic SIMD reductions are not specialised here: scalar words are.)
            let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
            let f = ones &* UInt64(first), s = ones &* UInt64(second)
            while at &+ 65 <= end {
                var found: UInt64 = 0
                var k = 0
                while k < 64 {
                    let a = UInt64(littleEndian: (base + (at &+ k)).loadUnaligned(as: UInt64.self))
                    let b = UInt64(littleEndian: (base + (at &+ k &+ 1)).loadUnaligned(as: UInt64.self))
                    let v = (a ^ f) | (b ^ s)
                    found |= (v &- ones) & ~v & highs
                    k &+= 8
                }
                if found != 0 { break }
                at &+= 64
            }
        }
        while let hit = index(of: first, in: buffer, from: at, to: end - 1) {
            if buffer[hit + 1] == second { return hit }
            at = hit + 1
        }
        return nil
    }
}

public enum Checksum {
    /// Sum of `buffer[from ..< from + count]` modulo 256.
    ///
    /// Only the sum mod 256 matters, and byte lanes that wrap mod 256 keep exactly that, so the
    /// loop is one vector byte-add per 16 bytes (`SIMD64<UInt8>` becomes four SSE2 `paddb`
    /// accumulators, or two AVX2 ones): no widening, no carries, no folding. It runs at memory
    /// bandwidth, faster than `memcpy` of the same bytes (see Benchmarks/README.md).
    @inlinable
    public static func sum(_ buffer: UnsafeRawBufferPointer, from start: Int = 0, count: Int? = nil) -> UInt8 {
        guard start >= 0, start < buffer.count, let base = buffer.baseAddress else { return 0 }
        let n = Swift.min(count ?? (buffer.count - start), buffer.count - start)
        guard n > 0 else { return 0 }
        let p = base + start
        var lanes = SIMD64<UInt8>(repeating: 0)
        var i = 0
        while i &+ 64 <= n {
            lanes &+= (p + i).loadUnaligned(as: SIMD64<UInt8>.self)
            i &+= 64
        }
        var total = lanes.wrappedSum()
        while i < n {
            total &+= p.load(fromByteOffset: i, as: UInt8.self)
            i &+= 1
        }
        return total
    }

    @inlinable
    public static func sum(_ bytes: [UInt8], from start: Int = 0, count: Int? = nil) -> UInt8 {
        bytes.withUnsafeBytes { sum($0, from: start, count: count) }
    }
}
