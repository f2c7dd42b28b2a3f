import Compression
import Core
import Foundation
import OptionROM
import Testing
import TestSupport
@testable import Firmware

/// The layouts declared once (Firmware's `Layout.swift`, `Headers.swift`): what TestSupport's
/// writer writes through them reads back as the same values, the walker finds in the images it
/// writes what the generator put there, and UEFIExtract (not vbios) agrees on those images.
@Suite struct FirmwareWriterTests {
    static func roms() throws -> (amd: [UInt8], intel: [UInt8], realtek: [UInt8]) {
        (try Repository.fixtureROM("amd"), try Repository.fixtureROM("intel"), try Repository.fixtureROM("legacy-efi"))
    }

    static let someGUID = GUID(parsing: "01B10500-0000-0000-0000-0000000000AB")!

    @Test func headersReadBackAsWritten() {
        let volumes = [
            VolumeHeader(fileSystem: Self.someGUID, length: 0x12_3456_7800, attributes: 0x0004_FEFF, headerLength: 0x48, revision: 2,
                         extHeaderOffset: 0x60, blockMap: [(0x10, 0x1000)]),
            VolumeHeader(fileSystem: Self.someGUID, length: 0x1000, attributes: 0x800, headerLength: 0x50, revision: 1,
                         extHeaderOffset: nil, reserved: 0x01, blockMap: [(1, 0x800), (2, 0x400)]),
        ]
        for var v in volumes {
            v.checksum = 0xBEEF
            var b: [UInt8] = []
            v.write(into: &b, at: 8)
            #expect(b.count == 8 + 0x38 + 8 * (v.blockMap.count + 1))
            #expect(VolumeHeader(b[...], at: 8) == v)
        }
        for large in [false, true] {
            let f = FileHeader(name: Self.someGUID, type: 0x07, attributes: large ? 0x01 : 0x40, size: large ? 0x1_2345_6789 : 0x12_3456, state: 0xF8, large: large)
            var b: [UInt8] = []
            f.write(into: &b)
            #expect(b.count == f.headerLength)
            #expect(FileHeader(b[...], at: 0, v3: true) == f)
            // In FFS v2 the same bit is the tail attribute: the 24-bit size is what is read.
            if large { #expect(FileHeader(b[...], at: 0, v3: false)?.size == 0xFF_FFFF) }
        }
        for s in [SectionHeader(type: 0x19, size: 0x20), SectionHeader(type: 0x10, size: 0x100_0000, extended: true)] {
            var b: [UInt8] = []
            s.write(into: &b)
            #expect(SectionHeader(b[...], at: 0) == s)
            #expect(SectionHeader(b.dropLast()[...], at: 0) == nil)
        }
        let aptio = GUID(parsing: "4A3CA68B-7723-48FB-803D-578CC1FEC44D")!
        for c in [CapsuleHeader(guid: Self.someGUID, headerSize: 0x50, flags: 0x7, imageSize: 0x1234),
                  CapsuleHeader(guid: aptio, headerSize: 0x1C, imageSize: 0x800, romImageOffset: 0x400)] {
            var b: [UInt8] = []
            c.write(into: &b)
            #expect(CapsuleHeader(b[...]) == c)
        }
        let cbfs = CBFSFileHeader(len: 0x0102_0304, type: 0x50, attributesOffset: 0x28, offset: 0x40)
        var b: [UInt8] = []
        cbfs.write(into: &b)
        #expect(b.prefix(12) == [0x4C, 0x41, 0x52, 0x43, 0x48, 0x49, 0x56, 0x45, 0x01, 0x02, 0x03, 0x04][...], "big-endian, as cbfstool writes")
        #expect(CBFSFileHeader(b[...], at: 0) == cbfs)
    }

    /// The hostile shapes, now written through the layouts, are the bytes the old ad-hoc writer
    /// wrote (the committed fuzz regressions).
    @Test func hostileSeedsUnchanged() throws {
        for seed in FirmwareBuilder.seeds() {
            let path = Repository.root + "/Fuzz/regressions/" + seed.name
            let committed = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(committed == seed.bytes, "\(seed.name) differs from the committed regression")
        }
    }

    /// Written, then walked: the volume and file names the walker reports are the ones written,
    /// in order, for every erase polarity, revision and file size form.
    @Test(arguments: [(UInt8(0xFF), UInt8(2), false), (0x00, 2, true), (0xFF, 1, false)])
    func writtenStructureWalksBack(erase: UInt8, revision: UInt8, large: Bool) throws {
        let rom = try Self.roms().amd
        let fs = large ? "5473C07A-3DCB-4DCA-BD6F-1E9689E7349A" : revision == 1 ? FirmwareFixtures.ffs1GUID : FirmwareBuilder.ffs2
        let names = (0..<4).map { FirmwareFixtures.fileGUID(200 + $0) }
        let files = names.enumerated().map { n, g in
            n % 2 == 0 ? FirmwareBuilder.ffsFile(g, type: 0x01, rom, erase: erase, large: large)
                : FirmwareBuilder.ffsFile(g, type: 0x07, FirmwareBuilder.sections(FirmwareBuilder.raw(rom), FirmwareBuilder.name("F\(n)")), erase: erase, large: large)
        }
        let volumeName = revision >= 2 ? FirmwareFixtures.fileGUID(299) : nil
        let image = FirmwareBuilder.volume(files, options: .init(fileSystem: fs, erase: erase, revision: revision, reserved: 1, name: volumeName, block: 0x1000))
        let header = try #require(VolumeHeader(image[...], at: 0))
        #expect(Int(header.length) == image.count && header.erase == erase && header.revision == revision)
        #expect(VolumeHeader.sum(image[0..<0x48]) == 0)
        let report = FirmwareWalker.walk(image)
        #expect(report.findings.isEmpty, "\(report.findings)")
        #expect(report.items.map { $0.fileGUID?.bytes } == names.map { $0 })
        #expect(report.items.map(\.name) == [nil, "F1", nil, "F3"])
        #expect(report.items.allSatisfy { $0.bytes == rom && $0.fileOffset != nil })
        let want = volumeName.map { GUID($0[...], at: 0)! } ?? GUID(parsing: fs)!
        #expect(report.items.allSatisfy { $0.volumeGUID == want && $0.path.first == "volume \(want) @0x0" })
    }

    /// gen-firmware.py's `everything`, written in Swift: the walker finds what
    /// everything.expect.json says, and UEFIExtract extracts the same bytes.
    @Test func everythingWrittenInSwift() throws {
        let (amd, intel, realtek) = try Self.roms()
        let image = FirmwareFixtures.everything(amd: amd, intel: intel, realtek: realtek)
        #expect(FirmwareFixtures.everything(amd: amd, intel: intel, realtek: realtek) == image, "the writer is deterministic")
        let expect = try Expect.load("everything")
        let report = FirmwareWalker.walk(image)
        #expect(report.findings.isEmpty, "\(report.findings)")
        #expect(report.items.map(\.kind.rawValue) == expect.items.map(\.kind))
        #expect(report.items.map(\.name) == expect.items.map(\.name))
        #expect(report.items.map { $0.fileOffset == nil } == expect.items.map(\.decoded))
        #expect(report.items.compactMap { $0.rom.map { Hex.string($0.vendorID, width: 4) } } == expect.items.compactMap(\.vendorID))
        try Prerequisite.require(files: [UEFIExtract.path], "Debian's uefitool-cli")
        let bodies = try UEFIExtract.bodies(of: image)
        for item in report.items where !item.path.contains(where: { $0.hasPrefix("brotli") }) {
            // UEFIExtract 0.28 does not know EDK2's Brotli GUID; libbrotli decodes that stream.
            #expect(bodies.contains { $0.body == item.bytes || (item.kind == .vbt && $0.body.starts(with: item.bytes)) },
                    "UEFIExtract has no element with the bytes of \(item.kind) \(item.name ?? "-") in \(item.path)")
        }
        // UEFIExtract decoded every LZMA, Tiano and EFI stream the writer wrote: their GOP drivers' images are among its bodies.
        for name in ["LzmaGopDxe", "LzmaX86GopDxe", "TianoGopDxe", "EfiGopDxe"] {
            let gop = try #require(report.items.first { $0.name == name })
            #expect(bodies.contains { $0.folder.hasSuffix("PE32 image section") && $0.body == gop.bytes }, "\(name)")
        }
    }

