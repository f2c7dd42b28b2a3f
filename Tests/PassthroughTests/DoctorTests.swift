import Foundation
import PCIHost
@testable import Passthrough
import Testing
import Core
import TestSupport
import SystemIO

/// A fake `/` built in a temporary directory from a committed fake sysfs tree (copied, never
/// touched in place), with the files doctor and persist read.
struct FakeRoot {
    let path: String

    init(_ host: String, cmdline: String = "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro intel_iommu=on iommu=pt",
         cpu: String? = "GenuineIntel", release: String = "6.1.0-test",
         config: String? = "CONFIG_VFIO=m\nCONFIG_VFIO_PCI=m\nCONFIG_VFIO_IOMMU_TYPE1=m\nCONFIG_PCI_STUB=y\nCONFIG_XEN_PCIDEV_BACKEND=m\n") throws {
        path = try FakeHost(host, as: "sys").dir
        // Files outside /sys that the generator wrote for this host (Fixtures/roots/NAME).
        let extra = Repository.root + "/Fixtures/roots/" + host
        if FileManager.default.fileExists(atPath: extra) { try FakeHost.copyTree(extra + "/.", to: path) }
        try write("/proc/cmdline", cmdline + "\n")
        if let cpu { try write("/proc/cpuinfo", "processor\t: 0\nvendor_id\t: \(cpu)\n") }
        try write("/proc/sys/kernel/osrelease", release + "\n")
        if let config { try write("/boot/config-" + release, config) }
        try FileManager.default.createDirectory(atPath: path + "/etc/modprobe.d", withIntermediateDirectories: true)
    }

