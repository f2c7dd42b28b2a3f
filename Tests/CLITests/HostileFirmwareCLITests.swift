import Foundation
import OptionROM
import Testing
import TestSupport
import Core

private typealias B = FirmwareBuilder

/// Issue 25 through the binary: `scan`, `patch --add-efi`, `dump --source vfct` and `info` on the
/// inputs that hung, wrote outside the folder, lied or blew up. Each run under a hard timeout.
@Suite(.tags(.adversarial)) struct HostileFirmwareCLITests {
    static func write(_ bytes: [UInt8], _ path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

    /// A GOP driver file (UI name, then a PE32 section) in a volume.
    static func gop(_ name: String, guid: Int) -> [UInt8] {
        B.file(type: 0x07, B.ui(name) + B.section(type: 0x10, ROMBuilder.peStub(machine: 0x8664, subsystem: 11)), guid: guid)
    }

    /// Item 1: the 44-byte file that looped forever.
    @Test func scanOfAnEmptyCBFSEntryBeforeAVolumeEnds() throws {
        let d = try Hostile.directory(); defer { try? FileManager.default.removeItem(atPath: d) }
        try Self.write(B.emptyCBFSThenFVH(), d + "/fw.bin")
        let r = try Hostile.run(["scan", d + "/fw.bin", "--json"], seconds: 20)
        #expect(r.status == 0, "\(r.status): \(r.err)")
    }

    /// Item 1 through `prepare --rom-from`, whose finder walks the same way: it ends, with the
    /// finder's refusal (no ROM for the card), and 20,000 copies of ROMs give a short message.
    @Test func prepareRomFromEndsAndSaysLittle() throws {
        let d = try Hostile.directory(); defer { try? FileManager.default.removeItem(atPath: d) }
        try Self.write(B.emptyCBFSThenFVH(), d + "/fw.bin")
        let r = try Hostile.run(["prepare", "01:00.0", "--for", "qemu", "--rom-from", d + "/fw.bin", "--sysfs", PrepareFixture.radeon,
                                 "--out", d + "/o"], seconds: 30)
        #expect(r.status == 2, "\(r.status): \(r.err)")
        #expect(r.err.contains("no legacy option ROM"), "\(r.err)")
        // Many different ROMs of another device: the listing is cut, not megabytes.
        let roms = (0..<2_000).flatMap { i in
            B.cbfs(name: Array("r\(i)".utf8), ROMBuilder.legacy(vendor: 0x1002, device: UInt16(0x1000 + i), units: 1, seed: UInt64(i + 1)).build())
        }
        try Self.write(roms, d + "/many.bin")
        let many = try Hostile.run(["prepare", "01:00.0", "--for", "qemu", "--rom-from", d + "/many.bin", "--sysfs", PrepareFixture.radeon,
                                    "--out", d + "/o"], seconds: 60)
        #expect(many.status == 2, "\(many.status): \(many.err.prefix(500))")
        #expect(many.err.contains("and 1990 more") && many.err.utf8.count < 4000, "\(many.err.prefix(2000))")
    }

    /// Item 10: names that hid a `/` behind a prefix mark, 250 combining accents, a symlink
    /// planted where a name lands: every file is written in the folder, portably named; the
    /// symlink's target is never written; the JSON is whole.
    @Test func extractedNamesStayInTheFolder() throws {
        let d = try Hostile.directory(); defer { try? FileManager.default.removeItem(atPath: d) }
        let image = B.volume([Self.gop("\u{0D4E}/Gop", guid: 1), Self.gop("Gop-" + String(repeating: "\u{0301}", count: 250), guid: 2),
                              Self.gop("\u{0D4E}/Gop", guid: 3)])
        try Self.write(image, d + "/fw.bin")
        let out = d + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try Self.write(Array("keep".utf8), d + "/outside")
        try FileManager.default.createSymbolicLink(atPath: out + "/__Gop.efi", withDestinationPath: d + "/outside")
        let r = try Hostile.run(["scan", d + "/fw.bin", "--extract", out, "--force", "--json"], seconds: 30)
        #expect(r.status == 0, "\(r.err)")
        let items = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [[String: Any]])
        #expect(items.count == 3)
        #expect(try String(contentsOfFile: d + "/outside", encoding: .utf8) == "keep")
        let names = Robust.contents(out).sorted()
        #expect(names.count == 3, "\(names)")
        #expect(names.contains("__Gop.efi") && names.contains("__Gop-2.efi"), "\(names)")
        for n in names {
            #expect(n.utf8.allSatisfy { $0 < 0x80 && $0 != UInt8(ascii: "/") } && !n.hasPrefix("."), "\(n)")
            #expect(n.utf8.count <= 120)
            #expect((try? FileManager.default.attributesOfItem(atPath: out + "/" + n))?[.type] as? FileAttributeType == .typeRegular)
        }
        #expect(Robust.contents(d).sorted() == ["fw.bin", "out", "outside"])
    }

    /// Item 14: UI names reach the terminal quoted, with line separators and quotes escaped.
    @Test func uiNamesAreEscapedOnTheTerminal() throws {
        let d = try Hostile.directory(); defer { try? FileManager.default.removeItem(atPath: d) }
        try Self.write(B.volume([Self.gop("Gop\u{2028}\u{2029}\"x\u{1B}[2J", guid: 1)]), d + "/fw.bin")
        let r = try Hostile.run(["scan", d + "/fw.bin"], seconds: 20)
        #expect(r.status == 0, "\(r.err)")
        let all = r.out + r.err
        #expect(!all.unicodeScalars.contains { $0.value == 0x2028 || $0.value == 0x2029 || $0.value == 0x1B }, "\(all.debugDescription)")
        // The UI name reader drops C0 controls; what is left is quoted and escaped.
        #expect(r.out.contains("\"Gop\\u{2028}\\u{2029}\\\"x[2J\""), "\(r.out)")
        let json = try Hostile.run(["scan", d + "/fw.bin", "--json"], seconds: 20)
        let items = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [[String: Any]])
        #expect(items.first?["name"] as? String == "Gop\u{2028}\u{2029}\"x[2J")
    }

    /// Item 12: a result past 16 MiB is refused (info and verify would refuse it); an AArch64
    /// driver is refused naming the override that works, and the JSON path names the driver.
    @Test func addEFIRefusesWhatNothingCouldReadBack() throws {
        let d = try Hostile.directory(); defer { try? FileManager.default.removeItem(atPath: d) }
        let amd = [UInt8](try Data(contentsOf: URL(fileURLWithPath: CLI.fixture("amd"))))
        try Self.write(amd + [UInt8](repeating: 0xFF, count: (16 << 20) - amd.count), d + "/big.rom")
        try Self.write(ROMBuilder.peStub(machine: 0x8664, subsystem: 11) + [UInt8](repeating: 0, count: 64 << 10), d + "/x64.efi")
        let big = try Hostile.run(["patch", d + "/big.rom", "--add-efi", d + "/x64.efi", "-o", d + "/out.rom", "--allow-broken"], seconds: 60)
        #expect(big.status == 1, "\(big.status): \(big.err)")
        #expect(big.err.contains("16 MiB"), "\(big.err)")
        #expect(!FileManager.default.fileExists(atPath: d + "/out.rom"))
        try Self.write(ROMBuilder.peStub(machine: 0xAA64, subsystem: 11), d + "/arm.efi")
        let arm = try Hostile.run(["patch", CLI.fixture("amd"), "--add-efi", d + "/arm.efi", "-o", d + "/arm.rom", "--json"], seconds: 20)
        #expect(arm.status == 1)
        let error = try #require((try JSONSerialization.jsonObject(with: Data(arm.out.utf8)) as? [String: Any])?["error"] as? [String: Any])
        #expect(error["path"] as? String == d + "/arm.efi", "\(error)")
        let message = error["message"] as? String ?? ""
        #expect(message.contains("--allow-broken") && !message.contains("--force"), "\(message)")
        let forced = try Hostile.run(["patch", CLI.fixture("amd"), "--add-efi", d + "/arm.efi", "-o", d + "/arm.rom", "--allow-broken"], seconds: 20)
        #expect(forced.status == 0, "\(forced.err)")
    }

    /// Item 8: an EFI ROM whose images each claim 16 MiB from an 8-byte stream: `info` refuses
    /// the claim at once instead of decoding it (three times) per image.
    @Test func infoOfEFIZeroStreamBombsIsQuick() throws {
        let d = try Hostile.directory(); defer { try? FileManager.default.removeItem(atPath: d) }
        var rom: [UInt8] = []
        for i in 0..<64 {
            rom += ROMBuilder.efi(vendor: 0x1002, device: 0x6819, units: 1, last: i == 63, compression: 1, seed: UInt64(i + 1)) {
                $0.pokes = [.init(0x40, ROMBuilder.le32(0) + ROMBuilder.le32(16 << 20))]
            }.build()
        }
        try Self.write(rom, d + "/bomb.rom")
        let start = Date()
        let r = try Hostile.run(["info", d + "/bomb.rom", "--json"], seconds: 60)
        #expect(r.status != 124 && r.status != 9)
        #expect(Date().timeIntervalSince(start) < 20, "info took \(Date().timeIntervalSince(start)) s")
        #expect(r.out.contains("compressed bytes can hold"), "\(r.out.prefix(2000))")
    }

    /// Item 14: a VFCT path that is a folder or a FIFO is said as such, not as "root-only".
    @Test(arguments: ["folder", "fifo"])
    func vfctReadFailuresSayWhatHappened(_ kind: String) throws {
        let root = try FakeHost("radeon-hd7850", as: "sys").dir
        defer { try? FileManager.default.removeItem(atPath: root) }
        let tables = root + "/sys/firmware/acpi/tables"
        try FileManager.default.createDirectory(atPath: tables, withIntermediateDirectories: true)
        if kind == "folder" { try FileManager.default.createDirectory(atPath: tables + "/VFCT", withIntermediateDirectories: true) } else { Hostile.fifo(tables + "/VFCT") }
        let r = try HostCLI.run(["dump", "01:00.0", "--source", "vfct", "-o", root + "/x.rom", "--sysfs", root + "/sys", "--json"])
        #expect(r.status != 0)
        let error = try #require((try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])?["error"] as? [String: Any])
        let message = error["message"] as? String ?? ""
        #expect(!message.contains("root-only"), "\(message)")
        #expect(message.contains(kind == "folder" ? "directory" : "FIFO"), "\(message)")
        #expect(error["path"] as? String == tables + "/VFCT", "\(error)")
    }

    /// Item 13: SIGINT at any moment of an extraction leaves no temporary file.
    @Test func interruptedExtractionLeavesNoTemporaryFile() throws {
        let d = try Hostile.directory(); defer { try? FileManager.default.removeItem(atPath: d) }
        let vbt = Array("$VBT".utf8) + [UInt8](repeating: 0x20, count: 0x14) + B.le16(64) + [UInt8](repeating: 1, count: 38)
        try Self.write(B.volume((0..<400).map { B.file(type: 0x01, vbt, guid: $0) }), d + "/fw.bin")
        let vbios = try #require(Hostile.vbios)
        for round in 0..<12 {
            let out = d + "/out\(round)"
            _ = try Robust.run(["scan", d + "/fw.bin", "--extract", out], tool: vbios) { p in
                usleep(UInt32(5_000 + round * 7_000))
                kill(p.processIdentifier, SIGINT)
            }
            let left = Robust.contents(out).filter { $0.hasPrefix(".") }
            #expect(left.isEmpty, "round \(round): \(left)")
        }
    }

    /// Peak RSS (KiB) and wall time of `vbios ARGS`, through GNU time.
    static func measured(_ args: [String]) throws -> (status: Int32, kib: Int, seconds: Double, out: String) {
        let vbios = try #require(Hostile.vbios)
        let d = try Hostile.directory(); defer { try? FileManager.default.removeItem(atPath: d) }
        let start = Date()
        let r = try Robust.run(["-f", "%M", "-o", d + "/rss", "/usr/bin/timeout", "-s", "KILL", "120", vbios] + args, tool: "/usr/bin/time")
        let kib = Int(Robust.text(d + "/rss").split(separator: "\n").last.map(String.init) ?? "") ?? -1
        return (r.status, kib, Date().timeIntervalSince(start), r.out)
    }

    /// Items 5-7 through `scan`: memory under a ceiling of the budget plus a multiple of the
    /// input, at 1x and 4x, and output bounded by the name caps (not 651 MB of JSON).
    @Test func scanMemoryStaysUnderTheCeiling() throws {
        let d = try Hostile.directory(); defer { try? FileManager.default.removeItem(atPath: d) }
        // 200 Brotli streams of 8 MiB each: the 512 MiB total stops them, counted.
        try Self.write(B.brotliSections(200), d + "/brotli.fd")
        let brotli = try Self.measured(["scan", d + "/brotli.fd"])
        #expect(brotli.status == 0)
        #expect(brotli.kib > 0 && brotli.kib < 1_100 << 10, "\(brotli.kib) KiB")
        #expect(brotli.out.contains("536870912 bytes decompressed"), "\(brotli.out.suffix(300))")
        // CBFS names of 65,000 characters, 1x and 4x: output and memory grow with the input, not the names.
        for n in [1, 4] {
            let image = (0..<(8 * n)).flatMap { _ in B.longCBFSName(65_000) }
            try Self.write(image, d + "/names.rom")
            let m = try Self.measured(["scan", d + "/names.rom", "--json"])
            #expect(m.status == 0)
            #expect(m.out.utf8.count < 4 * image.count, "\(m.out.utf8.count) bytes of JSON")
            #expect(m.kib > 0 && m.kib < (128 << 10) + 16 * image.count / 1024, "\(n)x: \(m.kib) KiB")
        }
    }
}
