import Foundation
import Testing
import TestSupport
@testable import OptionROM
import Core

/// Debian's real option ROMs (packages `seabios` and `ipxe-qemu`). Missing files fail the test:
/// they are part of the test setup, not optional.
@Suite("Real ROMs")
struct RealROMTests {
    static let seabios = "/usr/share/seabios"
    static let ipxe = "/usr/lib/ipxe/qemu"
    static let install = "install them with `apt-get install seabios ipxe-qemu`"

    static func files(_ dir: String, _ match: (String) -> Bool) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter(match).sorted()
    }

    static let vgabios = files(seabios) { $0.hasPrefix("vgabios") && $0.hasSuffix(".bin") }
    static let ipxeROMs = files(ipxe) { $0.hasSuffix(".rom") }

    /// What `vbios info` showed on Debian's seabios 1.16/1.17: vendor:device of each PCI VGA BIOS.
    static let vgaIDs: [String: (UInt16, UInt16)] = [
        "vgabios-ati.bin": (0x1002, 0x5159),
        "vgabios-bochs-display.bin": (0x1234, 0x1111),
        "vgabios-cirrus.bin": (0x1013, 0x00B8),
        "vgabios-qxl.bin": (0x1B36, 0x0100),
        "vgabios-stdvga.bin": (0x1234, 0x1111),
        "vgabios-virtio.bin": (0x1AF4, 0x1050),
        "vgabios-vmware.bin": (0x15AD, 0x0405),
    ]
    /// SeaBIOS builds these without a PCI data structure.
    static let isaStyle: Set<String> = ["vgabios.bin", "vgabios-isavga.bin", "vgabios-ramfb.bin"]

    static func load(_ path: String) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw MissingROM(path: path)
        }
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    struct MissingROM: Error, CustomStringConvertible {
        var path: String
        var description: String { "\(path) is missing: \(RealROMTests.install)" }
    }

    @Test("The packages' ROMs are installed")
    func installed() throws {
        for name in Self.isaStyle.sorted() + ["vgabios-stdvga.bin"] {
            _ = try Self.load(Self.seabios + "/" + name)
        }
        for name in ["pxe-e1000.rom", "efi-e1000.rom", "efi-ne2k_pci.rom", "pxe-virtio.rom", "efi-virtio.rom"] {
            _ = try Self.load(Self.ipxe + "/" + name)
        }
        #expect(Self.vgabios.count >= 4, "too few vgabios-*.bin in \(Self.seabios): \(Self.install)")
        #expect(Self.ipxeROMs.count >= 4, "too few ROMs in \(Self.ipxe): \(Self.install)")
    }

    @Test("SeaBIOS VGA BIOSes", arguments: vgabios)
    func seabiosVGA(name: String) throws {
        let bytes = try Self.load(Self.seabios + "/" + name)
        let layout = ROMParser.parse(bytes)
        let image = try #require(layout.images.first)
        #expect(layout.images.count == 1)
        #expect(layout.prefixLength == 0)
        #expect(image.isLegacy && image.isLast)
        #expect(image.checksumValid == true, "\(name): a shipped BIOS sums to 0")
        #expect(image.length == Int(image.sizeByte) * 512)
        if Self.isaStyle.contains(name) {
            #expect(image.pcir == nil)
            #expect(layout.findingCodeSet == ["isa-rom"], "\(name)")
        } else {
            #expect(layout.isClean && layout.findings.isEmpty, "\(name): \(layout.findings.map(\.message))")
            let p = try #require(image.pcir)
            #expect(p.classCode == 0x030000)
            #expect(p.imageLengthBytes == image.length)
            if let (vendor, device) = Self.vgaIDs[name] {
                #expect(p.vendorID == vendor && p.deviceID == device, "\(name): \(Hex.string(p.vendorID, width: 4)):\(Hex.string(p.deviceID, width: 4))")
            }
        }
        _ = try parseJSON(layout.json(file: name).rendered())
    }

    @Test("iPXE ROMs for QEMU", arguments: ipxeROMs)
    func ipxeROM(name: String) throws {
        let layout = ROMParser.parse(try Self.load(Self.ipxe + "/" + name))
        let legacy = try #require(layout.images.first)
        #expect(legacy.isLegacy)
        #expect(legacy.checksumValid == true)
        #expect(legacy.pcir?.classCode == 0x020000)
        #expect(legacy.pcir?.revision == 3)
        #expect(layout.chainEnd == layout.size, "\(name): the chain covers the file")
        if name.hasPrefix("pxe-") {
            #expect(layout.images.count == 1)
            #expect(legacy.isLast)
            #expect(layout.findings.isEmpty, "\(name): \(layout.findings.map(\.message))")
        } else {
            #expect(layout.images.count == 2)
            #expect(!legacy.isLast)
            let efi = try #require(layout.images.last)
            #expect(efi.isEFI && efi.isLast)
            #expect(efi.checksumValid == nil)
            #expect(efi.efi?.signature == EFIHeader.expectedSignature)
            #expect(efi.efi?.machineTypeName == "X64")
            #expect(efi.efi?.subsystem == 11)
            // The legacy half is the pxe- ROM of the same NIC, byte for byte in its IDs.
            let pxe = ROMParser.parse(try Self.load(Self.ipxe + "/pxe-" + name.dropFirst(4)))
            #expect(pxe.images.first?.vendorID == legacy.vendorID)
            #expect(pxe.images.first?.deviceID == legacy.deviceID)
            if name == "efi-ne2k_pci.rom" {
                // This build really names 0000:0000 in its legacy PCIR and fff3:0000 in its EFI one.
                #expect(layout.findingCodeSet == ["id-mismatch"])
                #expect(legacy.vendorID == 0x0000 && efi.vendorID == 0xFFF3)
            } else {
                #expect(layout.findings.isEmpty, "\(name): \(layout.findings.map(\.message))")
                #expect(efi.vendorID == legacy.vendorID && efi.deviceID == legacy.deviceID)
            }
        }
    }
}

