import Foundation
import Passthrough
import PCIHost
import Testing
import TestSupport

/// `doctor` on a laptop dGPU with no ROM BAR: it reads the ACPI _ROM image and says which of the
/// fallback sources the host offers.
@Suite(.enabled(if: OptimusHost.present || ProcessInfo.processInfo.environment["CI"] == "true",
                "../shared/firmware/acpi-zenbook-ux563fd is absent (a failure when CI=true)"))
struct ACPIROMDoctorTests {
    func romReadable(_ h: OptimusHost) throws -> DoctorCheck {
        let doctor = HostDoctor(host: HostRoot(h.host.dir), target: .qemu,
                                memory: PhysicalMemory(path: h.memory, base: OptimusHost.memoryBase))
        let checks = try doctor.run(address: try PCIAddress(parsing: OptimusHost.address))
        return try #require(checks.first { $0.id == .romReadable })
    }

    @Test func offersAndReadsTheACPIImage() throws {
        let h = try OptimusHost(leaf: "sys")
        defer { h.remove() }
        let c = try romReadable(h)
        #expect(c.status == .ok && c.message.contains("readable now from acpi-rom"), "\(c.message)")
        #expect(c.message.contains("this host offers acpi-rom"), "\(c.message)")
        try h.addDriverCopy("nouveau", image: h.image)
        #expect(try romReadable(h).message.contains("this host offers acpi-rom and driver"))
    }
}
