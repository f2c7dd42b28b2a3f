import Foundation
@testable import PCIHost
import SystemIO
import TestSeams
import Testing
import Core
import TestSupport

extension FakeHost {
    /// The copy as the library names a sysfs root.
    var sysfs: SysfsRoot { SysfsRoot(root) }
}

/// Writes the files and plays the kernel's part, as a real sysfs would react: an address written
/// to a driver's `unbind` removes the device's `driver` link; to `drivers_probe`, links it to the
/// driver in `driver_override`; to a driver's `bind`, links it to that driver. `fails` may throw
/// instead, after the write (a device removed mid-bind).
final class ReactingWriter: Sendable {
    let root: SysfsRoot
    let fake: RecordingHostIO
    init(root: SysfsRoot, fails: (@Sendable (String) throws(SystemError) -> Void)? = nil) {
        self.root = root
        var options = RecordingHostIO.Options()
        options.writesReachFiles = true
        fake = RecordingHostIO(options, react: { path, bytes throws(SystemError) in
            try fails?(path)
            Self.react(root, path, bytes)
        })
    }

    var io: HostIO { fake.io }
    var writes: [(String, String)] { fake.writes.map { ($0.path, $0.text) } }

    static func react(_ root: SysfsRoot, _ path: String, _ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let a = try? PCIAddress(parsing: text) else { return }
        let link = root.attribute(a, "driver")
        if path.hasSuffix("/unbind") {
            unlink(link)
        } else if path == root.busPCI + "/drivers_probe" {
            let o = root.readText(a, "driver_override") ?? ""
            if !o.isEmpty, o != "(null)" { unlink(link); symlink(root.busPCI + "/drivers/" + o, link) }
        } else if path.hasSuffix("/bind") {
            let driver = URL(fileURLWithPath: path).deletingLastPathComponent().lastPathComponent
            unlink(link)
            symlink(root.busPCI + "/drivers/" + driver, link)
        }
    }

    /// The writes as "path-relative-to-root <- text".
    var log: [String] { writes.map { String($0.0.dropFirst(root.path.count + 1)) + " <- " + $0.1 } }
}

@Suite struct DriverBindingTests {
    let gpu = PCIAddress(bus: 1, device: 0, function: 0)
    let audio = PCIAddress(bus: 1, device: 0, function: 1)

