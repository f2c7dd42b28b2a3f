import Foundation
import Testing
import TestSupport

/// Issue 26: one flag for one meaning, outputs that compose, files and folders as a user gives
/// them. Each test runs the built `vbios` on fixtures or on copies of Fixtures/hosts.
@Suite(.serialized) struct VocabularyCLITests {
    static let radeon = Repository.hosts + "/radeon-hd7850"

    /// `sh -c SCRIPT` with the built vbios as $V; stdout and stderr apart.
    static func sh(_ script: String) throws -> HostCLI.Result {
        let path = try #require(CLI.binary, "the vbios binary was not found")
        return try HostCLI.run(["-c", "V='\(path)'; " + script], "/bin/sh")
    }

    static func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    // MARK: the command line

    @Test func bareVbiosPrintsTheUsageAndExits64() throws {
        let r = try CLI.run([])
        #expect(r.status == 64, "exit \(r.status)")
        #expect(r.stderr.contains("USAGE: vbios <subcommand>") && r.stdout.isEmpty)
    }

    @Test("Every command's --help ends its discussion with its own exit statuses, 64 included",
          arguments: ["list", "bars", "dump", "info", "verify", "scan", "patch", "diff", "prepare", "bind", "unbind", "doctor", "persist"])
    func exitStatusInHelp(command: String) throws {
        let r = try CLI.run([command, "--help"])
        #expect(r.status == 0)
        let block = try #require(r.stdout.components(separatedBy: "EXIT STATUS:\n").dropFirst().first, "\(command) --help has no EXIT STATUS")
        let codes = block.split(separator: "\n").prefix { $0.hasPrefix("  ") }.compactMap { Int($0.split(separator: " ").first ?? "") }
        #expect(codes.first == 0 && codes.last == 64 && codes == codes.sorted(), "\(command): \(codes)")
        #expect(!r.stdout.contains(">0 if an error occurs"))
    }

    @Test func verifyHelpSaysOneMeansAFailure() throws {
        let r = try CLI.run(["verify", "--help"])
        #expect(r.stdout.contains("  1   a ROM fails"), "\(r.stdout)")
        // One line per status: none is wrapped.
        let block = r.stdout.components(separatedBy: "EXIT STATUS:\n")[1].split(separator: "\n", omittingEmptySubsequences: false)
        #expect(block.prefix(4).allSatisfy { $0.hasPrefix("  ") } && block[4].isEmpty, "\(block.prefix(5))")
        #expect(try CLI.run(["diff", "--help"]).stdout.contains("  1   the ROMs differ"))
    }

    // MARK: --sysfs and --root

