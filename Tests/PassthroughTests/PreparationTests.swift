import OptionROM
@testable import Passthrough
import Testing
import TestSupport

@Suite struct PreparationTests {
    /// Byte offsets where two buffers of one length differ.
    func changed(_ a: [UInt8], _ b: [UInt8]) -> [Int] {
        precondition(a.count == b.count)
        return a.indices.filter { a[$0] != b[$0] }
    }

    /// Byte arrays compared without printing them when they differ.
    func same(_ a: [UInt8], _ b: [UInt8]) -> Bool { a == b }

    @Test func stdvgaGetsTheCardsIDsAndAValidChecksumForXen() throws {
        let rom = try Fixture.read(Fixture.stdvga)
        let r = try ROMPreparation.prepare(rom, vendorID: 0x1002, deviceID: 0x6819, for: .xen)
        #expect(r.bytes.count == rom.count)
        let image = try #require(r.layout.images.first)
        #expect(r.layout.images.count == 1)
        #expect(image.vendorID == 0x1002 && image.deviceID == 0x6819)
        #expect(image.checksumValid == true && image.isLast)
        // Only the four ID bytes and the absorbing byte (the last runtime byte) changed.
        let pcir = try #require(image.pcir).offset
        #expect(changed(rom, r.bytes) == [pcir + 4, pcir + 5, pcir + 6, pcir + 7, rom.count - 1])
        let warning = try #require(r.notes.first { $0.code == .idMismatch })
        #expect(warning.severity == .warning)
        #expect(warning.message.contains("1234:1111") && warning.message.contains("1002:6819"))
        #expect(r.acceptance.map(\.profile) == [.hvmloader])
        #expect(r.acceptance[0].ok)
        #expect(r.acceptance[0].warnings.map(\.code) == [.crowded], "39936 bytes is over 32 KiB")
    }

    @Test func matchingROMComesBackUnchanged() throws {
        let rom = try Fixture.read(Fixture.stdvga)
        let r = try ROMPreparation.prepare(rom, vendorID: 0x1234, deviceID: 0x1111, for: .xen)
        #expect(same(r.bytes, rom))
        #expect(r.notes.isEmpty)
    }

    @Test func xenKeepsOnlyTheLegacyImageOfAHybridROM() throws {
        // A GPU-like ROM: SeaBIOS's VGA BIOS (not last) followed by iPXE's EFI image.
        let efiROM = try Fixture.read(Fixture.efiE1000)
        let efiLayout = ROMParser.parse(efiROM)
        let efi = efiLayout.images[1]
        var legacy = try Fixture.read(Fixture.stdvga)
        legacy[ROMParser.parse(legacy).images[0].pcir!.offset + PCIRFields.indicator.offset] &= ~PCIRFields.lastImage
        ROMBuilder.fixChecksum(&legacy, count: legacy.count)
        let hybrid = legacy + Array(efiROM[efi.offset..<efi.end])
        let hybridLayout = ROMParser.parse(hybrid)
        #expect(hybridLayout.images.map(\.codeType) == [.x86, .efi], "the fixture chains two images")

        let r = try ROMPreparation.prepare(hybrid, vendorID: 0x1234, deviceID: 0x1111, for: .xen)
        #expect(r.bytes.count == legacy.count)
        #expect(r.layout.images.count == 1)
        let image = r.layout.images[0]
        #expect(image.isLast, "the last bit is set on the image kept")
        #expect(image.checksumValid == true)
        #expect(r.notes.map(\.code) == [.extraImages, .noLastImage, .checksumMismatch])
        #expect(r.notes[0].message.contains("EFI"))
        #expect(ROMBuilder.sum(r.bytes[0..<image.runtimeLength]) == 0)

        // QEMU keeps both. The EFI image names iPXE's 8086:100e, not the ROM's own 1234:1111:
        // ROMPatcher's rule is to rewrite only PCIRs that name the ROM's own IDs (an image
        // for another device is not silently relabelled), so it stays, with a warning naming it.
        let q = try ROMPreparation.prepare(hybrid, vendorID: 0x1234, deviceID: 0x1111, for: .qemu)
        #expect(changed(hybrid, q.bytes) == [])
        #expect(q.layout.images.map(\.vendorID) == [0x1234, 0x8086])
        #expect(q.notes.contains { $0.code == .idMismatch && $0.severity == .warning && $0.message.contains("8086:100e") })
        // For a card the whole ROM names other IDs for, both images get the card's IDs.
        let other = try ROMPreparation.prepare(hybrid, vendorID: 0x1234, deviceID: 0x2222, for: .qemu)
        #expect(other.layout.images.map(\.deviceID) == [0x2222, 0x100E])
    }

    @Test func iPXELegacyImageIsExtractedButTooLargeForXen() throws {
        let rom = try Fixture.read(Fixture.efiE1000)
        // For Xen: the legacy image is 75264 bytes, over qemu-dm's and hvmloader's 64 KiB.
        let m = refusal { try ROMPreparation.prepare(rom, vendorID: 0x8086, deviceID: 0x100E, for: .xen) }
        #expect(m.contains("75264") && m.contains("64 KiB"), "\(m)")
        // The same extraction for QEMU (no such limit): only the legacy image, marked last,
        // checksum valid.
        let r = try ROMPreparation.prepare(rom, vendorID: 0x8086, deviceID: 0x100E, for: .qemu,
                                           options: .init(legacyOnly: true))
        #expect(r.bytes.count == 75264)
        #expect(r.layout.images.count == 1)
        let image = r.layout.images[0]
        #expect(image.isLegacy && image.isLast && image.checksumValid == true)
        #expect(r.layout.findings.filter { $0.severity != .info }.isEmpty)
        // The original's legacy image was not last: that byte and the absorbing byte changed.
        let original = Array(rom[0..<75264])
        #expect(changed(original, r.bytes) == [image.pcir!.offset + 0x15, 75263])
    }