    @Test func bindAndUnbindRecordAndRestoreEveryFunctionOfTheSlot() throws {
        let host = try FakeHost("radeon-hd7850", as: "sys")
        defer { host.remove() }
        try host.addDriver("vfio-pci")
        let writer = ReactingWriter(root: host.sysfs)
        let binder = DriverBinding(root: host.sysfs, stateDirectory: host.state, io: writer.io)

        // Naming the GPU moves its audio function too.
        let plan = try binder.planBind([gpu], to: .vfioPCI)
        #expect(plan.moves.map(\.address) == [gpu, audio])
        #expect(plan.moves.map(\.previous) == ["radeon", "snd_hda_intel"])
        _ = try binder.execute(plan, binding: true)
        #expect(writer.log == [
            "bus/pci/devices/0000:01:00.0/driver_override <- vfio-pci",
            "bus/pci/devices/0000:01:00.0/driver/unbind <- 0000:01:00.0",
            "bus/pci/drivers_probe <- 0000:01:00.0",
            "bus/pci/devices/0000:01:00.1/driver_override <- vfio-pci",
            "bus/pci/devices/0000:01:00.1/driver/unbind <- 0000:01:00.1",
            "bus/pci/drivers_probe <- 0000:01:00.1",
        ])
        #expect(host.sysfs.linkName(gpu, "driver") == "vfio-pci")
        #expect(host.sysfs.linkName(audio, "driver") == "vfio-pci")
        #expect(binder.recordedDriver(gpu) == "radeon")
        #expect(binder.recordedDriver(audio) == "snd_hda_intel")
        #expect(try String(contentsOfFile: binder.stateFile(gpu), encoding: .utf8) == "radeon\n")

        // Binding again does nothing.
        #expect(try binder.planBind([audio], to: .vfioPCI).moves.allSatisfy { $0.skipped != nil })

        writer.fake.clearWrites()
        let back = try binder.planUnbind([audio])
        _ = try binder.execute(back, binding: false)
        #expect(writer.log == [
            "bus/pci/devices/0000:01:00.0/driver_override <- \n",
            "bus/pci/devices/0000:01:00.0/driver/unbind <- 0000:01:00.0",
            "bus/pci/drivers/radeon/bind <- 0000:01:00.0",
            "bus/pci/devices/0000:01:00.1/driver_override <- \n",
            "bus/pci/devices/0000:01:00.1/driver/unbind <- 0000:01:00.1",
            "bus/pci/drivers/snd_hda_intel/bind <- 0000:01:00.1",
        ])
        #expect(host.sysfs.linkName(gpu, "driver") == "radeon")
        #expect(host.sysfs.linkName(audio, "driver") == "snd_hda_intel")
        #expect(binder.recordedDriver(gpu) == nil, "the record is removed once restored")
    }

    @Test func aFailureOnTheSecondFunctionRollsTheFirstBack() throws {
        let host = try FakeHost("radeon-hd7850", as: "sys")
        defer { host.remove() }
        try host.addDriver("vfio-pci")
        // The audio function's driver_override cannot be written: make it a folder.
        let override = host.sysfs.attribute(audio, "driver_override")
        try FileManager.default.removeItem(atPath: override)
        try FileManager.default.createDirectory(atPath: override, withIntermediateDirectories: false)
        let writer = ReactingWriter(root: host.sysfs)
        let binder = DriverBinding(root: host.sysfs, stateDirectory: host.state, io: writer.io)
        let plan = try binder.planBind([gpu], to: .vfioPCI)
        var message = ""
        do { _ = try binder.execute(plan, binding: true); Issue.record("the bind should fail") } catch {
            message = "\(error)"
            // The failed write stays attached: its errno and path, after writes that were rolled back.
            let f = error as? DriverBinding.Failure
            #expect(f?.reason == .stepFailed && f?.afterWrites == true && (f?.cause as? SystemError)?.path == override, "\(error)")
        }
        #expect(message.contains("driver_override") && message.contains("Rolled back") && message.contains("radeon"), "\(message)")
        #expect(host.sysfs.linkName(gpu, "driver") == "radeon", "the GPU is given back")
        #expect(host.sysfs.linkName(audio, "driver") == "snd_hda_intel", "the audio function never moved")
        #expect(host.sysfs.readText(gpu, "driver_override") == "", "the override is cleared")
        #expect(binder.recordedDriver(gpu) == nil && binder.recordedDriver(audio) == nil, "no records of a failed bind")
        #expect(writer.log.suffix(3) == [
            "bus/pci/devices/0000:01:00.0/driver_override <- \n",
            "bus/pci/drivers/vfio-pci/unbind <- 0000:01:00.0",
            "bus/pci/drivers/radeon/bind <- 0000:01:00.0",
        ])
    }

    /// A device removed during the bind (hot-unplug, a surprise-removed slot): the kernel answers
    /// ENODEV and the device directory is gone. The bind must stop, give back what it moved,
    /// name the device, and leave no records.
    @Test func aDeviceRemovedMidBindRollsBackAndSaysSo() throws {
        let host = try FakeHost("radeon-hd7850", as: "sys")
        defer { host.remove() }
        try host.addDriver("vfio-pci")
        // The audio function disappears when the binder reaches it: the kernel answers ENODEV.
        let audioDir = host.sysfs.deviceDirectory(audio)
        let writer = ReactingWriter(root: host.sysfs, fails: { path throws(SystemError) in
            guard path.hasPrefix(audioDir) else { return }
            try? FileManager.default.removeItem(atPath: audioDir)
            throw SystemError(.write, path, errno: ENODEV)
        })
        let binder = DriverBinding(root: host.sysfs, stateDirectory: host.state, io: writer.io)
        let plan = try binder.planBind([gpu], to: .vfioPCI)
        var message = ""
        do { _ = try binder.execute(plan, binding: true); Issue.record("the bind should fail") } catch {
            message = "\(error)"
            let f = error as? DriverBinding.Failure
            #expect(f?.reason == .stepFailed && f?.afterWrites == true && (f?.cause as? SystemError)?.errno == ENODEV, "\(error)")
        }
        #expect(message.contains("0000:01:00.1") && message.contains("Rolled back"), "\(message)")
        #expect(host.sysfs.linkName(gpu, "driver") == "radeon", "the GPU is given back to its driver")
        #expect(host.sysfs.readText(gpu, "driver_override") == "", "the GPU's override is cleared")
        #expect(binder.recordedDriver(gpu) == nil && binder.recordedDriver(audio) == nil, "no records of a failed bind")
    }

    @Test func aDriverThatDoesNotTakeTheDeviceIsCaughtByTheDriverLink() throws {
        let host = try FakeHost("radeon-hd7850", as: "sys")
        defer { host.remove() }
        try host.addDriver("pci-stub")
        // A plain file writer: nothing reacts, as when the driver refuses the device.
        let binder = DriverBinding(root: host.sysfs, stateDirectory: host.state, io: .live)
        let plan = try binder.planBind([gpu], to: .pciStub)
        do { _ = try binder.execute(plan, binding: true); Issue.record("a device that stays with radeon must fail the bind") } catch {
            #expect("\(error)".contains("bound to radeon, not pci-stub"), "\(error)")
            #expect((error as? DriverBinding.Failure)?.reason == .driverRefused && (error as? DriverBinding.Failure)?.afterWrites == true)
        }
        #expect(binder.recordedDriver(gpu) == nil)
    }

    @Test func pcibackNewSlotWhereThereIsNoDriverOverride() throws {
        let host = try FakeHost("radeon-hd7850", as: "sys")
        defer { host.remove() }
        try host.addDriver("pciback")
        let binder = DriverBinding(root: host.sysfs, stateDirectory: host.state, io: ReactingWriter(root: host.sysfs).io)
        // Not under Xen: refused with the reason.
        #expect(throws: DriverBinding.Failure.self) { try binder.planBind([gpu], to: .pciback) }
        try FileManager.default.createDirectory(atPath: host.sysfs.path + "/hypervisor", withIntermediateDirectories: true)
        try "xen\n".write(toFile: host.sysfs.path + "/hypervisor/type", atomically: false, encoding: .utf8)
        for a in [gpu, audio] { try FileManager.default.removeItem(atPath: host.sysfs.attribute(a, "driver_override")) }
        let plan = try binder.planBind([gpu], to: .pciback)
        #expect(plan.writes.map { String($0.path.dropFirst(host.sysfs.path.count + 1)) + " <- " + String(decoding: $0.bytes, as: UTF8.self) }.prefix(3) == [
            "bus/pci/drivers/pciback/new_slot <- 0000:01:00.0",
            "bus/pci/devices/0000:01:00.0/driver/unbind <- 0000:01:00.0",
            "bus/pci/drivers/pciback/bind <- 0000:01:00.0",
        ])
        _ = try binder.execute(plan, binding: true)
        #expect(host.sysfs.linkName(gpu, "driver") == "pciback")
        let back = try binder.planUnbind([gpu])
        #expect(back.writes.map(\.path).contains { $0.hasSuffix("pciback/remove_slot") })
        _ = try binder.execute(back, binding: false)
        #expect(host.sysfs.linkName(gpu, "driver") == "radeon")
    }

    @Test func missingModulesAndIOMMUAreExplained() throws {
        let host = try FakeHost("radeon-hd7850", as: "sys")
        defer { host.remove() }
        let binder = DriverBinding(root: host.sysfs, stateDirectory: host.state, io: ReactingWriter(root: host.sysfs).io)
        do { _ = try binder.planBind([gpu], to: .vfioPCI); Issue.record("a missing module must be refused") } catch {
            #expect("\(error)".contains("modprobe vfio-pci"))
            #expect((error as? DriverBinding.Failure)?.reason == .driverNotLoaded && (error as? DriverBinding.Failure)?.afterWrites == false)
        }
        try host.addDriver("vfio-pci")
        try FileManager.default.removeItem(atPath: host.sysfs.path + "/kernel/iommu_groups")
        try FileManager.default.createDirectory(atPath: host.sysfs.path + "/kernel/iommu_groups", withIntermediateDirectories: true)
        do { _ = try binder.planBind([gpu], to: .vfioPCI); Issue.record("no IOMMU must be refused") } catch {
            #expect("\(error)".contains("intel_iommu=on") && "\(error)".contains("VT-d"))
            #expect((error as? DriverBinding.Failure)?.reason == .noIOMMU)
        }
    }
}