    func write(_ rel: String, _ text: String) throws {
        let full = path + rel
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: full)
        try text.write(toFile: full, atomically: false, encoding: .utf8)
    }

    func remove(_ rel: String) throws { try FileManager.default.removeItem(atPath: path + rel) }

    func link(_ rel: String, to target: String) throws {
        try? FileManager.default.removeItem(atPath: path + rel)
        try FileManager.default.createSymbolicLink(atPath: path + rel, withDestinationPath: target)
    }

    /// A device directory (links resolved), for editing its attributes.
    func device(_ a: String) throws -> String {
        try FileManager.default.destinationOfSymbolicLink(atPath: path + "/sys/bus/pci/devices/" + a)
            .replacingOccurrences(of: "../../..", with: path + "/sys")
    }

    func doctor(_ target: PassthroughTarget = .qemu, memory: PhysicalMemory? = nil) -> HostDoctor {
        HostDoctor(host: HostRoot(path), target: target, memory: memory ?? PhysicalMemory(path: path + "/dev/mem"))
    }

    func check(_ id: DoctorCheck.ID, _ address: String?, _ target: PassthroughTarget = .qemu, memory: PhysicalMemory? = nil) throws -> DoctorCheck {
        let checks = try doctor(target, memory: memory).run(address: address.map { try PCIAddress(parsing: $0) })
        #expect(DoctorCheck.ID.all.contains { $0.id == id }, "\(id) is not in the registry")
        return try #require(checks.first { $0.id == id }, "no check \(id) in \(checks.map(\.id))")
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

@Suite struct DoctorChecks {
    @Test func iommu() throws {
        let r = try FakeRoot("radeon-hd7850")
        defer { r.cleanup() }
        let ok = try r.check(.iommu, nil)
        #expect(ok.status == .ok && ok.message.contains("2 IOMMU groups") && ok.message.contains("iommu=pt"))

        try r.remove("/sys/kernel/iommu_groups")
        let fail = try r.check(.iommu, nil)
        #expect(fail.status == .fail && fail.message.contains("intel_iommu=on is on the command line") && fail.fixes.contains { $0.contains("VT-d") })
        try r.write("/proc/cmdline", "root=/dev/sda1 quiet\n")
        let noFlag = try r.check(.iommu, nil)
        #expect(noFlag.status == .fail && noFlag.fixes[0].contains("intel_iommu=on iommu=pt") && noFlag.fixes[0].contains("update-grub"))
        try r.write("/proc/cpuinfo", "vendor_id\t: AuthenticAMD\n")
        #expect(try r.check(.iommu, nil).message.contains("AMD"))
        try r.write("/proc/cmdline", "root=/dev/sda1 amd_iommu=off\n")
        let off = try r.check(.iommu, nil)
        #expect(off.status == .fail && off.fixes[0].contains("Remove amd_iommu=off"))

        // A Xen dom0 sees no groups: Xen owns the IOMMU.
        try r.write("/sys/hypervisor/type", "xen\n")
        let dom0 = try r.check(.iommu, nil, .xen)
        #expect(dom0.status == .warn && dom0.fixes[0].contains("xl dmesg"))
    }

    @Test func iommuGroup() throws {
        let r = try FakeRoot("second-card")
        defer { r.cleanup() }
        let ok = try r.check(.iommuGroup, "03:00.0")
        #expect(ok.status == .ok && ok.message.contains("holds only the card's functions (0000:03:00.0, 0000:03:00.1)"))
        let bridge = try r.check(.iommuGroup, "01:00.0")
        #expect(bridge.status == .ok && bridge.message.contains("0000:00:01.0 may stay"))

        // The host bridge 00:00.0 joins group 9: bound to its driver, a failure naming it.
        try r.link("/sys/kernel/iommu_groups/9/devices/0000:00:00.0", to: "../../../../devices/pci0000:00/0000:00:00.0")
        let fail = try r.check(.iommuGroup, "03:00.0")
        #expect(fail.status == .fail && fail.message.contains("0000:00:00.0 ([060000] driver skl_uncore)") && fail.fixes[0].contains("vfio-pci"))
        // Unbound, it only has to stay so.
        try r.remove(try r.device("0000:00:00.0").replacingOccurrences(of: r.path, with: "") + "/driver")
        let warn = try r.check(.iommuGroup, "03:00.0")
        #expect(warn.status == .warn && warn.message.contains("driver none"))

        try r.remove("/sys/kernel/iommu_groups")
        for a in ["0000:03:00.0", "0000:03:00.1"] { try r.remove(try r.device(a).replacingOccurrences(of: r.path, with: "") + "/iommu_group") }
        let none = try r.check(.iommuGroup, "03:00.0")
        #expect(none.status == .fail && none.message.contains("no IOMMU group"))
    }

    @Test func kernelConfig() throws {
        let r = try FakeRoot("radeon-hd7850")
        defer { r.cleanup() }
        let ok = try r.check(.kernelConfig, nil)
        #expect(ok.status == .ok && ok.message.contains("CONFIG_VFIO_PCI a module") && ok.message.contains("config-6.1.0-test"))
        #expect(try r.check(.kernelConfig, nil, .xen).status == .ok)

        try r.write("/boot/config-6.1.0-test", "CONFIG_VFIO=y\n# CONFIG_VFIO_PCI is not set\nCONFIG_VFIO_IOMMU_TYPE1=y\n# CONFIG_PCI_STUB is not set\nCONFIG_XEN_PCIDEV_BACKEND=y\n")
        let fail = try r.check(.kernelConfig, nil)
        #expect(fail.status == .fail && fail.message.contains("needs CONFIG_VFIO_PCI") && fail.fixes[0].contains("CONFIG_VFIO_PCI=m"))
        let xen = try r.check(.kernelConfig, nil, .xen)
        #expect(xen.status == .warn && xen.message.contains("CONFIG_PCI_STUB is missing"))
        // The kernel options are the profile's: Proxmox is vfio-pci, as QEMU.
        let pve = try r.check(.kernelConfig, nil, .proxmox)
        #expect(pve.status == .fail && pve.message.contains("proxmox needs CONFIG_VFIO_PCI"), "\(pve.message)")

        // No config: the module lists answer.
        try r.remove("/boot/config-6.1.0-test")
        let unknown = try r.check(.kernelConfig, nil)
        #expect(unknown.status == .warn && unknown.message.contains("cannot tell") && unknown.fixes.contains { $0.contains("grep") })
        try r.write("/lib/modules/6.1.0-test/modules.builtin", "kernel/drivers/vfio/vfio.ko\nkernel/drivers/pci/pci-stub.ko\n")
        try r.write("/lib/modules/6.1.0-test/modules.dep", "kernel/drivers/vfio/pci/vfio-pci.ko.xz: kernel/drivers/vfio/vfio.ko\nkernel/drivers/vfio/vfio_iommu_type1.ko.xz:\n")
        let modules = try r.check(.kernelConfig, nil)
        #expect(modules.status == .ok && modules.message.contains("CONFIG_VFIO built in, CONFIG_VFIO_PCI a module") && modules.message.contains("modules.builtin"))
        #expect(try r.check(.kernelConfig, nil, .xen).status == .fail)

        // /proc/config.gz, decompressed by vbios itself.
        try r.remove("/lib/modules")
        try r.write("/proc/config", "CONFIG_VFIO=m\nCONFIG_VFIO_PCI=m\nCONFIG_VFIO_IOMMU_TYPE1=m\n")
        let gz = Process()
        gz.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gz.arguments = ["-9", r.path + "/proc/config"]
        Ledger.note(gz)
        try gz.run(); gz.waitUntilExit()
        let fromGz = try r.check(.kernelConfig, nil)
        #expect(fromGz.status == .ok && fromGz.message.contains("/proc/config.gz"))
    }

    @Test func xen() throws {
        let r = try FakeRoot("radeon-hd7850", cmdline: "root=/dev/sda1 xen-pciback.hide=(01:00.0)(01:00.1)")
        defer { r.cleanup() }
        try r.write("/sys/hypervisor/type", "xen\n")
        try r.write("/proc/xen/capabilities", "control_d\n")
        try FileManager.default.createDirectory(atPath: r.path + "/sys/bus/pci/drivers/pciback", withIntermediateDirectories: true)
        let ok = try r.check(.xen, "01:00.0", .xen)
        #expect(ok.status == .ok && ok.message.contains("every function of the card (0000:01:00.0, 0000:01:00.1) is hidden"), "\(ok)")

        try r.remove("/sys/bus/pci/drivers/pciback")
        let warn = try r.check(.xen, "01:00.0", .xen)
        #expect(warn.status == .warn && warn.fixes[0].contains("modprobe xen-pciback"))

        // The audio function not hidden: xl would refuse the card.
        try r.write("/proc/cmdline", "root=/dev/sda1 xen-pciback.hide=(01:00.0)\n")
        let half = try r.check(.xen, "01:00.0", .xen)
        #expect(half.status == .fail && half.message.contains("01:00.1 (driver snd_hda_intel)") && half.fixes.contains { $0.contains("xen-pciback.hide=(01:00.0)(01:00.1)") })
        // modprobe.d's hide= covers it too.
        try r.write("/etc/modprobe.d/pciback.conf", "options xen-pciback hide=(0000:01:00.1)\n")
        #expect(try r.check(.xen, "01:00.0", .xen).status == .warn)

        try r.write("/proc/xen/capabilities", "\n")
        let domU = try r.check(.xen, nil, .xen)
        #expect(domU.status == .fail && domU.message.contains("domU"))
        try r.remove("/sys/hypervisor/type")
        let none = try r.check(.xen, nil, .xen)
        #expect(none.status == .fail && none.message.contains("not running under Xen"))
        #expect(try r.doctor(.qemu).run(address: nil).allSatisfy { $0.id != .xen })
    }

    @Test func bootVGA() throws {
        let radeon = try FakeRoot("radeon-hd7850")
        defer { radeon.cleanup() }
        #expect(try radeon.check(.bootVGA, "01:00.0").status == .ok)
        let igd = try FakeRoot("intel-igd")
        defer { igd.cleanup() }
        let warn = try igd.check(.bootVGA, "00:02.0", .xen)
        #expect(warn.status == .warn && warn.message.contains("runtime copy at 0xc0000") && warn.message.contains("gfx_passthru"))
        #expect(warn.fixes[0].steps == [NextStep(.prepare, "0000:00:02.0")])
        // A discrete boot card with no ROM BAR: boot-vga says what it is; whether its runtime
        // copy will do is rom-readable's (RuntimeCopyRule), per target.
        let second = try FakeRoot("second-card")
        defer { second.cleanup() }
        let boot = try second.check(.bootVGA, "01:00.0")
        #expect(boot.status == .warn && boot.message.contains("x-vga=on") && boot.fixes[0].contains("rom-readable"))
        let qemu = try second.check(.romReadable, "01:00.0", .qemu)
        #expect(qemu.status == .fail && qemu.message.contains("qemu cannot use it") && qemu.steps.map(\.kind) == [.romFile] && qemu.steps[0].value == "0000:01:00.0")
        #expect(qemu.evidence.contains { $0.value == "no ROM BAR address" })
        let xen = try second.check(.romReadable, "01:00.0", .xen)
        #expect(xen.status == .warn && xen.message.contains("usable") && xen.message.contains("gfx_passthru"))
    }

    @Test func barPlacement() throws {
        let second = try FakeRoot("second-card")
        defer { second.cleanup() }
        let ok = try second.check(.barPlacement, "01:00.0", .xen)
        #expect(ok.status == .ok && ok.message.contains("below 4 GiB"))
        let xen = try second.check(.barPlacement, "03:00.0", .xen)
        #expect(xen.status == .warn && xen.message.contains("BAR 1 of 03:00.0 (256M at 0x7000000000)"))
        #expect(xen.fixes[0].contains("mmio_hole = 1024") && xen.fixes[0].contains("memory = 3072"))
        let qemu = try second.check(.barPlacement, "03:00.0", .qemu)
        #expect(qemu.fixes[0].contains("-global q35-pcihost.pci-hole64-size=32G") && qemu.fixes[0].contains("opt/ovmf/X-PciMmio64Mb,string=32768"))
        #expect(try second.check(.barPlacement, "03:00.0", .libvirt).fixes[0].contains("<qemu:commandline>"))
        // Proxmox: QEMU underneath, its extra arguments through the VM config's `args:` line.
        let pve = try second.check(.barPlacement, "03:00.0", .proxmox)
        #expect(pve.fixes[0].contains("pci-hole64-size=32G") && pve.fixes[0].contains("`args:` line in /etc/pve/qemu-server/VMID.conf"), "\(pve.fixes)")

        let radeon = try FakeRoot("radeon-hd7850")
        defer { radeon.cleanup() }
        let dev = try radeon.device("0000:01:00.0")
        var lines = try String(contentsOfFile: dev + "/resource", encoding: .utf8).split(separator: "\n").map(String.init)
        lines[2] = "0x00000000fe800000 0x00000000fe83ffff 0x0000000020140204"
        try lines.joined(separator: "\n").appending("\n").write(toFile: dev + "/resource", atomically: false, encoding: .utf8)
        let fail = try radeon.check(.barPlacement, "01:00.0")
        #expect(fail.status == .fail && fail.message.contains("did not assign BAR 2 of 0000:01:00.0") && fail.fixes[0].contains("pci=realloc"))
    }

    @Test func hole64AndMMIOHoleSizes() {
        #expect(HostDoctor.mmioHoleMB(16 << 20) == 512)
        #expect(HostDoctor.mmioHoleMB(300 << 20) == 1024)
        #expect(HostDoctor.mmioHoleMB(8 << 30) == 3840)
        #expect(HostDoctor.hole64GiB(256 << 20) == 32)
        #expect(HostDoctor.hole64GiB(32 << 30) == 64)
    }

    @Test func romReadable() throws {
        let radeon = try FakeRoot("radeon-hd7850")
        defer { radeon.cleanup() }
        let ok = try radeon.check(.romReadable, "01:00.0")
        #expect(ok.status == .ok && ok.message.contains("readable now from sysfs") && ok.message.contains("57344 bytes"))
        try Data(repeating: 0xFF, count: 4096).write(to: URL(fileURLWithPath: try radeon.device("0000:01:00.0") + "/rom"))
        let fail = try radeon.check(.romReadable, "01:00.0")
        #expect(fail.status == .fail && fail.message.contains("no option ROM image") && fail.fixes[0].steps.first == NextStep(.dumpFromROMBAR, "0000:01:00.0"))

        let igd = try FakeRoot("intel-igd")
        defer { igd.cleanup() }
        let warn = try igd.check(.romReadable, "00:02.0", memory: PhysicalMemory(path: igd.path + "/sys/dev-mem", base: 0xC0000))
        #expect(warn.status == .warn && warn.message.contains("runtime copy") && warn.message.contains("sysfs, shadow"))
    }

    /// Doctor reads only: the copied tree is byte-for-byte the committed one afterwards.
    @Test func doctorWritesNothing() throws {
        let r = try FakeRoot("intel-igd")
        defer { r.cleanup() }
        _ = try r.doctor(.xen, memory: PhysicalMemory(path: r.path + "/sys/dev-mem", base: 0xC0000)).run(address: try PCIAddress(parsing: "00:02.0"))
        let diff = Process()
        diff.executableURL = URL(fileURLWithPath: "/usr/bin/diff")
        diff.arguments = ["-r", "--no-dereference", Repository.hosts + "/intel-igd", r.path + "/sys"]
        diff.standardOutput = FileHandle.nullDevice
        Ledger.note(diff)
        try diff.run(); diff.waitUntilExit()
        #expect(diff.terminationStatus == 0)
    }
}

@Suite struct GzipTests {
    func gzip(_ path: String) throws -> [UInt8] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-c", "-9", path]
        let out = Pipe()
        p.standardOutput = out
        Ledger.note(p)
        try p.run()
        let d = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return [UInt8](d)
    }

    @Test(arguments: ["/usr/share/seabios/vgabios-stdvga.bin", "/usr/lib/ipxe/qemu/efi-e1000.rom", "/etc/services"])
    func roundTripsWhatGzipWrote(path: String) throws {
        let original = try #require(FileManager.default.contents(atPath: path))
        #expect(try Gzip.decompress(try gzip(path)) == [UInt8](original))
    }

    @Test func storedBlocksAndGarbage() throws {
        // gzip -1 of incompressible bytes uses stored blocks.
        let tmp = NSTemporaryDirectory() + "vbios-gz-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        var g = SystemRandomNumberGenerator()
        let random = (0..<100_000).map { _ in UInt8.random(in: 0...255, using: &g) }
        try Data(random).write(to: URL(fileURLWithPath: tmp))
        #expect(try Gzip.decompress(try gzip(tmp)) == random)
        #expect(throws: Gzip.Malformed.self) { try Gzip.decompress([0x1F, 0x8B, 8] + [UInt8](repeating: 0, count: 20)) }
        #expect(throws: Gzip.Malformed.self) { try Gzip.decompress(Array("CONFIG_VFIO=m\n".utf8)) }
        let truncated = Array(try gzip("/etc/services").prefix(200))
        #expect(throws: Gzip.Malformed.self) { try Gzip.decompress(truncated) }
    }

    /// This machine's /proc/config.gz, against zcat.
    @Test func procConfigMatchesZcat() throws {
        try Prerequisite.require(files: ["/proc/config.gz", "/bin/zcat"], "a kernel with CONFIG_IKCONFIG_PROC")
        let mine = try Gzip.decompress(try FileBytes(path: "/proc/config.gz").bytes)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/zcat")
        p.arguments = ["/proc/config.gz"]
        let out = Pipe()
        p.standardOutput = out
        Ledger.note(p)
        try p.run()
        let d = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(mine == [UInt8](d) && mine.count > 10_000)
    }
}
