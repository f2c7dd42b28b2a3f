import Foundation
import Testing
@testable import OptionROM

@Suite("EFI images opened")
struct EFIImageDetailsTests {
    /// What each real vendor file's EFI images say (driver name, version), found by looking at them.
    static let expected: [String: [(String, String?)]] = [
        "amd-apu-8945hs-gop-bogus-pcir-ids.rom": [("AMD GOP X64 Rel Driver", "3.8.5")],
        "amd-hd7970-tahiti.rom": [("AMD GOP X64 Release Driver", "1.54.0.0.0")],
        "amd-rx-vega56.rom": [("AMD GOP X64 Release Driver", "2.2.0.0.0")],
        "amd-rx5700-navi10.rom": [("AMD GOP X64 Release Driver", "2.10.0.0.0")],
        "amd-rx580-dell-oem-polaris.rom": [("AMD GOP X64 Release Driver", "1.61.0.15.50")],
        "intel-rpl-igd-plus-gop-2efi.rom": [("", nil), ("Intel(R) GOP Driver", "1077")],
        "nvidia-rtx2060-tu106-nvgi-tpu.rom": [("NVIDIA GPU UEFI Driver", "0x5000B")],
        "nvidia-rtx3070-ga104-raw.rom": [("NVIDIA GPU UEFI Driver", "0x60009")],
        "nvidia-rtx3080-laptop-ga104-razer-nvgi.rom": [("NVIDIA GPU UEFI Driver", "0x6000D")],
        "nvidia-rtx4060ti-ad106-headerless-dualcopy.rom": [("NVIDIA GPU UEFI Driver", "0x70011")],
    ]

    @Test("Real vendor ROMs: every EFI image opens as an X64 PE32+ driver with the name and version it carries")
    func realROMs() throws {
        _ = try EFIOracle.sharedROMNames()
        for (name, drivers) in Self.expected.sorted(by: { $0.key < $1.key }) {
            let bytes = try Paths.bytes(EFIOracle.sharedROMs.appendingPathComponent(name))
            let layout = bytes.withUnsafeBytes { ROMParser.parse($0) }.withEFIDetails(bytes)
            let efi = layout.images.filter { $0.efiDetails != nil }
            #expect(efi.count == drivers.count, "\(name): \(efi.count) EFI images opened")
            for (image, (driverName, version)) in zip(efi, drivers) {
                let d = try #require(image.efiDetails)
                #expect(d.problem == nil, "\(name): \(d.problem ?? "")")
                #expect(d.pe?.format == .pe32Plus && d.pe?.machine == 0x8664 && d.pe?.subsystem == 11, "\(name)")
                #expect((d.driver?.name ?? "") == driverName, "\(name): \(String(describing: d.driver))")
                #expect(d.driver?.version == version, "\(name): \(String(describing: d.driver))")
                #expect(d.compressed == (image.efi?.compression == 1))
                if d.compressed { #expect(d.compressionFormat == .efi11 && (d.decompressedLength ?? 0) > 60_000) }
            }
            #expect(layout.findings(.badEFIImage).isEmpty && layout.findings(.efiHeaderMismatch).isEmpty, "\(name)")
        }
    }

    @Test("iPXE's EFI driver in Debian's efi-e1000.rom names itself and its version")
    func ipxe() throws {
        let rom = try RealROMTests.load(RealROMTests.ipxe + "/efi-e1000.rom")
        let layout = rom.withUnsafeBytes { ROMParser.parse($0) }.withEFIDetails(rom)
        let d = try #require(layout.efiImages.first?.efiDetails)
        #expect(d.driver?.name == "iPXE" && d.driver?.version?.first?.isNumber == true, "\(String(describing: d.driver))")
        // Uncompressed: the driver's length is what the EFI header's initialization size leaves
        // after the PE offset (header +0x02 in 512-byte units, +0x16 the offset; PCI Firmware 3.0, 5.1.1.2).
        let image = try #require(layout.efiImages.first)
        let initBytes = (Int(rom[image.offset + 0x02]) | Int(rom[image.offset + 0x03]) << 8) * 512
        let peOffset = Int(rom[image.offset + 0x16]) | Int(rom[image.offset + 0x17]) << 8
        #expect(d.compressed == false && d.decompressedLength == min(initBytes, rom.count - image.offset) - peOffset,
                "\(String(describing: d.decompressedLength)) from init size \(initBytes), PE at \(peOffset)")
        let json = layout.json(file: nil).rendered()
        for key in ["\"decompressedLength\"", "\"compressed\"", "\"driver\"", "\"pe\""] { #expect(json.contains(key)) }
    }

    @Test("A PE header that contradicts the EFI header, and a driver that is not a PE, are findings")
    func mismatchAndDamage() throws {
        var rom = try RealROMTests.load(RealROMTests.ipxe + "/efi-e1000.rom")
        let image = try #require(ROMParser.parse(rom.withUnsafeBytes { $0 }).efiImages.first)
        // The EFI header says AArch64 where the driver is X64.
        rom[image.offset + 0x0A] = 0x64
        rom[image.offset + 0x0B] = 0xAA
        var layout = rom.withUnsafeBytes { ROMParser.parse($0) }.withEFIDetails(rom)
        let mismatch = layout.findings(.efiHeaderMismatch)
        #expect(mismatch.count == 1 && mismatch[0].message.contains("AArch64") && mismatch[0].message.contains("X64"), "\(mismatch)")
        // The driver's MZ destroyed.
        let pe = image.offset + Int(image.efi!.peOffset)
        rom[pe] = 0
        layout = rom.withUnsafeBytes { ROMParser.parse($0) }.withEFIDetails(rom)
        #expect(layout.findings(.badEFIImage).count == 1)
        #expect(layout.efiImages.first?.efiDetails?.problem != nil)
    }

    @Test("A damaged compressed GOP is a finding, not a crash")
    func damagedCompressed() throws {
        var rom = try EFIOracle.sharedROM("amd-rx-vega56.rom")
        let image = try #require(ROMParser.parse(rom.withUnsafeBytes { $0 }).efiImages.first)
        // The stream's stated compressed size made larger than the image.
        let s = image.offset + Int(image.efi!.peOffset)
        rom[s + 3] = 0x7F
        let layout = rom.withUnsafeBytes { ROMParser.parse($0) }.withEFIDetails(rom)
        let f = layout.findings(.badEFIImage)
        #expect(f.count == 1 && f[0].message.contains("decompressed"), "\(f)")
    }

    @Test("PE/TE headers: truncated and foreign inputs are errors with an offset")
    func peErrors() throws {
        #expect(throws: PEImageError.self) { try PEImage.parse([]) }
        #expect(throws: PEImageError.self) { try PEImage.parse(Array("MZ".utf8)) }
        #expect(throws: PEImageError.self) { try PEImage.parse([UInt8](repeating: 0x41, count: 200)) }
        var mz = [UInt8](repeating: 0, count: 0x40)
        mz[0] = 0x4D; mz[1] = 0x5A; mz[0x3C] = 0xFF; mz[0x3D] = 0xFF
        do { _ = try PEImage.parse(mz); Issue.record("accepted") } catch { #expect(error.offset == 0x3C) }
        // A minimal TE header: VZ, machine X64, 1 section, subsystem 11.
        var te = [UInt8](repeating: 0, count: 40)
        te[0] = 0x56; te[1] = 0x5A; te[2] = 0x64; te[3] = 0x86; te[4] = 1; te[5] = 11
        let t = try PEImage.parse(te)
        #expect(t.format == .te && t.machine == 0x8664 && t.isEFIDriver)
    }
}
