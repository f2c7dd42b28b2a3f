import Testing
@testable import OptionROM

/// The vector pair searches against a plain byte-by-byte search, on random and
/// adversarial buffers: hits at every offset of a 64-byte block and across blocks, dense and
/// overlapping pairs, a first byte at the very end, bounds outside the buffer, misaligned starts.
@Suite struct ByteSearchTests {
    /// The reference: the first `k` in `from..<to` (clamped; with `even`, even offsets only) with
    /// `b[k]`, `b[k + 1]` a listed pair.
    static func naive(_ b: [UInt8], _ pairs: [(UInt8, UInt8)], from: Int, to: Int, even: Bool = false) -> Int? {
        let end = Swift.min(to, b.count)
        var k = Swift.max(from, 0)
        while k + 1 < end {
            if (!even || k % 2 == 0) && pairs.contains(where: { $0.0 == b[k] && $0.1 == b[k + 1] }) { return k }
            k += 1
        }
        return nil
    }

    static let evenPairs: ((UInt8, UInt8), (UInt8, UInt8), (UInt8, UInt8), (UInt8, UInt8)) = ((0x5F, 0x46), (0x46, 0x56), (0x4C, 0x41), (0x41, 0x52))

    /// Both searches on `bytes[shift...]` (a base address `shift` bytes off any alignment).
    static func check(_ bytes: [UInt8], shift: Int, from: Int, to: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        let b = Array(bytes[shift...])
        let one = b.withUnsafeBytes { ByteSearch.index(of: 0x55, 0xAA, in: $0, from: from, to: to) }
        #expect(one == naive(b, [(0x55, 0xAA)], from: from, to: to),
                "55 AA in \(b.count) bytes, from \(from) to \(to)", sourceLocation: sourceLocation)
        let p = evenPairs
        let even = b.withUnsafeBytes { ByteSearch.index(ofEvenPair: p, in: $0, from: from, to: to) }
        #expect(even == naive(b, [p.0, p.1, p.2, p.3], from: from, to: to, even: true),
                "_F, FV, LA or AR at an even offset in \(b.count) bytes, from \(from) to \(to)", sourceLocation: sourceLocation)
    }

    /// A small fixed-seed generator (SplitMix64): a failure replays the same buffers.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func randomBuffersAgreeWithTheScalarSearch() {
        var rng = SplitMix(state: 25)
        for round in 0..<3_000 {
            let count = Int.random(in: 0...400, using: &rng)
            // Bytes from a small alphabet make pairs (and near misses) common.
            let alphabet: [UInt8] = round % 2 == 0 ? [0x55, 0xAA, 0x5F, 0x46, 0x56, 0x4C, 0x41, 0x52, 0x00] : Array(0...255)
            let bytes = (0..<count + 16).map { _ in alphabet.randomElement(using: &rng)! }
            let from = Int.random(in: -3...count + 3, using: &rng)
            let to = Int.random(in: -3...count + 70, using: &rng)
            Self.check(bytes, shift: Int.random(in: 0...15, using: &rng), from: from, to: to)
        }
    }

    @Test func oneHitAtEveryOffsetOfTwoBlocks() {
        for size in [64, 65, 66, 127, 128, 129, 200] {
            for at in 0..<size - 1 {
                for shift in [0, 1, 7] {
                    var b = [UInt8](repeating: 0, count: size + shift)
                    b[shift + at] = 0x55; b[shift + at + 1] = 0xAA
                    Self.check(b, shift: shift, from: 0, to: size)
                    Self.check(b, shift: shift, from: at, to: size)
                    Self.check(b, shift: shift, from: at + 1, to: size)
                    Self.check(b, shift: shift, from: 0, to: at + 1)    // the second byte just past `to`
                    b[shift + at] = 0x4C; b[shift + at + 1] = 0x41
                    Self.check(b, shift: shift, from: 0, to: size)
                    b[shift + at] = 0x41; b[shift + at + 1] = 0x52
                    Self.check(b, shift: shift, from: 0, to: size)
                    Self.check(b, shift: shift, from: at, to: size)
                }
            }
        }
    }

    @Test func adversarialPatterns() {
        let n = 1_000
        let patterns: [[UInt8]] = [
            [UInt8](repeating: 0x55, count: n),                                   // first bytes only
            [UInt8](repeating: 0xAA, count: n),                                   // second bytes only
            (0..<n).map { $0 % 2 == 0 ? 0x55 : 0xAA },                            // a pair at every even offset
            (0..<n).map { $0 % 2 == 0 ? 0xAA : 0x55 },                            // every odd offset
            (0..<n).map { $0 % 64 == 63 ? 0x55 : $0 % 64 == 0 ? 0xAA : 0x00 },    // pairs across each block's edge
            (0..<n).map { $0 % 64 == 63 ? 0x55 : 0x00 },                          // near misses at each edge
            (0..<n).map { $0 % 3 == 0 ? 0x5F : $0 % 3 == 1 ? 0x4C : 0x41 },       // `LA` in a sea of `_`
            (0..<n).map { $0 % 2 == 0 ? 0x4C : 0x41 },                            // `LA` at every even offset
            (0..<n).map { $0 % 2 == 1 ? 0x4C : 0x41 },                            // and at every odd one (none even)
            (0..<n).map { $0 == n - 1 ? 0x55 : 0x00 },                            // a first byte at the very end
        ]
        for b in patterns {
            for from in [0, 1, 62, 63, 64, 65, n - 66, n - 2, n - 1, n] {
                for to in [n, n - 1, n - 64, 129, 64, 2, 1, 0, n + 50] {
                    Self.check(b, shift: 0, from: from, to: to)
                }
            }
        }
    }

    @Test func emptyAndOutOfRange() {
        let empty: [UInt8] = []
        #expect(empty.withUnsafeBytes { ByteSearch.index(of: 0x55, 0xAA, in: $0, from: 0, to: 10) } == nil)
        #expect(empty.withUnsafeBytes { ByteSearch.index(ofEvenPair: Self.evenPairs, in: $0, from: 0, to: 10) } == nil)
        // `LA` only at odd offsets: not found (holdsContainerSignature finds such a signature by its `AR`).
        let la: [UInt8] = [0, 0x4C, 0x41, 0x4C, 0x41]
        #expect(la.withUnsafeBytes { ByteSearch.index(ofEvenPair: Self.evenPairs, in: $0, from: 0, to: 5) } == nil)
        #expect(la.withUnsafeBytes { ByteSearch.index(ofEvenPair: Self.evenPairs, in: $0, from: 1, to: 5) } == nil)
        let ar: [UInt8] = [0, 0x4C, 0x41, 0x52]
        #expect(ar.withUnsafeBytes { ByteSearch.index(ofEvenPair: Self.evenPairs, in: $0, from: 1, to: 4) } == 2)
        let b: [UInt8] = [0x55, 0xAA]
        #expect(b.withUnsafeBytes { ByteSearch.index(of: 0x55, 0xAA, in: $0, from: -5, to: 99) } == 0)
        #expect(b.withUnsafeBytes { ByteSearch.index(of: 0x55, 0xAA, in: $0, from: 1, to: 2) } == nil)
        #expect(b.withUnsafeBytes { ByteSearch.index(of: 0x55, 0xAA, in: $0, from: 5, to: 2) } == nil)
    }
}
