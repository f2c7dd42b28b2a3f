import Core
import OptionROM
@testable import Passthrough
import Testing
import TestSupport

/// `prepare --rom` for another chip, and the guest firmware a ROM is prepared for.
@Suite struct FirmwareChoiceTests {
    @Test func aROMForAnotherChipIsNamedUnlessItsDeviceListNamesTheCard() throws {
        let stdvga = ROMParser.parse(try Fixture.read(Fixture.stdvga))     // 1234:1111
        let why = try #require(ROMPreparation.anotherChip(stdvga, vendorID: 0x10DE, deviceID: 0x128B))
        #expect(why.contains("1234:1111") && why.contains("10de:128b"))
        #expect(ROMPreparation.anotherChip(stdvga, vendorID: 0x1234, deviceID: 0x1111) == nil)

        // An Intel IGD VBIOS whose PCIR 3.0 device list names the card.
        var spec = ROMBuilder.bareLegacy(units: 4, vendor: 0x8086, device: 0x0406, entry: [0xCB])
        spec.pcir.revision = 3
        spec.pcir.deviceListPointer = 0x20
        spec.pcir.deviceList = [0x0416]
        let rom = spec.build()
        let intel = ROMParser.parse(rom)
        #expect(intel.images.first?.pcir?.deviceList == [0x0416])
        #expect(ROMPreparation.anotherChip(intel, vendorID: 0x8086, deviceID: 0x0416) == nil)
        #expect(ROMPreparation.anotherChip(intel, vendorID: 0x8086, deviceID: 0x0412) != nil)
    }

    @Test func firmwareDefaultsAreUEFIForQEMUAndBIOSForXen() {
        #expect(ROMPreparation.Firmware.default(for: .qemu) == .uefi)
        #expect(ROMPreparation.Firmware.default(for: .libvirt) == .uefi)
        #expect(ROMPreparation.Firmware.default(for: .xen) == .bios)
    }

    @Test func aLegacyOnlyROMForAUEFIGuestGetsNoEFIImageWithTheNextStep() throws {
        let rom = try Fixture.read(Fixture.stdvga)
        let uefi = try ROMPreparation.prepare(rom, vendorID: 0x1234, deviceID: 0x1111, for: .qemu)
        let note = try #require(uefi.notes.first { $0.code == .noEFIImage })
        // The next steps are typed (the CLI words them): add the GOP driver, or give the guest SeaBIOS.
        #expect(note.severity == .warning && note.steps.contains(NextStep(.patch, "add-efi"))
                && note.steps.contains(NextStep(.firmware, "bios")), "\(note.steps)")
        var o = ROMPreparation.Options()
        o.firmware = .bios
        let bios = try ROMPreparation.prepare(rom, vendorID: 0x1234, deviceID: 0x1111, for: .qemu, options: o)
        #expect(!bios.notes.contains { $0.code == .noEFIImage })
        // Xen's default is bios: no such note.
        let xen = try ROMPreparation.prepare(rom, vendorID: 0x1234, deviceID: 0x1111, for: .xen)
        #expect(!xen.notes.contains { $0.code == .noEFIImage })
    }

    @Test func anEFIOnlyROMForABIOSGuestIsRefused() throws {
        let rom = try Fixture.read(Fixture.efiE1000)
        let layout = ROMParser.parse(rom)
        // iPXE's efi-e1000 ROM holds a legacy and an EFI image; keep its EFI image alone.
        let efi = try ROMPatcher.apply({ var p = PatchPlan(); p.extract = .efi; return p }(), to: rom).bytes
        #expect(layout.efiImages.count >= 1)
        var o = ROMPreparation.Options()
        o.firmware = .bios
        do {
            _ = try ROMPreparation.prepare(efi, vendorID: 0x8086, deviceID: 0x100E, for: .qemu, options: o)
            Issue.record("expected a refusal, got a result")
        } catch {
            #expect(error.message.contains("SeaBIOS") && error.steps.contains(NextStep(.firmware, "bios")), "\(error)")
        }
        // The same ROM for OVMF is fine.
        let uefi = try ROMPreparation.prepare(efi, vendorID: 0x8086, deviceID: 0x100E, for: .qemu)
        #expect(!uefi.notes.contains { $0.code == .noEFIImage })
    }
}
