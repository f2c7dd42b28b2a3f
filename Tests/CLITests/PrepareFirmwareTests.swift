import Foundation
import Testing
import TestSupport

/// `prepare --firmware` and `--retarget`, end to end on the Radeon host (only read: --rom is a file).
@Suite struct PrepareFirmwareTests {
    let stdvga = "/usr/share/seabios/vgabios-stdvga.bin"   // legacy only, 1234:1111

    func prepare(_ extra: [String], target: String = "qemu") throws -> (HostCLI.Result, [String: Any]?) {
        let out = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try HostCLI.run(["prepare", "01:00.0", "--for", target, "--rom", stdvga, "--retarget", "--sysfs", PrepareFixture.radeon,
                                 "--out", out + "/o", "--json"] + extra)
        return (r, r.status == 0 ? try HostCLI.json(r) as? [String: Any] : nil)
    }

    func codes(_ j: [String: Any]?) -> [String] { ((j?["notes"] as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String } }

    @Test func uefiIsQEMUsDefaultAndALegacyOnlyROMGetsNoEFIImage() throws {
        let (r, j) = try prepare([])
        #expect(r.status == 0, "\(r.err)")
        #expect(j?["firmware"] as? String == "uefi" && codes(j).contains("no-efi-image"), "\(codes(j))")
        let note = ((j?["notes"] as? [[String: Any]]) ?? []).first { $0["code"] as? String == "no-efi-image" }
        #expect((note?["message"] as? String)?.contains("--add-efi") == true)
    }

    @Test func biosHasNoEFINote() throws {
        let (r, j) = try prepare(["--firmware", "bios"])
        #expect(r.status == 0, "\(r.err)")
        #expect(j?["firmware"] as? String == "bios" && !codes(j).contains("no-efi-image"), "\(codes(j))")
    }

    @Test func xenIsBIOSAndRefusesUEFI() throws {
        let (r, j) = try prepare([], target: "xen")
        #expect(r.status == 0 && j?["firmware"] as? String == "bios", "\(r.err)")
        let (u, _) = try prepare(["--firmware", "uefi"], target: "xen")
        // With --json the error is a JSON object on stdout (issue 15), not text on stderr.
        #expect(u.status != 0 && u.out.contains("--for qemu") && u.out.contains("\"error\""), "\(u.out)")
    }
}
