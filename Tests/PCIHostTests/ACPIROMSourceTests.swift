import ACPI
import Foundation
import Testing
import TestSupport
@testable import PCIHost
import SystemIO
import Synchronization

/// The acpi-rom and driver sources on a fake Optimus laptop built from a real one's ACPI tables.
@Suite(.enabled(if: OptimusHost.present || ProcessInfo.processInfo.environment["CI"] == "true",
                "../shared/firmware/acpi-zenbook-ux563fd is absent (a failure when CI=true)"))
struct ACPIROMSourceTests {
    func device(_ h: OptimusHost) throws -> PCIDevice {
        try PCIDevice.load(try PCIAddress(parsing: OptimusHost.address), root: SysfsRoot(h.root))
    }

    @Test func autoFallsBackToTheACPIImageAtNVHA() throws {
        let h = try OptimusHost()
        defer { h.remove() }
        let reader = ROMReader(root: SysfsRoot(h.root), memory: PhysicalMemory(path: h.memory, base: OptimusHost.memoryBase))
        let d = try device(h)
        #expect(try reader.sources(for: d).isEmpty, "no rom: nothing before the fallbacks")
        let rom = try reader.read(d)
        #expect(rom.choice.kept.source.name == "acpi-rom")
        #expect(rom.bytes == h.image)
        let (_, p) = try ACPIROMSource(root: SysfsRoot(h.root), address: d.address,
                                       memory: PhysicalMemory(path: h.memory, base: OptimusHost.memoryBase)).locate()
        #expect(p.base == OptimusHost.nvha && p.imageAddress == OptimusHost.nvha + 0x20 && p.length == h.image.count)
        guard case let .region(r) = p.resolution, case let .field(f) = r.base else { Issue.record("\(p.resolution)"); return }
        #expect(f.address == OptimusHost.nvhaAddress && f.table == "SSDT7" && r.method.table == "SSDT3")
        // NVHA left 0 (the firmware did not fill it): said so, nothing read at address 0.
        var mem = [UInt8](try Data(contentsOf: URL(fileURLWithPath: h.memory)))
        let at = Int(OptimusHost.nvhaAddress - OptimusHost.memoryBase)
        mem.replaceSubrange(at..<at + 4, with: [0, 0, 0, 0])
        try Data(mem).write(to: URL(fileURLWithPath: h.memory))
        do { _ = try reader.read(d); Issue.record("read with NVHA 0") } catch {
            guard case let .nothingRead(c) = error else { Issue.record("\(error)"); return }
            #expect(c.first?.error?.reason == .acpiBaseZero(field: "\\NVHA", address: OptimusHost.nvhaAddress))
        }
    }

    /// Without physical memory (a fake tree given no file for it) nothing is read from memory at all.
    @Test func noMemoryNoMemoryReads() throws {
        let h = try OptimusHost()
        defer { h.remove() }
        let touched = Mutex<[String]>([])
        let io = HostIO(read: HostIO.live.read, write: HostIO.live.write, readMemory: { path, _, _ throws(PhysicalMemoryError) in
            touched.withLock { $0.append(path) }
            throw .open(errno: EACCES)
        })
        let failure = HostIO.$current.withValue(io) { () -> ROMReadError? in
            do { _ = try ROMReader(root: SysfsRoot(h.root), memory: nil).read(try device(h)); return nil } catch {
                guard case let .nothingRead(c) = error as? ROMReader.Failure else { return nil }
                return c.first { $0.source.name == "acpi-rom" }?.error
            }
        }
        #expect(failure?.reason == .memoryOff)
        #expect(touched.withLock { $0 }.isEmpty)
    }

    @Test func aNodeWithoutROMSaysWhichStepAndWhatToTry() throws {
        let h = try OptimusHost(node: "\\_SB_.PCI0.GFX0")
        defer { h.remove() }
        let src = ACPIROMSource(root: SysfsRoot(h.root), address: try PCIAddress(parsing: OptimusHost.address),
                                memory: PhysicalMemory(path: h.memory, base: OptimusHost.memoryBase))
        do { _ = try src.read(); Issue.record("read") } catch let e as ROMReadError {
            guard case let .acpiUnresolved(_, why) = e.reason else { Issue.record("\(e)"); return }
            #expect(why.step == .findMethod)
            #expect(e.nextSteps == [.driverCopy, .vendorFirmwareImage])
        }
    }

    @Test func theDriverCopyIsMatchedByDevAndSaysWhatItIs() throws {
        let h = try OptimusHost()
        defer { h.remove() }
        try h.addDriverCopy("amdgpu", minor: 0, image: [0x55, 0xAA, 0x01])   // another card's minor first
        try FileManager.default.removeItem(atPath: h.root + "/kernel/debug/dri/0/name")
        try Data("amdgpu dev=0000:01:00.0 unique=0000:01:00.0\n".utf8).write(to: URL(fileURLWithPath: h.root + "/kernel/debug/dri/0/name"))
        try h.addDriverCopy("nouveau", minor: 1, image: h.image)
        let root = SysfsRoot(h.root)
        let d = try device(h)
        let src = DriverCopyROMSource(root: root, address: d.address)
        #expect(try src.find()?.path == h.root + "/kernel/debug/dri/1/vbios.rom")
        let rom = try ROMReader(root: root, memory: nil).read(d, request: .driver)
        #expect(rom.bytes == h.image && rom.choice.kept.source.isDriverCopy)
        #expect(rom.layout.findings.contains { $0.code == .driverCopy })
        #expect(ROMReader(root: root, memory: nil).offeredFallbacks(for: d) == ["acpi-rom", "driver"])
    }

    /// A display device given the boot display's shadow as its `rom` (boot_vga 0) is refused that
    /// copy, and its own image behind ACPI is read instead.
    @Test func aShadowedSecondDisplayFallsBackToACPI() throws {
        let h = try OptimusHost()
        defer { h.remove() }
        let igd = try FakeHost("intel-igd", as: "igd", into: h.host.dir)
        let dev = igd.root + "/devices/pci0000:00/0000:00:02.0"
        try "0\n".write(toFile: dev + "/boot_vga", atomically: false, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: dev + "/firmware_node", withIntermediateDirectories: true)
        try (OptimusHost.node + "\n").write(toFile: dev + "/firmware_node/path", atomically: false, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: igd.root + "/firmware/acpi", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: h.root + "/firmware/acpi/tables", toPath: igd.root + "/firmware/acpi/tables")
        let root = SysfsRoot(igd.root)
        let d = try PCIDevice.load(try PCIAddress(parsing: "00:02.0"), root: root)
        let memory = PhysicalMemory(path: h.memory, base: OptimusHost.memoryBase)
        #expect(throws: ROMReader.Failure.self) { try ROMReader(root: root, memory: memory).sources(for: d) }
        let rom = try ROMReader(root: root, memory: memory).read(d)
        #expect(rom.choice.kept.source.name == "acpi-rom" && rom.bytes == h.image)
    }
}
