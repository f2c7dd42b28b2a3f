/// Sums of a large buffer's 512-byte blocks, each computed once, on first use. A blob dense with
/// overlapping candidate images (decoys) asks for the sum of the same bytes again and again;
/// with this, a sum costs one load per whole block plus at most two partial blocks, and every
/// byte is added once however many images cover it. `ROMScanner` uses one per scanned buffer.
public final class ChecksumBlocks: @unchecked Sendable {
    public static let blockSize = 512
    let base: UnsafeRawBufferPointer
    private var sums: [UInt8]
    private var known: [Bool]

    public init(_ base: UnsafeRawBufferPointer) {
        self.base = base
        let blocks = (base.count + Self.blockSize - 1) / Self.blockSize
        sums = [UInt8](repeating: 0, count: blocks)
        known = [Bool](repeating: false, count: blocks)
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
        var firstWhole = (start + size - 1) / size
        let lastWhole = end / size  // blocks [firstWhole, lastWhole) lie wholly inside
        if firstWhole >= lastWhole { return Checksum.sum(base, from: start, count: end - start) }
        var total = Checksum.sum(base, from: start, count: firstWhole * size - start)
        while firstWhole < lastWhole {
            if !known[firstWhole] {
                sums[firstWhole] = Checksum.sum(base, from: firstWhole * size, count: size)
                known[firstWhole] = true
            }
            total &+= sums[firstWhole]
            firstWhole += 1
        }
        total &+= Checksum.sum(base, from: lastWhole * size, count: end - lastWhole * size)
        return total
    }
}
