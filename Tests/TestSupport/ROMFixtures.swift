import OptionROM

// The synthetic option ROMs of Fixtures/roms, each with its expectations (NAME.rom and
// NAME.expect.json). `swift run gen-fixtures` writes them; FixtureTests compares the committed
// files with what this builds. Deterministic: "random" bytes come from a seeded xorshift.
//
// NAME.expect.json:
//     { "size", "prefixLength",
//       "images": [ {"offset", "length", "signature", "codeType", "vendorID", "deviceID",
//                    "classCode", "last", "checksumValid"} ],
//       "vendorInfo": { the JSON contract keys (README) the fixture pins down },
//       "findingCodes": [ the sorted set of finding codes expected ] }
//
// Layouts follow the code that reads these ROMs: the PCI Firmware spec (EDK2 Pci22.h/Pci30.h),
// nouveau nvkm/subdev/bios (image.c, pcir.c, npde.c, bit.c), amdgpu atom.c, i915 intel_vbt_defs.h.

public struct ROMFixture: Sendable {
    public var name: String
    public var bytes: [UInt8]
    public var expectation: FixtureExpectation
}

public struct FixtureExpectation: Sendable {
    public struct Image: Sendable {
        public var offset: Int
        public var length: Int
        public var signature: String
        public var codeType: Int
        public var vendorID: UInt16?
        public var deviceID: UInt16?
        public var classCode: UInt32?
        public var last: Bool
        public var checksumValid: Bool?
    }
    public enum Value: Sendable { case string(String), int(Int) }

    public var size: Int
    public var prefixLength: Int
    public var images: [Image]
    /// In the order the file lists them.
    public var vendorInfo: [(String, Value)]
    public var findingCodes: [String]

    /// The JSON text, laid out as the committed files are (two-space indent, keys in this order).
    public var json: String {
        func hex(_ v: (some BinaryInteger)?, _ width: Int) -> String {
            guard let v else { return "null" }
            let s = String(v, radix: 16)
            return "\"" + String(repeating: "0", count: max(0, width - s.count)) + s + "\""
        }
        func bool(_ b: Bool?) -> String { b.map { $0 ? "true" : "false" } ?? "null" }
        var out = "{\n  \"size\": \(size),\n  \"prefixLength\": \(prefixLength),\n  \"images\": "
        if images.isEmpty {
            out += "[]"
        } else {
            out += "[\n" + images.map { i in
                "    {\n" + [
                    "\"offset\": \(i.offset)", "\"length\": \(i.length)", "\"signature\": \"\(i.signature)\"",
                    "\"codeType\": \(i.codeType)", "\"vendorID\": \(hex(i.vendorID, 4))", "\"deviceID\": \(hex(i.deviceID, 4))",
                    "\"classCode\": \(hex(i.classCode, 6))", "\"last\": \(bool(i.last))", "\"checksumValid\": \(bool(i.checksumValid))",
                ].map { "      " + $0 }.joined(separator: ",\n") + "\n    }"
            }.joined(separator: ",\n") + "\n  ]"
        }
        out += ",\n  \"vendorInfo\": "
        if vendorInfo.isEmpty {
            out += "{}"
        } else {
            out += "{\n" + vendorInfo.map { k, v in
                switch v {
                case .string(let s): "    \"\(k)\": \"\(s)\""
                case .int(let n): "    \"\(k)\": \(n)"
                }
            }.joined(separator: ",\n") + "\n  }"
        }
        out += ",\n  \"findingCodes\": "
        let codes = Array(Set(findingCodes)).sorted()
        out += codes.isEmpty ? "[]" : "[\n" + codes.map { "    \"\($0)\"" }.joined(separator: ",\n") + "\n  ]"
        return out + "\n}\n"
    }
}

public enum ROMFixtures {
    /// Every fixture, in the order the generator writes them.
    public static func all() -> [ROMFixture] {
        var fx = Collector()
        generic(&fx)
        nvidia(&fx)
        amd(&fx)
        atiPreATOM(&fx)
        intel(&fx)
        broken(&fx)
        return fx.items
    }

