import Core
import Foundation
import Testing
import TestSupport
@testable import Firmware

/// Real vendor packages from public repositories (issue 22 item 4), in `VBIOS_VENDOR_SAMPLES=DIR`
/// or `../shared/vendor-samples`; not committed (not ours to redistribute): `Tools/vendor-samples.py`
/// puts them back from mirrors of the repositories `Fixtures/vendor-samples/MANIFEST.tsv` names.
/// Each row is checked against what something other than vbios says the file holds: the files
/// BIOSUtilities extracts, the members gcab or the archive's authors list (README, "Vendor update
/// packages"); and against the counts and findings recorded for it.
@Suite struct VendorSampleTests {
    /// The samples folder: `VBIOS_VENDOR_SAMPLES`, else `../shared/vendor-samples` when the lead
    /// has put them there (the real data the other tests read from `../shared`).
    static let dir: String? = ProcessInfo.processInfo.environment["VBIOS_VENDOR_SAMPLES"] ?? {
        let shared = URL(fileURLWithPath: Repository.root + "/../shared/vendor-samples").standardizedFileURL.path
        return FileManager.default.fileExists(atPath: shared + "/dell") ? shared : nil
    }()

    struct Row {
        var sample, format, judge, expect: String
        var size: Int
        var md5: String
    }

    static func manifest() throws -> [Row] {
        let text = try String(contentsOfFile: Repository.root + "/Fixtures/vendor-samples/MANIFEST.tsv", encoding: .utf8)
        return text.split(separator: "\n").drop { $0.hasPrefix("#") }.dropFirst().compactMap { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 9, let size = Int(f[5]) else { return nil }
            return Row(sample: f[0], format: f[1], judge: f[7], expect: f[8], size: size, md5: f[6])
        }
    }

