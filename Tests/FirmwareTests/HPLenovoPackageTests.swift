import Foundation
import Testing
import TestSupport
@testable import Firmware

/// HP's AMI UCP packages, Lenovo's $PFH and _EC images, and the Lenovo and Toshiba capsule
/// headers, written by TestSupport from their public descriptions. Judges other than vbios:
/// UEFIExtract for the capsules, BIOSUtilities' AMI UCP extractor for the UCP packages. No real
/// sample of any of them was found in the public sources reachable here (README, "Vendor update
/// packages"), and nothing public reads $PFH or _EC except thinkpad-ec's Perl, which is not
/// packaged: those two are judged against the format description only.
@Suite struct HPLenovoPackageTests {
    typealias B = FirmwareBuilder

    static func volume(_ rom: [UInt8], _ n: Int = 1) -> [UInt8] {
        B.volume([B.ffsFile(FirmwareFixtures.fileGUID(n), type: 0x01, rom)], options: .init(erase: 0xFF, block: 0x1000))
    }

    // MARK: Capsules

    /// Lenovo's two capsule GUIDs and Toshiba's header around a volume: the ROM comes out with the
    /// capsule named in its path, and UEFIExtract, which parses all three (ffsparser.cpp), agrees.
    @Test(arguments: [(B.lenovoCapsule, "Lenovo"), (B.lenovoCapsule2, "Lenovo"), (B.toshibaCapsule, "Toshiba")])
    func vendorCapsule(guid: String, kind: String) throws {
        let (amd, _) = try VendorPackageTests.roms()
        let image = B.capsule(guid, headerSize: 0x50, flags: 0x10000, Self.volume(amd))
        let report = FirmwareWalker.walk(image)
        #expect(report.findings.isEmpty, "\(report.findings.map(\.finding.message))")
        #expect(report.items.map(\.bytes) == [amd])
        #expect(report.items.first?.path.first == "capsule \(kind) \(guid)")
        let header = try #require(CapsuleHeader(image[...]))
        #expect(header.imageSize == UInt32(image.count) && header.flags == 0x10000, "the header reads back as written")
        try Prerequisite.require(files: [UEFIExtract.path], "Debian's uefitool-cli")
        // UEFIExtract dumps the image inside a capsule it parsed as its top element: the bytes
        // after the header (without the capsule, the whole file).
        let bodies = try UEFIExtract.bodies(of: image)
        #expect(bodies.first { $0.folder == "0 UEFI image" }?.body == Array(image.dropFirst(0x50)), "UEFIExtract parsed no capsule header: \(bodies.map(\.folder).prefix(3))")
        try UEFIExtract.expectAgreement(image, report, "\(kind) capsule")
    }

    /// A Toshiba capsule whose full size runs past the file: a finding on the capsule, the rest walked.
    @Test func toshibaCapsuleLyingSize() throws {
        let (amd, _) = try VendorPackageTests.roms()
        let image = B.capsule(B.toshibaCapsule, headerSize: 0x50, imageSize: 0x7FFF_0000, Self.volume(amd))
        let report = FirmwareWalker.walk(image)
        #expect(report.items.map(\.bytes) == [amd])
        #expect(report.findings.contains { $0.finding.code == .badContainer && $0.path.first?.hasPrefix("capsule Toshiba") == true })
    }

    // MARK: HP

    /// HP's LZMA GUID-defined section (`0ED85E23-...`) holding a ROM in a raw section: decoded as
    /// EDK2's LZMA, and UEFIExtract, which decodes it the same way, agrees.
    @Test func hpLZMASection() throws {
        let (amd, _) = try VendorPackageTests.roms()
        let image = B.volume([B.ffsFile(FirmwareFixtures.fileGUID(1), type: 0x07, B.lzmaHPSection(B.raw(amd)))], options: .init(erase: 0xFF, block: 0x1000))
        let report = FirmwareWalker.walk(image)
        #expect(report.findings.isEmpty, "\(report.findings.map(\.finding.message))")
        #expect(report.items.map(\.bytes) == [amd])
        #expect(report.items.first?.path.contains { $0.hasPrefix("lzma @") } == true, "\(report.items.first?.path ?? [])")
        try Prerequisite.require(files: [UEFIExtract.path], "Debian's uefitool-cli")
        try UEFIExtract.expectAgreement(image, report, "HP LZMA section")
    }


