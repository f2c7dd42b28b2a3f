import Testing
@testable import OptionROM
import TestSupport
import Core

// Synthetic ROMs from TestSupport's ImageSpec (each field written where OptionROM declares it), so
// each expectation is computed independently of the patcher.

func byteSum(_ b: ArraySlice<UInt8>) -> UInt8 { ROMBuilder.sum(b) }

/// One image: legacy (short jmp at 3, so its checksum lives in the last byte), EFI, or another
/// code type; PCIR at 0x40 and, for NVIDIA, NPDE right after it (0x60). Tests change the spec's
/// fields for the variants they need.
func syntheticSpec(blocks: Int, codeType: UInt8, pcirLast: Bool, npdeLast: Bool? = nil,
                   vendor: UInt16 = 0x10DE, device: UInt16 = 0x1B80, runtimeBlocks: Int? = nil, seed: UInt8 = 1) -> ImageSpec {
    var s = ROMBuilder.bareLegacy(units: blocks, vendor: vendor, device: device, last: pcirLast, codeType: codeType)
    s.pcir.codeRevision = 1
    s.sizeByte = nil
    if codeType == 0 {
        s.sizeByte = UInt8(runtimeBlocks ?? blocks)
        s.entry = [0xEB, 0x4B]
    } else if codeType == 3 {
        var e = ImageSpec.EFI()
        e.peOffset = 0x80
        s.efi = e
    }
    if let npdeLast {
        var n = ImageSpec.NPDE(last: npdeLast)
        n.length = 0x0C
        s.npde = n
    }
    s.pokes = [.init(0x100, (0x100..<0x180).map { UInt8(truncatingIfNeeded: $0) &+ seed })]
    return s
}

func syntheticImage(blocks: Int, codeType: UInt8, pcirLast: Bool, npdeLast: Bool? = nil,
                    vendor: UInt16 = 0x10DE, device: UInt16 = 0x1B80, runtimeBlocks: Int? = nil, seed: UInt8 = 1) -> [UInt8] {
    syntheticSpec(blocks: blocks, codeType: codeType, pcirLast: pcirLast, npdeLast: npdeLast, vendor: vendor, device: device,
                  runtimeBlocks: runtimeBlocks, seed: seed).build()
}

/// An nvflash-style dump: NVGI header, legacy, EFI (PCIR last, NPDE not), 0xE0 image (NPDE last), padding.
struct NVIDIAChain {
    let header: [UInt8]
    let legacy: [UInt8]
    let efi: [UInt8]
    let extended: [UInt8]
    let padding: [UInt8]
    var rom: [UInt8] { header + legacy + efi + extended + padding }
    var bare: [UInt8] { legacy + efi + extended }

    init(header: Bool = true, padding: Int = 1024) {
        var h = [UInt8](repeating: 0, count: header ? 0x400 : 0)
        if header { h.replaceSubrange(0..<4, with: Array("NVGI".utf8)); h[0x10] = 0x5A }
        self.header = h
        legacy = syntheticImage(blocks: 4, codeType: 0, pcirLast: false, npdeLast: false)
        efi = syntheticImage(blocks: 2, codeType: 3, pcirLast: true, npdeLast: false, seed: 7)
        extended = syntheticImage(blocks: 1, codeType: 0xE0, pcirLast: true, npdeLast: true, seed: 9)
        self.padding = [UInt8](repeating: 0xFF, count: padding)
    }
}

func readFile(_ path: String) -> [UInt8]? {
    // Tests may use the C library; OptionROM itself never does I/O.
    guard let f = fopen(path, "rb") else { return nil }
    defer { fclose(f) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&buf, 1, buf.count, f)
        if n <= 0 { break }
        out += buf[0..<n]
    }
    return out
}

#if canImport(Glibc)
import Glibc
#endif

func plan(_ configure: (inout PatchPlan) -> Void) -> PatchPlan {
    var p = PatchPlan()
    configure(&p)
    return p
}