    /// The Brotli writer's stream decodes with libbrotli (another decoder than vbios's own reading).
    @Test func brotliStreamDecodes() throws {
        let data = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31 >> 3) }
        #expect(try Decompress.brotli(FirmwareBuilder.brotliStored(data)) == data)
        #expect(try Decompress.brotli(FirmwareBuilder.brotliStored([])) == [])
    }

    /// gen-firmware.py's `ffs1` (an Intel Mac's layout), written in Swift; UEFIExtract agrees.
    @Test func ffs1WrittenInSwift() throws {
        let image = FirmwareFixtures.ffs1(amd: try Self.roms().amd)
        let expect = try Expect.load("ffs1")
        let report = FirmwareWalker.walk(image)
        #expect(report.items.map(\.kind.rawValue) == expect.items.map(\.kind))
        #expect(report.items.map(\.name) == expect.items.map(\.name))
        #expect(report.findings.map(\.finding.code.rawValue) == expect.findingCodes, "\(report.findings)")
        try Prerequisite.require(files: [UEFIExtract.path], "Debian's uefitool-cli")
        try UEFIExtract.expectAgreement(image, report, "ffs1 written in Swift")
    }

    /// An Insyde laptop's shape (issue 22's hidden image: UEFIExtract finds 8 option ROMs): FFS v1
    /// volumes with revision-1 headers, ROMs as a raw file, in RAW sections of FREEFORM files, in
    /// Tiano, EFI and LZMA compression, and compiled into PE32 bodies. Every ROM is found, no
    /// finding is raised (no ExtHeaderOffset is read from a revision-1 header), and UEFIExtract agrees.
    @Test func insydeFFS1Volumes() throws {
        let (amd, intel, realtek) = try Self.roms()
        var amd2 = amd, intel2 = intel
        amd2[0x100] ^= 0x5A; intel2[0x100] ^= 0x5A
        let roms = [amd, intel, realtek, amd2, intel2, try Repository.fixtureROM("amd")]
        let image = FirmwareFixtures.insyde(roms)
        let report = FirmwareWalker.walk(image)
        #expect(report.findings.isEmpty, "\(report.findings)")
        let found = report.items.filter { $0.kind == .optionROM }
        #expect(found.count == 7, "\(found.map(\.path))")
        for (n, rom) in roms.enumerated() { #expect(found.contains { $0.bytes == rom }, "ROM \(n) missed") }
        #expect(found.contains { $0.path.last == "inside the PE32 of SwitchableGraphicsDxe, +0x400" }, "\(found.map(\.path))")
        #expect(found.contains { $0.path.last == "inside the PE32 of OemVgaDxe, +0x800" }, "\(found.map(\.path))")
        try Prerequisite.require(files: [UEFIExtract.path], "Debian's uefitool-cli")
        try UEFIExtract.expectAgreement(image, report, "Insyde-style FFS v1 image")
    }

    /// An Intel Mac's whole flash: FFS v1 volumes, a `$VSS` NVRAM volume, Apple's `Fsys` and `NVRAM`
    /// stores and 0xFF padding between them: both VBIOSes and the GOP are found, the stores are
    /// skipped without a bad-container finding, and UEFIExtract agrees.
    @Test func macFlashWithStoresAndPadding() throws {
        let (amd, intel, _) = try Self.roms()
        let image = FirmwareFixtures.macFlash(vbios: amd, other: intel)
        let report = FirmwareWalker.walk(image)
        #expect(!report.findings.contains { $0.finding.code == .badContainer }, "\(report.findings)")
        #expect(report.items.filter { $0.kind == .optionROM }.map(\.bytes) == [amd, intel], "\(report.items.map(\.path))")
        #expect(report.items.filter { $0.kind == .gopDriver }.count == 1)
        try Prerequisite.require(files: [UEFIExtract.path], "Debian's uefitool-cli")
        try UEFIExtract.expectAgreement(image, report, "Mac-style flash")
    }

    /// Volumes nested past the depth bound: a limit-reached finding deep down; the innermost ROM
    /// lies uncompressed in the file, so only the plain scan beside the walk finds it.
    @Test func deepWrittenInSwift() throws {
        let report = FirmwareWalker.walk(FirmwareFixtures.deep(rom: try Self.roms().intel))
        #expect(report.items.map(\.path) == [["outside containers"]])
        #expect(report.findings.map(\.finding.code) == [.limitReached])
        #expect(report.findings.allSatisfy { $0.path.count > FirmwareLimits().maxDepth / 2 })
    }

    /// Two GPUs of one model in a raw VFCT table (the same vendor and device IDs, different
    /// images): prepare's choice takes the entry at the card's bus address, as amdgpu does
    /// (`amdgpu_acpi_vfct_bios` matches bus, device, function and IDs); with no address, the
    /// first, naming the other, as with an address no entry has.
    @Test func vfctEntriesWithTheSameIDsChosenByAddress() throws {
        let amd = try Self.roms().amd
        var other = amd
        other[0x100] ^= 0xFF
        other[ImageHeaderFields.length + 0x40] ^= 0xFF
        let table = ACPITables.vfct([(0x03, 0, 0, 0x1002, 0x1636, amd), (0x04, 0, 0, 0x1002, 0x1636, other)])
        #expect(try VFCTTable.parse(table).entries.map(\.bus) == [3, 4])
        let report = FirmwareWalker.findROMs(table)
        #expect(report.items.count == 2)
        let at3 = try FirmwareROMSelection.choose(report, vendorID: 0x1002, deviceID: 0x1636, address: (3, 0, 0))
        let at4 = try FirmwareROMSelection.choose(report, vendorID: 0x1002, deviceID: 0x1636, address: (4, 0, 0))
        #expect(at3.item.bytes == amd && at4.item.bytes == other)
        #expect(at3.item.path == ["VFCT entry 03:00.0 1002:1636 @0x64"])
        #expect(at3.decidedBy == .address && at4.decidedBy == .address && at3.others.isEmpty)
        let first = try FirmwareROMSelection.choose(report, vendorID: 0x1002, deviceID: 0x1636)
        #expect(first.item.bytes == amd && first.decidedBy == .first && first.others.map(\.item.bytes) == [other])
        // No entry at the card's address (a table from another machine): chosen by IDs, the first.
        let elsewhere = try FirmwareROMSelection.choose(report, vendorID: 0x1002, deviceID: 0x1636, address: (5, 0, 0))
        #expect(elsewhere.item.bytes == amd && elsewhere.decidedBy == .first)
    }

    /// A real table with two GPUs (an AMI desktop: Navi 31 at 03:00.0, Raphael at 14:00.0): each
    /// address takes its own entry, the one the kernel's layout (read here independently) names.
    @Test func realVFCTChosenByAddress() throws {
        let file = Repository.root + "/../shared/firmware/vfct-asrock-b650pg-navi31-plus-raphael.dat"
        try Prerequisite.require(files: [file], "../shared/firmware's VFCT tables")
        let t = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        func u32(_ o: Int) -> Int { Int(t[o]) | Int(t[o + 1]) << 8 | Int(t[o + 2]) << 16 | Int(t[o + 3]) << 24 }
        var at = u32(0x34)
        var images: [Int: (ids: (UInt16, UInt16), bytes: [UInt8])] = [:]
        while at + 28 <= t.count, u32(at + 24) > 0 {
            let length = u32(at + 24)
            images[u32(at)] = ((UInt16(u32(at + 12) & 0xFFFF), UInt16(u32(at + 12) >> 16)), Array(t[(at + 28)..<(at + 28 + length)]))
            at += 28 + length
        }
        #expect(images.keys.sorted() == [0x03, 0x14])
        let report = FirmwareWalker.findROMs(t)
        for (bus, want) in images {
            let chosen = try FirmwareROMSelection.choose(report, vendorID: want.ids.0, deviceID: want.ids.1, address: (UInt8(bus), 0, 0))
            #expect(want.bytes.starts(with: chosen.item.bytes) && chosen.item.vfctEntry?.bus == UInt32(bus))
        }
    }
}

