import Foundation
import Testing
import TestSupport

/// `--sysfs` keeps every device read inside the fake tree: the real /dev/mem is opened only when
/// `--dev-mem` names it. strace (the kernel's record of the process's opens) is the judge.
@Suite(.serialized) struct DevMemCLITests {
    static let strace = "/usr/bin/strace"
    static var isCI: Bool { Prerequisite.isCI }  // the one rule (TestSupport's Prerequisite)

    /// The paths the command opened, from strace's log.
    static func opens(_ args: [String]) throws -> (HostCLI.Result, [String]) {
        let dir = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try HostCLI.run(["-f", "-qq", "-e", "trace=open,openat,openat2", "-o", dir + "/log", HostCLI.binary] + args, strace)
        let log = try String(contentsOfFile: dir + "/log", encoding: .utf8)
        let paths = log.split(separator: "\n").compactMap { line -> String? in
            guard let a = line.firstIndex(of: "\""), let b = line[line.index(after: a)...].firstIndex(of: "\"") else { return nil }
            return String(line[line.index(after: a)..<b])
        }
        return (r, paths)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: strace) || isCI, "strace is absent (a failure when CI=true)"))
    func aFakeTreeNeverOpensTheRealDevMem() throws {
        let out = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: out) }
        // The boot VGA device: auto would read the 0xC0000 shadow through physical memory.
        for args in [["dump", "00:02.0", "--sysfs", Repository.hosts + "/intel-igd", "-o", out + "/a.rom"],
                     ["info", "00:02.0", "--sysfs", Repository.hosts + "/intel-igd"],
                     ["dump", "00:02.0", "--sysfs", Repository.hosts + "/intel-igd", "--source", "shadow", "-o", out + "/b.rom"]] {
            let (r, paths) = try Self.opens(args)
            #expect(!paths.contains("/dev/mem"), "\(args): opened /dev/mem")
            #expect(!r.err.contains("cannot open /dev/mem"), "\(args): \(r.err)")
        }
        // Named, it is opened (the judge sees opens at all).
        let (_, named) = try Self.opens(["dump", "00:02.0", "--sysfs", Repository.hosts + "/intel-igd", "--dev-mem", "/dev/mem", "-o", out + "/c.rom"])
        #expect(named.contains("/dev/mem"))
    }

    @Test(.enabled(if: OptimusHost.present || isCI, "../shared/firmware/acpi-zenbook-ux563fd is absent (a failure when CI=true)"))
    func dumpReadsTheACPIImageOfAnOptimusLaptop() throws {
        let h = try OptimusHost()
        defer { h.remove() }
        let out = h.host.dir + "/card.rom"
        let r = try HostCLI.run(["dump", "03:00.0", "--sysfs", h.root, "--dev-mem", h.memory, "--dev-mem-base",
                                 String(OptimusHost.memoryBase, radix: 16), "-o", out, "--json"])
        #expect(r.status == 0, "\(r.err)")
        let j = try HostCLI.json(r) as? [String: Any]
        #expect(j?["source"] as? String == "acpi-rom")
        let acpi = j?["acpi"] as? [String: Any]
        #expect(acpi?["method"] as? String == "\\_SB_.PCI0.RP05.PEGP._ROM" && acpi?["baseField"] as? String == "\\NVHA")
        #expect(acpi?["baseFieldAddress"] as? Int == Int(OptimusHost.nvhaAddress) && acpi?["base"] as? Int == Int(OptimusHost.nvha))
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: out))) == h.image)
        // prepare records the source it used, with the ACPI steps.
        let prep = try HostCLI.run(["prepare", "03:00.0", "--for", "qemu", "--sysfs", h.root, "--dev-mem", h.memory, "--dev-mem-base",
                                    String(OptimusHost.memoryBase, radix: 16), "--out", h.host.dir + "/out", "--json"])
        let romSource = (try? HostCLI.json(prep) as? [String: Any])??["romSource"] as? String
        #expect(romSource?.hasPrefix("acpi-rom") == true && romSource?.contains("\\NVHA (SSDT7)") == true, "\(prep.out) \(prep.err)")
        // Without --dev-mem the fake tree reads no memory: acpi-rom says so, and nothing is written.
        let off = try HostCLI.run(["dump", "03:00.0", "--sysfs", h.root, "-o", h.host.dir + "/none.rom"])
        #expect(off.status != 0 && off.err.contains("no physical memory"), "\(off.err)")
    }

    /// A node whose tables declare no _ROM: the step is named, with the next steps worded by the CLI.
    @Test(.enabled(if: OptimusHost.present || isCI, "../shared/firmware/acpi-zenbook-ux563fd is absent (a failure when CI=true)"))
    func anUnresolvedROMNamesTheStepAndTheNextOnes() throws {
        let h = try OptimusHost(node: "\\_SB_.PCI0.GFX0")
        defer { h.remove() }
        let r = try HostCLI.run(["dump", "03:00.0", "--sysfs", h.root, "--dev-mem", h.memory, "--dev-mem-base",
                                 String(OptimusHost.memoryBase, radix: 16), "-o", h.host.dir + "/card.rom"])
        #expect(r.status == 2)
        #expect(r.err.contains("step findMethod") && r.err.contains("\\_SB_.PCI0.GFX0"), "\(r.err)")
        #expect(r.err.contains("--source driver") && r.err.contains("--rom-from"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: h.host.dir + "/card.rom"))
    }
}