/// vfio-pci takes a whole IOMMU group: the plan names every endpoint of the group that keeps a
/// host driver, and leaves bridges out (Slot's group peers).
@Suite struct BindGroupPeers {
    @Test func anEndpointWithAHostDriverIsNamedABridgeIsNot() throws {
        let host = try FakeHost("second-card", as: "sys")
        defer { host.remove() }
        try host.addDriver("vfio-pci")
        let binder = DriverBinding(root: host.sysfs, stateDirectory: host.state, io: ReactingWriter(root: host.sysfs).io)
        // 01:00.0 shares group 1 with its root port 00:01.0 (pcieport), a bridge: nothing to say.
        let gpu = PCIAddress(bus: 1, device: 0, function: 0)
        #expect(try binder.planBind([gpu], to: .vfioPCI).notes.isEmpty)
        // A NIC with its driver joins group 1.
        let sys = host.sysfs.path
        let nic = "devices/pci0000:00/0000:00:1f.6"
        let setup = """
            cd '\(sys)' && mkdir -p \(nic) && cp devices/pci0000:00/0000:00:01.0/0000:01:00.0/{vendor,device,resource,config} \(nic)/ && \
            echo 0x020000 > \(nic)/class && ln -s ../../../bus/pci/drivers/e1000e \(nic)/driver && \
            ln -s ../../../kernel/iommu_groups/1 \(nic)/iommu_group && \
            ln -s ../../../devices/pci0000:00/0000:00:1f.6 bus/pci/devices/0000:00:1f.6 && \
            ln -s ../../../../devices/pci0000:00/0000:00:1f.6 kernel/iommu_groups/1/devices/0000:00:1f.6
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", setup]
        Ledger.note(p)
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let notes = try binder.planBind([gpu], to: .vfioPCI).notes
        #expect(notes.count == 1)
        #expect(notes.first?.description.hasPrefix("0000:00:1f.6 shares IOMMU group 1 with 0000:01:00.0 and is bound to e1000e") == true, "\(notes)")
        #expect(notes.first?.steps == [NextStep(.bindToVFIO, "0000:00:1f.6")])
    }
}