/// Vendor ROMs from before PCI and before ATOM (../shared/roms, from 86Box's ROM set).
@Suite("Old ROMs")
struct OldROMTests {
    static func load(_ name: String) throws -> [UInt8]? {
        let url = EFIOracle.sharedROMs.appendingPathComponent(name)
        // A missing corpus fails under CI=true and is a visible skip elsewhere (Prerequisite's rule).
        try Prerequisite.require(files: [url.path], "the corpus of real ROMs")
        return try Paths.bytes(url)
    }

    /// Tseng ET4000: an ISA VGA BIOS with text at 0x18. A note saying what it is, never a failure;
    /// the same bytes with a broken checksum are damage again.
    @Test func isaVGABIOSIsANote() throws {
        guard var rom = try Self.load("old-tseng-et4000-isa.rom") else { return }
        let layout = ROMParser.parse(rom)
        #expect(layout.findingCodeSet == ["isa-rom"], "\(layout.findings)")
        #expect(layout.verdict == .note)
        #expect(layout.images.count == 1 && layout.images.first?.checksumValid == true && layout.images.first?.length == 0x8000)
        #expect(layout.findings.first?.message.contains("No passthrough consumer will take it") == true)
        rom[0x100] &+= 1
        #expect(ROMParser.parse(rom).verdict == .fail)
    }

    /// ATI Mach64 VT: ATI's signature at 0x30 and no ATOM table. Named as what it is; the RX 5500 XT's
    /// ATOM BIOS keeps its ATOM summary.
    @Test func preATOMATIBIOSIsNamedAsSuch() throws {
        guard let mach64 = try Self.load("old-ati-mach64vt.rom"), let navi = try Self.load("amd-rx5500xt-navi14-orig-imac.rom") else { return }
        let old = ROMParser.parse(mach64)
        #expect(old.verdict == .ok)
        guard case .amd(let a)? = old.vendorInfo else { Issue.record("no ATI signature read: \(String(describing: old.vendorInfo))"); return }
        #expect(a.isPreATOM && a.buildDate == "1996/09/27 12:06")
        #expect(old.vendorInfo?.summary.hasPrefix("ATI BIOS before ATOM") == true, "\(old.vendorInfo!.summary)")
        #expect(old.vendorInfo?.vendorName == "ATI")
        let atom = ROMParser.parse(navi)
        #expect(atom.vendorInfo?.summary == "AMD 113-EM24G8G-S00, version 017.002.000.000.000000")
    }
}
