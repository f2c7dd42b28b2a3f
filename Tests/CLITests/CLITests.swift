import Foundation
import Testing
import TestSupport
import Core

/// End-to-end: the built `vbios` binary on fixtures. `swift test` builds every product, so the
/// binary sits next to the test bundle.
enum CLI {
    static let roms = URL(fileURLWithPath: Repository.roms)

    /// The `vbios` executable in the directory of the running test binary or one above it.
    static let binary: String? = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = dir.appendingPathComponent("vbios").path
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDir), !isDir.boolValue,
               FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }()

    struct Result {
        var status: Int32
        var reason: Process.TerminationReason
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String]) throws -> Result {
        let path = try #require(binary, "the vbios binary was not found next to the test bundle; run `swift build` first")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        p.standardInput = FileHandle.nullDevice
        // Output goes to files, not pipes: nothing can block on a full pipe, no threads needed.
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let outURL = dir.appendingPathComponent("stdout"), errURL = dir.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        defer { try? out.close(); try? err.close() }
        p.standardOutput = out
        p.standardError = err
        Ledger.note(p)
        try p.run()
        p.waitUntilExit()
        let outData = try Data(contentsOf: outURL), errData = try Data(contentsOf: errURL)
        return Result(status: p.terminationStatus, reason: p.terminationReason,
                      stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    static func fixture(_ name: String) -> String { roms.appendingPathComponent(name + ".rom").path }

    /// A fresh temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("vbios-cli-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

@Suite("vbios CLI")
struct CLITests {
    /// `patch -o` onto its input through a link is refused and the input left alone; an
    /// output path that cannot be looked up (a link loop) is an error naming it, not "different".
    @Test func patchRefusesToWriteOverItsInputThroughALink() throws {
        let dir = try CLI.temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.rom").path
        try FileManager.default.copyItem(atPath: CLI.fixture("amd"), toPath: input)
        let before = try Data(contentsOf: URL(fileURLWithPath: input))
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("link.rom").path, withDestinationPath: input)
        let r = try CLI.run(["patch", input, "--fix-checksum", "-o", dir.appendingPathComponent("link.rom").path])
        #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("is the input file"), "\(r.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == before)
        let loop = dir.appendingPathComponent("loop.rom").path
        try FileManager.default.createSymbolicLink(atPath: loop, withDestinationPath: loop)
        let l = try CLI.run(["patch", input, "--fix-checksum", "-o", loop])
        #expect(l.status == 2, "\(l.stdout)\(l.stderr)")
        #expect(l.stderr.contains(loop) && l.stderr.contains("ELOOP"), "\(l.stderr)")
    }

    static let imageKeys: Set<String> = ["offset", "length", "signature", "dataStructure", "codeType", "codeTypeName",
                                         "vendorID", "deviceID", "classCode", "last", "checksumValid"]

    static func isHex(_ s: Any?, digits: Int) -> Bool {
        guard let s = s as? String else { return false }
        return s.utf8.count == digits && s.allSatisfy { "0123456789abcdef".contains($0) }
    }

    @Test("info --json follows the contract", arguments: ["legacy-efi", "nvidia-nvflash", "amd", "intel", "bad-checksum"])
    func infoJSON(name: String) throws {
        let r = try CLI.run(["info", CLI.fixture(name), "--json"])
        #expect(r.reason == .exit)
        #expect(r.status == 0, "\(name): \(r.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
        let top = try #require(object as? [String: Any], "stdout is not a JSON object: \(r.stdout.prefix(200))")
        #expect(Set(top.keys) == ["file", "size", "prefixLength", "prefix", "verdict", "images", "vendorInfo", "findings", "guests"])
        #expect(["ok", "note", "fail"].contains(top["verdict"] as? String ?? ""))
        #expect(top["file"] as? String == CLI.fixture(name))
        let size = try FileManager.default.attributesOfItem(atPath: CLI.fixture(name))[.size] as? Int
        #expect(top["size"] as? Int == size)
        #expect(top["prefixLength"] is Int)
        let images = try #require(top["images"] as? [[String: Any]])
        #expect(!images.isEmpty)
        for image in images {
            #expect(Self.imageKeys.isSubset(of: Set(image.keys)), "\(name): keys \(image.keys.sorted())")
            #expect(image["offset"] is Int && image["length"] is Int && image["codeType"] is Int)
            #expect(Self.isHex(image["vendorID"], digits: 4) && Self.isHex(image["deviceID"], digits: 4))
            #expect(Self.isHex(image["classCode"], digits: 6))
            #expect(image["last"] is Bool)
        }
        #expect(top["vendorInfo"] is [String: Any])
        let findings = try #require(top["findings"] as? [[String: Any]])
        for f in findings {
            #expect(["info", "warning", "error"].contains(f["severity"] as? String ?? ""))
            #expect(f["code"] is String && f["message"] is String)
        }
        switch name {
        case "nvidia-nvflash":
            #expect(top["prefixLength"] as? Int == 0x400)
            #expect((top["vendorInfo"] as? [String: Any])?["version"] as? String == "80.07.53.00.21")
            #expect(findings.map { $0["code"] as? String } == ["prefix-header", "length-disagreement"])
            #expect(top["prefix"] as? String == "nvgi" && top["verdict"] as? String == "note")
        case "amd":
            let v = try #require(top["vendorInfo"] as? [String: Any])
            #expect(v["partNumber"] as? String == "113-RENOIR-035")
            #expect(v["version"] as? String == "017.010.000.030.000000")
        case "intel":
            let v = try #require(top["vendorInfo"] as? [String: Any])
            #expect(v["vbtPlatform"] as? String == "SKYLAKE" && v["bdbVersion"] as? Int == 221)
        case "bad-checksum":
            #expect(findings.map { $0["code"] as? String } == ["checksum-mismatch"])
            #expect(images.first?["checksumValid"] as? Bool == false)
        default:
            #expect(findings.isEmpty)
        }
    }

    @Test("info prints a readable report")
    func infoText() throws {
        let r = try CLI.run(["info", CLI.fixture("legacy-efi")])
        #expect(r.status == 0)
        #expect(r.stdout.contains("2 images"))
        #expect(r.stdout.contains("EFI boot-service driver, X64"))
        #expect(r.stdout.contains("No problems found."))
    }

    @Test("verify: 0 for ok and note, 1 for fail, 2 when a path is missing")
    func verifyExitStatus() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["legacy-vga", "legacy-efi", "nvidia", "amd", "intel", "trailing-junk"] {
            try FileManager.default.copyItem(atPath: CLI.fixture(name), toPath: dir.appendingPathComponent(name + ".rom").path)
        }
        var r = try CLI.run(["verify", dir.path])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("6 files: 5 ok, 1 note, 0 fail, 0 unreadable"), "\(r.stdout)")
        #expect(r.stdout.contains("NOTE  \(dir.path)/trailing-junk.rom") && r.stdout.contains("trailing-data"))

        try FileManager.default.copyItem(atPath: CLI.fixture("bad-checksum"), toPath: dir.appendingPathComponent("sub-bad.rom").path)
        r = try CLI.run(["verify", dir.path])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("FAIL") && r.stdout.contains("checksum-mismatch"))
        #expect(r.stdout.contains("7 files: 5 ok, 1 note, 1 fail, 0 unreadable"), "\(r.stdout)")

        r = try CLI.run(["verify", "--json", dir.path])
        #expect(r.status == 1)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 8)
        for line in lines { _ = try JSONSerialization.jsonObject(with: Data(line.utf8)) }

        r = try CLI.run(["verify", CLI.fixture("legacy-vga"), dir.appendingPathComponent("no-such-file.rom").path])
        #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("no-such-file.rom"))
    }

    @Test("A file over 16 MiB is refused by info, pointing at vbios scan")
    func tooLarge() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let big = dir.appendingPathComponent("big.bin").path
        // Sparse: no 17 MiB actually written.
        #expect(FileManager.default.createFile(atPath: big, contents: Data([0x55, 0xAA])))
        #expect(truncate(big, 17 << 20) == 0)
        let r = try CLI.run(["info", big])
        #expect(r.reason == .exit)
        #expect(r.status != 0)
        #expect(r.stderr.contains("vbios scan"), "stderr: \(r.stderr)")
        #expect(r.stderr.contains(big))
        #expect(r.stdout.isEmpty)
    }

    @Test("An empty file gets a clear report, not a crash")
    func emptyFile() throws {
        var r = try CLI.run(["info", CLI.fixture("empty")])
        #expect(r.reason == .exit)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("empty"), "stdout: \(r.stdout)")
        #expect(r.stdout.contains("no-image"))
        r = try CLI.run(["info", CLI.fixture("empty"), "--json"])
        #expect(r.reason == .exit && r.status == 0)
        let top = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(top["size"] as? Int == 0)
        #expect((top["images"] as? [Any])?.isEmpty == true)
        r = try CLI.run(["verify", CLI.fixture("empty")])
        #expect(r.reason == .exit && r.status == 1)
    }
}

