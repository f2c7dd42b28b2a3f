#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte search and sums at memory speed: `memchr` for one byte, 16-byte vector compares for
/// byte pairs (the first two bytes of a signature, or pairs at even offsets: see
/// `index(ofEvenPair:)`), and a vector sum for checksums.
public enum ByteSearch {
    /// Index of the first `byte` in `buffer[from..<to]`.
    @inlinable
    public static func index(of byte: UInt8, in buffer: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
        guard let base = buffer.baseAddress, from >= 0, from < to, to <= buffer.count else { return nil }
        guard let hit = memchr(base + from, Int32(byte), to - from) else { return nil }
        return base.distance(to: UnsafeRawPointer(hit))
    }

    /// Index of the first `first second` byte pair starting in `buffer[from..<to]` (both bytes
    /// inside `to`). Random data holds a `55` every 256 bytes but a `55 AA` only every 64 KiB:
    /// stopping at each `55` (memchr alone) cost as much as reading the data, so 64 pairs are
    /// tested per step, and only the block with a hit is looked at byte by byte.
    @inlinable
    public static func index(of first: UInt8, _ second: UInt8, in buffer: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
        let end = Swift.min(to, buffer.count)
        guard let base = buffer.baseAddress else { return nil }
        let f = SIMD16<UInt8>(repeating: first), s = SIMD16<UInt8>(repeating: second)
        var at = Swift.max(from, 0)
        while true {
            while at &+ 65 <= end {
                let p = base + at
                var m = PairLanes.starts(p, f, s)
                m = m .| PairLanes.starts(p + 16, f, s)
                m = m .| PairLanes.starts(p + 32, f, s)
                m = m .| PairLanes.starts(p + 48, f, s)
                if PairLanes.any(m) { break }
                at &+= 64
            }
            // The block with a hit, or the tail shorter than a block.
            let stop = Swift.min(at &+ 64, end &- 1)
            while at < stop {
                if base.load(fromByteOffset: at, as: UInt8.self) == first,
                   base.load(fromByteOffset: at &+ 1, as: UInt8.self) == second { return at }
                at &+= 1
            }
            if at >= end &- 1 { return nil }
        }
    }
}

extension ByteSearch {
    /// Index of the first even offset in `buffer[from..<to]` (both bytes inside `to`) where one
    /// of four byte pairs sits: one load and four 16-bit compares (`pcmpeqw`) per 16 bytes.
    /// A signature of four bytes or more has, wherever it starts, its first pair at an even
    /// offset or its second pair at the next one; so searching for both pairs of each of two
    /// signatures at even offsets finds every place where either starts (at the hit, or one byte
    /// before it), for half the work of a two-pair search at every offset.
    @inlinable
    public static func index(ofEvenPair pairs: ((UInt8, UInt8), (UInt8, UInt8), (UInt8, UInt8), (UInt8, UInt8)),
                             in buffer: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
        let end = Swift.min(to, buffer.count)
        guard let base = buffer.baseAddress else { return nil }
        // Each pair as the 16-bit word a load of its two bytes gives on this machine.
        func word(_ p: (UInt8, UInt8)) -> UInt16 { UInt16(littleEndian: UInt16(p.0) | UInt16(p.1) << 8) }
        let w0 = SIMD8<UInt16>(repeating: word(pairs.0)), w1 = SIMD8<UInt16>(repeating: word(pairs.1))
        let w2 = SIMD8<UInt16>(repeating: word(pairs.2)), w3 = SIMD8<UInt16>(repeating: word(pairs.3))
        var at = Swift.max(from, 0)
        at += at & 1
        while true {
            while at &+ 64 <= end {
                let p = base + at
                var m = SIMDMask<SIMD8<Int16>>(repeating: false)
                var k = 0
                while k < 64 {
                    let x = (p + k).loadUnaligned(as: SIMD8<UInt16>.self)
                    m = m .| (x .== w0) .| (x .== w1) .| (x .== w2) .| (x .== w3)
                    k &+= 16
                }
                let lanes = unsafeBitCast(m, to: SIMD2<UInt64>.self)
                if lanes[0] | lanes[1] != 0 { break }
                at &+= 64
            }
            let stop = Swift.min(at &+ 64, end &- 1)
            while at < stop {
                let x = base.load(fromByteOffset: at, as: UInt8.self), y = base.load(fromByteOffset: at &+ 1, as: UInt8.self)
                if (x, y) == pairs.0 || (x, y) == pairs.1 || (x, y) == pairs.2 || (x, y) == pairs.3 { return at }
                at &+= 2
            }
            if at >= end &- 1 { return nil }
        }
    }
}

/// The vector steps of the pair searches. `SIMD16<UInt8>` compares become one SSE2 `pcmpeqb`
/// each (NEON `cmeq` on arm64): a pair test is two unaligned loads (the second one byte on),
/// two compares and an and, about 1.5 instructions a byte with the loop. The mask is tested as
/// two words: Swift's generic mask reductions (`any`) are not specialised into `pmovmskb`.
@usableFromInline
enum PairLanes {
    /// Lanes of `x` (16 bytes) where `f` sits, followed (in `y`, the 16 bytes one on) by `s`.
    @inlinable @inline(__always)
    static func starts(_ x: SIMD16<UInt8>, _ y: SIMD16<UInt8>, _ f: SIMD16<UInt8>, _ s: SIMD16<UInt8>) -> SIMDMask<SIMD16<Int8>> {
        (x .== f) .& (y .== s)
    }

    @inlinable @inline(__always)
    static func starts(_ p: UnsafeRawPointer, _ f: SIMD16<UInt8>, _ s: SIMD16<UInt8>) -> SIMDMask<SIMD16<Int8>> {
        starts(p.loadUnaligned(as: SIMD16<UInt8>.self), (p + 1).loadUnaligned(as: SIMD16<UInt8>.self), f, s)
    }

    @inlinable @inline(__always)
    static func any(_ m: SIMDMask<SIMD16<Int8>>) -> Bool {
        let w = unsafeBitCast(m, to: SIMD2<UInt64>.self)
        return w[0] | w[1] != 0
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