    @Test func doctorGivenASysTreeAsRootNamesTheFlagAndAPathThatExists() throws {
        let host = try FakeHost("radeon-hd7850")
        defer { host.remove() }
        let r = try CLI.run(["doctor", "01:00.0", "--root", host.root])
        #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("--sysfs \(host.root)") && !r.stderr.contains(host.root + "/sys"), "\(r.stderr)")
        // Every --sysfs it suggests exists.
        for path in Self.suggestedSysfs(r.stderr) { #expect(FileManager.default.fileExists(atPath: path), "suggests \(path)") }
        // And --sysfs is taken as every other command takes it.
        let s = try CLI.run(["doctor", "01:00.0", "--sysfs", host.root, "--json"])
        #expect(s.status == 0 || s.status == 1, "\(s.stdout)\(s.stderr)")
        let checks = try #require((try JSONSerialization.jsonObject(with: Data(s.stdout.utf8)) as? [String: Any])?["checks"] as? [[String: Any]])
        #expect(checks.contains { $0["id"] as? String == "iommu-group" && $0["status"] as? String == "ok" }, "\(checks)")
    }

    @Test func doctorOfAMissingDeviceUnderARootSuggestsItsSysTree() throws {
        let root = try DoctorPersistTests.fakeRoot("radeon-hd7850")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let r = try CLI.run(["doctor", "09:00.0", "--root", root])
        #expect(r.status == 2)
        let suggested = Self.suggestedSysfs(r.stderr)
        #expect(!suggested.isEmpty, "\(r.stderr)")
        for path in suggested { #expect(FileManager.default.fileExists(atPath: path), "suggests \(path)") }
    }

    static func suggestedSysfs(_ text: String) -> [String] {
        text.components(separatedBy: "--sysfs ").dropFirst().map { String($0.prefix { !" `,;:)".contains($0) && $0 != "\n" }) }
            .filter { $0.hasPrefix("/") }
    }

    @Test func persistTakesTheSysTreeFromSysfsAndWritesUnderRoot() throws {
        let host = try FakeHost("radeon-hd7850")
        defer { host.remove() }
        let root = host.dir + "/root"
        try FileManager.default.createDirectory(atPath: root + "/etc/modprobe.d", withIntermediateDirectories: true)
        let r = try CLI.run(["persist", "01:00.0", "--to", "vfio-pci", "--root", root, "--sysfs", host.root])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Self.bytes(root + "/etc/modprobe.d/vbios-passthrough.conf") != nil)
    }

    @Test func persistRemoveNamesTheDriverTheCardHasNotAGuess() throws {
        let root = try DoctorPersistTests.fakeRoot("radeon-hd7850")
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(try CLI.run(["persist", "01:00.0", "--to", "vfio-pci", "--root", root]).status == 0)
        let r = try CLI.run(["persist", "01:00.0", "--to", "vfio-pci", "--root", root, "--remove"])
        #expect(r.status == 0, "\(r.stderr)")
        // The HD 7850 is bound to radeon: the promise is radeon, never amdgpu.
        let promise = try #require(r.stdout.split(separator: "\n").first { $0.contains("After the reboot") })
        #expect(promise.contains("radeon") && !promise.contains("amdgpu"), "\(promise)")
    }

    @Test func persistRemoveOfABoundCardNamesWhatBindRecordedOrSaysItDoesNotKnow() throws {
        let root = try DoctorPersistTests.fakeRoot("radeon-hd7850")
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(try CLI.run(["persist", "01:00.0", "--to", "vfio-pci", "--root", root]).status == 0)
        // The card is on vfio-pci now, as after `vbios bind`.
        let dev = URL(fileURLWithPath: root + "/sys/bus/pci/devices/0000:01:00.0").resolvingSymlinksInPath().path
        try FileManager.default.removeItem(atPath: dev + "/driver")
        try FileManager.default.createSymbolicLink(atPath: dev + "/driver", withDestinationPath: "../../../../bus/pci/drivers/vfio-pci")
        func promise() throws -> String {
            let r = try CLI.run(["persist", "01:00.0", "--to", "vfio-pci", "--root", root, "--remove", "--dry-run"])
            #expect(r.status == 0, "\(r.stderr)")
            return r.stdout.split(separator: "\n").first { $0.contains("After the reboot") }.map(String.init) ?? r.stdout
        }
        let unknown = try promise()
        #expect(unknown.contains("does not know") && !unknown.contains("amdgpu") && !unknown.contains("radeon"), "\(unknown)")
        try FileManager.default.createDirectory(atPath: root + "/run/vbios/bindings", withIntermediateDirectories: true)
        try "radeon\n".write(toFile: root + "/run/vbios/bindings/0000:01:00.0", atomically: false, encoding: .utf8)
        let recorded = try promise()
        #expect(recorded.contains("radeon, which it had before `vbios bind`") && !recorded.contains("amdgpu"), "\(recorded)")
    }

    // MARK: --out-dir, -o, --dry-run

    @Test func prepareTakesOutDirAndItsOldSpellingAndDryRunWritesNothing() throws {
        let host = try FakeHost("radeon-hd7850")
        defer { host.remove() }
        let dir = host.dir + "/vm"
        let dry = try CLI.run(["prepare", "01:00.0", "--for", "qemu", "--out-dir", dir, "--sysfs", host.root, "--dry-run", "--json"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir), "--dry-run created \(dir)")
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(dry.stdout.utf8)) as? [String: Any])
        #expect(plan["dryRun"] as? Bool == true)
        #expect(((plan["files"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String } == ["bios.bin", "qemu-args.txt"])
        let text = try CLI.run(["prepare", "01:00.0", "--for", "qemu", "--out-dir", dir, "--sysfs", host.root, "--dry-run"])
        #expect(text.status == 0 && text.stdout.contains("would write into \(dir)") && !FileManager.default.fileExists(atPath: dir))

