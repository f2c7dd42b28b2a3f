import OptionROM
@testable import Passthrough
import Testing

@Suite struct ProfileTests {
    func check(_ profile: ConsumerProfile, _ bytes: [UInt8], vendor: UInt16 = 0x1002, device: UInt16 = 0x6819,
               path: String? = nil, romBAR: Bool = true) -> Acceptance {
        profile.check(.init(bytes: bytes, vendorID: vendor, deviceID: device, romPath: path, romBAR: romBAR))
    }

    func codes(_ a: Acceptance, _ s: Finding.Severity) -> [String] {
        a.problems.filter { $0.severity == s }.map(\.code.rawValue)
    }

    @Test func hvmloaderAcceptsExactly64KiBAndRefusesOneBlockMore() {
        let exact = check(.hvmloader, Fixture.legacyImage(blocks: 128))
        #expect(exact.ok)
        #expect(codes(exact, .warning) == ["crowded"], "64 KiB fits but crowds the other option ROMs")
        let over = check(.hvmloader, Fixture.legacyImage(blocks: 129))
        #expect(!over.ok)
        #expect(codes(over, .error) == ["too-large"])
        #expect(over.errors[0].message.contains("66048"))
    }

    @Test func hvmloaderWarnsAbove32KiBOnly() {
        #expect(check(.hvmloader, Fixture.legacyImage(blocks: 64)).problems.isEmpty)
        #expect(codes(check(.hvmloader, Fixture.legacyImage(blocks: 65)), .warning) == ["crowded"])
    }

    @Test func hvmloaderRefusesBadChecksumWrongIDsZeroSizeAndOddLength() {
        var bad = Fixture.legacyImage(blocks: 8)
        bad[100] &+= 1
        #expect(codes(check(.hvmloader, bad), .error) == ["checksum-mismatch"])

        let other = Fixture.legacyImage(blocks: 8, vendor: 0x1234, device: 0x1111)
        let ids = check(.hvmloader, other)
        #expect(codes(ids, .error) == ["id-mismatch"])
        #expect(ids.errors[0].message.contains("1234:1111") && ids.errors[0].message.contains("1002:6819"))

        let zero = check(.hvmloader, Fixture.legacyImage(blocks: 8, sizeByte: 0))
        #expect(codes(zero, .error) == ["size-mismatch"])

        let odd = Fixture.legacyImage(blocks: 8) + [1, 2, 3]
        let oddCheck = check(.hvmloader, odd)
        #expect(codes(oddCheck, .error) == ["misaligned"])
        #expect(oddCheck.errors[0].message.contains("mkhex"), "4099 bytes is not a multiple of 4 either")
        let odd4 = check(.hvmloader, Fixture.legacyImage(blocks: 8) + [1, 2, 3, 4])
        #expect(codes(odd4, .error) == ["misaligned"])
        #expect(!odd4.errors[0].message.contains("mkhex"))
    }

    @Test func hvmloaderRefusesEFIOnlyAndWarnsAboutExtraImages() throws {
        let efi = try Fixture.read(Fixture.efiE1000)
        let layout = ROMParser.parse(efi)
        let efiOnly = Array(efi[layout.images[1].offset...])
        let a = check(.hvmloader, efiOnly, vendor: 0x8086, device: 0x100E)
        #expect(codes(a, .error) == ["no-legacy-image"])
        let whole = check(.hvmloader, efi, vendor: 0x8086, device: 0x100E)
        #expect(codes(whole, .error) == ["too-large"])
        #expect(codes(whole, .warning) == ["extra-images"])
    }

    @Test func seabiosMatchesIDsUnlessROMBAROff() throws {
        let stdvga = try Fixture.read(Fixture.stdvga)
        #expect(check(.seabios, stdvga, vendor: 0x1234, device: 0x1111).ok)
        let mismatch = check(.seabios, stdvga)
        #expect(codes(mismatch, .error) == ["id-mismatch"])
        #expect(check(.seabios, stdvga, romBAR: false).ok)
        var bad = stdvga
        bad[0x200] &+= 1
        #expect(codes(check(.seabios, bad, vendor: 0x1234, device: 0x1111), .error) == ["checksum-mismatch"])
    }

    @Test func qemuTakesAnyROMAndSaysWhatItDoesNot() throws {
        let efi = try Fixture.read(Fixture.efiE1000)
        let a = check(.qemuVFIO, efi)
        #expect(a.ok)
        #expect(codes(a, .info) == ["bar-rounding"])
        #expect(a.problems.first { $0.code == .barRounding }?.message.contains("262144") == true, "249856 rounds to 256 KiB")
        #expect(codes(a, .warning) == ["id-mismatch"])
        var bad = try Fixture.read(Fixture.stdvga)
        bad[0x200] &+= 1
        let b = check(.qemuVFIO, bad, vendor: 0x1234, device: 0x1111)
        #expect(b.ok, "QEMU does not check the checksum")
        #expect(codes(b, .warning) == ["checksum-mismatch"])
        #expect(check(.qemuVFIO, Fixture.legacyImage(blocks: 64)).problems.isEmpty, "32 KiB is a power of two")
    }

    @Test func libvirtNeedsAnAbsolutePath() {
        let rom = Fixture.legacyImage(blocks: 64)
        #expect(check(.libvirt, rom, path: "/var/lib/libvirt/vbios/bios.bin").ok)
        let rel = check(.libvirt, rom, path: "out/bios.bin")
        #expect(codes(rel, .error) == ["relative-path"])
        #expect(!check(.qemuVFIO, rom, path: "out/bios.bin").problems.contains { $0.code == .relativePath })
    }
}