    struct Collector {
        var items: [ROMFixture] = []
        mutating func write(_ name: String, _ data: [UInt8], images: [FixtureExpectation.Image], codes: [String] = [],
                            vendor: [(String, FixtureExpectation.Value)] = [], prefix: Int = 0) {
            precondition(data.count < 256 * 1024, name)
            items.append(ROMFixture(name: name, bytes: data, expectation: FixtureExpectation(
                size: data.count, prefixLength: prefix, images: images, vendorInfo: vendor, findingCodes: codes)))
        }
    }

    typealias Image = FixtureExpectation.Image

    static func expect(_ offset: Int, _ length: Int, _ signature: String, _ codeType: Int, _ vendor: UInt16?, _ device: UInt16?,
                       _ classCode: UInt32?, _ last: Bool, _ checksum: Bool?) -> Image {
        Image(offset: offset, length: length, signature: signature, codeType: codeType, vendorID: vendor, deviceID: device,
              classCode: classCode, last: last, checksumValid: checksum)
    }

    /// A legacy image's expectation.
    static func L(_ offset: Int, _ img: [UInt8], _ vendor: UInt16, _ device: UInt16, last: Bool, checksum: Bool? = true,
                  classCode: UInt32 = 0x030000, length: Int? = nil, signature: String = "55aa") -> Image {
        expect(offset, length ?? img.count, signature, 0, vendor, device, classCode, last, checksum)
    }

    /// An image of another code type (EFI by default).
    static func E(_ offset: Int, _ img: [UInt8], _ vendor: UInt16, _ device: UInt16, last: Bool, classCode: UInt32 = 0x030000,
                  length: Int? = nil, codeType: Int = 3, signature: String = "55aa") -> Image {
        expect(offset, length ?? img.count, signature, codeType, vendor, device, classCode, last, nil)
    }

    // MARK: - The fixtures

    static func generic(_ fx: inout Collector) {
        // A legacy-only VGA ROM, PCIR revision 0 (what SeaBIOS's vgabios-stdvga looks like).
        let vga = ROMBuilder.legacy(vendor: 0x1234, device: 0x1111, units: 16, seed: 10).build()
        fx.write("legacy-vga", vga, images: [L(0, vga, 0x1234, 0x1111, last: true)])

        // Legacy + EFI, PCIR revision 3: device list, max runtime length, configuration-utility and
        // DMTF CLP pointers; EFI boot-service driver for X64, uncompressed.
        let leg = ROMBuilder.legacy(vendor: 0x10EC, device: 0x8139, units: 24, last: false, classCode: 0x020000, revision: 3, seed: 11) {
            $0.pcir.deviceListPointer = 0x1C
            $0.pcir.deviceList = [0x8139, 0x8138]
            $0.pcir.maxRuntimeUnits = 8
            $0.pcir.configUtility = 0x0400
            $0.pcir.dmtfCLP = 0x0800
        }.build()
        let efi = ROMBuilder.efi(vendor: 0x10EC, device: 0x8139, units: 16, classCode: 0x020000, seed: 12,
                                 deviceList: [0x8139, 0x8138]).build()
        fx.write("legacy-efi", leg + efi, images: [
            L(0, leg, 0x10EC, 0x8139, last: false, classCode: 0x020000),
            E(leg.count, efi, 0x10EC, 0x8139, last: true, classCode: 0x020000)])

        // Legacy + two compressed EFI drivers (IA32 and X64): compression 1, runtime subsystem too.
        let leg2 = ROMBuilder.legacy(vendor: 0x8086, device: 0x100E, units: 8, last: false, classCode: 0x020000, revision: 3, seed: 13).build()
        let e1 = ROMBuilder.efi(vendor: 0x8086, device: 0x100E, units: 8, last: false, classCode: 0x020000, machine: ROMBuilder.ia32,
                                compression: 1, seed: 14).build()
        let e2 = ROMBuilder.efi(vendor: 0x8086, device: 0x100E, units: 8, last: true, classCode: 0x020000, subsystem: 12,
                                machine: ROMBuilder.x64, compression: 1, initUnits: 6, seed: 15, peOffset: 0x38).build()
        fx.write("legacy-efi-compressed", leg2 + e1 + e2, images: [
            L(0, leg2, 0x8086, 0x100E, last: false, classCode: 0x020000),
            E(leg2.count, e1, 0x8086, 0x100E, last: false, classCode: 0x020000),
            E(leg2.count + e1.count, e2, 0x8086, 0x100E, last: true, classCode: 0x020000)])

        // Legacy + Open Firmware + an unknown code type (0x42).
        let leg3 = ROMBuilder.legacy(vendor: 0x1002, device: 0x6898, units: 8, last: false, seed: 16).build()
        let of = ROMBuilder.other(vendor: 0x1002, device: 0x6898, units: 4, codeType: 0x01, last: false, seed: 17).build()
        let unk = ROMBuilder.other(vendor: 0x1002, device: 0x6898, units: 2, codeType: 0x42, last: true, seed: 18).build()
        fx.write("legacy-openfirmware-unknown", leg3 + of + unk, images: [
            L(0, leg3, 0x1002, 0x6898, last: false),
            E(leg3.count, of, 0x1002, 0x6898, last: false, codeType: 1),
            E(leg3.count + of.count, unk, 0x1002, 0x6898, last: true, codeType: 0x42)])
    }

