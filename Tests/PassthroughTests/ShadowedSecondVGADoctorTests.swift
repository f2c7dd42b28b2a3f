import Foundation
import PCIHost
import Testing
import Core
@testable import Passthrough

/// doctor's rom-readable on a VGA device that is not the boot display but carries the 0xC0000
/// shadow as its ROM resource (two decoding VGAs on the root bus; the lab's guest-vfio met it):
/// the ROM there is the boot display's, so the check fails instead of warning "runtime copy".
@Suite struct ShadowedSecondVGADoctor {
    @Test func romReadableFailsOnAnotherCardsShadow() throws {
        let igd = try FakeRoot("intel-igd")
        defer { igd.cleanup() }
        try igd.write("/sys/devices/pci0000:00/0000:00:02.0/boot_vga", "0\n")
        let c = try igd.check(.romReadable, "00:02.0", memory: PhysicalMemory(path: igd.path + "/sys/dev-mem", base: 0xC0000))
        #expect(c.status == .fail && c.message.contains("boot_vga 0") && c.fixes[0].steps.first?.action == .prepareWithROMFile, "\(c.message)")
    }
}
