import Foundation
import Testing
import TestSupport

/// Command-line values are parsed by their types (Sources/vbios/Arguments.swift) and mistakes are
/// caught before anything runs: ArgumentParser's message with the reason, the usage, exit 64.
@Suite struct ArgumentCLITests {
    let radeon = Repository.hosts + "/radeon-hd7850"

    @Test(arguments: [
        (["patch", "FIXTURE", "--set-ids", "10de", "--dry-run"], "--set-ids", "VVVV:DDDD"),
        (["patch", "FIXTURE", "--set-ids", "10de:1b80:1", "--dry-run"], "--set-ids", "VVVV:DDDD"),
        (["patch", "FIXTURE", "--extract", "second", "--dry-run"], "--extract", "legacy, efi, or an image index"),
        (["patch", "FIXTURE", "--checksum-byte", "middle", "--fix-checksum", "--dry-run"], "--checksum-byte", "auto, last"),
        (["patch", "FIXTURE", "--pad-to", "0", "--dry-run"], "--pad-to", "a size such as"),
        (["patch", "FIXTURE", "--pad-to", "32M", "--dry-run"], "--pad-to", "16M or less"),
        (["patch", "FIXTURE", "--rom-bar", "big", "--fix-checksum", "--dry-run"], "--rom-bar", "a size such as"),
        (["patch", "FIXTURE", "--dry-run"], "no operation given", "--fix-checksum"),
        (["patch", "FIXTURE", "--fix-checksum"], "-o OUT", "--dry-run"),
        (["diff", "FIXTURE", "FIXTURE", "--shadow", "c"], "--shadow", "'a' and 'b'"),
        (["dump", "01:00.0", "-o", "/tmp/never-written.rom", "--dev-mem-base", "zz", "--sysfs", "RADEON"], "--dev-mem-base", "hex address"),
        (["doctor", "01:00.0", "--dev-mem-base", "0xg"], "--dev-mem-base", "hex address"),
        (["dump", "1:00.0", "-o", "/tmp/never-written.rom", "--sysfs", "RADEON"], "not a PCI address", "DDDD:BB:DD.F"),
        (["prepare", "01:00.0", "--for", "qemu", "--out", "/tmp/never-written", "--with", "07:00", "--sysfs", "RADEON"], "--with", "not a PCI address"),
        (["prepare", "01:00.0", "--for", "xen", "--firmware", "uefi", "--out", "/tmp/never-written", "--sysfs", "RADEON"], "--for qemu", "libvirt"),
        (["prepare", "01:00.0", "--for", "qemu", "--rom", "a.rom", "--rom-from", "b.bin", "--out", "/tmp/never-written", "--sysfs", "RADEON"], "--rom-from", "give one"),
        (["persist", "01:00.0:0", "--to", "vfio-pci"], "not a PCI address", "DDDD:BB:DD.F"),
        (["bind", "--to", "vfio-pci", "--dry-run", "--sysfs", "RADEON"], "Missing expected argument", "<addresses>"),
        (["unbind", "01:00.0", "zz", "--dry-run", "--sysfs", "RADEON"], "not a PCI address", "DDDD:BB:DD.F"),
    ])
    func badValuesExit64WithTheUsage(_ args: [String], _ first: String, _ second: String) throws {
        let argv = args.map { $0 == "FIXTURE" ? CLI.fixture("amd") : $0 == "RADEON" ? radeon : $0 }
        let r = try HostCLI.run(argv)
        #expect(r.status == 64, "\(args): \(r.status) \(r.err)")
        #expect(r.err.contains(first) && r.err.contains(second), "\(args): \(r.err)")
        #expect(r.err.contains("Usage: vbios \(args[0])"), "\(args): \(r.err)")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never-written.rom") && !FileManager.default.fileExists(atPath: "/tmp/never-written"))
        // With --json the same mistake is a `usage` error object on stdout, with the same status.
        let j = try HostCLI.run(argv + ["--json"])
        #expect(j.status == 64)
        let object = try JSONSerialization.jsonObject(with: Data(j.out.utf8)) as? [String: Any]
        let error = try #require(object?["error"] as? [String: Any], "\(args): \(j.out)")
        #expect(error["code"] as? String == "usage" && (error["message"] as? String)?.contains(first) == true, "\(error)")
    }

    /// A value ArgumentParser echoes back is cut, so a huge argument is not printed whole.
    @Test func aHugeValueIsNotEchoedWhole() throws {
        let huge = String(repeating: "9", count: 100_000)
        let r = try HostCLI.run(["patch", CLI.fixture("amd"), "--pad-to", huge, "--dry-run"])
        #expect(r.status == 64 && r.err.contains("100000 characters") && r.err.count < 2000, "\(r.err.prefix(500))")
    }

    /// Good values of the same types still work.
    @Test func goodValuesParse() throws {
        let r = try HostCLI.run(["patch", CLI.fixture("amd"), "--set-ids", "1002:1636", "--extract", "legacy", "--checksum-byte", "0x21",
                                 "--pad-to", "64K", "--rom-bar", "128K", "--dry-run", "--json"])
        #expect(r.status == 0, "\(r.err)")
        let object = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any]
        #expect(object?["size"] as? Int == 65536, "\(r.out.prefix(300))")
    }
}