    static let nvVendor: UInt16 = 0x10DE, nvDevice: UInt16 = 0x1E84

    /// NVIDIA BIT (nouveau bit.c): FF B8 'BIT' 00, version 0x0100, header length 12, entry length
    /// 6, count, checksum; entries id, version, u16 length, u16 offset.
    static func bitTable(_ entries: [(Character, UInt8, UInt16, UInt16)]) -> [UInt8] {
        var head: [UInt8] = [0xFF, 0xB8] + Array("BIT".utf8) + [0x00]
        head += ROMBuilder.le16(0x0100) + [12, 6, UInt8(entries.count), 0]
        head[11] = 0 &- ROMBuilder.sum(head)
        return head + entries.flatMap { id, version, length, offset in
            [UInt8(id.asciiValue!), version] + ROMBuilder.le16(length) + ROMBuilder.le16(offset)
        }
    }

    /// An NVIDIA-style chain, as nouveau image.c walks it:
    /// 0 legacy 55AA (PCIR not last, NPDE not last) with the BIT table,
    /// 1 EFI 55AA (PCIR says last and a short length; NPDE says not last, longer: NPDE wins),
    /// 2 77BB hidden image with NPDS, code type 0xE0,
    /// 3 564E image with RGIS, code type 0xE0,
    /// 4 55AA code type 0x70 (NPDE present but ignored: PCIR's length rules).
    static func nvidiaROM(type70Last: Bool = true) -> ([UInt8], [Image]) {
        let legUnits = 16
        var leg = ROMBuilder.legacy(vendor: nvVendor, device: nvDevice, units: legUnits, last: false, pcirAt: 0x1A0, seed: 20,
                                    npde: .init(last: false, imageUnits: legUnits), checksum: false).build()
        // BIT at 0x160 ('i' data at 0x300: bytes 00 53 07 80 21 -> 80.07.53.00.21).
        let bit = bitTable([("2", 1, 4, 0x0320), ("B", 1, 0x10, 0x0330), ("C", 2, 0x2C, 0x0340),
                            ("I", 1, 0x17, 0x0370), ("i", 2, 0x7A, 0x0300), ("P", 2, 0x58, 0x0390),
                            ("S", 1, 0x0C, 0x03F0), ("x", 1, 0x08, 0x0400)])
        leg.poke(0x160, bit)
        leg.poke(0x300, [0x00, 0x53, 0x07, 0x80, 0x21])
        ROMBuilder.fixChecksum(&leg, count: legUnits * 512)

        let efi = ROMBuilder.efi(vendor: nvVendor, device: nvDevice, units: 24, last: true, initUnits: 20, seed: 21,
                                 npde: .init(last: false, imageUnits: 24), pcirUnits: 12, peOffset: 0x60).build()
        let hidden = ROMBuilder.other(vendor: nvVendor, device: nvDevice, units: 8, codeType: 0xE0, last: false, seed: 22,
                                      signature: [0x77, 0xBB], pcirSignature: "NPDS", npde: .init(last: false, imageUnits: 8)).build()
        let vn = ROMBuilder.other(vendor: nvVendor, device: nvDevice, units: 4, codeType: 0xE0, last: true, seed: 23,
                                  signature: [0x56, 0x4E], pcirSignature: "RGIS", npde: .init(last: false, imageUnits: 4)).build()
        // 0x70: NPDE claims 6 units and "not last"; nouveau ignores it for this code type.
        let t70 = ROMBuilder.other(vendor: nvVendor, device: nvDevice, units: 2, codeType: 0x70, last: type70Last, seed: 24,
                                   npde: .init(last: false, imageUnits: 6)).build()
        let rom = leg + efi + hidden + vn + t70
        let o1 = leg.count, o2 = o1 + efi.count, o3 = o2 + hidden.count, o4 = o3 + vn.count
        return (rom, [
            L(0, leg, nvVendor, nvDevice, last: false),
            E(o1, efi, nvVendor, nvDevice, last: false),
            E(o2, hidden, nvVendor, nvDevice, last: false, codeType: 0xE0, signature: "77bb"),
            E(o3, vn, nvVendor, nvDevice, last: false, codeType: 0xE0, signature: "564e"),
            E(o4, t70, nvVendor, nvDevice, last: true, codeType: 0x70),
        ])
    }