@Suite struct SyntheticNVIDIAPatchTests {
    let chain = NVIDIAChain()

    @Test func theSyntheticChainParsesAsBuilt() {
        let l = ROMParser.parse(chain.rom)
        #expect(l.prefixLength == 0x400)
        #expect(l.images.map(\.codeType.rawValue) == [0x00, 0x03, 0xE0])
        #expect(l.images[0].checksumValid == true)
    }

    @Test func stripHeaderRemovesExactlyTheNVGIHeader() throws {
        let r = try ROMPatcher.apply(plan { $0.stripHeader = true }, to: chain.rom)
        #expect(r.bytes == chain.bare + chain.padding)
        #expect(r.changes.count == 1)
        #expect(r.changes[0].old.count == 0x400 && r.changes[0].new.isEmpty)
        #expect(r.layout.prefixLength == 0)
        #expect(r.layout.isClean)
    }

    @Test func stripAndTruncateLeaveTheBareChain() throws {
        let r = try ROMPatcher.apply(plan { $0.stripHeader = true; $0.truncate = true }, to: chain.rom)
        #expect(r.bytes == chain.bare)
        #expect(r.layout.isClean)
    }

    @Test func extractDoesWhatItSaysAndNamesWhatItDropped() throws {
        for (p, kept) in [(plan { $0.extract = .legacy }, 0x00), (plan { $0.extract = .efi }, 0x03), (plan { $0.extract = .index(0); $0.dropEFI = true }, 0x00)] {
            let r = try ROMPatcher.apply(p, to: chain.rom)
            #expect(r.layout.images.map(\.codeType.rawValue) == [UInt8(kept)])
            let note = try #require(r.notes.first { $0.code == .imagesDropped }, "\(r.notes)")
            #expect(note.operation == .extract)
            // The library names no flag: the CLI's naming is the plan's, and this plan has none.
            #expect(!note.message.contains("--"), "\(note)")
        }
    }

    @Test func extractLegacyMarksPCIRAndNPDELastAndKeepsTheChecksum() throws {
        let r = try ROMPatcher.apply(plan { $0.extract = .legacy }, to: chain.rom)
        var expected = chain.legacy
        expected[0x40 + PCIRFields.indicator.offset] |= PCIRFields.lastImage
        expected[0x60 + NPDEFields.indicator.offset] |= PCIRFields.lastImage
        expected[expected.count - 1] = expected[expected.count - 1] &- byteSum(expected[...])
        #expect(r.bytes == expected)
        #expect(byteSum(r.bytes[...]) == 0)
        #expect(r.layout.images.count == 1 && r.layout.images[0].isLast)
        #expect(r.layout.isClean)
    }

    @Test func dropEFIKeepsTheExtendedImagesAndTheChainWalkable() throws {
        // The E0 image stays last, so the legacy image's bits and checksum are untouched.
        let r = try ROMPatcher.apply(plan { $0.dropEFI = true; $0.stripHeader = true }, to: chain.rom)
        #expect(r.bytes == chain.legacy + chain.extended + chain.padding)
        #expect(r.layout.images.map(\.codeType.rawValue) == [0x00, 0xE0])
        #expect(r.layout.isClean)
    }

    @Test func extractByIndexKeepsTheExtendedImageAlone() throws {
        let r = try ROMPatcher.apply(plan { $0.extract = .index(2) }, to: chain.rom)
        #expect(r.bytes == chain.extended)   // already last: nothing else to change, and nothing lost
    }

    @Test func extractingAMissingImageIsRefused() {
        do {
            _ = try ROMPatcher.apply(plan { $0.extract = .index(7) }, to: chain.rom)
            Issue.record("extract 7 should be refused")
        } catch {
            #expect(error.code == .noSuchImage && error.operation == .extract, "\(error)")
            #expect(!error.message.contains("--"), "\(error)")
        }
    }

