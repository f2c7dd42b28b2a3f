import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import OptionROM
import TestSupport

/// Synthetic ROMs for the scanner tests: images with a PCIR, checksums fixed in the last byte.
enum ScanFixture {
    static func spec(units: Int, vendor: UInt16 = 0x10de, device: UInt16 = 0x1c82, codeType: UInt8 = 0,
                     last: Bool = true, pcirAt: Int = 0x1C, sizeByte: UInt8? = nil, fixChecksum: Bool = true) -> ImageSpec {
        ROMBuilder.bareLegacy(units: units, vendor: vendor, device: device, last: last, sizeByte: sizeByte, codeType: codeType,
                              pcirAt: pcirAt, fill: .byte(0x90), checksum: fixChecksum)
    }

    static func image(units: Int, vendor: UInt16 = 0x10de, device: UInt16 = 0x1c82, codeType: UInt8 = 0,
                      last: Bool = true, pcirAt: Int = 0x1C, sizeByte: UInt8? = nil, fixChecksum: Bool = true) -> [UInt8] {
        spec(units: units, vendor: vendor, device: device, codeType: codeType, last: last, pcirAt: pcirAt,
             sizeByte: sizeByte, fixChecksum: fixChecksum).build()
    }

    /// Noise with no `55` byte in it, so only what a test plants can be a candidate.
    static func noise(_ count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
        var x = seed
        var out = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            let byte = UInt8(truncatingIfNeeded: x)
            out[i] = byte == 0x55 ? 0x54 : byte
        }
        return out
    }

    static func plant(_ rom: [UInt8], in blob: inout [UInt8], at offset: Int) {
        blob.replaceSubrange(offset..<offset + rom.count, with: rom)
    }

    static func scan(_ blob: [UInt8]) -> [EmbeddedROM] {
        blob.withUnsafeBytes { ROMScanner.scan($0) }
    }
}

@Suite struct ScannerTests {
    @Test func findsPlantedROMsAtAnyAlignment() {
        var blob = ScanFixture.noise(1 << 20)
        let a = ScanFixture.image(units: 4)
        let b = ScanFixture.image(units: 2, vendor: 0x8086, device: 0x100e)
        ScanFixture.plant(a, in: &blob, at: 0x1000)
        ScanFixture.plant(b, in: &blob, at: 0x54321)    // odd offset: firmware volumes do not align ROMs
        let found = ScanFixture.scan(blob)
        #expect(found.map(\.offset) == [0x1000, 0x54321])
        #expect(found.map(\.length) == [4 * 512, 2 * 512])
        #expect(found[1].vendorID == 0x8086 && found[1].deviceID == 0x100e)
        #expect(found.allSatisfy { $0.checksumValid == true && $0.chainIntact && $0.imageCount == 1 && $0.codeType == .x86 })
    }

    @Test func chainReportedOnce() {
        var blob = ScanFixture.noise(64 << 10)
        let chain = ScanFixture.image(units: 2, last: false) + ScanFixture.image(units: 3, codeType: 3, last: true)
        ScanFixture.plant(chain, in: &blob, at: 0x800)
        let found = ScanFixture.scan(blob)
        #expect(found.count == 1)
        #expect(found.first?.offset == 0x800)
        #expect(found.first?.length == 5 * 512)
        #expect(found.first?.imageCount == 2)
    }

    @Test func romAtStartAndAtEndOfBlob() {
        let rom = ScanFixture.image(units: 1)
        var blob = rom + ScanFixture.noise(4096) + rom
        #expect(ScanFixture.scan(blob).map(\.offset) == [0, 512 + 4096])
        blob.removeLast()    // the last ROM is now one byte short: truncated, and its checksum cannot be checked
        #expect(ScanFixture.scan(blob).map(\.offset) == [0])
    }

    @Test func decoysIgnored() {
        var blob = ScanFixture.noise(256 << 10)
        // 55 AA and nothing else.
        blob[0x1000] = 0x55; blob[0x1001] = 0xAA
        // Pointer below 0x1A: it would point into the header.
        var low = ScanFixture.image(units: 1)
        low.put(ImageHeaderFields.dataStructurePointer, 0x10)
        low.put(PCIRFields.signature, bytes: Array("PCIR".utf8), at: 0x10)
        ScanFixture.plant(low, in: &blob, at: 0x2000)
        // PCIR pointer past the image PCIR describes (1 unit = 512 bytes, pointer 0x300).
        var far = ScanFixture.spec(units: 2, pcirAt: 0x300)
        far.pcir.imageUnits = 1
        ScanFixture.plant(far.build(), in: &blob, at: 0x4000)
        // Pointer off the end of the blob.
        blob[blob.count - 0x20] = 0x55; blob[blob.count - 0x1F] = 0xAA
        blob.put(ImageHeaderFields.dataStructurePointer, 0xFFF0, at: blob.count - 0x20)
        // Bad checksum AND nonsense lengths (size byte 0).
        ScanFixture.plant(ScanFixture.image(units: 2, sizeByte: 0, fixChecksum: false), in: &blob, at: 0x8000)
        // Bad checksum AND a chain running past the end of the blob.
        let long = ScanFixture.image(units: 8, fixChecksum: false)
        ScanFixture.plant(Array(long.prefix(2048)), in: &blob, at: blob.count - 2048)
        #expect(ScanFixture.scan(blob).isEmpty)
    }

