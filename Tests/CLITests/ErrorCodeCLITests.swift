import Foundation
import TestSupport
import Testing

/// The libraries' typed errors as `--json` reports them: each kind its own code and path, the
/// exit status as without `--json`, the message unchanged.
@Suite struct ErrorCodeCLITests {
    struct JSONError { var status: Int32; var code: String?; var path: String?; var message: String }

    func jsonError(_ args: [String]) throws -> JSONError {
        let r = try HostCLI.run(args + ["--json"])
        let object = try? JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any]
        let error = object?["error"] as? [String: Any]
        return JSONError(status: r.status, code: error?["code"] as? String, path: error?["path"] as? String,
                         message: error?["message"] as? String ?? r.out + r.err)
    }

    static let radeon = Repository.hosts + "/radeon-hd7850"

    /// A missing `--rom FILE` keeps its errno and path (it was `refused` without a path).
    @Test func aMissingROMFileIsENOENTWithItsPath() throws {
        let e = try jsonError(["prepare", "01:00.0", "--for", "qemu", "--rom", "/nonexistent/card.rom", "--sysfs", Self.radeon,
                               "--out", "/tmp/vbios-never-written"])
        #expect(e.status == 2 && e.code == "ENOENT" && e.path == "/nonexistent/card.rom", "\(e)")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/vbios-never-written"))
    }

    /// An address the bus does not have: `no-device`, with the sysfs directory it would be.
    @Test(arguments: [["dump", "05:00.0", "-o", "/tmp/vbios-never.rom"], ["bars", "05:00.0"],
                      ["prepare", "05:00.0", "--for", "xen", "--out", "/tmp/vbios-never-written"]])
    func anAbsentDeviceIsNoDevice(_ args: [String]) throws {
        let e = try jsonError(args + ["--sysfs", Self.radeon])
        #expect(e.status == 2 && e.code == "no-device" && e.path == Self.radeon + "/bus/pci/devices/0000:05:00.0", "\(args): \(e)")
        #expect(e.message.contains("no PCI device 0000:05:00.0"), "\(e)")
    }

    /// Passthrough's refusal of a ROM for another chip: `another-chip`, the file, exit status 1.
    @Test func aROMForAnotherChipIsAnotherChip() throws {
        let rom = "/usr/share/seabios/vgabios-stdvga.bin"
        let e = try jsonError(["prepare", "01:00.0", "--for", "xen", "--rom", rom, "--sysfs", Self.radeon, "--out", "/tmp/vbios-never-written"])
        #expect(e.status == 1 && e.code == "another-chip" && e.path == rom && e.message.contains("--retarget"), "\(e)")
    }

    /// DriverBinding's refusals before any write: their reason as the code, exit status 2.
    @Test func aDriverThatIsNotLoadedIsDriverNotLoaded() throws {
        let e = try jsonError(["bind", "01:00.0", "--to", "vfio-pci", "--dry-run", "--sysfs", Self.radeon])
        #expect(e.status == 2 && e.code == "driver-not-loaded" && e.path == Self.radeon + "/bus/pci/drivers/vfio-pci", "\(e)")
        #expect(e.message.contains("modprobe vfio-pci"))
    }

    /// A file in the way of `dump -o` and `patch -o`: `exists` with its path, as when one appears
    /// during the write; nothing read, the file kept.
    @Test func anOutputInTheWayIsExists() throws {
        let dir = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let kept = dir + "/kept.rom"
        try "mine\n".write(toFile: kept, atomically: false, encoding: .utf8)
        for args in [["dump", "01:00.0", "-o", kept, "--sysfs", Self.radeon],
                     ["patch", "/usr/share/seabios/vgabios-stdvga.bin", "--fix-checksum", "-o", kept]] {
            let e = try jsonError(args)
            #expect(e.status == 2 && e.code == "exists" && e.path == kept && e.message.contains("already exists; pass --force"), "\(args): \(e)")
        }
        #expect(try String(contentsOfFile: kept, encoding: .utf8) == "mine\n")
    }

    /// `info` with neither a file nor an address.
    @Test func infoOfAMalformedAddressIsBadAddress() throws {
        let e = try jsonError(["info", "zz:00.0"])
        #expect(e.status == 2 && e.code == "bad-address" && e.message.contains("is not a PCI address"), "\(e)")
    }

    /// A modprobe.d file vbios did not write: `foreign-file`, its path, left alone.
    @Test func persistOverAForeignFileIsForeignFile() throws {
        let root = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(try HostCLI.run(["-a", Self.radeon, root + "/sys"], "/bin/cp").status == 0)
        try FileManager.default.createDirectory(atPath: root + "/etc/modprobe.d", withIntermediateDirectories: true)
        let file = root + "/etc/modprobe.d/vbios-passthrough.conf"
        try "options vfio-pci ids=10de:1b80\n".write(toFile: file, atomically: false, encoding: .utf8)
        let e = try jsonError(["persist", "01:00.0", "--to", "vfio-pci", "--root", root])
        #expect(e.status == 2 && e.code == "foreign-file" && e.path == file, "\(e)")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "options vfio-pci ids=10de:1b80\n")
    }
}