    @Test func truncateCutsAnNVIDIAImageTheWalkDidNotReachAndSaysSo() throws {
        // The EFI image marked last in both PCIR and NPDE: the E0 image after it is unreachable.
        var efi = chain.efi
        efi[0x60 + NPDEFields.indicator.offset] = PCIRFields.lastImage
        let rom = chain.legacy + efi + chain.extended
        let r = try ROMPatcher.apply(plan { $0.truncate = true }, to: rom)
        #expect(r.bytes == chain.legacy + efi)
        #expect(r.notes.map(\.code) == [.extendedImageCut], "\(r.notes)")
    }

    @Test func setIDsRejectsIDsThatDoNotFit() {
        #expect(throws: PatchError.self) {
            try ROMPatcher.apply(plan { $0.setIDs = PCIIDs(vendor: 0xFFFF, device: 0x1234) }, to: chain.rom)
        }
        #expect(throws: PatchError.self) {
            try ROMPatcher.apply(plan { $0.setIDs = PCIIDs(vendor: 0x0000, device: 0x1234) }, to: chain.rom)
        }
    }

    @Test func setIDsChangesEveryImageAndRepairsTheLegacyChecksumInItsLastByte() throws {
        let r = try ROMPatcher.apply(plan { $0.setIDs = PCIIDs(vendor: 0x10DE, device: 0x1C03) }, to: chain.rom)
        #expect(r.layout.images.allSatisfy { $0.deviceID == 0x1C03 })
        #expect(r.layout.images[0].checksumValid == true)
        let checksumChange = r.changes.first { $0.reason.contains("checksum") }
        #expect(checksumChange?.offset == 0x400 + chain.legacy.count - 1)
        #expect(r.layout.findings.map(\.code) == [.prefixHeader])
    }
}

@Suite struct IPXEPatchTests {
    static let path = "/usr/lib/ipxe/qemu/efi-e1000.rom"
    let rom: [UInt8]
    let legacyLength = 75264

    init() throws {
        rom = try #require(readFile(Self.path), "\(Self.path) is missing: install Debian's ipxe-qemu")
    }

    @Test func extractLegacyIsTheFirstImageMarkedLastWithItsChecksumInByte6() throws {
        let r = try ROMPatcher.apply(plan { $0.extract = .legacy }, to: rom)
        var expected = Array(rom[0..<legacyLength])
        let pcir = Int(expected[0x18]) | Int(expected[0x19]) << 8
        expected[pcir + PCIRFields.indicator.offset] |= PCIRFields.lastImage
        expected[6] = expected[6] &- byteSum(expected[...])
        #expect(r.bytes == expected)
        #expect(r.layout.isClean)
        #expect(r.changes.contains { $0.offset == 6 })
    }

    @Test func extractEFIIsTheEFIImageByteForByte() throws {
        let r = try ROMPatcher.apply(plan { $0.extract = .efi }, to: rom)
        #expect(r.bytes == Array(rom[legacyLength...]))
        #expect(r.layout.isClean)
    }

    @Test func dropEFIEqualsExtractLegacy() throws {
        let a = try ROMPatcher.apply(plan { $0.dropEFI = true }, to: rom)
        let b = try ROMPatcher.apply(plan { $0.extract = .legacy }, to: rom)
        #expect(a.bytes == b.bytes)
    }

    @Test func padToFillsWithFFAndKeepsTheROM() throws {
        let r = try ROMPatcher.apply(plan { $0.padTo = 256 << 10 }, to: rom)
        #expect(r.bytes.count == 262144)
        #expect(Array(r.bytes[0..<rom.count]) == rom)
        #expect(r.bytes[rom.count...].allSatisfy { $0 == 0xFF })
        #expect(r.layout.isClean)
        #expect(throws: PatchError.self) { try ROMPatcher.apply(plan { $0.padTo = 64 << 10 }, to: rom) }
        let odd = try ROMPatcher.apply(plan { $0.padTo = 250_000 }, to: rom)
        #expect(odd.notes.map(\.code) == [.padNotPowerOfTwo] && odd.notes[0].operation == .padTo)
    }

