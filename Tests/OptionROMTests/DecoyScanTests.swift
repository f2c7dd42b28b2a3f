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
        let blob = Decoys.blob(count: 1 << 20, stride: stride, roms: [stride * 37 + 100, 600_001, (1 << 20) - 8 * 512])
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