    @Test func qemuKeepsTheWholeROM() throws {
        let rom = try Fixture.read(Fixture.efiE1000)
        let r = try ROMPreparation.prepare(rom, vendorID: 0x8086, deviceID: 0x100E, for: .qemu)
        #expect(same(r.bytes, rom))
        #expect(r.acceptance.map(\.profile) == [.qemuVFIO, .seabios])
        #expect(r.acceptance.allSatisfy { $0.ok })
        // For another card: the IDs of both images are set, and the legacy checksum repaired.
        let other = try ROMPreparation.prepare(rom, vendorID: 0x8086, deviceID: 0x10D3, for: .libvirt,
                                               options: .init(romPath: "/var/lib/libvirt/vbios/bios.bin"))
        #expect(other.layout.images.map(\.deviceID) == [0x10D3, 0x10D3])
        #expect(other.layout.images[0].checksumValid == true)
        #expect(other.notes.filter { $0.code == .idMismatch }.count == 2)
    }

    @Test func refusesWhatCannotWork() throws {
        let efiROM = try Fixture.read(Fixture.efiE1000)
        let efi = ROMParser.parse(efiROM).images[1]
        let efiOnly = Array(efiROM[efi.offset..<efi.end])
        let noLegacy = refusal { try ROMPreparation.prepare(efiOnly, vendorID: 0x8086, deviceID: 0x100E, for: .xen) }
        #expect(noLegacy.contains("no legacy x86 image"))
        // UEFI-only is fine for QEMU, with SeaBIOS advice.
        let q = try ROMPreparation.prepare(efiOnly, vendorID: 0x8086, deviceID: 0x100E, for: .qemu)
        #expect(q.notes.contains { $0.code == .noLegacyImage && $0.message.contains("SeaBIOS") })

        let truncated = Array(try Fixture.read(Fixture.stdvga)[0..<39424]) // PCIR at 0x99dc kept, the end cut
        let cut = refusal { try ROMPreparation.prepare(truncated, vendorID: 0x1234, deviceID: 0x1111, for: .qemu) }
        #expect(cut.contains("truncated"))

        #expect(throws: PassthroughError.self) {
            try ROMPreparation.prepare([0, 1, 2, 3], vendorID: 0x1234, deviceID: 0x1111, for: .qemu)
        }
        let relative = refusal {
            try ROMPreparation.prepare(Fixture.legacyImage(blocks: 8), vendorID: 0x1002, deviceID: 0x6819, for: .libvirt,
                                       options: .init(romPath: "bios.bin"))
        }
        #expect(relative.contains("absolute"))
    }

    @Test func amdATOMImagesAbsorbTheChecksumAt0x21() throws {
        var rom = Fixture.legacyImage(blocks: 16, vendor: 0x1002, device: 0x6818)
        rom.replaceSubrange(0x30..<0x3A, with: Array(" 761295520".utf8))
        ROMBuilder.fixChecksum(&rom, count: rom.count)
        // ATI's signature without an ATOM table: named ATI, and its checksum convention is the same.
        #expect(ROMParser.parse(rom).vendorInfo?.vendorName == "ATI")
        let r = try ROMPreparation.prepare(rom, vendorID: 0x1002, deviceID: 0x6819, for: .xen)
        #expect(r.layout.images[0].checksumValid == true)
        #expect(changed(rom, r.bytes) == [0x21, 0x46], "device ID low byte at PCIR+6 and ATOM's checksum byte")
        #expect(r.bytes.last == rom.last)
    }

    @Test func aBadChecksumInTheSourceIsRepairedWithAWarning() throws {
        var rom = Fixture.legacyImage(blocks: 8)
        rom[0x100] &+= 7
        let r = try ROMPreparation.prepare(rom, vendorID: 0x1002, deviceID: 0x6819, for: .xen)
        let note = try #require(r.notes.first { $0.code == .checksumMismatch })
        #expect(note.severity == .warning && note.message.contains("already failed"))
        #expect(r.layout.images[0].checksumValid == true)
    }
}

extension PreparationTests {
    /// An nvflash dump (NVGI header, legacy, EFI, NVIDIA 0xE0 images): ROMPatcher refuses to cut
    /// the extended images without force; prepare for Xen forces it, since qemu-dm needs only the
    /// legacy image, and says so.
    @Test func xenTakesTheLegacyImageOutOfAnNVIDIAChain() throws {
        let path = Oracle.repoRoot.appendingPathComponent("Fixtures/roms/nvidia-nvflash.rom").path
        let rom = try Fixture.read(path)
        let r = try ROMPreparation.prepare(rom, vendorID: 0x10DE, deviceID: 0x1E84, for: .xen)
        #expect(r.bytes.count == 8192)
        #expect(r.layout.images.count == 1 && r.layout.images[0].isLegacy && r.layout.images[0].isLast)
        #expect(r.layout.images[0].checksumValid == true)
        #expect(r.acceptance[0].ok)
        let dropped = try #require(r.notes.first { $0.code == .extraImages })
        #expect(dropped.message.contains("NVIDIA") && dropped.message.contains("not to the guest"), "\(dropped.message)")
        #expect(r.notes.contains { $0.code == .prefixHeader })
    }
}