        let real = try CLI.run(["prepare", "01:00.0", "--for", "qemu", "--out-dir", dir, "--sysfs", host.root])
        #expect(real.status == 0 && Self.bytes(dir + "/bios.bin") != nil, "\(real.stderr)")
        let old = try CLI.run(["prepare", "01:00.0", "--for", "qemu", "--out", dir + "2", "--sysfs", host.root])
        #expect(old.status == 0 && Self.bytes(dir + "2/bios.bin") == Self.bytes(dir + "/bios.bin"), "\(old.stderr)")
        // The old spelling is out of the help; the new one is in it.
        let help = try CLI.run(["prepare", "--help"]).stdout
        #expect(help.contains("--out-dir <DIR>") && !help.contains("--out <"))
        #expect(try CLI.run(["prepare", "01:00.0", "--for", "qemu", "--sysfs", host.root]).status == 64)
    }

    @Test func scanTakesOutDirAndExtractStaysForPatch() throws {
        let dir = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var blob = Data(repeating: 0xFF, count: 0x10000)
        blob.append(try Repository.fixtureROM("amd").withUnsafeBufferPointer { Data(buffer: $0) })
        try blob.write(to: URL(fileURLWithPath: dir + "/blob.bin"))
        let dry = try CLI.run(["scan", dir + "/blob.bin", "--out-dir", dir + "/roms", "--dry-run"])
        #expect(dry.status == 0 && dry.stderr.contains("would write") && !FileManager.default.fileExists(atPath: dir + "/roms"), "\(dry.stderr)")
        let r = try CLI.run(["scan", dir + "/blob.bin", "--out-dir", dir + "/roms"])
        let written = try FileManager.default.contentsOfDirectory(atPath: dir + "/roms")
        #expect(r.status == 0 && written.count == 1, "\(r.stderr)")
        let old = try CLI.run(["scan", dir + "/blob.bin", "--extract", dir + "/old"])
        let writtenOld = try FileManager.default.contentsOfDirectory(atPath: dir + "/old")
        #expect(old.status == 0 && writtenOld.count == 1)
        let help = try CLI.run(["scan", "--help"]).stdout
        #expect(help.contains("--out-dir <DIR>") && !help.contains("--extract"))
        #expect(try CLI.run(["patch", "--help"]).stdout.contains("--extract <IMAGE>"))
    }

    @Test func dashOWritesTheROMToStdoutAndNoFileNamedDash() throws {
        let host = try FakeHost("radeon-hd7850")
        defer { host.remove() }
        let d = try Self.sh("cd '\(host.dir)' && \"$V\" dump 01:00.0 -o - --sysfs '\(host.root)' > piped.rom && \"$V\" dump 01:00.0 -o file.rom --sysfs '\(host.root)' >/dev/null")
        #expect(d.status == 0, "\(d.err)")
        #expect(!FileManager.default.fileExists(atPath: host.dir + "/-"))
        #expect(Self.bytes(host.dir + "/piped.rom") == Self.bytes(host.dir + "/file.rom") && Self.bytes(host.dir + "/file.rom")?.count ?? 0 > 0)
        #expect(d.err.contains("wrote") && d.err.contains("stdout"), "the report goes to stderr: \(d.err)")

        let p = try Self.sh("cd '\(host.dir)' && \"$V\" patch '\(CLI.fixture("bad-checksum"))' --fix-checksum -o - > fixed.rom")
        #expect(p.status == 0 && !FileManager.default.fileExists(atPath: host.dir + "/-"), "\(p.err)")
        let v = try CLI.run(["verify", host.dir + "/fixed.rom"])
        #expect(v.status == 0, "\(v.stdout)")
        // -o - with --json would mix the two on stdout: a usage error.
        #expect(try Self.sh("\"$V\" dump 01:00.0 -o - --json --sysfs '\(host.root)' > /dev/null").status == 64)
    }

    @Test func dumpDryRunReadsAndWritesNothing() throws {
        let host = try FakeHost("radeon-hd7850")
        defer { host.remove() }
        let r = try CLI.run(["dump", "01:00.0", "-o", host.dir + "/card.rom", "--sysfs", host.root, "--dry-run"])
        #expect(r.status == 0 && r.stdout.contains("would write"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: host.dir + "/card.rom"))
    }

    // MARK: files and folders

    @Test func infoTakesSeveralFilesAndSendsAFolderToVerify() throws {
        let a = CLI.fixture("amd"), b = CLI.fixture("intel")
        let r = try CLI.run(["info", a, b])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\(a): 16384 bytes") && r.stdout.contains("\(b): 8192 bytes"))
        let j = try CLI.run(["info", a, b, "--json"])
        let list = try #require(try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [[String: Any]])
        #expect(list.compactMap { $0["file"] as? String } == [a, b])
        // One file keeps its object, as before.
        #expect(try JSONSerialization.jsonObject(with: Data(try CLI.run(["info", a, "--json"]).stdout.utf8)) is [String: Any])

        // One that cannot be read is said in its place; the others are still shown; exit 2.
        let missing = try CLI.run(["info", a, "/nonexistent/x.rom", b])
        #expect(missing.status == 2 && missing.stdout.contains("\(a): 16384 bytes") && missing.stdout.contains("\(b): 8192 bytes"))
        #expect(missing.stderr.contains("/nonexistent/x.rom"))
        let missingJSON = try CLI.run(["info", a, "/nonexistent/x.rom", "--json"])
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(missingJSON.stdout.utf8)) as? [[String: Any]])
        #expect(missingJSON.status == 2 && objects.count == 2 && (objects[1]["error"] as? [String: Any])?["code"] as? String == "ENOENT", "\(objects)")

        let d = try CLI.run(["info", Repository.roms])
        #expect(d.status == 2 && d.stderr.contains("vbios verify \(Repository.roms)") && !d.stderr.contains("EISDIR"), "\(d.stderr)")
    }

    @Test func verifyOfAFolderSkipsWhatIsNotAROMAndStrictFailsIt() throws {
        let dir = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["amd", "trailing-junk", "bad-checksum"] {
            try FileManager.default.copyItem(atPath: CLI.fixture(name), toPath: dir + "/" + name + ".rom")
        }
        try "file\tsha256\namd.rom\t0\n".write(toFile: dir + "/MANIFEST.tsv", atomically: false, encoding: .utf8)
        try Data((0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }).write(to: URL(fileURLWithPath: dir + "/noise.bin"))
        try FileManager.default.removeItem(atPath: dir + "/bad-checksum.rom")

        let r = try CLI.run(["verify", dir])
        #expect(r.status == 0, "\(r.stdout)")
        #expect(r.stdout.contains("SKIP  \(dir)/MANIFEST.tsv: not a ROM: text"))
        #expect(r.stdout.contains("SKIP  \(dir)/noise.bin: not a ROM"))
        #expect(r.stdout.contains("4 files: 1 ok, 1 note, 0 fail, 0 unreadable, 2 skipped"), "\(r.stdout)")
        let json = try CLI.run(["verify", "--json", dir])
        let summary = try #require((json.stdout.split(separator: "\n").last.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } as? [String: Any])?["summary"] as? [String: Any])
        #expect(summary["skipped"] as? Int == 2 && summary["files"] as? Int == 4)

        let strict = try CLI.run(["verify", "--strict", dir])
        #expect(strict.status == 1 && strict.stdout.contains("FAIL  \(dir)/MANIFEST.tsv"), "\(strict.stdout)")
        // A file named on the command line is checked, not skipped.
        #expect(try CLI.run(["verify", dir + "/MANIFEST.tsv"]).status == 1)
        // A ROM that is damaged still fails: it has the signature.
        try FileManager.default.copyItem(atPath: CLI.fixture("bad-checksum"), toPath: dir + "/bad.rom")
        #expect(try CLI.run(["verify", dir]).status == 1)
    }

    @Test func verifyPrintsOneLinePerFileWithTheFindingsIndentedUnderIt() throws {
        let r = try CLI.run(["verify", CLI.fixture("trailing-junk"), CLI.fixture("amd")])
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let at = try #require(lines.firstIndex { $0.hasPrefix("NOTE  ") })
        #expect(!lines[at].contains("trailing-data"), "the finding is on a line of its own: \(lines[at])")
        #expect(lines[at + 1].hasPrefix("      warning trailing-data at 0x2000: "), "\(lines)")
        #expect(lines[at + 2].hasPrefix("OK    "))
    }

    @Test func verifyReadsADeviceAsInfoDoes() throws {
        let r = try CLI.run(["verify", "01:00.0", "--sysfs", Self.radeon])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        // The fake card's ROM carries ATI's signature and part number but no ATOM table (it is
        // summarised as a pre-ATOM BIOS); what matters here is that the device's ROM was verified.
        #expect(r.stdout.hasPrefix("OK    0000:01:00.0 (sysfs): 1 image (x86), ") && r.stdout.contains("113-C2260100-101"), "\(r.stdout)")
        let missing = try CLI.run(["verify", "07:00.0", "--sysfs", Self.radeon])
        #expect(missing.status == 2 && missing.stdout.contains("no PCI device"))
        let malformed = try CLI.run(["verify", "zz:00.0", "--json"])
        #expect(malformed.status == 2 && malformed.stdout.contains("\"bad-address\""), "as info: \(malformed.stdout)")
    }

    @Test func diffAndPatchTakeAnAddressWhereAROMGoes() throws {
        let host = try FakeHost("radeon-hd7850")
        defer { host.remove() }
        let dumped = host.dir + "/card.rom"
        #expect(try CLI.run(["dump", "01:00.0", "-o", dumped, "--sysfs", host.root]).status == 0)
        let same = try CLI.run(["diff", "01:00.0", dumped, "--sysfs", host.root])
        #expect(same.status == 0 && same.stdout.contains("A: 0000:01:00.0 (sysfs)") && same.stdout.contains("identical"), "\(same.stdout)\(same.stderr)")
        let other = try CLI.run(["diff", dumped, "01:00.0", "--sysfs", host.root])
        #expect(other.status == 0)
        let patched = try CLI.run(["patch", "01:00.0", "--pad-to", "64K", "-o", host.dir + "/padded.rom", "--sysfs", host.root])
        #expect(patched.status == 0, "\(patched.stderr)")
        #expect(Self.bytes(host.dir + "/padded.rom")?.count == 65536)
        #expect(Self.bytes(host.dir + "/padded.rom")?.prefix(0xE000) == Self.bytes(dumped)?.prefix(0xE000))
    }

    // MARK: output

    @Test func diffOfROMsForDifferentDevicesSaysSoAndCallsNonePristine() throws {
        let r = try CLI.run(["diff", CLI.fixture("amd"), CLI.fixture("intel")])
        #expect(r.status == 1)
        #expect(r.stdout.hasPrefix("different devices: A is a ROM for 1002:1636, B for 8086:1912"), "\(r.stdout)")
        #expect(!r.stdout.contains("is the pristine one"))
        let j = try CLI.run(["diff", CLI.fixture("amd"), CLI.fixture("intel"), "--json"])
        let top = try #require(try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        #expect(top["differentDevices"] as? Bool == true)
        #expect((top["verdict"] as? [String: Any])?["pristine"] is NSNull)
    }

    @Test func prepareWarnsBeforeTheAcceptanceOfTheChosenFirmwareOnly() throws {
        let host = try FakeHost("radeon-hd7850")
        defer { host.remove() }
        // stdout and stderr in one stream, in the order written.
        let r = try Self.sh("\"$V\" prepare 01:00.0 --for qemu --out-dir '\(host.dir)/vm' --sysfs '\(host.root)' 2>&1")
        #expect(r.status == 0, "\(r.out)")
        let warning = try #require(r.out.range(of: "warning: The ROM holds no X64 EFI image"), "\(r.out)")
        let accepts = try #require(r.out.range(of: "QEMU vfio-pci: accepts bios.bin"))
        #expect(warning.lowerBound < accepts.lowerBound, "\(r.out)")
        #expect(!r.out.contains("SeaBIOS: accepts"), "a UEFI guest runs no SeaBIOS: \(r.out)")
        let bios = try Self.sh("\"$V\" prepare 01:00.0 --for qemu --firmware bios --out-dir '\(host.dir)/vm2' --sysfs '\(host.root)' 2>&1")
        #expect(bios.status == 0 && bios.out.contains("SeaBIOS: accepts bios.bin"), "\(bios.out)")
    }

    @Test func infoSaysNotCompressedAndArticlesFitTheWord() throws {
        let r = try CLI.run(["info", CLI.fixture("legacy-efi")])
        #expect(r.stdout.contains("X64, not compressed,") && !r.stdout.contains(", none,"), "\(r.stdout)")
        let dir = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let p = try CLI.run(["patch", CLI.fixture("intel"), "--set-ids", "10de:1234", "-o", dir + "/x.rom"])
        #expect(p.stderr.contains("it is an Intel ROM") && !p.stderr.contains("a Intel"), "\(p.stderr)")
        let q = try CLI.run(["patch", CLI.fixture("amd"), "--set-ids", "8086:1234", "-o", dir + "/x.rom"])
        #expect(q.stderr.contains("an AMD ROM") && q.stderr.contains("on an 8086 card"), "\(q.stderr)")
    }
}