    @Test func setIDsRewritesTheRevision3DeviceList() throws {
        let r = try ROMPatcher.apply(plan { $0.setIDs = PCIIDs(vendor: 0x8086, device: 0x10D3) }, to: rom)
        let legacy = r.layout.images[0]
        #expect(legacy.pcir?.revision == 3)
        #expect(legacy.pcir?.deviceList == [0x10D3])
        #expect(r.layout.images.allSatisfy { $0.deviceID == 0x10D3 })
        #expect(legacy.checksumValid == true)
        #expect(r.layout.isClean)
    }

    @Test(arguments: [
        "fix-checksum", "extract legacy", "extract efi", "drop-efi", "pad-to", "set-ids", "all",
    ])
    func patchingTwiceEqualsPatchingOnce(_ name: String) throws {
        let p = plan { p in
            switch name {
            case "fix-checksum": p.fixChecksum = true
            case "extract legacy": p.extract = .legacy
            case "extract efi": p.extract = .efi
            case "drop-efi": p.dropEFI = true
            case "pad-to": p.padTo = 256 << 10
            case "set-ids": p.setIDs = PCIIDs(vendor: 0x8086, device: 0x10D3)
            default:
                p.dropEFI = true; p.truncate = true; p.setIDs = PCIIDs(vendor: 0x8086, device: 0x10D3)
                p.fixChecksum = true; p.padTo = 128 << 10; p.stripHeader = true
            }
        }
        var corrupted = rom
        corrupted[0x200] ^= 0x5A
        for input in [rom, corrupted] where name == "fix-checksum" || input == rom {
            let once = try ROMPatcher.apply(p, to: input)
            let twice = try ROMPatcher.apply(p, to: once.bytes)
            #expect(twice.bytes == once.bytes)
            // Removing and re-adding padding, or re-extracting, reports steps; the bytes stay the same,
            // and the only steps are 0xFF padding going (old, nothing new) and coming back.
            if p.extract == nil, p.padTo == nil {
                #expect(twice.changes.isEmpty, "\(twice.changes)")
            } else {
                let padding = twice.changes.allSatisfy { c in
                    (c.new.isEmpty && c.old.allSatisfy { $0 == 0xFF }) || (c.old.isEmpty && c.new.allSatisfy { $0 == 0xFF })
                }
                #expect(padding, "\(twice.changes.map { "\($0.offset) \($0.reason)" })")
            }
            #expect(once.layout.isClean, "\(once.layout.findings)")
        }
    }
}

@Suite struct ChecksumConventionTests {
    @Test func seabiosVGABIOSKeepsItsChecksumInByte6() throws {
        let rom = try #require(readFile("/usr/share/seabios/vgabios-stdvga.bin"))
        let (at, _) = ChecksumConvention.locate(rom, image: 0, runtime: Int(rom[2]) * 512, choice: .auto)
        #expect(at == 6)
        var bad = rom
        bad[0x300] &+= 1
        let r = try ROMPatcher.apply(plan { $0.fixChecksum = true }, to: bad)
        #expect(r.changes.map(\.offset) == [6])
        #expect(r.bytes[6] == rom[6] &- 1)
    }

    @Test func aLoneByteAfterPaddingIsTheChecksum() {
        let img = syntheticImage(blocks: 2, codeType: 0, pcirLast: true)
        #expect(ChecksumConvention.locate(img, image: 0, runtime: 1024, choice: .auto).offset == 1023)
    }

    @Test func amdATOMKeepsItAt0x21() {
        var img = syntheticImage(blocks: 2, codeType: 0, pcirLast: true, vendor: 0x1002, device: 0x67DF)
        img.replaceSubrange(0x30..<0x3A, with: Array(" 761295520".utf8))
        #expect(ChecksumConvention.locate(img, image: 0, runtime: 1024, choice: .auto).offset == 0x21)
    }