    static func nvidia(_ fx: inout Collector) {
        let version: [(String, FixtureExpectation.Value)] = [("version", .string("80.07.53.00.21"))]
        let (rom, images) = nvidiaROM()
        // Flash dumps pad with 0xFF to the chip size: clean.
        let padded = rom + [UInt8](repeating: 0xFF, count: 0x14000 - rom.count)
        // Image 1's PCIR and NPDE lengths differ (NPDE rules): information.
        fx.write("nvidia", padded, images: images, codes: ["length-disagreement"], vendor: version)

        // nvflash's save: a 0x400-byte NVGI header before the ROM the card exposes.
        var hdr = [UInt8](repeating: 0, count: 0x400)
        hdr.poke(0, Array("NVGI".utf8))
        hdr.poke32(4, 0x400)
        hdr.poke32(8, UInt32(rom.count))
        hdr.poke(0x10, Array("nvflash dump header (synthetic)".utf8))
        let shifted = images.map { var i = $0; i.offset += 0x400; return i }
        fx.write("nvidia-nvflash", hdr + rom, images: shifted, codes: ["prefix-header", "length-disagreement"], vendor: version, prefix: 0x400)

        // The 0x70 image not marked last anywhere: nouveau's image.c ends the chain there anyway.
        let (unmarked, images2) = nvidiaROM(type70Last: false)
        fx.write("nvidia-type70-unmarked", unmarked, images: images2, codes: ["length-disagreement"], vendor: version)
    }