    /// An HP updater: an .exe stub, then an @HPU package with the info module, BIOS_00 (a volume,
    /// stored), its signature, BIOS_01 (a ROM, EFI-compressed) and a nested Insyde image. Each
    /// ROM comes out once; BIOSUtilities' extractor splits the same modules.
    @Test func hpUCPPackage() throws {
        let (amd, intel) = try VendorPackageTests.roms()
        let volume = Self.volume(amd)
        let insyde = B.insydeIFlash(tag: "BIOSIMG", Self.volume(intel, 2))
        let ucp = B.amiUCP([
            .init("@UII", [UInt8](repeating: 0x20, count: 0x20)),
            .init("@R00", volume),
            .init("@S00", [UInt8](repeating: 0xA5, count: 0x100)),
            .init("@R01", intel, compressed: true),
            .init("@INS", insyde),
        ])
        let image = B.exeStub() + ucp + [UInt8](repeating: 0, count: 64)
        let report = FirmwareWalker.walk(image)
        #expect(report.findings.isEmpty, "\(report.findings.map(\.finding.message))")
        #expect(report.items.map(\.bytes) == [amd, intel, intel], "\(report.items.map(\.path))")
        #expect(report.items.allSatisfy { $0.path.first == "AMI UCP package @HPU @0x400" })
        #expect(report.items[0].path[1].hasPrefix("AMI UCP module @R00 (BIOS_00.bin) @0x"))
        #expect(report.items[0].fileOffset != nil, "a stored module is walked in place")
        #expect(report.items[1].path.contains { $0.hasPrefix("efi-compressed @") } && report.items[1].path[1].hasPrefix("AMI UCP module @R01 (BIOS_01.bin)"))
        #expect(report.items[2].path.contains { $0.hasPrefix("Insyde iFlash BIOSIMG") }, "\(report.items[2].path)")
        try Prerequisite.require(BIOSUtilities.available, "PyPI biosutilities (Tools/install-deps.sh)")
        let files = try UCPJudge.extract(image)
        #expect(files.contains(volume), "BIOSUtilities extracted no BIOS_00 equal to the stored volume (\(files.map(\.count)))")
        #expect(files.contains(intel), "BIOSUtilities (EDK2's C decoder as its TianoCompress) decoded no BIOS_01 equal to the ROM")
        // It opens the @INS module with its Insyde extractor, as vbios does: the image inside comes out.
        #expect(files.contains { BIOSUtilities.contains($0, Self.volume(intel, 2)) }, "BIOSUtilities extracted no iFlash image from the @INS module")
    }

    /// A UCP package that lies: its size past the file, a module's size past the package, a bad
    /// checksum. Each is a finding with the offset and the package in its path; what is there is
    /// still walked.
    @Test func hpUCPLies() throws {
        let (amd, _) = try VendorPackageTests.roms()
        var ucp = B.amiUCP([.init("@R00", Self.volume(amd)), .init("@S00", [UInt8](repeating: 1, count: 0x40))])
        var cut = ucp
        cut.put(AMIUCPFields.moduleSize, UInt64(ucp.count + 0x1000))
        var report = FirmwareWalker.walk(cut)
        #expect(report.items.map(\.bytes) == [amd])
        #expect(report.findings.contains { $0.finding.code == .badContainer && $0.finding.offset == 0 && $0.path == ["AMI UCP package @HPU @0x0"] }, "\(report.findings)")
        // The second module says it is larger than what is left.
        let second = ucp.count - (0x18 + 0x40)
        ucp.put(AMIUCPFields.moduleSize, 0x5000, at: second)
        report = FirmwareWalker.walk(ucp)
        #expect(report.items.map(\.bytes) == [amd])
        #expect(report.findings.contains { $0.finding.code == .badContainer && $0.finding.offset == second && $0.finding.message.contains("@S00") }, "\(report.findings)")
        #expect(report.findings.contains { $0.finding.severity == .warning && $0.finding.message.contains("checksum") }, "the edit broke the checksum: \(report.findings)")
    }