/// The CLI words the patcher's refusals and notes with its own flags (PatchNaming.cli): the
/// text a person reads, checked once end to end (the library tests assert on codes).
@Suite struct PatchWordingCLITests {
    @Test func refusalsAndNotesNameTheFlags() throws {
        let rom = CLI.fixture("amd")
        let extract = try CLI.run(["patch", rom, "--dry-run", "--extract", "7"])
        #expect(extract.status == 1)
        #expect(extract.stderr == "vbios: \(rom): --extract 7: the ROM has no such image. Its images are 0: x86 BIOS.\n", "\(extract.stderr)")
        let ids = try CLI.run(["patch", rom, "--dry-run", "--set-ids", "0000:5678"])
        #expect(ids.status == 1 && ids.stderr.hasSuffix("(0000 and ffff mean no device). Pass --allow-broken to write it anyway.\n"), "\(ids.stderr)")
        let pad = try CLI.run(["patch", rom, "--dry-run", "--pad-to", "100000"])
        #expect(pad.status == 0 && pad.stderr.hasPrefix("note: --pad-to 100000: not a power of two;"), "\(pad.stderr)")
        let checksum = try CLI.run(["patch", CLI.fixture("bad-checksum"), "--dry-run", "--fix-checksum", "--checksum-byte", "last"])
        #expect(checksum.status == 0 && checksum.stdout.contains("the last byte of the runtime image (--checksum-byte last) absorbs it"), "\(checksum.stdout)")
    }
}