    /// amdgpu atom.c: ' 761295520' at 0x30, ATOM ROM header via the u16 at 0x48 ('ATOM' at +4),
    /// strings count at 0x2F and string start via the u16 at 0x6E (part number first), the
    /// version after 'ATOMBIOSBK-AMD VER', the build date at 0x50.
    static func amd(_ fx: inout Collector) {
        let units = 32
        var img = ROMBuilder.legacy(vendor: 0x1002, device: 0x1636, units: units, pcirAt: 0x1E0, seed: 30, checksum: false).build()
        img.poke(0x1E, Array("IBM".utf8))
        img[0x2F] = 1  // number of strings
        img.poke(0x30, Array(" 761295520".utf8))
        img.zero(0x3A..<0x48)
        img.poke16(0x48, 0x0220)
        img.zero(0x4A..<0x50)
        img.poke(0x50, Array("09/12/19 11:23:00".utf8))
        img.zero(0x61..<0x6E)
        img.poke16(0x6E, 0x0120)
        img.zero(0x70..<0xC0)
        img.poke(0x120, Array("113-RENOIR-035\0".utf8))
        // ATOM_ROM_HEADER: common header (size, format rev, content rev), then the signature.
        var hdr = [UInt8](repeating: 0, count: 0x24)
        hdr.poke16(0, 0x24)
        hdr[2] = 2; hdr[3] = 2
        hdr.poke(4, Array("ATOM".utf8))
        hdr.poke16(0x08, 0xC000)            // runtime segment
        hdr.poke16(0x1C, 0x1002)            // subsystem vendor
        hdr.poke16(0x1E, 0x1636)            // subsystem ID
        hdr.poke16(0x20, 0x01E0)            // PCI info offset
        img.poke(0x220, hdr)
        img.poke(0x260, Array("ATOMBIOSBK-AMD VER017.010.000.030.000000\0".utf8))
        ROMBuilder.fixChecksum(&img, count: units * 512)
        fx.write("amd", img, images: [L(0, img, 0x1002, 0x1636, last: true)],
                 vendor: [("partNumber", .string("113-RENOIR-035")), ("version", .string("017.010.000.030.000000")),
                          ("buildDate", .string("09/12/19 11:23:00"))])
    }

    /// ATI before ATOM (Mach64, Rage): ATI's signature at 0x30 and a build date at 0x50, but the u16
    /// at 0x48 leads to no ATOM table (Linux radeon_bios.c reads the older tables there).
    static func atiPreATOM(_ fx: inout Collector) {
        let units = 16
        var img = ROMBuilder.legacy(vendor: 0x1002, device: 0x5654, units: units, pcirAt: 0x138, seed: 31, checksum: false).build()
        img.poke(0x1E, Array("IBM".utf8))
        img.poke(0x30, Array(" 761295520".utf8))
        img.zero(0x3A..<0x50)
        img.poke16(0x48, 0x00FA)
        img.poke(0x50, Array("1996/09/27 12:06".utf8))
        img.zero(0x60..<0x80)
        ROMBuilder.fixChecksum(&img, count: units * 512)
        fx.write("ati-pre-atom", img, images: [L(0, img, 0x1002, 0x5654, last: true)],
                 vendor: [("summary", .string("ATI BIOS before ATOM (Mach64, Rage, early Radeon), built 1996/09/27 12:06")),
                          ("buildDate", .string("1996/09/27 12:06"))])
    }

    /// i915 intel_vbt_defs.h: struct vbt_header (signature[20], version, header_size, vbt_size,
    /// vbt_checksum, reserved, bdb_offset u32, aim_offset[4]) then struct bdb_header
    /// ('BIOS_DATA_BLOCK ', version, header_size, bdb_size).
    static func intel(_ fx: inout Collector) {
        let units = 16
        var img = ROMBuilder.legacy(vendor: 0x8086, device: 0x1912, units: units, seed: 40, checksum: false).build()
        let vbtAt = 0x400
        let bdbRel: UInt32 = 0x30
        let blocks: [UInt8] = [254, 2, 0, 0x12, 0x34] + [UInt8](repeating: 0, count: 32)  // one block: id, u16 size, data
        var bdb = Array("BIOS_DATA_BLOCK ".utf8) + ROMBuilder.le16(221) + ROMBuilder.le16(0x16) + ROMBuilder.le16(UInt16(0x16 + blocks.count))
        bdb += blocks
        var vbt = [UInt8](repeating: 0, count: 0x30)
        vbt.poke(0, Array("$VBT SKYLAKE        ".utf8))
        vbt.poke16(0x14, 100)
        vbt.poke16(0x16, 0x30)
        vbt.poke16(0x18, UInt16(0x30 + bdb.count))
        vbt.poke32(0x1C, bdbRel)
        vbt += bdb
        vbt[0x1A] = 0 &- ROMBuilder.sum(vbt)
        img.poke(vbtAt, vbt)
        ROMBuilder.fixChecksum(&img, count: units * 512)
        fx.write("intel", img, images: [L(0, img, 0x8086, 0x1912, last: true)],
                 vendor: [("vbtPlatform", .string("SKYLAKE")), ("vbtVersion", .int(100)), ("bdbVersion", .int(221))])
    }