    // MARK: Lenovo

    /// A Lenovo large file (FFS v2, revision 2, the large-file bit and a 32-bit size) before an
    /// ordinary file: both walked, as UEFITool (A63 and later) walks them, instead of the first
    /// stopping the volume with a bad-container finding.
    @Test func lenovoLargeFileInFFSv2() throws {
        let (amd, intel) = try VendorPackageTests.roms()
        let image = B.volume([B.lenovoLargeFile(FirmwareFixtures.fileGUID(1), type: 0x07, B.raw(amd)),
                              B.ffsFile(FirmwareFixtures.fileGUID(2), type: 0x01, intel)], options: .init(erase: 0xFF, block: 0x1000))
        let report = FirmwareWalker.walk(image)
        #expect(report.findings.isEmpty, "\(report.findings.map(\.finding.message))")
        #expect(report.items.map(\.bytes) == [amd, intel])
        let h = try #require(FileHeader(image[...], at: 0x48, v3: false, lenovo: true))
        #expect(h.lenovoLarge && h.headerLength == 28 && h.size == 28 + B.raw(amd).count, "the header reads back as written")
        // Debian's UEFIExtract (NE A62) predates UEFITool's Lenovo workaround (A63, ffsparser.cpp
        // getFileSize): it stops at this file ("invalid size"), so it cannot judge this one.
    }

    /// A Phoenix-based ThinkPad .FL1: the BIOS volume and the EC image named by the $PFH table at
    /// the end; the ROM comes out of the image the table names.
    @Test func lenovoPFHImage() throws {
        let (amd, _) = try VendorPackageTests.roms()
        let image = B.lenovoPFH([("Bios", Self.volume(amd), 0xFF80_0000), ("Ec", [UInt8](repeating: 0xEC, count: 0x100), 0)])
        let report = FirmwareWalker.walk(image)
        #expect(report.findings.isEmpty, "\(report.findings.map(\.finding.message))")
        #expect(report.items.map(\.bytes) == [amd])
        let path = report.items.first?.path ?? []
        #expect(path.first?.hasPrefix("Lenovo $PFH table @0x") == true && path.dropFirst().first == "$PFH image Bios @0x0 (flash 0xff800000)", "\(path)")
        #expect(report.items.first?.fileOffset != nil)
    }

    /// A table whose image is the whole file, the table included (as a flash image holds its own
    /// table): the table is not walked again inside it, and the ROM comes out once.
    @Test func lenovoPFHImageHoldingItsTable() throws {
        let (amd, _) = try VendorPackageTests.roms()
        var image = B.lenovoPFH([("Bios", Self.volume(amd), 0xFF80_0000)])
        let header = image.count - LenovoPFHFields.length
        let table = Int(image[header + 0x18]) | Int(image[header + 0x19]) << 8 | Int(image[header + 0x1A]) << 16
        image.put(LenovoPFHFields.entrySize, UInt64(image.count), at: table)
        let report = FirmwareWalker.walk(image)
        #expect(report.findings.isEmpty, "\(report.findings.map(\.finding.message))")
        #expect(report.items.map(\.bytes) == [amd])
        #expect(report.items.first?.path.filter { $0.hasPrefix("Lenovo $PFH table") }.count == 1, "\(report.items.first?.path ?? [])")
    }

    /// A $PFH table whose entry runs past the file, and one whose table does: findings, no crash.
    @Test func lenovoPFHLies() throws {
        let (amd, _) = try VendorPackageTests.roms()
        var image = B.lenovoPFH([("Bios", Self.volume(amd), 0), ("Ec", [1, 2, 3, 4], 0)])
        let header = image.count - LenovoPFHFields.length
        let table = Int(image[header + 0x18]) | Int(image[header + 0x19]) << 8 | Int(image[header + 0x1A]) << 16
        image.put(LenovoPFHFields.entrySize, 0x0100_0000, at: table + LenovoPFHFields.entryLength)
        var report = FirmwareWalker.walk(image)
        #expect(report.items.map(\.bytes) == [amd])
        #expect(report.findings.contains { $0.finding.code == .badContainer && $0.finding.offset == table + LenovoPFHFields.entryLength && $0.finding.message.contains("Ec") }, "\(report.findings)")
        image.put(LenovoPFHFields.imageCount, 0xFFFF_FFFF, at: header)
        report = FirmwareWalker.walk(image)
        #expect(report.findings.contains { $0.finding.code == .badContainer && $0.finding.offset == header }, "\(report.findings)")
    }