    /// The committed manifest is well formed whether or not the samples are here.
    @Test func manifestIsWellFormed() throws {
        let rows = try Self.manifest()
        #expect(rows.count >= 10)
        #expect(Self.md5(Array("abc".utf8)) == "900150983cd24fb0d6963f7d28e17f72" && Self.md5([]) == "d41d8cd98f00b204e9800998ecf8427e"
                && Self.md5([UInt8](repeating: 0x61, count: 1000)) == "cabe45dcc9ae5b66ba86600cca6b8ba8")
        for r in rows {
            #expect(r.md5.count == 32 && r.size > 0 && r.size < 4 << 20, "\(r.sample)")
            #expect(r.expect.split(separator: " ").count == 4, "\(r.sample): \(r.expect)")
        }
    }

    @Test(.enabled(if: dir != nil, "neither VBIOS_VENDOR_SAMPLES nor ../shared/vendor-samples holds the real vendor packages (Tools/vendor-samples.py)"))
    func everySampleAsItsJudgeSays() throws {
        for row in try Self.manifest() {
            let path = Self.dir! + "/" + row.sample
            let bytes = try #require(FileManager.default.contents(atPath: path).map { [UInt8]($0) }, "\(path) is missing (Tools/vendor-samples.py)")
            #expect(bytes.count == row.size && Self.md5(bytes) == row.md5, "\(row.sample) is not the file the manifest names")
            var blobs: [(path: [String], bytes: [UInt8])] = []
            let report = FirmwareWalker.walk(bytes) { p, b in blobs.append((p, Array(b))) }
            Self.check(row, report)
            for judge in row.judge.split(separator: " ").map(String.init) {
                try Self.judge(judge, row: row, bytes: bytes, blobs: blobs, report: report)
            }
        }
    }

    /// containers=N decompressed=N items=N findings=severity:code[:word],...|-
    static func check(_ row: Row, _ report: FirmwareReport) {
        var want: [String: String] = [:]
        for kv in row.expect.split(separator: " ") {
            let p = kv.split(separator: "=", maxSplits: 1).map(String.init)
            want[p[0]] = p[1]
        }
        let findings = report.findings.map { "\($0.finding.severity.rawValue):\($0.finding.code.rawValue) \($0.finding.message)" }
        #expect(want["containers"] == "\(report.containers)", "\(row.sample): \(report.containers) containers")
        #expect(want["decompressed"] == "\(report.decompressedBytes)", "\(row.sample): \(report.decompressedBytes) bytes decompressed")
        #expect(want["items"] == "\(report.items.count)", "\(row.sample): \(report.items.map(\.path))")
        let expected = want["findings"] == "-" ? [] : (want["findings"] ?? "").split(separator: ",").map(String.init)
        #expect(findings.count == expected.count, "\(row.sample): \(findings)")
        for e in expected {
            let parts = e.split(separator: ":").map(String.init)
            #expect(findings.contains { $0.hasPrefix("\(parts[0]):\(parts[1]) ") && (parts.count < 3 || $0.contains(parts[2])) }, "\(row.sample): no \(e) in \(findings)")
        }
    }

    static func judge(_ judge: String, row: Row, bytes: [UInt8], blobs: [(path: [String], bytes: [UInt8])], report: FirmwareReport) throws {
        if judge.hasPrefix("members:") {
            for spec in judge.dropFirst("members:".count).split(separator: "|") {
                let p = spec.split(separator: "=", maxSplits: 1).map(String.init)
                let member = blobs.filter { $0.path.last?.hasSuffix(" member " + p[0]) == true }
                if p[1] == "encrypted" {
                    #expect(member.isEmpty && report.findings.contains { $0.finding.message.contains("\"\(p[0])\" is encrypted") }, "\(row.sample): \(p[0])")
                    continue
                }
                let want = p[1].split(separator: "/").map(String.init)
                #expect(member.count == 1 && member.first.map { "\($0.bytes.count)" == want[0] && (want[1] == "-" || md5($0.bytes) == want[1]) } == true,
                        "\(row.sample): member \(p[0]) walked as \(member.map { ($0.bytes.count, md5($0.bytes)) })")
            }
            return
        }
        // uefiextract: both ways, every option ROM and VBT UEFIExtract dumps is an item, byte for byte.
        if judge == "uefiextract" {
            try Prerequisite.require(files: [UEFIExtract.path], "Debian's uefitool-cli")
            try UEFIExtract.expectAgreement(bytes, report, row.sample)
            return
        }
        // biosutilities[@MEMBER]:module.Class: every file it extracts is a blob the walk entered.
        try Prerequisite.require(BIOSUtilities.available, "PyPI biosutilities (Tools/install-deps.sh)")
        let spec = judge.dropFirst("biosutilities".count)
        let target = spec.hasPrefix("@") ? String(spec.dropFirst().prefix { $0 != ":" }) : nil
        let tool = spec.split(separator: ":").last!.split(separator: ".").map(String.init)
        let input = try target.map { t in try #require(blobs.first { $0.path.last?.hasSuffix(" member " + t) == true }?.bytes, "\(row.sample): no member \(t)") } ?? bytes
        let files = try BIOSUtilities.extract(tool[0], tool[1], input)
        #expect(!files.isEmpty, "\(row.sample): BIOSUtilities extracted nothing")
        for f in files {
            #expect(blobs.contains { $0.bytes == f }, "\(row.sample): BIOSUtilities' \(f.count)-byte part is no blob vbios walked (\(blobs.map { ($0.path.last ?? "", $0.bytes.count) }))")
        }
    }

    /// RFC 1321 MD5 (the manifest's digest, as md5sum prints it).
    static func md5(_ message: [UInt8]) -> String {
        let s: [UInt32] = [7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
                           4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21]
        let k = (0..<64).map { UInt32(truncatingIfNeeded: Int64(abs(sin(Double($0 + 1))) * 4_294_967_296)) }
        var m = message + [0x80]
        while m.count % 64 != 56 { m.append(0) }
        m += (0..<8).map { UInt8(truncatingIfNeeded: (UInt64(message.count) &* 8) >> (8 * UInt64($0))) }
        var h: [UInt32] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476]
        for chunk in stride(from: 0, to: m.count, by: 64) {
            let w = (0..<16).map { i in (0..<4).reduce(UInt32(0)) { $0 | UInt32(m[chunk + 4 * i + $1]) << (8 * UInt32($1)) } }
            var (a, b, c, d) = (h[0], h[1], h[2], h[3])
            for i in 0..<64 {
                var f: UInt32, g: Int
                switch i {
                case 0..<16: f = (b & c) | (~b & d); g = i
                case 16..<32: f = (d & b) | (~d & c); g = (5 * i + 1) % 16
                case 32..<48: f = b ^ c ^ d; g = (3 * i + 5) % 16
                default: f = c ^ (b | ~d); g = (7 * i) % 16
                }
                f = f &+ a &+ k[i] &+ w[g]
                (a, d, c) = (d, c, b)
                b = b &+ (f << s[i] | f >> (32 - s[i]))
            }
            h = [h[0] &+ a, h[1] &+ b, h[2] &+ c, h[3] &+ d]
        }
        return h.flatMap { v in (0..<4).map { String(format: "%02x", (v >> (8 * UInt32($0))) & 0xFF) } }.joined()
    }
}
