import Foundation
import PCIHost
import Testing
import Core
@testable import Passthrough

/// doctor's rom-readable reads through `ROMReader` (read only) and judges its typed failures.
@Suite struct ROMReadableDoctor {
    /// No `rom` attribute and not the boot display: `nothingToRead`, a fail with the next step.
    @Test func noROMResourceFails() throws {
        let radeon = try FakeRoot("radeon-hd7850")
        defer { radeon.cleanup() }
        try FileManager.default.removeItem(atPath: try radeon.device("0000:01:00.0") + "/rom")
        let c = try radeon.check(.romReadable, "01:00.0")
        #expect(c.status == .fail && c.message.contains("has no ROM resource") && c.fixes[0].steps.first == NextStep(.extractROMs), "\(c.message)")
    }

    /// The boot display whose physical memory cannot be opened: both sources fail, neither for
    /// lack of privilege, so the check fails and lists each source's reason.
    @Test func everySourceFailingIsListed() throws {
        let igd = try FakeRoot("intel-igd")
        defer { igd.cleanup() }
        try FileManager.default.removeItem(atPath: try igd.device("0000:00:02.0") + "/rom")
        try Data().write(to: URL(fileURLWithPath: try igd.device("0000:00:02.0") + "/rom"))
        let c = try igd.check(.romReadable, "00:02.0", memory: PhysicalMemory(path: igd.path + "/nonexistent-mem", base: 0xC0000))
        #expect(c.status == .fail && c.message.contains("read back empty") && c.message.contains("cannot open " + igd.path + "/nonexistent-mem"),
                "\(c.message)")
    }
}
