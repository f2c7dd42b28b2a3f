import Testing
@testable import OptionROM
import TestSupport

/// The AMD GOP drivers of ../shared/roms (taken from real cards' ROMs and the Ryzen 8945HS
/// AMDGopDriver.rom a Proxmox guide ships): their device tables as a hex dump of the decompressed
/// drivers shows them (`xxd` of PyPI uefi-firmware's EfiDecompress output, read by hand), and the
/// verdict on pairing each with real VBIOSes, the chips' families taken from Linux's amdgpu
/// `pciidlist`.
@Suite("GOP driver against the VBIOS's chip family")
struct GOPFamilyTests {
    static func driver(_ rom: String) throws -> [UInt8] {
        try EFIImageBuilder.driver(from: try EFIOracle.sharedROM(rom)).bytes
    }

    @Test("The device tables of real AMD GOP drivers, as their bytes hold them")
    func tables() throws {
        let vega = try #require(AMDGOPDevices.find(in: try Self.driver("amd-rx-vega56.rom")))
        #expect(vega.ranges.map(\.description) == ["10.01 6860-687f", "10.02 69a0-69bf", "10.03 66a0-66bf", "11.01 15d0-15ef", "12.01 7310-732f"])
        #expect(vega.offset == 0x9F8)
        let hawk = try #require(AMDGOPDevices.find(in: try Self.driver("amd-apu-8945hs-gop-bogus-pcir-ids.rom")))
        #expect(hawk.offset == 0x10F60)
        #expect(hawk.ranges.count == 15)
        #expect(hawk.ranges.first?.description == "11.01 15d0-15ef" && hawk.ranges.last?.description == "15.03 164f")
        #expect(hawk.range(for: 0x1638)?.description == "13.01 1636-1638")
        #expect(hawk.range(for: 0x15BF) == nil, "Phoenix is not in the 3.8.5 driver's table")
        let navi14 = try #require(AMDGOPDevices.find(in: try Self.driver("amd-rx5500xt-navi14-orig-imac.rom")))
        #expect(navi14.range(for: 0x7340)?.description == "12.02 7340-735f")
        // Rev. 1.x drivers carry no range table.
        #expect(AMDGOPDevices.find(in: try Self.driver("amd-rx580-dell-oem-polaris.rom")) == nil)
        #expect(AMDGOPDevices.find(in: try Self.driver("amd-hd7970-tahiti.rom")) == nil)
        // Nor do other vendors' drivers.
        #expect(AMDGOPDevices.find(in: try Self.driver("nvidia-rtx3070-ga104-raw.rom")) == nil)
        #expect(AMDGOPDevices.find(in: try Self.driver("intel-rpl-igd-plus-gop-2efi.rom")) == nil)
    }

    enum Kind: Equatable { case matches, mismatch, unverified }
    static func kind(_ v: GOPFamilyCheck.Verdict) -> Kind {
        switch v { case .matches: .matches; case .mismatch: .mismatch; case .unverified: .unverified }
    }