    @Test func badChecksumAloneIsStillReported() {
        // A runtime copy from a memory dump: checksum stale, lengths fine.
        var blob = ScanFixture.noise(64 << 10)
        var rom = ScanFixture.image(units: 2)
        rom[100] &+= 1
        ScanFixture.plant(rom, in: &blob, at: 0x2000)
        let found = ScanFixture.scan(blob)
        #expect(found.count == 1)
        #expect(found.first?.checksumValid == false)
        #expect(found.first?.chainIntact == true)
    }

    @Test func checksumHoldsButLengthsDoNot() {
        // PCIR says 64 units (32 KiB) but the blob ends first; the size byte's 1 KiB checksums.
        var blob = ScanFixture.noise(8192)
        var spec = ScanFixture.spec(units: 2)
        spec.pcir.imageUnits = 64
        let rom = spec.build()
        ScanFixture.plant(rom, in: &blob, at: 4096)
        let found = ScanFixture.scan(blob)
        #expect(found.count == 1)
        #expect(found.first?.length == 1024)
        #expect(found.first?.chainIntact == false)
        #expect(found.first?.checksumValid == true)
    }

    @Test func romInsideNoiseWithManySignatures() {
        // Many chance 55 AA pairs (every 97 bytes) must all be rejected cheaply and correctly.
        var blob = ScanFixture.noise(512 << 10)
        var i = 0
        while i + 1 < blob.count { blob[i] = 0x55; blob[i + 1] = 0xAA; i += 97 }
        let rom = ScanFixture.image(units: 3)
        ScanFixture.plant(rom, in: &blob, at: 0x30001)
        let found = ScanFixture.scan(blob)
        #expect(found.map(\.offset) == [0x30001])
    }

    @Test func realROMsPlantedInABlob() throws {
        let paths = ["/usr/share/seabios/vgabios-stdvga.bin", "/usr/lib/ipxe/qemu/efi-e1000.rom", "/usr/lib/ipxe/qemu/pxe-virtio.rom"]
        var blob = ScanFixture.noise(2 << 20)
        var expected: [(Int, ROMLayout)] = []
        var at = 0x10000
        for path in paths {
            let rom = try #require(ScanFileReader.read(path), "\(path) missing: apt-get install seabios ipxe-qemu")
            ScanFixture.plant(rom, in: &blob, at: at)
            expected.append((at, ROMParser.parse(rom)))
            at += rom.count + 0x1235
        }
        let found = ScanFixture.scan(blob)
        #expect(found.count == paths.count)
        for (rom, (offset, layout)) in zip(found, expected) {
            #expect(rom.offset == offset)
            #expect(rom.length == layout.chainEnd)
            #expect(rom.imageCount == layout.images.count)
            #expect(rom.vendorID == layout.images[0].pcir?.vendorID)
            #expect(rom.deviceID == layout.images[0].pcir?.deviceID)
        }
        #expect(found.map(\.imageCount) == [1, 2, 1])
    }

    @Test func jsonShape() {
        let rom = EmbeddedROM(offset: 786432, length: 65536, vendorID: 0x10de, deviceID: 0x1c82, codeType: .x86,
                              imageCount: 3, checksumValid: true, chainIntact: true)
        #expect(rom.json.rendered(pretty: false)
            == #"{"offset":786432,"length":65536,"vendorID":"10de","deviceID":"1c82","codeType":0,"images":3}"#)
    }
}

@Suite struct ByteLaneChecksumTests {
    static func naive(_ b: [UInt8], _ start: Int, _ count: Int) -> UInt8 {
        var s: UInt8 = 0
        for i in start..<min(b.count, start + count) { s &+= b[i] }
        return s
    }

    @Test func everyLengthAndOffsetAroundTheVectorWidth() {
        var bytes = ScanFixture.noise(1024, seed: 7)
        for i in stride(from: 0, to: bytes.count, by: 3) { bytes[i] = 0xFF }    // carries in every lane
        for start in 0..<70 {
            for count in [0, 1, 63, 64, 65, 127, 128, 129, 200, 511, 512, 900] {
                #expect(Checksum.sum(bytes, from: start, count: count) == Self.naive(bytes, start, count),
                        "start \(start) count \(count)")
            }
        }
    }

    @Test func largeBufferAndClamping() {
        let bytes = [UInt8](repeating: 0xFF, count: (1 << 20) + 13)
        #expect(Checksum.sum(bytes) == Self.naive(bytes, 0, bytes.count))
        #expect(Checksum.sum(bytes, from: 5, count: 1 << 30) == Self.naive(bytes, 5, bytes.count))
        #expect(Checksum.sum(bytes, from: bytes.count) == 0)
        #expect(Checksum.sum(bytes, from: -1) == 0)
    }

    @Test func pairSearch() {
        var b = [UInt8](repeating: 0, count: 100)
        b[99] = 0x55    // a first byte at the very end has no second byte
        #expect(b.withUnsafeBytes { ByteSearch.index(of: 0x55, 0xAA, in: $0, from: 0, to: 100) } == nil)
        b[98] = 0x55; b[99] = 0xAA
        #expect(b.withUnsafeBytes { ByteSearch.index(of: 0x55, 0xAA, in: $0, from: 0, to: 100) } == 98)
        #expect(b.withUnsafeBytes { ByteSearch.index(of: 0x55, 0xAA, in: $0, from: 0, to: 99) } == nil)
        b[10] = 0x55; b[11] = 0x55; b[12] = 0xAA
        #expect(b.withUnsafeBytes { ByteSearch.index(of: 0x55, 0xAA, in: $0, from: 0, to: 100) } == 11)
    }
}

/// Reads a whole file without Foundation.
enum ScanFileReader {
    static func read(_ path: String) -> [UInt8]? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, 65536, f) }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }
}
