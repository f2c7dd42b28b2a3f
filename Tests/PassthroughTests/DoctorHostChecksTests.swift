import Foundation
import PCIHost
@testable import Passthrough
import Testing
import TestSupport

/// The checks for what breaks passthrough most often (host drivers, boot framebuffers, reset,
/// interrupt remapping), each on a fake host the generator built for it, in both states.
@Suite struct DoctorHostChecks {
    func edit(_ r: FakeRoot, _ rel: String, _ text: String) throws { try r.write(rel, text) }

    // MARK: host-driver

    @Test func aHostDriverOnAnyFunctionIsFlaggedWithTheReleaseStep() throws {
        // The twin host's boot card: nouveau on 01:00.0, snd_hda_intel on 01:00.1; naming the
        // audio function finds both.
        let twin = try FakeRoot("identical-twin")
        defer { twin.cleanup() }
        let both = try twin.check(.hostDriver, "01:00.1")
        #expect(both.status == .fail && both.message.contains("0000:01:00.0 to nouveau, 0000:01:00.1 to snd_hda_intel"), "\(both.message)")
        #expect(both.steps.map(\.value) == ["0000:01:00.0", "0000:01:00.1"])

        let r = try FakeRoot("second-card")
        defer { r.cleanup() }
        // nouveau holds the boot display 01:00.0.
        let qemu = try r.check(.hostDriver, "01:00.0")
        #expect(qemu.status == .fail && qemu.message.contains("0000:01:00.0 to nouveau") && qemu.message.contains("console"), "\(qemu.message)")
        #expect(qemu.steps.first == .init(.bind, "0000:01:00.0", driver: "vfio-pci", why: "release 0000:01:00.0 from nouveau and give it to vfio-pci now"))
        #expect(qemu.evidence.contains { $0.source.hasSuffix("/0000:01:00.0/driver") && $0.value == "nouveau" })
        let libvirt = try r.check(.hostDriver, "01:00.0", .libvirt)
        #expect(libvirt.status == .warn && libvirt.message.contains("libvirt detaches"))
        let xen = try r.check(.hostDriver, "01:00.0", .xen)
        #expect(xen.status == .fail && xen.steps.first?.driver == "pciback")
        // 03:00.0 and .1 are on vfio-pci: nothing bound; but it is a VGA card beside the boot
        // display, and vfio-pci.disable_vga is off.
        let vga = try r.check(.hostDriver, "03:00.0")
        #expect(vga.status == .warn && vga.message.contains("disable_vga is off") && vga.steps.map(\.value) == ["options vfio-pci disable_vga=1"])
        try r.write("/sys/module/vfio_pci/parameters/disable_vga", "Y\n")
        let ok = try r.check(.hostDriver, "03:00.0")
        #expect(ok.status == .ok && ok.message.contains("disable_vga is on") && ok.steps.isEmpty)
        // xen: pciback is the driver that should hold it, and disable_vga is vfio's only.
        let onVFIO = try r.check(.hostDriver, "03:00.0", .xen)
        #expect(onVFIO.status == .warn && onVFIO.message.contains("held by vfio-pci, not pciback"))
    }

    @Test func loadOrderNeedsASoftdepForEveryHostDriver() throws {
        let r = try FakeRoot("radeon-hd7850")
        defer { r.cleanup() }
        // Bound to vfio-pci already, so only the boot-time order is in question.
        try r.write("/etc/modprobe.d/vfio.conf", "options vfio-pci ids=1002:6819,1002:aab0\n")
        try r.write("/sys/module/vfio_pci/parameters/disable_vga", "Y\n")
        let warn = try r.check(.hostDriver, "01:00.0")
        #expect(warn.status == .fail)   // radeon and snd_hda_intel are bound now as well
        #expect(warn.message.contains("nothing makes it load before radeon, amdgpu, snd_hda_intel"), "\(warn.message)")
        #expect(warn.steps.filter { $0.kind == .modprobeLine }.map(\.value) == ["softdep radeon pre: vfio-pci", "softdep amdgpu pre: vfio-pci", "softdep snd_hda_intel pre: vfio-pci"])
        // persist's own file satisfies the check (the same knowledge, BindingPersistence).
        let slot = try PCIBus.scan(SysfsRoot(r.path + "/sys")).slot(of: try PCIAddress(parsing: "01:00.0"))
        let text = try #require(BindingPersistence.render([BindingPersistence.card(slot, driver: .vfioPCI).card], pcibackBuiltIn: false))
        try r.remove("/etc/modprobe.d/vfio.conf")
        try r.write("/etc/modprobe.d/vbios-passthrough.conf", text)
        let ordered = try r.check(.hostDriver, "01:00.0")
        #expect(ordered.message.contains("loads before amdgpu, radeon, snd_hda_intel (softdep)") && !ordered.steps.contains { $0.kind == .modprobeLine })
        // radeon built into the kernel: no softdep orders it.
        try r.write("/boot/config-6.1.0-test", "CONFIG_VFIO=m\nCONFIG_VFIO_PCI=m\nCONFIG_VFIO_IOMMU_TYPE1=m\nCONFIG_DRM_RADEON=y\nCONFIG_DRM_AMDGPU=m\n")
        let builtIn = try r.check(.hostDriver, "01:00.0")
        #expect(builtIn.message.contains("radeon is built into the kernel") && builtIn.evidence.contains { $0.value == "CONFIG_DRM_RADEON=y" }, "\(builtIn.message)")
    }

