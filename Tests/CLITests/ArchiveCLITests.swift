import Foundation
import Testing
import TestSupport

/// Vendor update packages read through libarchive (issue 22 item 4, archives): a zip written by
/// Python's zipfile and a 7z written by py7zr (neither is libarchive, so each judges its reader),
/// each holding firmware images; every member is walked as firmware and named in the path.
@Suite(.serialized) struct ArchiveCLITests {
    static let firmware = Repository.root + "/Fixtures/firmware"

    /// Writes `members` (name in the archive, file) into `dir/name` with Python: `zip` (deflated),
    /// `7z` (py7zr, LZMA2) or `sfx` (a 4 KiB "MZ" stub in front of the zip, as a self-extracting .exe);
    /// `cab` with Debian's gcab (MSZIP-compressed folders), the members staged under their names.
    static func archive(_ kind: String, _ members: [(String, String)], in dir: String, name: String) throws -> String {
        let out = dir + "/" + name
        if kind == "cab" {
            try Prerequisite.require(files: ["/usr/bin/gcab"], "gcab (Tools/install-deps.sh)")
            let stage = dir + "/cab-stage"
            for (member, path) in members {
                let to = stage + "/" + member
                try FileManager.default.createDirectory(atPath: (to as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try FileManager.default.copyItem(atPath: path, toPath: to)
            }
            let names = members.map { "'\($0.0)'" }.joined(separator: " ")
            let r = try HostCLI.run(["sh", "-c", "cd '\(stage)' && gcab -c -z '\(out)' \(names) </dev/null"], "/usr/bin/env")
            try #require(r.status == 0, "gcab could not write the cab: \(r.err)")
            return out
        }
        let list = members.map { "(\"\($0.0)\", \"\($0.1)\")" }.joined(separator: ", ")
        let script = """
            import io, sys, zipfile
            members = [\(list)]
            kind, out = sys.argv[1], sys.argv[2]
            if kind == "7z":
                import py7zr
                with py7zr.SevenZipFile(out, "w") as z:
                    for name, path in members: z.write(path, name)
            else:
                buf = io.BytesIO()
                with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
                    for name, path in members: z.write(path, name)
                    z.writestr("readme.txt", "no firmware here")
                stub = b"MZ" + b"\\x90" * 4094 if kind == "sfx" else b""
                open(out, "wb").write(stub + buf.getvalue())
            """
        let r = try HostCLI.run(["python3", "-c", script, kind, out], "/usr/bin/env")
        try #require(r.status == 0, "python3 could not write the \(kind) (Tools/install-deps.sh installs py7zr): \(r.err)")
        return out
    }

    /// What `scan --json` lists: (kind, path, length) of each item, and the findings' codes.
    static func scan(_ file: String, extract: String? = nil) throws -> (items: [[String: Any]], codes: [String]) {
        let r = try HostCLI.run(["scan", file, "--json"] + (extract.map { ["--extract", $0] } ?? []))
        #expect(r.status == 0, "\(r.err)")
        let all = try #require(try HostCLI.json(r) as? [[String: Any]], "\(r.out)")
        return (all.filter { $0["kind"] as? String != "finding" }, all.filter { $0["kind"] as? String == "finding" }.compactMap { $0["code"] as? String })
    }

    @Test(arguments: ["zip", "7z", "sfx", "cab"])
    func membersAreWalkedAsFirmware(_ kind: String) throws {
        let dir = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = try Self.archive(kind, [("BIOS/everything.fd", Self.firmware + "/everything.fd"),
                                          ("vga/amd.rom", Repository.roms + "/amd.rom")], in: dir, name: "package.\(kind == "sfx" ? "exe" : kind)")
        let direct = try Self.scan(Self.firmware + "/everything.fd", extract: dir + "/direct")
        let packed = try Self.scan(file, extract: dir + "/packed")
        // Everything the image holds, found inside the member, plus the plain ROM member.
        #expect(packed.items.count == direct.items.count + 1, "\(packed.items.map { $0["path"] ?? "" })")
        let format = kind == "sfx" ? "ZIP" : kind
        for item in packed.items {
            let first = (item["path"] as? [String])?.first ?? ""
            #expect(first.hasPrefix(format) && (first.hasSuffix("member BIOS/everything.fd") || first.hasSuffix("member vga/amd.rom")), "\(first)")
        }
        let rom = try #require(packed.items.first { ($0["path"] as? [String]) ?? [] == ["\(kind == "sfx" ? "ZIP 2.0 (deflation)" : kind) member vga/amd.rom"] })
        #expect(rom["vendorID"] as? String == "1002" && rom["offset"] as? Int == 0 && rom["decoded"] as? Bool == true)
        // Byte for byte: what the archive gives is what the image gives, plus amd.rom.
        func files(_ d: String) throws -> [[UInt8]] {
            try FileManager.default.contentsOfDirectory(atPath: d).map { [UInt8](try Data(contentsOf: URL(fileURLWithPath: d + "/" + $0))) }
        }
        let amd = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Repository.roms + "/amd.rom")))
        let want = try files(dir + "/direct") + [amd], got = try files(dir + "/packed")
        #expect(got.count == want.count && want.allSatisfy { w in got.contains(w) })
    }

    /// prepare --rom-from takes a zip: the APU's VBIOS and GOP driver out of the image inside, the
    /// same bios.bin as from the image itself.
    @Test func prepareTakesTheCardsROMOutOfAZip() throws {
        let dir = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let zip = try Self.archive("zip", [("apu.fd", Self.firmware + "/apu.fd")], in: dir, name: "update.zip")
        var outputs: [[UInt8]] = []
        for source in [Self.firmware + "/apu.fd", zip] {
            let root = try PrepareFromFirmwareTests.host(device: "0x1636")
            defer { try? FileManager.default.removeItem(atPath: root) }
            let r = try HostCLI.run(["prepare", "01:00.0", "--for", "qemu", "--display", "secondary", "--sysfs", root + "/sys",
                                     "--out", root + "/out", "--rom-from", source])
            #expect(r.status == 0, "\(source): \(r.err)")
            outputs.append([UInt8]((try? Data(contentsOf: URL(fileURLWithPath: root + "/out/bios.bin"))) ?? Data()))
        }
        #expect(outputs[0].count > 0x200 && outputs[0] == outputs[1])
    }

    /// Password-protected archives (py7zr, AES): a member whose data is encrypted is named in a
    /// `bad-container` finding and the other members are still walked; a 7z whose headers are
    /// encrypted is said to be one libarchive cannot read (not "no option ROM"), then walked raw.
    @Test func encryptedArchivesAreSaidToBe() throws {
        let dir = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = """
            import sys, py7zr
            rom, out = sys.argv[1], sys.argv[2]
            with py7zr.SevenZipFile(out + "/data.7z", "w", password="x") as z: z.write(rom, "secret.rom")
            with py7zr.SevenZipFile(out + "/data.7z", "a") as z: z.write(rom, "open.rom")
            with py7zr.SevenZipFile(out + "/headers.7z", "w", password="x", header_encryption=True) as z: z.write(rom, "vga.rom")
            """
        let r = try HostCLI.run(["python3", "-c", script, Repository.roms + "/amd.rom", dir], "/usr/bin/env")
        try #require(r.status == 0, "python3 could not write the 7z (Tools/install-deps.sh installs py7zr): \(r.err)")
        let data = try HostCLI.run(["scan", dir + "/data.7z", "--json"])
        #expect(data.out.contains("\"bad-container\"") && data.out.contains("secret.rom") && data.out.contains("is encrypted"), "\(data.out.prefix(2000))")
        let open = try Self.scan(dir + "/data.7z")
        #expect(open.items.map { $0["path"] as? [String] ?? [] } == [["7z member open.rom"]], "\(open.items)")
        let headers = try HostCLI.run(["scan", dir + "/headers.7z", "--json"])
        #expect(headers.out.contains("\"bad-container\"") && headers.out.contains("encrypted"), "\(headers.out.prefix(2000))")
    }

    /// A zip cut short is a finding with its offset and path; a member that inflates past the
    /// per-stream bound (64 MiB) is `limit-reached`, not read into memory whole.
    @Test func badAndHugeArchivesAreFindings() throws {
        let dir = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let zip = try Self.archive("zip", [("everything.fd", Self.firmware + "/everything.fd")], in: dir, name: "a.zip")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: zip)))
        try Data(bytes.prefix(3000)).write(to: URL(fileURLWithPath: dir + "/cut.zip"))
        let cut = try Self.scan(dir + "/cut.zip")
        #expect(cut.codes.contains("bad-container"), "\(cut)")
        let zeros = dir + "/zeros.bin"
        FileManager.default.createFile(atPath: zeros, contents: nil)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: zeros))
        try h.truncate(atOffset: 80 << 20)
        try h.close()
        let bomb = try Self.archive("zip", [("zeros.bin", zeros)], in: dir, name: "bomb.zip")
        #expect((try FileManager.default.attributesOfItem(atPath: bomb)[.size] as? Int ?? 0) < 1 << 20)
        let r = try HostCLI.run(["scan", bomb, "--json"])
        #expect(r.out.contains("\"limit-reached\"") && r.out.contains("zeros.bin"), "\(r.out.prefix(2000))")
    }
}
