import Core
import Foundation
import OptionROM
import Testing
import TestSupport
@testable import Firmware

/// platomav/BIOSUtilities (PyPI `biosutilities`), the public extractors the formats are documented
/// by, run on the same bytes: the independent judge of the Dell PFS and Insyde iFlash readers,
/// here on what the test writer builds from the public format description; real Dell packages
/// are judged the same way in `VendorSampleTests` (README, "Vendor update packages").
enum BIOSUtilities {
    static let available: Bool = Python.canImport("biosutilities")

    /// The files `tool` (a BIOSUtilities module and class) extracts from `image`; throws when it
    /// says the format is not its own.
    static func extract(_ module: String, _ tool: String, _ image: [UInt8]) throws -> [[UInt8]] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vbios-biosutilities-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("package.bin")
        try Data(image).write(to: input)
        let script = """
            import sys, importlib
            t = getattr(importlib.import_module('biosutilities.\(module)'), '\(tool)')(input_object=sys.argv[1], extract_path=sys.argv[2])
            sys.exit(0 if t.check_format() and t.parse_format() else 3)
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, input.path, dir.appendingPathComponent("out").path]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        Ledger.note(p)
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw Refused(description: "BIOSUtilities' \(tool) refused the image (exit \(p.terminationStatus))") }
        var files: [[UInt8]] = []
        let out = dir.appendingPathComponent("out")
        let walker = FileManager.default.enumerator(atPath: out.path)
        while let rel = walker?.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: out.appendingPathComponent(rel).path, isDirectory: &isDir), !isDir.boolValue {
                files.append([UInt8](try Data(contentsOf: out.appendingPathComponent(rel))))
            }
        }
        return files
    }

    struct Refused: Error, CustomStringConvertible { var description: String }

    /// Whether `needle` lies in `haystack`.
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count, let first = needle.first else { return needle.isEmpty }
        var i = 0
        while i + needle.count <= haystack.count {
            if haystack[i] == first, Array(haystack[i..<i + needle.count]) == needle { return true }
            i += 1
        }
        return false
    }
}

@Suite struct VendorPackageTests {
    typealias B = FirmwareBuilder

    static func roms() throws -> (amd: [UInt8], intel: [UInt8]) {
        (try Repository.fixtureROM("amd"), try Repository.fixtureROM("intel"))
    }

    /// A Dell updater as dell_pfs_extract.py describes it: an .exe whose zlib section holds a PFS
    /// volume with a firmware volume (a ROM in a RAW file), a raw ROM, and a nested zlib section
    /// whose PFS holds another ROM. Versions R1 and R2 of the entry header both appear.
    static func dellPackage(amd: [UInt8], intel: [UInt8]) -> [UInt8] {
        let volume = B.volume([B.ffsFile(FirmwareFixtures.fileGUID(1), type: 0x01, amd)], options: .init(erase: 0xFF, block: 0x1000))
        let nested = B.dellPFS([.init(guid: FirmwareFixtures.fileGUID(12), data: intel, version: 1)])
        let pfs = B.dellPFS([
            .init(guid: FirmwareFixtures.fileGUID(10), data: volume),
            .init(guid: FirmwareFixtures.fileGUID(11), data: [UInt8](repeating: 0x20, count: 40) + B.dellSection(nested), version: 1),
        ])
        return B.exeStub() + B.dellSection(pfs) + [UInt8](repeating: 0, count: 64)
    }

    @Test func dellPFSPackage() throws {
        let (amd, intel) = try Self.roms()
        let image = Self.dellPackage(amd: amd, intel: intel)
        let report = FirmwareWalker.walk(image)
        #expect(report.findings.isEmpty, "\(report.findings)")
        #expect(report.items.map(\.bytes) == [amd, intel])
        #expect(report.items.allSatisfy { $0.fileOffset == nil && $0.path.first?.hasPrefix("Dell PFS section (firmware) @0x400") == true })
        #expect(report.items[0].path.contains { $0.hasPrefix("PFS entry 1 01B10500-0000-0000-0000-00000000000A") }, "\(report.items[0].path)")
        #expect(report.items[1].path.filter { $0.hasPrefix("Dell PFS section") }.count == 2)
        // The judge: BIOSUtilities' Dell PFS extractor finds the same parts.
        try Prerequisite.require(BIOSUtilities.available, "PyPI biosutilities (Tools/install-deps.sh)")
        let files = try BIOSUtilities.extract("dell_pfs_extract", "DellPfsExtract", image)
        for item in report.items {
            #expect(files.contains { BIOSUtilities.contains($0, item.bytes) }, "BIOSUtilities extracted no file holding \(item.path)")
        }
    }

    /// A Dell BIOS Guard (PFAT) BIOS: the image's blocks in a PFS volume, out of order, each behind
    /// its BIOS Guard header and script; put back in order, the volume inside is found whole, and
    /// BIOSUtilities' reassembly gives the same image.
    @Test func dellPFATBlocksReassembled() throws {
        let (amd, _) = try Self.roms()
        let volume = B.volume([B.ffsFile(FirmwareFixtures.fileGUID(1), type: 0x01, amd)], options: .init(erase: 0xFF, block: 0x1000))
        #expect(volume.count > 2 * 0x1000, "the volume spans several blocks")
        let image = B.exeStub() + B.dellSection(B.dellPFS([.init(guid: FirmwareFixtures.fileGUID(20), data: B.dellPFAT(volume))]))
        let report = FirmwareWalker.walk(image)
        #expect(report.findings.isEmpty, "\(report.findings.map(\.finding.message))")
        #expect(report.items.map(\.bytes) == [amd])
        #expect(report.items.first?.path.contains { $0.hasPrefix("BIOS Guard image (") } == true, "\(report.items.first?.path ?? [])")
        try Prerequisite.require(BIOSUtilities.available, "PyPI biosutilities (Tools/install-deps.sh)")
        let files = try BIOSUtilities.extract("dell_pfs_extract", "DellPfsExtract", image)
        #expect(files.contains(volume), "BIOSUtilities' reassembly gave no file equal to the volume (\(files.map(\.count)))")
    }

    /// An AMI BIOS Guard package (with and without SFAM signatures): each file's blocks joined
    /// and walked, the volume inside found whole; BIOSUtilities' AMI PFAT extractor gives the same
    /// files.
    @Test(arguments: [false, true])
    func amiPFATPackage(sfam: Bool) throws {
        let (amd, intel) = try Self.roms()
        let volume = B.volume([B.ffsFile(FirmwareFixtures.fileGUID(1), type: 0x01, amd)], options: .init(erase: 0xFF, block: 0x1000))
        let image = B.amiPFAT([("BIOS", volume), ("VGA", intel)], blockSize: 0x1000, sfam: sfam)
        let report = FirmwareWalker.walk(image)
        #expect(report.findings.isEmpty, "\(report.findings.map(\.finding.message))")
        #expect(report.items.map(\.bytes) == [amd, intel])
        #expect(report.items.map { $0.path.first } == ["AMI BIOS Guard package @0x0", "AMI BIOS Guard package @0x0"])
        #expect(report.items.map { $0.path[1] } == ["BIOS Guard file BIOS", "BIOS Guard file VGA"])
        try Prerequisite.require(BIOSUtilities.available, "PyPI biosutilities (Tools/install-deps.sh)")
        let files = try BIOSUtilities.extract("ami_pfat_extract", "AmiPfatExtract", image)
        #expect(files.contains(volume) && files.contains(intel), "BIOSUtilities gave \(files.map(\.count))")
    }

    /// A raw PFS volume (a .hdr's decoded contents) at the start of the input is opened too.
    @Test func plainPFSVolume() throws {
        let amd = try Self.roms().amd
        let report = FirmwareWalker.walk(B.dellPFS([.init(guid: FirmwareFixtures.fileGUID(3), data: amd)]))
        #expect(report.items.map(\.bytes) == [amd])
        #expect(report.items.first?.fileOffset == 16 + 0x58)
    }

    /// Insyde: an .exe holding a BIOS image (a volume with a ROM) and an EC image, each behind
    /// its `$_IFLASH` header.
    @Test func insydeIFlashPackage() throws {
        let (amd, _) = try Self.roms()
        let volume = B.volume([B.ffsFile(FirmwareFixtures.fileGUID(1), type: 0x01, amd)], options: .init(erase: 0xFF, block: 0x1000))
        let image = B.exeStub() + B.insydeIFlash(tag: "EC_IMG", [UInt8](repeating: 0x11, count: 0x100))
            + B.insydeIFlash(tag: "BIOSIMG", volume, padding: 0x100) + [UInt8](repeating: 0, count: 32)
        let report = FirmwareWalker.walk(image)
        #expect(report.findings.isEmpty, "\(report.findings)")
        #expect(report.items.map(\.bytes) == [amd])
        let offset = 0x400 + 0x18 + 0x100 + 0x18
        #expect(report.items.first?.path.first == "Insyde iFlash BIOSIMG @\(String(format: "0x%x", offset - 0x18))")
        try Prerequisite.require(BIOSUtilities.available, "PyPI biosutilities (Tools/install-deps.sh)")
        let files = try BIOSUtilities.extract("insyde_ifd_extract", "InsydeIfdExtract", image)
        #expect(files.contains(volume), "BIOSUtilities extracted no BIOS image equal to the volume")
    }

    /// Valve's Steam Deck `.fd` counts each record's total from the header's start, its records
    /// back to back 32-byte aligned: stepping over a record by its total would land 0x18 bytes
    /// into the next one and miss it. The BIOS image after a driver record is found.
    @Test func insydeRecordsBackToBackWithTheTotalCountingTheHeader() throws {
        let (amd, _) = try Self.roms()
        let volume = B.volume([B.ffsFile(FirmwareFixtures.fileGUID(1), type: 0x01, amd)], options: .init(erase: 0xFF, block: 0x1000))
        let driver = [UInt8](repeating: 0x5A, count: 0x1e8)  // 0x18 + 0x1e8: one 0x200 slot, no padding
        let image = B.exeStub() + B.insydeIFlash(tag: "DRV_IMG", driver, totalCountsHeader: true)
            + B.insydeIFlash(tag: "BIOSIMG", volume, padding: 0x08, totalCountsHeader: true) + [UInt8](repeating: 0, count: 0x40)
        let report = FirmwareWalker.walk(image)
        #expect(report.findings.isEmpty, "\(report.findings)")
        #expect(report.items.map(\.bytes) == [amd])
        #expect(report.items.first?.path.first == "Insyde iFlash BIOSIMG @0x600", "\(report.items.map(\.path))")
        try Prerequisite.require(BIOSUtilities.available, "PyPI biosutilities (Tools/install-deps.sh)")
        let files = try BIOSUtilities.extract("insyde_ifd_extract", "InsydeIfdExtract", image)
        #expect(files.contains(volume) && files.contains(driver), "BIOSUtilities gave \(files.map(\.count))")
    }

    /// Bad packages: a cut zlib stream, a PFS whose entry runs past it, a lying footer; each a
    /// finding with its offset and path, never a trap; and the decompressed bound holds.
    @Test func badPackagesAreFindings() throws {
        let (amd, intel) = try Self.roms()
        let good = Self.dellPackage(amd: amd, intel: intel)
        let cut = Array(good.prefix(0x400 + 200))
        let r1 = FirmwareWalker.walk(cut)
        #expect(r1.findings.contains { $0.finding.code == .badContainer && $0.finding.offset == 0x400 }, "\(r1.findings)")
        var lying = B.dellPFS([.init(guid: FirmwareFixtures.fileGUID(3), data: amd)])
        lying.put(DellPFSFields.entryDataSize, 0x7FFF_FFFF, at: 16)
        let r2 = FirmwareWalker.walk(lying)
        #expect(r2.findings.contains { $0.finding.code == .badContainer && $0.path.first == "Dell PFS @0x0" }, "\(r2.findings)")
        // An AMI BIOS Guard package cut in its second file: the first is walked, the cut named.
        let ami = B.amiPFAT([("BIOS", amd), ("VGA", intel)], blockSize: 0x800)
        let r5 = FirmwareWalker.walk(Array(ami.prefix(ami.count - 100)))
        #expect(r5.items.first?.bytes == amd && r5.items.first?.path[1] == "BIOS Guard file BIOS", "\(r5.items.map { ($0.path, $0.bytes.count) })")
        #expect(r5.findings.contains { $0.finding.code == .badContainer && $0.finding.message.contains("of VGA runs past") }, "\(r5.findings)")
        for n in stride(from: 0, to: 0x200, by: 7) {
            var b = ami
            b[n] ^= 0x5A
            _ = FirmwareWalker.walk(b)
        }
        // A BIOS Guard block placed 2 GiB into the image: refused before anything is allocated.
        var far = B.dellPFAT([UInt8](repeating: 0x11, count: 0x200), blockSize: 0x200)
        far.put(DellPFATMetadataFields.offset, 0x8000_0000, at: 16 + DellPFSFields.entryLengthR2 + BIOSGuardHeaderFields.length + 0x20 + 0x200)
        let r4 = FirmwareWalker.walk(far)
        #expect(r4.findings.contains { $0.finding.code == .limitReached && $0.finding.message.contains("BIOS Guard") }, "\(r4.findings)")
        var limits = FirmwareLimits()
        limits.maxDecompressedTotal = 1000
        let r3 = FirmwareWalker.walk(good, limits: limits)
        #expect(r3.decompressedBytes <= 1000)
        #expect(r3.findings.contains { $0.finding.code == .limitReached })
        for n in stride(from: 0, to: good.count, by: 97) {
            var b = good
            b[n] ^= 0x5A
            _ = FirmwareWalker.walk(b)
        }
    }

    /// The fuzz seeds of the new parsers are the committed regressions (gen-fixtures writes them).
    @Test func vendorSeedsCommitted() throws {
        for seed in FirmwareBuilder.seeds() where seed.name.hasPrefix("firmware-dell") || seed.name.hasPrefix("firmware-insyde") {
            let committed = try Data(contentsOf: URL(fileURLWithPath: Repository.root + "/Fuzz/regressions/" + seed.name))
            #expect([UInt8](committed) == seed.bytes, "\(seed.name)")
        }
        #expect(FirmwareBuilder.seeds().contains { $0.name.hasPrefix("firmware-dell") })
    }
}
