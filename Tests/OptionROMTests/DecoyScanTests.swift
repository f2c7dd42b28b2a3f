import Testing
@testable import OptionROM

/// Decoys (issue 15): a blob dense with headers that each start a long chain through the next
/// ones, with large size bytes to sum. The scanner's memo must not change what it finds.
enum Decoys {
    /// `count` bytes: a decoy header every `stride` bytes (size byte 0xFF, PCIR image length one
    /// block, not last: each chains into the next and fails rule 4), real ROMs planted at `roms`.
    static func blob(count: Int, stride: Int = 512, roms: [Int] = []) -> [UInt8] {
        var b = ScanFixture.noise(count)
        var at = 0
        while at + stride <= count {
            let decoy = ScanFixture.image(units: 1, last: false, sizeByte: 0xFF, fixChecksum: false)
            b.replaceSubrange(at..<at + 0x40, with: decoy[0..<0x40])
            at += stride
        }
        for r in roms {
            ScanFixture.plant(ScanFixture.image(units: 8, vendor: 0x1002, device: 0x6819), in: &b, at: r)
        }
        return b
    }

    /// The scan without any memo: every candidate confirmed on its own.
    static func naive(_ blob: [UInt8]) -> [EmbeddedROM] {
        blob.withUnsafeBytes { raw in
            var out: [EmbeddedROM] = []
            var at = 0
            while let hit = ByteSearch.index(of: 0x55, 0xAA, in: raw, from: at, to: raw.count) {
                if let rom = ROMScanner.confirm(raw, at: hit) { out.append(rom); at = hit + max(rom.length, 2) } else { at = hit + 1 }
            }
            return out
        }
    }
}

@Suite struct DecoyScanTests {
    @Test(arguments: [512, 1024, 4096])
    func memoFindsWhatTheNaiveScanFinds(_ stride: Int) {
        // The naive scan walks each decoy's chain to the blob's end: quadratic, so a small blob.
        let blob = Decoys.blob(count: 1 << 18, stride: stride, roms: [stride * 37 + 100, 150_001, (1 << 18) - 8 * 512])
        let fast = ScanFixture.scan(blob)
        #expect(fast == Decoys.naive(blob))
        #expect(!fast.isEmpty)
    }

    /// Decoys whose size bytes vary (some fit, some checksum by chance), over random strides.
    @Test func randomDecoyFieldsAgree() {
        var rng = SplitMix(seed: 15)
        for _ in 0..<20 {
            var blob = ScanFixture.noise(256 << 10, seed: rng.next())
            var at = Int(rng.next() % 512)
            while at + 0x40 < blob.count {
                let units = Int(rng.next() % 4) + 1
                let img = ScanFixture.image(units: units, last: rng.next() % 5 == 0, sizeByte: UInt8(truncatingIfNeeded: rng.next() % 8 + 1),
                                            fixChecksum: rng.next() % 3 == 0)
                let n = min(img.count, blob.count - at)
                blob.replaceSubrange(at..<at + n, with: img[0..<n])
                at += 512 * Int(rng.next() % 3 + 1) + (rng.next() % 4 == 0 ? Int(rng.next() % 512) : 0)
            }
            #expect(ScanFixture.scan(blob) == Decoys.naive(blob))
        }
    }

