import Foundation
import Testing
import TestSupport
@testable import Firmware

/// Every GUID-defined compression UEFITool decodes (`ffsparser.cpp` parseGuidedSectionBody): LZMA,
/// HP's LZMA, LZMA with the x86 filter, Tiano, Brotli, and the two zlib ones, GZIP and AMD's.
/// UEFIExtract, which decodes each, judges what comes out.
@Suite struct GuidedCompressionTests {
    typealias B = FirmwareBuilder

    static func image(_ section: [UInt8]) -> [UInt8] {
        B.volume([B.ffsFile(FirmwareFixtures.fileGUID(1), type: 0x07, section)], options: .init(erase: 0xFF, block: 0x1000))
    }

    @Test(arguments: ["gzip", "zlib"])
    func zlibFamilySection(kind: String) throws {
        let (amd, _) = try VendorPackageTests.roms()
        let section = kind == "gzip" ? B.gzipSection(B.raw(amd)) : B.amdZlibSection(B.raw(amd))
        let image = Self.image(section)
        let report = FirmwareWalker.walk(image)
        #expect(report.findings.isEmpty, "\(report.findings.map(\.finding.message))")
        #expect(report.items.map(\.bytes) == [amd])
        #expect(report.items.first?.path.contains { $0.hasPrefix("\(kind) @") } == true, "\(report.items.first?.path ?? [])")
        if kind == "gzip" {
            try Prerequisite.require(files: [UEFIExtract.path], "Debian's uefitool-cli")
            try UEFIExtract.expectAgreement(image, report, "gzip section")
        } else {
            // Debian's UEFIExtract (A62) predates AMD's zlib section: Python's zlib judges the
            // stream after the 256-byte header instead.
            let stream = Array(section.dropFirst(24 + AMDZlibSectionFields.length))
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("amd-zlib-\(getpid()).bin")
            defer { try? FileManager.default.removeItem(at: file) }
            try Data(stream).write(to: file)
            let judged = try Python.run("-c", ["import sys,zlib; print(zlib.decompress(open(sys.argv[1],'rb').read()).hex())", file.path])
            #expect(judged.status == 0)
            #expect(judged.out.trimmingCharacters(in: .whitespacesAndNewlines) == B.raw(amd).map { String(format: "%02x", $0) }.joined(),
                    "Python's zlib reads the section's stream as the raw section vbios walked")
        }
    }

    /// A cut stream or a header shorter than AMD's 256 bytes is a finding at the section, not a crash.
    @Test func brokenZlibSections() throws {
        let (amd, _) = try VendorPackageTests.roms()
        let gz = B.gzipSection(B.raw(amd))
        let cut = B.guided(B.gzipGUID, Array(B.deflated(B.raw(amd), gzip: true).prefix(100)), attributes: Int(GUIDDefinedSectionFields.processingRequired))
        let short = B.guided(B.zlibAMDGUID, [UInt8](repeating: 0, count: 0x40), attributes: Int(GUIDDefinedSectionFields.processingRequired))
        #expect(!gz.isEmpty)
        let a = FirmwareWalker.walk(Self.image(cut))
        #expect(a.items.isEmpty && a.findings.contains { $0.finding.code == .decompressionFailed })
        let b = FirmwareWalker.walk(Self.image(short))
        #expect(b.items.isEmpty && b.findings.contains { $0.finding.code == .badContainer })
    }
}
