import Foundation
import Testing
import TestSupport

/// `ROMReader`'s typed failures as the CLI reports them: the message kept, a JSON code by kind.
@Suite struct ROMReadErrorCLITests {
    func jsonError(_ args: [String]) throws -> (status: Int32, code: String?, message: String) {
        let r = try HostCLI.run(args + ["--json"])
        let object = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any]
        let error = object?["error"] as? [String: Any]
        return (r.status, error?["code"] as? String, error?["message"] as? String ?? r.out)
    }

    /// A function without a ROM resource: vbios declines before reading (`refused`).
    @Test func nothingToReadIsRefused() throws {
        let e = try jsonError(["dump", "01:00.1", "-o", "/tmp/never-written.rom", "--sysfs", Repository.hosts + "/radeon-hd7850"])
        #expect(e.status == 2 && e.code == "refused" && e.message.contains("no ROM resource"), "\(e)")
    }

    /// Every source read, none gave an image: `rom-read`, with the source's own sentence.
    @Test func nothingReadIsARomReadError() throws {
        let tmp = try FakeHost("radeon-hd7850").dir
        defer { try? FileManager.default.removeItem(atPath: tmp) }
                let rom = tmp + "/host/devices/pci0000:00/0000:00:01.0/0000:01:00.0/rom"
        try Data(repeating: 0xFF, count: 4096).write(to: URL(fileURLWithPath: rom))
        let e = try jsonError(["dump", "01:00.0", "-o", tmp + "/card.rom", "--sysfs", tmp + "/host"])
        #expect(e.status == 2 && e.code == "rom-read" && e.message.contains(tmp + "/host/bus/pci/devices/0000:01:00.0/rom holds no option ROM image"), "\(e)")
        #expect(!FileManager.default.fileExists(atPath: tmp + "/card.rom"))
    }
}
