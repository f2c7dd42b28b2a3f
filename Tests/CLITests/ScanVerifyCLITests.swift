import Foundation
import Testing

/// `vbios scan` and the parallel `vbios verify`, end to end on real ROMs.
@Suite("vbios scan and parallel verify")
struct ScanVerifyCLITests {
    static let realROMs = ["/usr/share/seabios/vgabios-stdvga.bin", "/usr/lib/ipxe/qemu/efi-e1000.rom",
                           "/usr/lib/ipxe/qemu/pxe-virtio.rom"]

    /// A blob of zeros and 0xFF with the real ROMs at odd offsets, and a 55 AA decoy.
    static func makeBlob(in dir: URL) throws -> (path: String, offsets: [Int], roms: [Data]) {
        var blob = Data(repeating: 0xFF, count: 3 << 20)
        blob.replaceSubrange(0x1000..<0x1002, with: [0x55, 0xAA])
        var offsets: [Int] = []
        var roms: [Data] = []
        var at = 0x20001
        for path in realROMs {
            let rom = try Data(contentsOf: URL(fileURLWithPath: path))
            blob.replaceSubrange(at..<at + rom.count, with: rom)
            offsets.append(at)
            roms.append(rom)
            at += rom.count + 0x3333
        }
        let url = dir.appendingPathComponent("blob.bin")
        try blob.write(to: url)
        return (url.path, offsets, roms)
    }

    @Test func scanJSONAndExtract() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (blob, offsets, roms) = try Self.makeBlob(in: dir)
        let r = try CLI.run(["scan", blob, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        #expect(list.map { $0["offset"] as? Int } == offsets)
        #expect(list.map { $0["length"] as? Int } == roms.map(\.count))
        #expect(list.map { $0["images"] as? Int } == [1, 2, 1])
        #expect(list.map { $0["vendorID"] as? String } == ["1234", "8086", "1af4"])
        for rom in list { #expect(Set(rom.keys) == ["offset", "length", "vendorID", "deviceID", "codeType", "images"]) }

        let out = dir.appendingPathComponent("roms")
        let x = try CLI.run(["scan", blob, "--extract", out.path])
        #expect(x.status == 0, "\(x.stderr)")
        #expect(x.stdout.contains("3 option ROMs"))
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        let ids = ["1234-1111", "8086-100e", "1af4-1041"]
        #expect(names == zip(offsets, ids).map { String(format: "rom-%08x-", $0) + $1 + ".bin" })
        for (name, rom) in zip(names, roms) {
            #expect(try Data(contentsOf: out.appendingPathComponent(name)) == rom, "\(name) differs from the planted ROM")
        }
        // Files are not replaced without --force.
        let again = try CLI.run(["scan", blob, "--extract", out.path])
        #expect(again.status == 2)
        #expect(again.stderr.contains("--force"))
        #expect(try CLI.run(["scan", blob, "--extract", out.path, "--force"]).status == 0)
    }

    @Test func scanFindsNothingInPadding() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("empty.bin")
        try Data(repeating: 0, count: 1 << 20).write(to: url)
        let r = try CLI.run(["scan", url.path, "--json"])
        #expect(r.status == 0)
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[\n\n]" || r.stdout.filter { !$0.isWhitespace } == "[]")
    }

    @Test func verifyKeepsInputOrderAcrossThreads() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // 120 files, every fifth damaged, named so that the sorted order is the numbering.
        var expected: [(String, String)] = []
        for i in 0..<120 {
            var rom = try Data(contentsOf: URL(fileURLWithPath: Self.realROMs[i % 3]))
            if i % 5 == 4 { rom[0x100] &+= 1 }    // inside every legacy image: its checksum fails
            let name = String(format: "%03d.rom", i)
            try rom.write(to: dir.appendingPathComponent(name))
            expected.append((dir.appendingPathComponent(name).path, i % 5 == 4 ? "fail" : "ok"))
        }
        let missing = dir.appendingPathComponent("missing.rom").path
        let r = try CLI.run(["verify", "--json", Self.realROMs[0], dir.path, missing])
        #expect(r.status == 2)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 1 + 120 + 1 + 1)
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let files = objects.compactMap { $0["file"] as? String }
        #expect(files == [Self.realROMs[0]] + expected.map(\.0) + [missing])
        #expect(objects.dropFirst().prefix(120).map { $0["status"] as? String } == expected.map(\.1))
        let summary = try #require(objects.last?["summary"] as? [String: Any])
        #expect(summary["files"] as? Int == 122 && summary["ok"] as? Int == 97 && summary["note"] as? Int == 0
                && summary["fail"] as? Int == 24 && summary["unreadable"] as? Int == 1)
        // No progress line when stderr is not a terminal.
        #expect(!r.stderr.contains("verifying"))
    }
}