    static func broken(_ fx: inout Collector) {
        let goodLeg = ROMBuilder.legacy(vendor: 0x1234, device: 0x1111, units: 16, last: false, revision: 3, seed: 50).build()
        let goodEFI = ROMBuilder.efi(vendor: 0x1234, device: 0x1111, units: 16, seed: 51).build()
        let pair = goodLeg + goodEFI

        // Cut inside the EFI image, and inside the legacy image (its checksum cannot be checked).
        fx.write("truncated-efi", Array(pair.prefix(goodLeg.count + 0x1000)), images: [
            L(0, goodLeg, 0x1234, 0x1111, last: false),
            E(goodLeg.count, goodEFI, 0x1234, 0x1111, last: true)], codes: ["truncated"])
        let vga = ROMBuilder.legacy(vendor: 0x1234, device: 0x1111, units: 16, seed: 52).build()
        fx.write("truncated-legacy", Array(vga.prefix(0x1800)), images: [
            L(0, vga, 0x1234, 0x1111, last: true, checksum: nil)], codes: ["truncated"])

        // PCIR pointer past the end of the file.
        var bad = vga
        bad.put(ImageHeaderFields.dataStructurePointer, 0xFFF0)
        ROMBuilder.fixChecksum(&bad, count: 16 * 512)
        fx.write("pcir-out-of-bounds", bad, images: [], codes: ["bad-pointer"])

        // PCIR pointer not a multiple of 4.
        let mis = ROMBuilder.legacy(vendor: 0x1234, device: 0x1111, units: 16, pcirAt: 0x41, seed: 53).build()
        fx.write("pcir-misaligned", mis, images: [L(0, mis, 0x1234, 0x1111, last: true)], codes: ["misaligned"])

        // An image that declares length 0: the chain cannot go on.
        let zero = ROMBuilder.efi(vendor: 0x1234, device: 0x1111, units: 16, initUnits: 16, seed: 54, pcirUnits: 0).build()
        fx.write("zero-length", goodLeg + zero, images: [
            L(0, goodLeg, 0x1234, 0x1111, last: false),
            E(goodLeg.count, zero, 0x1234, 0x1111, last: true, length: 0)], codes: ["zero-length", "bad-efi-header"])

        // No image ever marked last, images repeating to the end of the file.
        let rep = ROMBuilder.legacy(vendor: 0x1234, device: 0x1111, units: 4, last: false, seed: 55).build()
        fx.write("never-last", Array([[UInt8]](repeating: rep, count: 8).joined()),
                 images: (0..<8).map { L($0 * rep.count, rep, 0x1234, 0x1111, last: false) }, codes: ["no-last-image"])

        // More images than any ROM holds: the walk stops at 64.
        let tiny = ROMBuilder.legacy(vendor: 0x1234, device: 0x1111, units: 1, last: false, seed: 56).build()
        fx.write("too-many-images", Array([[UInt8]](repeating: tiny, count: 80).joined()),
                 images: (0..<64).map { L($0 * tiny.count, tiny, 0x1234, 0x1111, last: false) }, codes: ["too-many-images"])

        // One byte changed after the checksum was set.
        var badSum = vga
        badSum[0x1000] ^= 0x01
        fx.write("bad-checksum", badSum, images: [L(0, badSum, 0x1234, 0x1111, last: true, checksum: false)], codes: ["checksum-mismatch"])

        // A runtime copy: size byte shrunk to the runtime part (24 of 64 units), checksum stale.
        var shrunk = ROMBuilder.legacy(vendor: 0x1002, device: 0x67DF, units: 64, seed: 57).build()
        shrunk[ImageHeaderFields.sizeByte.offset] = 24
        precondition(ROMBuilder.sum(shrunk[0..<24 * 512]) != 0)
        fx.write("runtime-shrunk", shrunk, images: [L(0, shrunk, 0x1002, 0x67DF, last: true, checksum: false)],
                 codes: ["checksum-mismatch", "size-mismatch"])

        // Junk (not NVGI) before the first image.
        let junk = Filler.code(0x180, seed: 58)
        fx.write("junk-prefix", junk + vga, images: [L(0x180, vga, 0x1234, 0x1111, last: true)], codes: ["prefix-header"], prefix: 0x180)

        // An EFI image whose EFI signature is wrong.
        let badEFI = ROMBuilder.efi(vendor: 0x1234, device: 0x1111, units: 16, seed: 59, efiSignature: 0x0EF2).build()
        fx.write("bad-efi-signature", goodLeg + badEFI, images: [
            L(0, goodLeg, 0x1234, 0x1111, last: false),
            E(goodLeg.count, badEFI, 0x1234, 0x1111, last: true)], codes: ["bad-efi-header"])

        // ISA style: 55 AA and a size byte, no PCIR (pointer 0 at 0x18), like SeaBIOS's vgabios.bin.
        var isa = ROMBuilder.legacy(vendor: 0x1234, device: 0x1111, units: 8, seed: 60, checksum: false).build()
        isa.put(ImageHeaderFields.dataStructurePointer, 0)
        isa.zero(0x40..<0x40 + PCIRFields.size)
        ROMBuilder.fixChecksum(&isa, count: 8 * 512)
        fx.write("isa-style", isa, images: [expect(0, isa.count, "55aa", 0, nil, nil, nil, true, true)], codes: ["isa-rom"])

        // ISA era: text runs over 0x18 (as in Tseng's ET4000 BIOS, "This is not a product of IBM..."),
        // no PCIR anywhere, a valid checksum: a whole ROM no passthrough consumer takes.
        var isaText = ROMBuilder.legacy(vendor: 0x1234, device: 0x1111, units: 8, seed: 62, checksum: false).build()
        isaText.poke(0x04, Array("This is not a product of IBM (IBM is a trademark)".utf8))
        isaText.zero(0x40..<0x40 + PCIRFields.size)
        ROMBuilder.fixChecksum(&isaText, count: 8 * 512)
        fx.write("isa-text-pointer", isaText, images: [expect(0, isaText.count, "55aa", 0, nil, nil, nil, true, true)], codes: ["isa-rom"])

        fx.write("empty", [], images: [], codes: ["no-image"])

        var rng = XorShift(seed: 61)
        fx.write("random", rng.bytes(4096), images: [], codes: ["no-image"])

        // After the image marked last: 0xFF padding is clean; junk is information; another ROM is
        // a warning (images after the last one, or a shadow copy with the next ROM behind it).
        fx.write("trailing-padding", vga + [UInt8](repeating: 0xFF, count: 0x2000), images: [L(0, vga, 0x1234, 0x1111, last: true)])
        fx.write("trailing-junk", vga + Filler.code(0x800, seed: 62), images: [L(0, vga, 0x1234, 0x1111, last: true)],
                 codes: ["trailing-data"])
        let other = ROMBuilder.legacy(vendor: 0x8086, device: 0x100E, units: 4, classCode: 0x020000, seed: 63).build()
        fx.write("trailing-second-rom", vga + other, images: [L(0, vga, 0x1234, 0x1111, last: true)], codes: ["trailing-data"])

        // Legacy and EFI images naming different devices.
        let efi = ROMBuilder.efi(vendor: 0x1234, device: 0x2222, units: 16, seed: 64).build()
        fx.write("id-mismatch", goodLeg + efi, images: [
            L(0, goodLeg, 0x1234, 0x1111, last: false),
            E(goodLeg.count, efi, 0x1234, 0x2222, last: true)], codes: ["id-mismatch"])
    }
}
