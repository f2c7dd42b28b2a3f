import Foundation
import Testing
import TestSupport

/// A VGA device that is not the boot display but carries the 0xC0000 shadow as its ROM resource
/// (x86's pci_fixup_video does that to every decoding VGA on the root bus; the lab's guest-vfio
/// scenario met it with two QEMU VGAs): its `rom` is the boot display's BIOS. Reads that would
/// take it as this card's ROM are refused; `--source shadow` still reads the copy on request.
@Suite struct ShadowedSecondVGA {
    /// intel-igd's tree with 00:02.0's boot_vga turned to 0 (the shadowed resource stays).
    static func tree() throws -> String {
        let tmp = try FakeHost("intel-igd").dir
                try "0\n".write(toFile: tmp + "/host/devices/pci0000:00/0000:00:02.0/boot_vga", atomically: false, encoding: .utf8)
        return tmp
    }

    @Test func dumpAndPrepareRefuseAnotherCardsShadow() throws {
        let tmp = try Self.tree()
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let mem = ["--dev-mem", tmp + "/host/dev-mem", "--dev-mem-base", "0xc0000", "--sysfs", tmp + "/host"]
        for source in ["auto", "sysfs"] {
            let r = try HostCLI.run(["dump", "00:02.0", "-o", tmp + "/card.rom", "--source", source] + mem)
            #expect(r.status != 0 && r.err.contains("boot_vga 0") && r.err.contains("not this card's"), "\(source): \(r.err)")
            #expect(!FileManager.default.fileExists(atPath: tmp + "/card.rom"))
        }
        let p = try HostCLI.run(["prepare", "00:02.0", "--for", "qemu", "--out", tmp + "/prep"] + mem)
        #expect(p.status != 0 && p.err.contains("--rom FILE"), "\(p.err)")
        #expect(!FileManager.default.fileExists(atPath: tmp + "/prep/bios.bin"))
        // Asked for explicitly, the 0xC0000 copy is still read (and called a shadow copy); its
        // checksum no longer holds (the BIOS wrote its data area), so its verdict is fail: not
        // written, exit 1, unless --allow-broken.
        let refused = try HostCLI.run(["dump", "00:02.0", "-o", tmp + "/shadow.rom", "--source", "shadow"] + mem)
        #expect(refused.status == 1 && refused.err.contains("verdict fail") && refused.err.contains("checksum-mismatch"), "\(refused.err)")
        #expect(!FileManager.default.fileExists(atPath: tmp + "/shadow.rom"))
        let s = try HostCLI.run(["dump", "00:02.0", "-o", tmp + "/shadow.rom", "--source", "shadow", "--allow-broken"] + mem)
        #expect(s.status == 0 && s.err.contains("SHADOW COPY") && s.out.contains("Verdict: fail"), "\(s.err)")
    }

    @Test func theBootDisplayItselfStillReads() throws {
        // The untouched tree: boot_vga 1, so its shadow is its own.
        let tmp = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let r = try HostCLI.run(["dump", "00:02.0", "-o", tmp + "/igd.rom", "--sysfs", Repository.hosts + "/intel-igd",
                                 "--dev-mem", Repository.hosts + "/intel-igd/dev-mem", "--dev-mem-base", "0xc0000"])
        #expect(r.status == 0, "\(r.err)")
    }
}
