import Core
import Foundation
import OptionROM
import Testing
@testable import Firmware

/// `FirmwareGOPSelection`: the GOP driver a firmware image holds for a card's vendor.
struct GOPSelectionTests {
    static func walk(_ name: String) throws -> FirmwareReport { FirmwareWalker.walk(try Paths.fixture(name + ".fd")) }

    @Test func fixturesHoldWhatTheGeneratorSays() throws {
        for name in ["apu", "apu-ambiguous", "apu-none"] {
            let expect = try Expect.load(name)
            let report = try Self.walk(name)
            #expect(report.items.map(\.kind.rawValue) == expect.items.map(\.kind), "\(name)")
            #expect(report.items.map(\.name) == expect.items.map(\.name), "\(name)")
            #expect(report.findings.isEmpty, "\(name): \(report.findings)")
        }
    }

    /// The X64 AMDGopDriver, not the AArch64 one with the same name nor other vendors' drivers;
    /// without a VERSION section its version is the one the image states (iPXE's marker here).
    @Test func choosesTheVendorsX64Driver() throws {
        let report = try Self.walk("apu")
        guard case .chosen(let amd) = FirmwareGOPSelection.choose(report, vendorID: 0x1002) else {
            Issue.record("\(FirmwareGOPSelection.choose(report, vendorID: 0x1002))"); return
        }
        #expect(amd.name == "AMDGopDriver")
        #expect(amd.item.executable?.machine == 0x8664 && amd.item.executable?.format == .pe32Plus)
        #expect(amd.item.identity?.name == "iPXE")
        #expect(amd.version != nil && amd.version == amd.item.identity?.version)
        #expect(amd.evidence == ["UI name AMDGopDriver"])
        guard case .chosen(let intel) = FirmwareGOPSelection.choose(report, vendorID: 0x8086) else { Issue.record("no Intel GOP"); return }
        #expect(intel.name == "IntelGopDriver")
        guard case .none(let vendor, let found) = FirmwareGOPSelection.choose(report, vendorID: 0x10DE) else { Issue.record("NVIDIA chosen"); return }
        #expect(vendor == .nvidia && found.count == 4)
        guard case .none(nil, _) = FirmwareGOPSelection.choose(report, vendorID: 0x1234) else { Issue.record("unknown vendor chosen"); return }
    }

    @Test func ambiguousAndNone() throws {
        guard case .ambiguous(.amd, let candidates) = FirmwareGOPSelection.choose(try Self.walk("apu-ambiguous"), vendorID: 0x1002) else {
            Issue.record("not ambiguous"); return
        }
        #expect(candidates.map(\.name) == ["AMDGopDriver", "AMD GOP Dxe"])
        let none = FirmwareGOPSelection.choose(try Self.walk("apu-none"), vendorID: 0x1002)
        guard case .none(.amd, let found) = none else { Issue.record("\(none)"); return }
        #expect(found == ["\"IntelGopDriver\" X64", "\"AMDGopDriver\" AArch64"])
        #expect(none.next.map(\.action) == [.scanFirmware, .addEFIDriver])
        #expect(none.finding(firmwarePath: "fw.bin")?.hasPrefix("fw.bin holds no X64 GOP driver for AMD") == true)
    }

    /// A ROM that already has an X64 EFI image needs nothing from the firmware.
    @Test func aROMWithAnX64ImageNeedsNone() throws {
        let withEFI = try Paths.bytes(Paths.root.appendingPathComponent("Fixtures/roms/legacy-efi.rom").path)
        let layout = ROMParser.parse(withEFI)
        try #require(layout.efiImages.contains { $0.efi?.machineType == 0x8664 })
        guard case .notNeeded = FirmwareGOPSelection.forPreparation(try Self.walk("apu"), rom: withEFI, vendorID: 0x1002) else {
            Issue.record("a GOP was chosen for a ROM that has one"); return
        }
        let amd = try Paths.bytes(Paths.root.appendingPathComponent("Fixtures/roms/amd.rom").path)
        guard case .chosen = FirmwareGOPSelection.forPreparation(try Self.walk("apu"), rom: amd, vendorID: 0x1002) else {
            Issue.record("no GOP for a legacy-only ROM"); return
        }
    }
}