    @Test func explicitChoicesAndProtectedBytes() throws {
        var img = syntheticImage(blocks: 2, codeType: 0, pcirLast: true)
        img[0x150] &+= 3
        let r6 = try ROMPatcher.apply(plan { $0.fixChecksum = true; $0.checksumByte = .offset(6) }, to: img)
        #expect(r6.changes.map(\.offset) == [6])
        let rl = try ROMPatcher.apply(plan { $0.fixChecksum = true; $0.checksumByte = .last }, to: img)
        #expect(rl.changes.map(\.offset) == [1023])
        // 0x44 is the PCIR vendor ID: refused.
        #expect(throws: PatchError.self) {
            try ROMPatcher.apply(plan { $0.fixChecksum = true; $0.checksumByte = .offset(0x44) }, to: img)
        }
        #expect(ChecksumByte(parsing: "0x21") == .offset(0x21))
        #expect(ChecksumByte(parsing: "last") == .last)
        #expect(parseInteger("128K") == 131072 && parseInteger("1M") == 1 << 20 && parseInteger("0x10000") == 65536)
        #expect(PCIIDs(parsing: "10de:1b80") == PCIIDs(vendor: 0x10DE, device: 0x1B80))
        #expect(PCIIDs(parsing: "10de1b80") == nil)
    }
}

@Suite struct RuntimeEvidenceTests {
    /// A pristine legacy + EFI ROM, and the runtime copy of it a BIOS leaves in shadow RAM: size
    /// byte shrunk to 2 of 4 blocks, data written, checksum stale, the next ROM right behind.
    static func pair() -> (pristine: [UInt8], runtime: [UInt8]) {
        let legacy = syntheticImage(blocks: 4, codeType: 0, pcirLast: false, vendor: 0x1234, device: 0x1111)
        let efi = syntheticImage(blocks: 2, codeType: 3, pcirLast: true, vendor: 0x1234, device: 0x1111, seed: 5)
        var shadow = Array(legacy[0..<1024])
        shadow[2] = 2
        shadow[0x120] = 0x99   // a data area written during POST
        let next = syntheticImage(blocks: 2, codeType: 0, pcirLast: true, vendor: 0x8086, device: 0x100E, seed: 3)
        shadow += next
        shadow += [UInt8](repeating: 0xFF, count: 1024)
        return (legacy + efi, shadow)
    }

    @Test func theRuntimeCopyIsFlaggedWithItsEvidence() {
        let (pristine, runtime) = Self.pair()
        let l = ROMParser.parse(runtime)
        let f = RuntimeEvidence.assess(l, runtime)
        #expect(f.count == 1)
        #expect(f.first?.code == .runtimeModified && f.first?.severity == .warning)
        let m = f.first?.message ?? ""
        #expect(m.contains("size byte") && m.contains("stale") && m.contains("another ROM (8086:100e)") && m.contains("no EFI image"))
        #expect(RuntimeEvidence.assess(ROMParser.parse(pristine), pristine).isEmpty)
        let shadowNote = RuntimeEvidence.assess(ROMParser.parse(pristine), pristine, isShadow: true)
        #expect(shadowNote.map(\.code) == [.shadowCopy])
    }

    @Test func aShrunkVGABIOSWithTheNextROMBehindItIsARuntimeCopy() throws {
        // SeaBIOS's VGA BIOS keeps PCIR near its end; shrink it and put iPXE's ROM right behind,
        // as a shadow at 0xc0000 would hold them.
        var vga = try #require(readFile("/usr/share/seabios/vgabios-stdvga.bin"))
        let pxe = try #require(readFile("/usr/lib/ipxe/qemu/pxe-e1000.rom"))
        vga[2] = 40
        let shadow = Array(vga[0..<(40 * 512)]) + pxe + [UInt8](repeating: 0xFF, count: 4096)
        let f = RuntimeEvidence.assess(ROMParser.parse(shadow), shadow)
        #expect(f.map(\.code) == [.runtimeModified])
        #expect(f.first?.message.contains("8086:100e") == true)
        let original = try #require(readFile("/usr/share/seabios/vgabios-stdvga.bin"))
        #expect(RuntimeEvidence.compare(shadow, original).pristine == .b)
    }