    // MARK: framebuffer

    @Test func efifbInsideABAROnAnOldKernel() throws {
        let r = try FakeRoot("efifb-over-bar")
        defer { r.cleanup() }
        let fail = try r.check(.framebuffer, "0b:00.0")
        #expect(fail.status == .fail && fail.message.contains("efifb holds 0x7b00000000-0x7b002fffff inside BAR 0 of 0000:0b:00.0"), "\(fail.message)")
        #expect(fail.message.contains("can't reserve"))
        #expect(fail.steps.map(\.value) == ["video=efifb:off", "echo efi-framebuffer.0 > /sys/bus/platform/drivers/efi-framebuffer/unbind"])
        #expect(fail.evidence.contains { $0.source.hasSuffix("/proc/version") && $0.value == "5.10" })
        // The same holder on a 6.1 kernel: sysfb's registration is what has to go.
        try r.write("/proc/version", "Linux version 6.1.0-18-amd64 (gcc 12) #1 SMP\n")
        #expect(try r.check(.framebuffer, "0b:00.0").steps.first?.value == "initcall_blacklist=sysfb_init")
        // As a user other than root: every range reads 0.
        let zeroed = try String(contentsOfFile: r.path + "/proc/iomem", encoding: .utf8)
            .replacing(/[0-9a-f]+-[0-9a-f]+ :/, with: "00000000-00000000 :")
        try r.write("/proc/iomem", zeroed)
        #expect(try r.check(.framebuffer, "0b:00.0").status == .unknown)
        try r.remove("/proc/iomem")
        #expect(try r.check(.framebuffer, "0b:00.0").status == .unknown)
    }

    @Test func simpledrmOnTheBootTwinAndNothingOnTheOther() throws {
        let r = try FakeRoot("identical-twin")
        defer { r.cleanup() }
        let boot = try r.check(.framebuffer, "01:00.0")
        #expect(boot.status == .fail && boot.message.contains("BOOTFB holds") && boot.message.contains("simpledrm holds") && boot.message.contains("BAR 1 of 0000:01:00.0"))
        #expect(boot.steps.map(\.value) == ["initcall_blacklist=sysfb_init"] && boot.steps[0].kind == .kernelParameter)
        let other = try r.check(.framebuffer, "03:00.0")
        #expect(other.status == .ok && other.evidence.first?.value.contains("BOOTFB") == true)
    }

    // MARK: reset