    @Test func blockSumsEqualDirectSums() {
        let b = ScanFixture.noise(10_000)
        b.withUnsafeBytes { raw in
            let blocks = ChecksumBlocks(raw)
            var rng = SplitMix(seed: 3)
            for _ in 0..<2000 {
                let start = Int(rng.next() % 10_000), count = Int(rng.next() % 12_000)
                #expect(blocks.sum(from: start, count: count) == Checksum.sum(raw, from: start, count: count))
            }
        }
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The streamed scan (`BlobScan`'s engine: small reads into one reused buffer) against one scan
/// of the whole blob: the same ROMs with the same bytes, for windows and chunks of any size,
/// with ROMs and decoys across every chunk edge and chains whose lookahead reaches the end.
@Suite struct StreamScanTests {
    static func streamed(_ blob: [UInt8], options: ROMScanner.Options, window: Int, chunk: Int,
                         shrinkTo: Int? = nil) throws -> ([EmbeddedROM], Int) {
        let end = shrinkTo ?? blob.count
        var found: [EmbeddedROM] = []
        let size = try blob.withUnsafeBytes { raw in
            try ROMScanner.scan(options: options, window: window, chunk: chunk, read: { into, at in
                // Short reads only at the end, as pread gives them.
                let n = max(0, min(into.count, end - at))
                if n > 0 { into.baseAddress!.copyMemory(from: raw.baseAddress! + at, byteCount: n) }
                return n
            }) { rom, bytes in
                #expect(Array(bytes) == Array(blob[rom.offset..<rom.end]))
                found.append(rom)
            }
        }
        return (found, size)
    }

    @Test(arguments: [(4096, 512), (4096, 4096), (65536, 1000), (1 << 20, 256 << 10)])
    func streamedEqualsWhole(_ window: Int, _ chunk: Int) throws {
        var options = ROMScanner.Options()
        options.maximumROMLength = 96 << 10
        var rng = SplitMix(seed: UInt64(window &+ chunk))
        for stride in [512, 1536] {
            var blob = Decoys.blob(count: 1 << 20, stride: stride,
                                   roms: [stride * 37 + 100, 600_001, (1 << 20) - 8 * 512])
            // Chance `55 AA` pairs and a chain of three images that a short lookahead would cut.
            for _ in 0..<200 { let at = Int(rng.next() % UInt64(blob.count - 2)); blob[at] = 0x55; blob[at + 1] = 0xAA }
            let chain = ScanFixture.image(units: 40, last: false) + ScanFixture.image(units: 40, last: false) + ScanFixture.image(units: 40)
            ScanFixture.plant(chain, in: &blob, at: 300_007)
            let whole = blob.withUnsafeBytes { ROMScanner.scan($0, options: options) }
            let (streamed, size) = try Self.streamed(blob, options: options, window: window, chunk: chunk)
            #expect(size == blob.count)
            #expect(!whole.isEmpty)
            #expect(streamed == whole)
            // A stream that ends early (a file truncated while read) is scanned as the shorter blob.
            let cut = 600_001 + 700
            let shorter = Array(blob[0..<cut])
            let (truncated, n) = try Self.streamed(blob, options: options, window: window, chunk: chunk, shrinkTo: cut)
            #expect(n == cut)
            #expect(truncated == shorter.withUnsafeBytes { ROMScanner.scan($0, options: options) })
        }
    }
}

/// Decoy shapes that made each candidate walk a long chain (issue 28): the scan's work (images
/// parsed, walk steps, candidates) must grow linearly with the blob's size. Counted, not timed:
/// a quadratic scan does 4x the work per byte at 4x the size, a linear one the same.
enum DecoyShapes {
    /// The first 0x40 bytes of a legacy-looking image: PCIR at 0x1C, `units` blocks long.
    static func header(units: Int, last: Bool, sizeByte: UInt8 = 0xFF, codeType: UInt8 = 0) -> [UInt8] {
        var h = [UInt8](repeating: 0x90, count: 0x40)
        let p = 0x1C
        h[0] = 0x55; h[1] = 0xAA; h[2] = sizeByte; h[3] = 0xE9
        h[0x18] = UInt8(p); h[0x19] = 0
        h.replaceSubrange(p..<p + 4, with: Array("PCIR".utf8))
        for (at, value) in [(4, 0x9090), (6, 0x9090), (8, 0), (0xA, 0x18), (0x10, units), (0x12, 0)] {
            h[p + at] = UInt8(truncatingIfNeeded: value); h[p + at + 1] = UInt8(truncatingIfNeeded: value >> 8)
        }
        h[p + 0xC] = 0; h[p + 0x14] = codeType; h[p + 0x15] = last ? 0x80 : 0
        return h
    }

    static func put(_ h: [UInt8], in blob: inout [UInt8], at: Int) { blob.replaceSubrange(at..<at + h.count, with: h) }

    /// Issue 28's case: a header every 512 bytes over the first half, each image reaching to
    /// the half's end, not last; a chain of three images there, the last marked last.
    static func reach(_ count: Int) -> [UInt8] {
        var b = ScanFixture.noise(count)
        let region = count / 2
        for at in stride(from: 0, to: region, by: 512) { put(header(units: (region - at) / 512, last: false), in: &b, at: at) }
        let chain = ScanFixture.image(units: 8, last: false) + ScanFixture.image(units: 8, codeType: 3, last: false)
            + ScanFixture.image(units: 4, codeType: 3, last: true)
        ScanFixture.plant(chain, in: &b, at: region)
        return b
    }

    /// Headers whose images all end at one shared tail: one-block images to the blob's end,
    /// where an image of length 0 breaks every chain.
    static func sharedTail(_ count: Int) -> [UInt8] {
        var b = ScanFixture.noise(count)
        let region = count / 2
        for at in stride(from: 0, to: region, by: 512) { put(header(units: (region - at) / 512, last: false), in: &b, at: at) }
        for at in stride(from: region, to: count - 512, by: 512) { put(header(units: 1, last: false, sizeByte: 1, codeType: 3), in: &b, at: at) }
        put(header(units: 0, last: false, codeType: 3), in: &b, at: count - 512)
        return b
    }

    /// A chain through every header (each one block, not last) to an EFI image marked last at
    /// the end: every start walks the rest of the blob.
    static func through(_ count: Int) -> [UInt8] {
        var b = ScanFixture.noise(count)
        for at in stride(from: 0, to: count - 512, by: 512) { put(header(units: 1, last: false), in: &b, at: at) }
        put(header(units: 1, last: true, codeType: 3), in: &b, at: count - 512)
        return b
    }

    static let names = ["reach", "shared tail", "through"]

    static func make(_ name: String, _ count: Int) -> [UInt8] {
        switch name {
        case "reach": reach(count)
        case "shared tail": sharedTail(count)
        default: through(count)
        }
    }

    /// A limit on chain length a quarter of the blob: most starts see a chain too long, none is
    /// accepted early and skips the rest.
    static func options(_ count: Int) -> ROMScanner.Options {
        var o = ROMScanner.Options()
        o.maximumROMLength = count / 4
        return o
    }
}

@Suite struct AdversarialDecoyShapes {
    @Test(arguments: DecoyShapes.names)
    func workGrowsLinearly(_ shape: String) {
        let make = { DecoyShapes.make(shape, $0) }
        let sizes = [256 << 10, 512 << 10, 1 << 20]
        let work = sizes.map { n in make(n).withUnsafeBytes { ROMScanner.scanCountingWork($0, options: DecoyShapes.options(n)).work } }
        // Linear: about 2x and 4x. Quadratic would be 4x and 16x.
        #expect(Double(work[1]) <= 2.5 * Double(work[0]), "\(shape): work \(work) for sizes \(sizes)")
        #expect(Double(work[2]) <= 5 * Double(work[0]), "\(shape): work \(work) for sizes \(sizes)")
        // A few look-ups per block of 512 bytes.
        #expect(work[2] <= 8 * (sizes[2] / 512), "\(shape): work \(work)")
    }

    /// The memoised scan finds what confirming every candidate on its own finds, on each shape
    /// (small: the naive scan is quadratic on them), with the limit that makes chains too long
    /// and the default one.
    @Test(arguments: DecoyShapes.names)
    func shapesAgreeWithTheNaiveScan(_ shape: String) {
        let make = { DecoyShapes.make(shape, $0) }
        let blob = make(64 << 10)
        for options in [DecoyShapes.options(blob.count), ROMScanner.Options()] {
            let naive = blob.withUnsafeBytes { raw in
                var out: [EmbeddedROM] = []
                var at = 0
                while let hit = ByteSearch.index(of: 0x55, 0xAA, in: raw, from: at, to: raw.count) {
                    if let rom = ROMScanner.confirm(raw, at: hit, options: options) { out.append(rom); at = hit + max(rom.length, 2) } else { at = hit + 1 }
                }
                return out
            }
            #expect(blob.withUnsafeBytes { ROMScanner.scan($0, options: options) } == naive, "\(shape)")
            let (streamed, _) = try! StreamScanTests.streamed(blob, options: options, window: 4096, chunk: 1000)
            #expect(streamed == naive, "\(shape), streamed")
        }
    }
}
