/// Sums of a large buffer's 512-byte blocks, each block summed once, on first use, and kept as
/// prefix sums per segment of 256 blocks (128 KiB). A blob dense with overlapping candidate
/// images (decoys) asks for the sum of the same bytes again and again; with this a sum costs
/// two partial blocks and one subtraction per segment it spans (a legacy image's checksummed
/// part, at most 255 blocks, spans at most two), and every byte is added once however many
/// images cover it. `ROMScanner` uses one per scanned buffer.
public final class ChecksumBlocks: @unchecked Sendable {
    public static let blockSize = 512
    static let segmentBlocks = 256
    let base: UnsafeRawBufferPointer
    /// Per segment, running sums of its first blocks (entry i: the blocks before i), as far as asked.
    private var prefixes: [[UInt8]]

    public init(_ base: UnsafeRawBufferPointer) {
        self.base = base
        let segment = Self.blockSize * Self.segmentBlocks
        prefixes = [[UInt8]](repeating: [], count: (base.count + segment - 1) / segment)
    }

    /// The sum mod 256 of `count` bytes at `pointer` (which lies inside `base`); the same as
    /// `Checksum.sum` over those bytes, clipped to the buffer.
    public func sum(at pointer: UnsafeRawPointer, count: Int) -> UInt8? {
        guard let b = base.baseAddress, pointer >= b, pointer < b + base.count else { return nil }
        return sum(from: pointer - b, count: count)
    }

    public func sum(from start: Int, count: Int) -> UInt8 {
        guard start >= 0, start < base.count, count > 0 else { return 0 }
        let end = Swift.min(base.count, start + Swift.min(count, base.count))
        let size = Self.blockSize
        let firstWhole = (start + size - 1) / size
        let lastWhole = end / size  // blocks [firstWhole, lastWhole) lie wholly inside
        if firstWhole >= lastWhole { return Checksum.sum(base, from: start, count: end - start) }
        var total = Checksum.sum(base, from: start, count: firstWhole * size - start)
        total &+= Checksum.sum(base, from: lastWhole * size, count: end - lastWhole * size)
        var block = firstWhole
        while block < lastWhole {
            let segment = block / Self.segmentBlocks
            let from = block - segment * Self.segmentBlocks
            let to = Swift.min(lastWhole - segment * Self.segmentBlocks, Self.segmentBlocks)
            extend(segment, to: to)
            total &+= prefixes[segment][to] &- prefixes[segment][from]
            block = segment * Self.segmentBlocks + to
        }
        return total
    }

    /// Extends a segment's running sums to its first `blocks` blocks: only blocks asked for are
    /// summed (a streamed scan's buffer holds no data past what it has read).
    private func extend(_ segment: Int, to blocks: Int) {
        var sums = prefixes[segment]
        guard sums.count <= blocks else { return }
        prefixes[segment] = []  // unique while it grows
        if sums.isEmpty { sums.reserveCapacity(Self.segmentBlocks + 1); sums.append(0) }
        let first = segment * Self.segmentBlocks
        while sums.count <= blocks {
            sums.append(sums[sums.count - 1] &+ Self.blockSum(base.baseAddress! + (first + sums.count - 1) * Self.blockSize))
        }
        prefixes[segment] = sums
    }

    /// The sum mod 256 of the 512 bytes at `p`: byte lanes of 64-bit words added without carries
    /// between lanes, then the eight lanes folded (16-bit lanes, so no carry is lost).
    @inline(__always)
    static func blockSum(_ p: UnsafeRawPointer) -> UInt8 {
        let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F, high: UInt64 = 0x8080_8080_8080_8080
        var a: UInt64 = 0, b: UInt64 = 0
        var i = 0
        while i < blockSize {
            let x = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let y = p.loadUnaligned(fromByteOffset: i &+ 8, as: UInt64.self)
            a = ((a & low) &+ (x & low)) ^ ((a ^ x) & high)
            b = ((b & low) &+ (y & low)) ^ ((b ^ y) & high)
            i &+= 16
        }
        let lanes = (a & 0x00FF_00FF_00FF_00FF) &+ ((a >> 8) & 0x00FF_00FF_00FF_00FF)
            &+ (b & 0x00FF_00FF_00FF_00FF) &+ ((b >> 8) & 0x00FF_00FF_00FF_00FF)
        return UInt8(truncatingIfNeeded: (lanes &* 0x0001_0001_0001_0001) >> 48)
    }
}