    /// lspci (pciutils), not vbios, says what the config space holds.
    func lspci(_ r: FakeRoot, _ a: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/lspci")
        p.arguments = ["-A", "linux-sysfs", "-O", "sysfs.path=\(r.path)/sys/bus/pci", "-vv", "-s", a]
        let out = Pipe()
        p.standardOutput = out
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test func flrAndNoSoftResetComeFromLibpcisCapabilityList() throws {
        for (host, flr, noSoft) in [("flr-card", true, false), ("navi10-reset-bug", false, true)] {
            let r = try FakeRoot(host)
            defer { r.cleanup() }
            let d = try PCIBus.scan(SysfsRoot(r.path + "/sys")).device(at: try PCIAddress(parsing: "0b:00.0"))
            #expect(d.supportsFLR == flr && d.noSoftReset == noSoft, "\(host)")
            let said = try lspci(r, "0b:00.0")
            #expect(said.contains(flr ? "FLReset+" : "FLReset-") && said.contains(noSoft ? "NoSoftRst+" : "NoSoftRst-"), "\(host): \(said)")
        }
    }

    @Test func aNavi10WithoutVendorResetAndWithIt() throws {
        let r = try FakeRoot("navi10-reset-bug")
        defer { r.cleanup() }
        let bug = try r.check(.reset, "0b:00.0")
        #expect(bug.status == .warn && bug.message.contains("AMD Navi 10") && bug.message.contains("gnif/vendor-reset") && bug.message.contains("vendor_reset is not loaded"), "\(bug.message)")
        #expect(bug.steps.map(\.kind) == [.loadModule, .command, .guest] && bug.steps[1].value == "echo device_specific > /sys/bus/pci/devices/0000:0b:00.0/reset_method")
        // 6.1 hides reset_method when it has no method (no FLR, No_Soft_Reset, a second function).
        #expect(bug.evidence.contains { $0.source.hasSuffix("/reset_method") && $0.value == "(absent: the kernel has no reset method for it)" })
        #expect(bug.evidence.contains { $0.value == "no FLR" } && bug.evidence.contains { $0.value == "No_Soft_Reset set" })
        // Loaded, but device_specific is not chosen, so its reset is not used.
        try r.write("/proc/modules", "vendor_reset 36864 0 - Live 0x0000000000000000\n")
        let loaded = try r.check(.reset, "0b:00.0")
        #expect(loaded.status == .warn && loaded.message.contains("reset_method is empty, so its reset is not used") && loaded.steps.first?.kind == .command)
        try "device_specific bus\n".write(toFile: try r.device("0000:0b:00.0") + "/reset_method", atomically: false, encoding: .utf8)
        let ok = try r.check(.reset, "0b:00.0")
        #expect(ok.status == .ok && ok.message.contains("device_specific is first"))
    }

    @Test func aCardWithFLRAndOneWithNoResetAtAll() throws {
        let r = try FakeRoot("flr-card")
        defer { r.cleanup() }
        let ok = try r.check(.reset, "0b:00.0")
        #expect(ok.status == .ok && ok.message.contains("resets cleanly: flr"))
        // No reset_method file: on 6.1 the kernel has no method (it hides the attribute then, as
        // the lab shows for e1000 on the root bus); before 5.15 there is no such attribute, and
        // the methods are inferred from the capabilities.
        let dev = try r.device("0000:0b:00.0")
        try FileManager.default.removeItem(atPath: dev + "/reset_method")
        let hidden = try r.check(.reset, "0b:00.0")
        #expect(hidden.status == .ok && hidden.message.contains("secondary bus reset") && hidden.evidence[0].value == "(absent: the kernel has no reset method for it)")
        try r.write("/proc/version", "Linux version 5.10.0-28-amd64 (gcc 10) #1 SMP\n")
        let inferred = try r.check(.reset, "0b:00.0")
        #expect(inferred.status == .ok && inferred.message.contains("flr") && inferred.message.contains("inferred"))
        try r.write("/proc/version", "Linux version 6.1.0-18-amd64 (gcc 12) #1 SMP\n")
        // The kernel lists no method: vfio still resets the slot with a bus reset, its bus
        // holding only the card's functions...
        try "\n".write(toFile: dev + "/reset_method", atomically: false, encoding: .utf8)
        let hot = try r.check(.reset, "0b:00.0")
        #expect(hot.status == .ok && hot.message.contains("secondary bus reset of bus 0b"), "\(hot.message)")
        // ...until another device shares the bus: then the guest finds the card as the last one left it.
        let parent = (dev as NSString).deletingLastPathComponent
        try FakeHost.copyTree(parent + "/0000:0b:00.1", to: parent + "/0000:0b:01.0")
        try r.link("/sys/bus/pci/devices/0000:0b:01.0", to: "../../../devices/pci0000:00/0000:00:03.1/0000:0b:01.0")
        let none = try r.check(.reset, "0b:00.0")
        #expect(none.evidence.contains { $0.value == "bus 0b shared with 0000:0b:01.0" }, "\(none.evidence)")
        #expect(none.status == .warn && none.message.contains("no reset the kernel can use") && none.steps.last?.kind == .guest)
    }

    // MARK: interrupt-remapping

    @Test func noInterruptRemappingThenUnsafeThenRemapping() throws {
        let r = try FakeRoot("no-interrupt-remapping")
        defer { r.cleanup() }
        let fail = try r.check(.interruptRemapping, nil)
        #expect(fail.status == .fail && fail.evidence.first?.value == "0x00: INTR_REMAP clear")
        #expect(fail.steps.map(\.kind) == [.firmwareSetting, .modprobeLine] && fail.steps[1].value == "options vfio_iommu_type1 allow_unsafe_interrupts=1")
        #expect(fail.steps[1].why.contains("MSI injection"))
        try r.write("/etc/modprobe.d/unsafe.conf", "options vfio-iommu-type1 allow_unsafe_interrupts=1\n")
        let unsafe = try r.check(.interruptRemapping, nil)
        #expect(unsafe.status == .warn && unsafe.message.contains("only for guests you trust"))
        // The firmware's flag set (the table's checksum kept right).
        let path = r.path + "/sys/firmware/acpi/tables/DMAR"
        var t = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        t[37] |= 1
        t[9] = t[9] &- 1
        #expect(t.reduce(UInt8(0), &+) == 0)
        try Data(t).write(to: URL(fileURLWithPath: path))
        let ok = try r.check(.interruptRemapping, nil)
        #expect(ok.status == .ok && ok.message.contains("not needed: remove it"))
        try r.write("/proc/cmdline", "root=/dev/sda1 intel_iommu=on intremap=off\n")
        #expect(try r.check(.interruptRemapping, nil).status == .warn)
        // Xen remaps interrupts itself: no such check for it.
        #expect(try r.doctor(.xen).run(address: nil).allSatisfy { $0.id != .interruptRemapping })
        // No table at all: unknown, never ok.
        let radeon = try FakeRoot("radeon-hd7850")
        defer { radeon.cleanup() }
        #expect(try radeon.check(.interruptRemapping, nil).status == .unknown)
    }

    @Test func everyCheckIsInTheRegistryOnce() throws {
        let ids = DoctorCheck.ID.all.map(\.id.rawValue)
        #expect(Set(ids).count == ids.count)
        let r = try FakeRoot("identical-twin")
        defer { r.cleanup() }
        for target in [PassthroughTarget.qemu, .xen, .libvirt] {
            let checks = try r.doctor(target).run(address: try PCIAddress(parsing: "03:00.0"))
            #expect(checks.allSatisfy { c in ids.contains(c.id.rawValue) })
            // In the registry's order.
            #expect(checks.map { ids.firstIndex(of: $0.id.rawValue)! } == checks.map { ids.firstIndex(of: $0.id.rawValue)! }.sorted())
        }
    }
}

/// resizable-bar on the resized-bar host (a 16 GiB BAR 0) and on second-card (256 MiB, growable).
@Suite struct ResizableBARCheck {
    @Test func aBARTheFirmwareGrewNeedsAWindowAndQ35() throws {
        let r = try FakeRoot("resized-bar")
        defer { r.cleanup() }
        let qemu = try r.check(.resizableBAR, "0c:00.0")
        #expect(qemu.status == .warn && qemu.message.contains("BAR 0 of 0c:00.0 is 16G (up to 16G)") && qemu.message.contains("64 GiB"), "\(qemu.message)")
        #expect(qemu.steps.first?.value == "-machine q35 with OVMF, -global q35-pcihost.pci-hole64-size=64G and -fw_cfg name=opt/ovmf/X-PciMmio64Mb,string=65536")
        #expect(qemu.evidence.first?.value == "BAR 0: 16G now, 256M 512M 1G 2G 4G 8G 16G supported")
        #expect(try r.check(.resizableBAR, "0c:00.0", .libvirt).steps.first?.why.contains("<qemu:commandline>") == true)
        #expect(try r.check(.resizableBAR, "0c:00.0", .xen).steps.last?.kind == .firmwareSetting)
        // Read by lspci too: the same sizes.
        let second = try FakeRoot("second-card")
        defer { second.cleanup() }
        let ok = try second.check(.resizableBAR, "03:00.0")
        #expect(ok.status == .ok && ok.message.contains("BAR 1 of 03:00.0 is 256M (up to 8G)") && ok.message.contains("check again"))
        // 01:00.0's config file holds 256 bytes (as a user other than root reads it): unknown, never ok.
        let hidden = try second.check(.resizableBAR, "01:00.0")
        #expect(hidden.status == .unknown && hidden.message.contains("cannot read the extended config space of 0000:01:00.0"))
    }
}
