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
    /// inside `to`): `memchr` for the first byte, one compare for the second.
    @inlinable
    public static func index(of first: UInt8, _ second: UInt8, in buffer: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
        let end = Swift.min(to, buffer.count)
        var at = from
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