/// The Swift writer against the Python one (Tools/gen-firmware.py wrote the committed fixtures):
/// without compression the bytes are the same; with LZMA (Python's lzma module and Debian's
/// liblzma are different builds, whose streams differ) what the walker finds is the same.
@Suite struct FirmwareWriterAgainstPythonTests {
    static func committed(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: Repository.root + "/Fixtures/firmware/" + name + ".fd")))
    }

    @Test func deepIsTheCommittedBytes() throws {
        #expect(FirmwareFixtures.deep(rom: try Repository.fixtureROM("intel")) == (try Self.committed("deep")))
    }

    @Test func apuImagesHoldWhatTheCommittedOnesHold() throws {
        let ipxe = "/usr/lib/ipxe/qemu/efi-e1000.rom"
        try Prerequisite.require(files: [ipxe], "Debian's ipxe-qemu")
        let driver = try #require(FirmwareFixtures.efiDriver(inROM: [UInt8](try Data(contentsOf: URL(fileURLWithPath: ipxe)))))
        let vbios = try Repository.fixtureROM("amd")
        let ipxeSection = FirmwareBuilder.unpaddedSection(type: 0x10, driver)
        let te = FirmwareFixtures.te(), pe = FirmwareFixtures.pe32(), intel = FirmwareFixtures.pe32(size: 0x500)
        let shapes: [(String, [(Int, [UInt8], String)])] = [
            ("apu", [(41, te, "AMDGopDriver"), (42, pe, "PlainGopDxe"), (43, ipxeSection, "AMDGopDriver"), (44, intel, "IntelGopDriver")]),
            ("apu-ambiguous", [(43, ipxeSection, "AMDGopDriver"), (45, pe, "AMD GOP Dxe")]),
            ("apu-none", [(44, ipxeSection, "IntelGopDriver"), (41, te, "AMDGopDriver")]),
        ]
        for (name, drivers) in shapes {
            let mine = FirmwareWalker.walk(FirmwareFixtures.apu(vbios: vbios, drivers: drivers))
            let theirs = FirmwareWalker.walk(try Self.committed(name))
            #expect(!mine.items.isEmpty && mine.findings.isEmpty)
            #expect(mine.items.map(\.bytes) == theirs.items.map(\.bytes), "\(name)")
            #expect(mine.items.map(\.path) == theirs.items.map(\.path), "\(name)")
        }
    }
}