    @Test func compareNamesThePristineOneEitherWay() {
        let (pristine, runtime) = Self.pair()
        #expect(RuntimeEvidence.compare(pristine, runtime).pristine == .a)
        let v = RuntimeEvidence.compare(runtime, pristine)
        #expect(v.pristine == .b)
        #expect(v.reasons.first?.contains("full-size") == true)
        #expect(RuntimeEvidence.compare(pristine, pristine).pristine == nil)
        // A legacy image extracted from a legacy + EFI ROM is the less complete of the two.
        let extracted = try? ROMPatcher.apply(plan { $0.extract = .legacy }, to: pristine)
        #expect(RuntimeEvidence.compare(extracted?.bytes ?? [], pristine).pristine == .b)
    }

    @Test func diffClassifiesWhatChanged() {
        let (pristine, runtime) = Self.pair()
        let d = ROMDiff.compare(pristine, runtime)
        #expect(d.ranges.first?.region == .sizeByte && d.ranges.first?.offset == 2)
        #expect(d.ranges.contains { $0.region == .codeOrData && $0.offset == 0x120 })
        #expect(d.changedBytes > 0)
        #expect(d.lengthA == pristine.count && d.lengthB == runtime.count)

        let rom = syntheticImage(blocks: 2, codeType: 0, pcirLast: true)
        var b = rom
        b[0x44] = 0x34; b[0x45] = 0x12    // vendor
        b[1023] &+= 1                      // checksum
        b += [UInt8](repeating: 0xFF, count: 512)
        let d2 = ROMDiff.compare(rom, b)
        #expect(d2.ranges.map(\.region) == [.pcir, .checksumByte, .pastChainEnd])
        #expect(d2.ranges[0].length == 2 && d2.ranges[2].length == 512)
        #expect(d2.changedBytes == 2 + 1 + 512)
        let json = d2.json.rendered(pretty: false)
        #expect(json.hasPrefix(#"{"changedBytes":515,"ranges":[{"offset":68,"length":2,"region":"PCIR""#))
    }
}

/// A size byte that covers the images after its own (a damaged ROM or a runtime copy): found by
/// fuzz-patch. Repairing image 0 first and image 1 after broke image 0's sum again; images are
/// now repaired last first.
@Suite struct OverlappingChecksumRanges {
    @Test func everyImageSumsToZeroAfterFixChecksum() throws {
        // Image 0 is 512 bytes in the chain but its size byte says 1024: its sum covers image 1.
        var a = ScanFixture.image(units: 1, last: false, sizeByte: 2, fixChecksum: false)
        a[3] = 0xE9  // a near jump, so the checksum byte is byte 6, inside image 0
        let b = ScanFixture.image(units: 1, last: true, fixChecksum: false)
        var plan = PatchPlan()
        plan.fixChecksum = true
        let result = try ROMPatcher.apply(plan, to: a + b)
        let layout = ROMParser.parse(result.bytes)
        #expect(layout.images.count == 2)
        #expect(layout.images.allSatisfy { $0.checksumValid == true }, "\(layout.images.map(\.checksumValid))")
    }

    @Test func aChecksumByteInsideTheNextImageIsRefused() throws {
        // The last byte of image 0's 1024 runtime bytes is image 1's last byte: refused, not broken.
        let a = ScanFixture.image(units: 1, last: false, sizeByte: 2, fixChecksum: false)
        let b = ScanFixture.image(units: 1, last: true, fixChecksum: false)
        var plan = PatchPlan()
        plan.fixChecksum = true
        plan.checksumByte = .last
        #expect(throws: PatchError.self) { try ROMPatcher.apply(plan, to: a + b) }
    }
}