/// The man pages' EXIT STATUS comes from the same definitions as `--help`'s: Tools/man-pages.py
/// (run by Tools/install.sh on generate-manual's pages) moves each command's statuses from its
/// discussion into the section where generate-manual writes "0 on success, >0 on error". The page
/// is built here as generate-manual builds it (the discussion from `--experimental-dump-help`) and
/// rendered by man; Tools/package-test.sh checks the installed pages too.
@Suite struct ManPageExitStatusTests {
    @Test(arguments: ["verify", "diff", "prepare", "doctor"])
    func eachPageListsItsCommandsStatuses(command: String) throws {
        let dump = try CLI.run(["--experimental-dump-help"])
        let top = try #require((try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])?["command"] as? [String: Any])
        let sub = try #require((top["subcommands"] as? [[String: Any]])?.first { $0["commandName"] as? String == command })
        let discussion = try #require(sub["discussion"] as? String)
        let dir = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let page = """
            .Dd December 7, 2026
            .Dt VBIOS.\(command.uppercased()) 1
            .Os
            .Sh NAME
            .Nm vbios \(command)
            .Nd test
            .Sh DESCRIPTION
            \(discussion)
            .Sh "EXIT STATUS"
            .Ex -std
            """
        try page.write(toFile: dir + "/vbios.\(command).1", atomically: false, encoding: .utf8)
        let py = try HostCLI.run([Repository.root + "/Tools/man-pages.py", dir], "/usr/bin/env")
        #expect(py.status == 0, "\(py.err)")
        let out = try #require(FileManager.default.contents(atPath: dir + "/vbios-\(command).1").map { String(decoding: $0, as: UTF8.self) })
        #expect(!out.contains(".Ex -std"))
        let section = try #require(out.components(separatedBy: ".Sh \"EXIT STATUS\"\n").dropFirst().first)
        let help = try CLI.run([command, "--help"]).stdout
        let codes = help.components(separatedBy: "EXIT STATUS:\n")[1].split(separator: "\n").prefix { $0.hasPrefix("  ") }
            .compactMap { $0.split(separator: " ").first.map(String.init) }
        #expect(codes.count >= 3)
        for code in codes { #expect(section.contains(".It \(code)\n"), "\(command): no \(code) in \(section)") }
        // The statuses left the description (they are in their own section now).
        #expect(out.components(separatedBy: "EXIT STATUS").count == 2, "\(out)")
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/man") {
            let r = try HostCLI.run(["-c", "MANWIDTH=100 man -l '\(dir)/vbios-\(command).1' 2>/dev/null | sed -n '/^EXIT STATUS/,$p'"], "/bin/sh")
            #expect(r.out.contains("     1       ") || r.out.contains("     0       "), "\(r.out)")
            #expect(!r.out.contains("if an error occurs"))
        }
    }
}
