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
}

public enum Checksum {
    /// Sum of `buffer[range]` modulo 256. Eight bytes at a time in SIMD lanes; the compiler turns
    /// the lane adds into vector instructions.
    @inlinable
    public static func sum(_ buffer: UnsafeRawBufferPointer, from start: Int = 0, count: Int? = nil) -> UInt8 {
        let n = Swift.min(count ?? (buffer.count - start), buffer.count - start)
        guard n > 0, start >= 0, let base = buffer.baseAddress else { return 0 }
        let p = base + start
        var i = 0
        // Each 64-bit lane holds byte sums with no carry into the next byte lane for up to
        // 255 additions of 0xFF per 16-bit slot, so fold every 128 blocks.
        var total: UInt64 = 0
        let blocks = n / 32
        var b = 0
        while b < blocks {
            var acc = SIMD4<UInt64>(repeating: 0)
            let end = Swift.min(blocks, b + 128)
            while b < end {
                let v = (p + b * 32).loadUnaligned(as: SIMD4<UInt64>.self)
                let mask = SIMD4<UInt64>(repeating: 0x00FF_00FF_00FF_00FF)
                acc &+= (v & mask) &+ ((v &>> 8) & mask)
                b += 1
            }
            // Fold 16-bit slots of the four lanes.
            var s: UInt64 = 0
            for lane in 0..<4 {
                let x = acc[lane]
                s &+= (x & 0xFFFF) &+ ((x >> 16) & 0xFFFF) &+ ((x >> 32) & 0xFFFF) &+ (x >> 48)
            }
            total &+= s
        }
        i = blocks * 32
        while i < n {
            total &+= UInt64(p.load(fromByteOffset: i, as: UInt8.self))
            i += 1
        }
        return UInt8(truncatingIfNeeded: total)
    }

    @inlinable
    public static func sum(_ bytes: [UInt8], from start: Int = 0, count: Int? = nil) -> UInt8 {
        bytes.withUnsafeBytes { sum($0, from: start, count: count) }
    }
}