    @Test("Verdicts: each card's own GOP matches; a Hawk Point GOP with an HD 7850 or Tahiti does not")
    func verdicts() throws {
        let hawk = try Self.driver("amd-apu-8945hs-gop-bogus-pcir-ids.rom")
        let navi10 = try Self.driver("amd-rx5700-navi10.rom")
        let polaris = try Self.driver("amd-rx580-dell-oem-polaris.rom")
        let nvidia = try Self.driver("nvidia-rtx3070-ga104-raw.rom")
        // The Raptor Lake "2-in-1" ROM: image 0 is a helper driver, image 1 Intel's GOP.
        let rpl = try EFIOracle.sharedROM("intel-rpl-igd-plus-gop-2efi.rom")
        let intel = try EFIImagePayload.driver(of: ROMParser.parse(rpl).images[1], in: rpl).bytes
        let cases: [([UInt8], UInt16, UInt16, Kind, String)] = [
            (navi10, 0x1002, 0x731F, .matches, "Navi 10 GOP, Navi 10 VBIOS"),
            (try Self.driver("amd-rx-vega56.rom"), 0x1002, 0x687F, .matches, "Vega 56's own"),
            (try Self.driver("amd-rx5500xt-navi14-orig-imac.rom"), 0x1002, 0x7340, .matches, "Navi 14's own"),
            (hawk, 0x1002, 0x1638, .matches, "the 8945HS driver lists Cezanne's 1638 itself"),
            (hawk, 0x1002, 0x6819, .mismatch, "Hawk Point GOP, HD 7850 (Pitcairn)"),
            (hawk, 0x1002, 0x6798, .mismatch, "Hawk Point GOP, Tahiti"),
            (hawk, 0x1002, 0x1681, .mismatch, "Hawk Point GOP, Rembrandt: its table names 164D-164F only"),
            (hawk, 0x1002, 0x15BF, .unverified, "Phoenix: not listed, a Rev. 3 driver finds it by IP discovery"),
            (navi10, 0x1002, 0x15BF, .mismatch, "Phoenix needs a Rev. 3 driver"),
            (polaris, 0x1002, 0x67DF, .unverified, "Rev. 1 driver, Polaris chip"),
            (polaris, 0x1002, 0x731F, .mismatch, "Rev. 1 driver, Navi chip"),
            (hawk, 0x10DE, 0x2484, .mismatch, "AMD GOP, NVIDIA VBIOS"),
            (nvidia, 0x1002, 0x731F, .mismatch, "NVIDIA GOP, AMD VBIOS"),
            (nvidia, 0x10DE, 0x2484, .unverified, "NVIDIA's own: vendor only"),
            (intel, 0x8086, 0x0406, .unverified, "Intel GOP, Intel VBIOS: vendor only"),
            (intel, 0x1002, 0x1638, .mismatch, "Intel GOP, AMD APU"),
        ]
        for (driver, vendor, device, want, what) in cases {
            let v = GOPFamilyCheck.verdict(driver: driver, vendor: vendor, device: device)
            #expect(Self.kind(v) == want, "\(what): \(v)")
        }
    }

    @Test("patch --add-efi refuses a GOP for another family unless it is allowed, and says why")
    func patcherRefuses() throws {
        let tahiti = try EFIOracle.sharedROM("amd-hd7970-tahiti.rom")
        let hawkROM = try EFIOracle.sharedROM("amd-apu-8945hs-gop-bogus-pcir-ids.rom")
        var plan = PatchPlan()
        plan.replaceEFI = hawkROM
        #expect {
            _ = try ROMPatcher.apply(plan, to: tahiti)
        } throws: { e in
            guard let e = e as? PatchError else { return false }
            return e.code == .gopFamilyMismatch && e.next.contains { $0.action == .allowBroken }
                && e.message.contains("1002:6798") && e.message.contains("Tahiti")
        }
        plan.allowGOPMismatch = true
        let forced = try ROMPatcher.apply(plan, to: tahiti)
        #expect(forced.notes.contains { $0.code == .gopFamily && $0.message.contains("mismatch accepted") })
        #expect(forced.layout.efiImages.count == 1)
        // The APU's own VBIOS with the same driver goes through, with the record that shows it.
        let cezanne = try EFIOracle.sharedROM("amd-apu-cezanne-generic-vbios.rom")
        var add = PatchPlan()
        add.addEFI = hawkROM
        let r = try ROMPatcher.apply(add, to: cezanne)
        #expect(r.notes.contains { $0.message.contains("13.01 1636-1638") })
        #expect(r.layout.efiImages.count == 1)
    }
}

/// Hostile drivers: a 4 MiB image of nothing but plausible records (one run, no terminator) and
/// random bytes are read in one pass, with no table found and no trap.
@Suite struct GOPFamilyHostileTests {
    @Test func aWholeImageOfRecordsIsOnePass() {
        var image: [UInt8] = []
        image.reserveCapacity(4 << 20)
        while image.count < 4 << 20 { image += [0x12, 0x01, 0x10, 0x73, 0x2F, 0x73] }
        #expect(AMDGOPDevices.find(in: image) == nil, "no zero record ends it")
        image += [0, 0, 0, 0, 0, 0]
        #expect(AMDGOPDevices.find(in: image)?.ranges.count == (4 << 20) / 6 + 1)
        var rng = SystemRandomNumberGenerator()
        let noise = (0..<65536).map { _ in UInt8.random(in: 0...255, using: &rng) }
        _ = AMDGOPDevices.find(in: noise)
        _ = GOPFamilyCheck.verdict(driver: noise, vendor: 0x1002, device: 0x731F)
        #expect(AMDGOPDevices.find(in: []) == nil && AMDGOPDevices.find(in: [0x10]) == nil)
    }
}
