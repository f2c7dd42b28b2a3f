import Testing
import PCIHost
@testable import Passthrough
import TestSupport

/// The IGD checks on the fake hosts intel-igd (Haswell 8086:0412: GGC 0x0210, ASLS 0xDAF6E018,
/// bound to i915, the boot display) and intel-igd-meteor-lake (8086:7d55 held by xe, ASLS 0,
/// GMS 0), whose config bytes Tools/gen-fake-sysfs.py writes; the GMS decoding against QEMU's
/// `igd_stolen_memory_size` worked by hand for each generation's encoding.
@Suite struct IGDDoctorTests {
    @Test func haswellHasItsOpRegionAndStolenMemoryButI915HoldsIt() throws {
        let r = try FakeRoot("intel-igd")
        defer { r.cleanup() }
        let op = try r.check(.igdOpRegion, "00:02.0")
        #expect(op.status == .ok && op.message.contains("0xdaf6e018"), "\(op.message)")
        #expect(op.evidence.first?.source.hasSuffix("config@0xfc (ASLS)") == true)
        let stolen = try r.check(.igdStolenMemory, "00:02.0")
        #expect(stolen.status == .ok && stolen.message.contains("64 MiB") && stolen.message.contains("gen 7 Haswell"), "\(stolen.message)")
        #expect(stolen.evidence.first?.value == "0x0210 (GMS 0x02)")
        let driver = try r.check(.igdHostDriver, "00:02.0")
        #expect(driver.status == .fail && driver.message.contains("i915"), "\(driver.message)")
        #expect(driver.steps.map(\.kind) == [.bind, .modprobeLine] && driver.steps.last?.value == "blacklist i915")
        let legacy = try r.check(.igdLegacyMode, "00:02.0")
        #expect(legacy.status == .ok && legacy.message.contains("gen 7"), "\(legacy.message)")
    }

    @Test func meteorLakeFailsEveryIGDCheckAndIsSentToUPT() throws {
        let r = try FakeRoot("intel-igd-meteor-lake")
        defer { r.cleanup() }
        #expect(try r.check(.igdOpRegion, "00:02.0").status == .warn, "UPT mode does without it")
        let legacy = try r.check(.igdLegacyMode, "00:02.0")
        #expect(legacy.status == .warn && legacy.message.contains("UPT"), "\(legacy.message)")
        #expect(legacy.steps.first?.value.contains("x-igd-legacy-mode=off") == true)
        let driver = try r.check(.igdHostDriver, "00:02.0")
        #expect(driver.status == .fail && driver.steps.last?.value == "blacklist xe")
        // Not a generation legacy mode knows: no stolen memory is set up for it, nothing to fail.
        #expect(try r.check(.igdStolenMemory, "00:02.0").status == .ok)
    }

    @Test func notAnIGDGetsNoIGDChecks() throws {
        let r = try FakeRoot("radeon-hd7850")
        defer { r.cleanup() }
        let checks = try r.doctor(.qemu).run(address: try PCIAddress(parsing: "01:00.0"))
        #expect(!checks.contains { $0.id.rawValue.hasPrefix("igd-") })
    }

    @Test("GMS decoding as igd.c's igd_stolen_memory_size, per generation")
    func stolenMemoryDecoding() {
        let snb = IGDGeneration.of(0x0102)!, skl = IGDGeneration.of(0x1912)!, adl = IGDGeneration.of(0x4680)!
        #expect(snb.gen == 6 && skl.gen == 9 && adl.gen == 12)
        #expect(snb.stolenMiB(gmch: 0x0210) == 64)                 // bits 7:3 = 2
        #expect(snb.stolenMiB(gmch: UInt16(0x11) << 3) == nil)      // > 0x10 refused before gen 9
        #expect(IGDGeneration.of(0x1616)!.stolenMiB(gmch: 0x1000) == 512) // Broadwell: bits 15:8 = 0x10
        #expect(skl.stolenMiB(gmch: 0x0200) == 64)
        #expect(skl.stolenMiB(gmch: 0xF000) == 4 && adl.stolenMiB(gmch: 0xF100) == 8)
        #expect(IGDGeneration.of(0x5A85)?.gen == 9 && IGDGeneration.of(0x3185)?.gen == 9)
        #expect(IGDGeneration.of(0x7D55) == nil && IGDGeneration.supportsUPT(0x7D55))
        #expect(IGDGeneration.of(0x2E22) == nil && !IGDGeneration.supportsUPT(0x2E22))
        #expect(!IGDGeneration.supportsUPT(0x0412) && IGDGeneration.supportsUPT(0x1912))
    }
}

/// UPT mode in the writers: the IGD as a plain secondary card, held to Proxmox's schema and QEMU's
/// defaults; the automatic choice follows QEMU's `igd_gen`.
@Suite struct IGDUPTWriterTests {
    @Test func uptLeavesLegacyModeOutAndHoldsToTheSchema() throws {
        var card = Fixture.igd()
        card.igdMode = .upt
        #expect(!card.isIntelIGD && card.romFunction.isIntelIGD)
        var o = ProxmoxConfig.Options(romPath: "/usr/share/kvm/vbios-8086-0412.rom")
        o.firmware = .uefi
        o.primaryDisplay = false   // what prepare passes in UPT mode
        let text = try ProxmoxConfig.text(card, options: o)
        #expect(!text.contains("legacy-igd") && !text.contains("vga: none"), "\(text)")
        #expect(try ProxmoxSchemaTests.problems(text) == [])
        let args = try QEMUArgs.arguments(card, options: .init(romPath: IGDTests.rom, xVGA: false))
        #expect(args == ["-device", "vfio-pci,host=0000:00:02.0,romfile=\(IGDTests.rom)"])
        #expect(IGDMode.automatic(deviceID: 0x0412) == .legacy && IGDMode.automatic(deviceID: 0x7D55) == .upt)
        #expect(IGDMode.automatic(deviceID: 0xA780) == .legacy, "Raptor Lake: gen 12")
    }
}

/// An APU's GOP ROM on its audio function in Proxmox: one hostpci line per function, each with its
/// romfile, held to qemu-server's schema.
@Suite struct ProxmoxFunctionROMTests {
    @Test func theAudioFunctionGetsItsOwnLineAndROM() throws {
        let gpu = CardFunction(address: PCIAddress(domain: 0, bus: 0xC6, device: 0, function: 0), vendorID: 0x1002, deviceID: 0x15BF, classCode: 0x030000)
        let audio = CardFunction(address: PCIAddress(domain: 0, bus: 0xC6, device: 0, function: 1), vendorID: 0x1002, deviceID: 0x1640, classCode: 0x040300)
        let card = try PassthroughCard(functions: [gpu, audio])
        var o = ProxmoxConfig.Options(romPath: "/usr/share/kvm/vbios-1002-15bf.rom")
        o.functionROMs = [audio.address: "/usr/share/kvm/gop.rom"]
        o.primaryDisplay = false
        let text = try ProxmoxConfig.text(card, options: o)
        #expect(text == "machine: q35\nbios: ovmf\nhostpci0: 0000:c6:00.0,pcie=1,romfile=vbios-1002-15bf.rom\nhostpci1: 0000:c6:00.1,pcie=1,romfile=gop.rom\n", "\(text)")
        #expect(try ProxmoxSchemaTests.problems(text) == [])
        o.functionROMs = [audio.address: "/srv/gop.rom"]
        #expect(throws: PassthroughError.self) { try ProxmoxConfig.text(card, options: o) }
    }
}