    /// A ThinkPad `_EC` .FL2, its signature outside or inside the stated image: the image walked
    /// under its name; a size that fits neither is a warning.
    @Test(arguments: [false, true])
    func lenovoECImage(signatureCounted: Bool) throws {
        let (_, intel) = try VendorPackageTests.roms()
        var image = B.lenovoEC(intel, signatureCounted: signatureCounted)
        var report = FirmwareWalker.walk(image)
        #expect(report.findings.isEmpty, "\(report.findings.map(\.finding.message))")
        #expect(report.items.map(\.bytes) == [intel])
        #expect(report.items.first?.path == ["Lenovo EC image @0x20"])
        image.put(LenovoECFields.imageSize, 0x10)
        report = FirmwareWalker.walk(image)
        #expect(report.findings.map(\.finding.code) == [.badContainer] && report.findings.first?.path == ["Lenovo EC image @0x20"])
    }

    /// The committed fuzz seeds of these parsers are what the writer writes today.
    @Test func fuzzSeedsCommitted() throws {
        for seed in B.seeds() where ["hp", "lenovo", "toshiba"].contains(where: { seed.name.contains($0) }) {
            let committed = try Data(contentsOf: URL(fileURLWithPath: Repository.root + "/Fuzz/regressions/" + seed.name))
            #expect([UInt8](committed) == seed.bytes, "\(seed.name): run swift run gen-fixtures")
            #expect(FirmwareWalker.walk(seed.bytes).items.count >= 1, "\(seed.name) walks to a ROM")
        }
    }
}

/// BIOSUtilities' AMI UCP extractor, with EDK2's C decoder (PyPI `uefi-firmware`) standing in
/// for the TianoCompress binary it runs on compressed modules (not packaged for Debian).
enum UCPJudge {
    static let shim = """
        #!/usr/bin/env python3
        import sys
        from uefi_firmware import efi_compressor
        a = sys.argv
        data = open(a[a.index('-d') + 1], 'rb').read()
        open(a[a.index('-o') + 1], 'wb').write(efi_compressor.EfiDecompress(data, len(data)))
        """

    static let decoderAvailable: Bool = Python.canImport("uefi_firmware.efi_compressor")

    static func extract(_ image: [UInt8]) throws -> [[UInt8]] {
        try Prerequisite.require(decoderAvailable, "PyPI uefi-firmware (Tools/install-deps.sh)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vbios-ucp-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let tool = dir.appendingPathComponent("TianoCompress")
        try Data(shim.utf8).write(to: tool)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: tool.path)
        let input = dir.appendingPathComponent("package.bin")
        try Data(image).write(to: input)
        let script = """
            import os, sys
            os.environ['PATH'] = sys.argv[3] + os.pathsep + os.environ.get('PATH', '')
            from biosutilities.ami_ucp_extract import AmiUcpExtract
            t = AmiUcpExtract(input_object=sys.argv[1], extract_path=sys.argv[2])
            sys.exit(0 if t.check_format() and t.parse_format() else 3)
            """
        let out = dir.appendingPathComponent("out")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, input.path, out.path, dir.path]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        Ledger.note(p)
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw BIOSUtilities.Refused(description: "BIOSUtilities' AmiUcpExtract refused the image (exit \(p.terminationStatus))") }
        var files: [[UInt8]] = []
        let walker = FileManager.default.enumerator(atPath: out.path)
        while let rel = walker?.nextObject() as? String {
            if let d = FileManager.default.contents(atPath: out.appendingPathComponent(rel).path) { files.append([UInt8](d)) }
        }
        return files
    }
}
