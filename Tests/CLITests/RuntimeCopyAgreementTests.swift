import Foundation
import Testing
import TestSupport

/// `doctor`, `prepare` and `dump` say the same about a runtime (shadow) copy, for every target:
/// the one rule, RuntimeCopyRule, seen from the outside.
@Suite(.serialized) struct RuntimeCopyAgreement {
    func romReadable(_ root: String, _ address: String, _ target: String, _ extra: [String] = []) throws -> String? {
        let r = try HostCLI.run(["doctor", address, "--for", target, "--root", root, "--json"] + extra)
        let checks = try #require((try HostCLI.json(r) as? [String: Any])?["checks"] as? [[String: Any]])
        return checks.first { $0["id"] as? String == "rom-readable" }?["status"] as? String
    }

    /// The second-card host's boot display: a discrete NVIDIA card, no ROM BAR, so only its
    /// runtime copy can be read.
    @Test func aDiscreteBootDisplayIsUsableForXenAndRefusedForQEMU() throws {
        let root = try DoctorPersistTests.fakeRoot("second-card")
        defer { try? FileManager.default.removeItem(atPath: root) }
        for (target, usable) in [("xen", true), ("qemu", false), ("libvirt", false)] {
            let doctor = try romReadable(root, "01:00.0", target)
            let out = root + "/prep-" + target
            let p = try HostCLI.run(["prepare", "01:00.0", "--for", target, "--out", out, "--sysfs", root + "/sys", "--json"])
            if usable {
                #expect(doctor == "warn" && p.status == 0, "\(target): doctor \(doctor ?? "-"), prepare \(p.status) \(p.out)\(p.err)")
                #expect(p.err.contains("runtime copy") && FileManager.default.fileExists(atPath: out + "/bios.bin"))
            } else {
                let e = (try? HostCLI.json(p) as? [String: Any])?["error"] as? [String: Any]
                #expect(doctor == "fail" && p.status == 1 && e?["code"] as? String == "runtime-copy", "\(target): doctor \(doctor ?? "-"), prepare \(p.status) \(p.out)")
                #expect(!FileManager.default.fileExists(atPath: out + "/bios.bin"))
                let anyway = try HostCLI.run(["prepare", "01:00.0", "--for", target, "--out", out, "--sysfs", root + "/sys", "--allow-broken"])
                #expect(anyway.status == 0 && anyway.err.contains("used anyway") && FileManager.default.fileExists(atPath: out + "/bios.bin"), "\(anyway.err)")
            }
        }
        // Kept as a file, for no consumer: written, with the note.
        let d = try HostCLI.run(["dump", "01:00.0", "-o", root + "/boot.rom", "--sysfs", root + "/sys"])
        #expect(d.status == 0 && d.err.contains("keep it for study") && d.err.contains("SHADOW COPY"), "\(d.err)")
    }

    /// An integrated GPU: its VGA BIOS lives only in the system firmware, so its copy is usable
    /// for every target, and prepare repairs the checksum the BIOS broke by running.
    @Test func anIntegratedGPUsCopyIsUsableEverywhere() throws {
        let root = try DoctorPersistTests.fakeRoot("intel-igd")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let mem = ["--dev-mem", root + "/sys/dev-mem", "--dev-mem-base", "0xc0000"]
        for target in ["xen", "qemu", "libvirt"] {
            #expect(try romReadable(root, "00:02.0", target, mem) == "warn", "\(target)")
            let p = try HostCLI.run(["prepare", "00:02.0", "--for", target, "--out", root + "/prep-" + target, "--sysfs", root + "/sys"] + mem)
            #expect(p.status == 0 && p.err.contains("integrated GPU"), "\(target): \(p.err)")
        }
    }
}

/// Every command that writes a ROM refuses one whose verdict is fail, unless --allow-broken.
@Suite struct BrokenROMsAreNotWritten {
    @Test func patchKeepsABrokenInputUnwritten() throws {
        let tmp = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let rom = Repository.roms + "/bad-checksum.rom"
        let refused = try HostCLI.run(["patch", rom, "--truncate", "-o", tmp + "/t.rom", "--json"])
        let e = (try HostCLI.json(refused) as? [String: Any])?["error"] as? [String: Any]
        #expect(refused.status == 1 && e?["code"] as? String == "broken-rom" && (e?["message"] as? String)?.contains("checksum-mismatch") == true)
        #expect(!FileManager.default.fileExists(atPath: tmp + "/t.rom"))
        #expect(try HostCLI.run(["patch", rom, "--truncate", "-o", tmp + "/t.rom", "--allow-broken"]).status == 0)
        #expect(try HostCLI.run(["patch", rom, "--fix-checksum", "-o", tmp + "/f.rom"]).status == 0)
        // The written file's verdict, by `verify` (a separate run): fail with --allow-broken, ok repaired.
        #expect(try HostCLI.run(["verify", tmp + "/t.rom"]).status == 1 && HostCLI.run(["verify", tmp + "/f.rom"]).status == 0)
    }
}
