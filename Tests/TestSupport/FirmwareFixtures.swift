import OptionROM

// The firmware images the Firmware and CLI tests walk, written by `FirmwareBuilder` (the port of
// Tools/gen-firmware.py): what each holds is in Fixtures/firmware/NAME.expect.json, the same
// expectation the committed Python-written NAME.fd is held to.

public enum FirmwareFixtures {
    typealias B = FirmwareBuilder

    /// A deterministic file GUID (gen-firmware.py's `fguid`): 0x1B105000...0 + n as a UUID.
    public static func fileGUID(_ n: Int) -> [UInt8] {
        let tail = String(n, radix: 16)
        let hex = "01b105" + String(repeating: "0", count: 26 - tail.count) + tail
        var text = hex
        for at in [20, 16, 12, 8] { text.insert("-", at: text.index(text.startIndex, offsetBy: at)) }
        return B.guid(text)
    }

    /// A minimal PE32+ image: MZ, e_lfanew 0x40, PE, `machine`, an optional header with
    /// subsystem 11 (EFI boot-service driver); `guids` (protocols it installs or uses) at 0x200.
    public static func pe32Image(machine: Int = 0x8664, size: Int = 0x400, guids: [[UInt8]] = []) -> [UInt8] {
        var pe = [UInt8](repeating: 0, count: size)
        pe[0] = 0x4D; pe[1] = 0x5A
        pe.replaceSubrange(0x3C..<0x40, with: B.le32(0x40))
        pe.replaceSubrange(0x40..<0x44, with: Array("PE\0\0".utf8))
        pe.replaceSubrange(0x44..<0x46, with: B.le16(machine))
        pe.replaceSubrange(0x54..<0x56, with: B.le16(0xF0))
        pe.replaceSubrange(0x58..<0x5A, with: B.le16(0x20B))
        pe.replaceSubrange(0x58 + 68..<0x58 + 70, with: B.le16(11))
        for i in 0x200..<size { pe[i] = UInt8(truncatingIfNeeded: i * 7) }
        for (n, g) in guids.enumerated() { pe.replaceSubrange(0x200 + 16 * n..<0x210 + 16 * n, with: g) }
        return pe
    }

    public static func pe32(machine: Int = 0x8664, size: Int = 0x400, guids: [[UInt8]] = []) -> [UInt8] {
        B.unpaddedSection(type: 0x10, pe32Image(machine: machine, size: size, guids: guids))
    }

    /// A minimal TE image: VZ, machine, one section, subsystem 11, stripped size.
    public static func te(machine: Int = 0xAA64, size: Int = 0x200) -> [UInt8] {
        var img = [UInt8](repeating: 0, count: size)
        img[0] = 0x56; img[1] = 0x5A
        img.replaceSubrange(2..<4, with: B.le16(machine))
        img[4] = 1; img[5] = 11
        img.replaceSubrange(6..<8, with: B.le16(0x1C0))
        for i in 0x28..<size { img[i] = UInt8(truncatingIfNeeded: i * 5) }
        return B.unpaddedSection(type: 0x12, img)
    }

    /// A VBT whose header holds together (size 0x100; the BDB's signature is not checked for a
    /// VBT that a RAW section starts with).
    public static func vbt() -> [UInt8] {
        var head = Array("$VBT TESTPLATFORM   ".utf8) + B.le16(100) + B.le16(0x30) + B.le16(0x100) + B.le32(0)
        head += [UInt8](repeating: 0, count: 0x30 - head.count)
        return head + (0..<(0x100 - 0x30)).map { UInt8(truncatingIfNeeded: $0 * 3) }
    }

    static func gop(_ n: Int, _ label: String, _ wrap: ([UInt8]) -> [UInt8]) -> [UInt8] {
        B.ffsFile(fileGUID(n), type: 0x07, wrap(B.sections(pe32(), B.name(label), B.version("2.\(n)"))))
    }

    /// gen-firmware.py's `everything`: every section and compression kind the walker reads. The
    /// ROMs are `amd`, `intel` and `legacy-efi` from Fixtures/roms.
    public static func everything(amd: [UInt8], intel: [UInt8], realtek: [UInt8]) -> [UInt8] {
        let v3 = B.VolumeOptions(fileSystem: "5473C07A-3DCB-4DCA-BD6F-1E9689E7349A", erase: 0, name: fileGUID(29), block: 0x1000)
        let inner = B.volume([
            B.ffsFile(fileGUID(20), type: 0x01, amd, erase: 0, large: true),
            B.ffsFile(fileGUID(21), type: 0x02, B.sections(B.name("ExtendedRaw"), B.unpaddedSection(type: 0x19, realtek, extended: true)), erase: 0),
        ], options: v3)
        let files = [
            B.ffsFile(fileGUID(1), type: 0x01, intel),
            gop(2, "LzmaGopDxe") { B.lzmaSection($0) },
            gop(3, "LzmaX86GopDxe") { B.lzmaSection($0, x86: true) },
            gop(4, "BrotliGopDxe", B.brotliSection),
            gop(5, "TianoGopDxe", B.tianoSection),
            gop(6, "EfiGopDxe", B.efiCompressionSection),
            B.ffsFile(fileGUID(7), type: 0xF0, [UInt8](repeating: 0xFF, count: 64)),
            B.ffsFile(fileGUID(8), type: 0x02, B.sections(B.name("VbtAndRom"), B.crc32Section(B.sections(B.raw(vbt()), B.raw(amd))))),
            B.ffsFile(fileGUID(9), type: 0x0B, B.lzmaSection(B.unpaddedSection(type: 0x17, inner))),
            B.ffsFile(fileGUID(10), type: 0x07, B.sections(pe32(), B.name("PlainGopDxe"))),
            B.ffsFile(fileGUID(11), type: 0x07, B.sections(pe32(), B.name("NotAGraphicsThing"))),
            B.ffsFile(fileGUID(12), type: 0x07, B.sections(te(), B.name("ArmTeGopDxe"))),
        ]
        return B.volume(files, options: .init(erase: 0xFF, name: fileGUID(99), block: 0x1000))
    }

    public static let ffs1GUID = "7A9354D9-0468-444A-81CE-0BF617D890DF"
    static let nvram = "FFF12B8D-7696-4C8B-A985-2747075B4F50"
    static let appleMicrocode = "153D2197-29BD-44DC-AC59-887F70E41A6B"
    public static let gopProtocol = B.guid("9042A9DE-23DC-4A38-96FB-7ADED080516A")
    static let textOut = B.guid("387477C2-69C7-11D2-8E39-00A0C969723B")
    public static let driverBinding = B.guid("18A031AB-B443-4D1A-A5C0-0C09261E9F71")
    static let edidActive = B.guid("BD8C1056-9F36-44EC-92A8-A6337F817986")
    static let legacyBIOS = B.guid("DB9A1E3D-45CB-4ABB-853B-E5387FDB2E2D")
    static let gopPolicy = B.guid("EC2E931B-3281-48A5-8107-DF8A8BED3C5D")

    /// gen-firmware.py's `ffs1`: an Intel Mac's flash (FFS v1 volumes, revision-1 headers with
    /// Apple's 0x0001 in the reserved bytes), the VBIOS in RAW in CRC32 in EFI compression, an
    /// unnamed GOP driver told by its image, a console, CsmVideo, PlatformGOPPolicy; then an NVRAM
    /// store, a microcode volume and erased padding.
    public static func ffs1(amd: [UInt8]) -> [UInt8] {
        let files = [
            B.ffsFile(fileGUID(60), type: 0x07, B.efiCompressionSection(B.crc32Section(B.raw(amd)))),
            B.ffsFile(fileGUID(61), type: 0x07, B.efiCompressionSection(B.crc32Section(pe32(guids: [gopProtocol, driverBinding, edidActive])))),
            B.ffsFile(fileGUID(62), type: 0x07, B.sections(pe32(guids: [gopProtocol, driverBinding, textOut]), B.name("GraphicsConsoleDxe"))),
            B.ffsFile(fileGUID(63), type: 0x07, B.sections(pe32(guids: [gopProtocol, driverBinding, legacyBIOS]), B.name("CsmVideo"))),
            B.ffsFile(fileGUID(64), type: 0x07, B.sections(pe32(guids: [gopPolicy]), B.name("PlatformGOPPolicy"))),
        ]
        let v1 = B.VolumeOptions(fileSystem: ffs1GUID, erase: 0xFF, revision: 1, reserved: 1, block: 0x1000)
        let store = Array("$VSS".utf8) + [UInt8](repeating: 0xFF, count: 60)
        return B.volume(files, options: v1)
            + B.volume([store], options: .init(fileSystem: nvram, erase: 0xFF, revision: 1, block: 0x1000))
            + B.volume([[UInt8](repeating: 0, count: 0x100)], options: .init(fileSystem: appleMicrocode, erase: 0xFF, revision: 1, block: 0x1000))
            + [UInt8](repeating: 0xFF, count: 0x1000)
    }

    /// Volumes nested `levels` deep through FV image sections, the ROM at the bottom.
    public static func deep(rom: [UInt8], levels: Int = 40) -> [UInt8] {
        let o = B.VolumeOptions(erase: 0xFF, block: 0x1000)
        var inner = B.volume([B.ffsFile(fileGUID(1), type: 0x01, rom)], options: o)
        for n in 0..<levels {
            inner = B.volume([B.ffsFile(fileGUID(100 + n), type: 0x0B, B.unpaddedSection(type: 0x17, inner))], options: o)
        }
        return inner
    }

    /// An APU's image: the VBIOS as a RAW file, then one LZMA-compressed driver file per
    /// (GUID number, PE/TE section, UI name).
    public static func apu(vbios: [UInt8], drivers: [(Int, [UInt8], String)], name: Int = 98) -> [UInt8] {
        var files = [B.ffsFile(fileGUID(40), type: 0x01, vbios)]
        for (n, image, label) in drivers {
            files.append(B.ffsFile(fileGUID(n), type: 0x07, B.lzmaSection(B.sections(image, B.name(label)))))
        }
        return B.volume(files, options: .init(erase: 0xFF, name: fileGUID(name), block: 0x1000))
    }

    /// Where `romInDriver` puts the ROM in AcpiPlatformDxe's image.
    public static let romInDriverAt = 0x1C40

    /// OVMF's FVMAIN_COMPACT shape: an FV image file holding, LZMA-compressed, an FV image section
    /// with the DXE volume, where AcpiPlatformDxe's PE32 carries `rom` at +0x1c40 (the trick that
    /// serves a laptop dGPU's VBIOS to a guest through ACPI _ROM), beside QemuVideoDxe.
    public static func romInDriver(_ rom: [UInt8]) -> [UInt8] {
        var image = pe32Image(size: romInDriverAt + rom.count + 0x200)
        image.replaceSubrange(romInDriverAt..<romInDriverAt + rom.count, with: rom)
        let dxe = B.volume([
            B.ffsFile(fileGUID(70), type: 0x07, B.sections(B.unpaddedSection(type: 0x10, image), B.name("AcpiPlatformDxe"), B.version("1.0"))),
            B.ffsFile(fileGUID(71), type: 0x07, B.sections(pe32(guids: [gopProtocol, driverBinding]), B.name("QemuVideoDxe"), B.version("1.0"))),
        ], options: .init(erase: 0xFF, name: fileGUID(96), block: 0x1000))
        return B.volume([B.ffsFile(fileGUID(72), type: 0x0B, B.lzmaSection(B.unpaddedSection(type: 0x17, dxe)))], options: .init(erase: 0xFF, block: 0x1000))
    }

    /// The PE32+ driver in the first EFI image of an option ROM, without the ROM's padding (iPXE
    /// keeps its name and version after its last section: only trailing zeros are cut); nil
    /// when it holds no uncompressed EFI image.
    public static func efiDriver(inROM d: [UInt8]) -> [UInt8]? {
        var o = 0
        while o + 0x1A <= d.count, d[o] == 0x55, d[o + 1] == 0xAA {
            let pcir = o + Int(d[o + 0x18]) | Int(d[o + 0x19]) << 8
            guard pcir + 0x16 <= d.count else { return nil }
            let length = (Int(d[pcir + 0x10]) | Int(d[pcir + 0x11]) << 8) * 512
            if d[pcir + 0x14] == 3 {
                guard d[o + 0x0C] == 0, d[o + 0x0D] == 0 else { return nil }
                let pe = o + (Int(d[o + 0x16]) | Int(d[o + 0x17]) << 8)
                var end = Swift.min(o + length, d.count)
                while end > pe, d[end - 1] == 0 { end -= 1 }
                return Array(d[pe..<end])
            }
            guard length > 0 else { return nil }
            o += length
        }
        return nil
    }

    /// gen-firmware.py's `--real-apu`: a real APU VBIOS and a real AMDGopDriver (out of its EFI
    /// option ROM) in a volume as an APU's firmware holds them, beside an AArch64 TE decoy.
    public static func realAPU(vbios: [UInt8], gopDriver: [UInt8]) -> [UInt8] {
        let files = [B.ffsFile(fileGUID(40), type: 0x01, vbios),
                     B.ffsFile(fileGUID(41), type: 0x07, B.lzmaSection(B.sections(te(), B.name("AMDGopDriver")))),
                     B.ffsFile(fileGUID(43), type: 0x07, B.lzmaSection(B.sections(B.unpaddedSection(type: 0x10, gopDriver), B.name("AMDGopDriver"))))]
        return B.volume(files, options: .init(erase: 0xFF, name: fileGUID(97), block: 0x1000))
    }
}

// Issue 22's hidden shapes: an Insyde laptop's FFS v1 volumes and an Intel Mac's whole flash.
extension FirmwareFixtures {
    /// A revision-1 FFS v1 volume (no ExtHeader), as Insyde and Phoenix laptops before ~2012 have.
    public static func v1(_ files: [[UInt8]], name: Int) -> [UInt8] {
        B.volume(files, options: .init(fileSystem: ffs1GUID, erase: 0xFF, revision: 1, block: 0x1000))
    }

    /// A PE32 section whose image carries `rom` at `at` (a ROM compiled into a driver).
    public static func pe32Carrying(_ rom: [UInt8], at: Int = 0x800) -> [UInt8] {
        var image = pe32Image(size: at + rom.count + 0x100)
        image.replaceSubrange(at..<at + rom.count, with: rom)
        return B.unpaddedSection(type: 0x10, image)
    }

    /// An Insyde-style laptop image: three FFS v1 volumes with 0xFF padding between them; option
    /// ROMs `roms[0...5]` as a raw file, in a FREEFORM file's RAW section, in Tiano- and
    /// EFI-compressed RAW sections, in a PE32 body inside EFI compression, and, in an LZMA-compressed
    /// FV image, in a FREEFORM file and a PE32 body.
    public static func insyde(_ roms: [[UInt8]]) -> [UInt8] {
        let inner = v1([
            B.ffsFile(fileGUID(87), type: 0x02, B.sections(B.raw(roms[4]), B.name("OemVbiosInner"))),
            B.ffsFile(fileGUID(88), type: 0x07, B.sections(pe32Carrying(roms[5]), B.name("OemVgaDxe"))),
        ], name: 3)
        let pad = [UInt8](repeating: 0xFF, count: 0x2000)
        return v1([
            B.ffsFile(fileGUID(80), type: 0x01, roms[0]),
            B.ffsFile(fileGUID(81), type: 0x02, B.sections(B.raw(roms[1]), B.name("VbiosFreeform"))),
        ], name: 0) + pad + v1([
            B.ffsFile(fileGUID(82), type: 0x02, B.tianoSection(B.sections(B.raw(roms[2])))),
            B.ffsFile(fileGUID(83), type: 0x07, B.efiCompressionSection(B.sections(B.raw(roms[3]), B.name("LegacyVideoRom")))),
            B.ffsFile(fileGUID(84), type: 0x07, B.efiCompressionSection(B.sections(pe32Carrying(roms[0], at: 0x400), B.name("SwitchableGraphicsDxe")))),
        ], name: 1) + pad + v1([
            B.ffsFile(fileGUID(85), type: 0x0B, B.lzmaSection(B.unpaddedSection(type: 0x17, inner))),
        ], name: 2)
    }

    /// An Intel Mac's whole flash: FFS v1 volumes (VBIOS in RAW in EFI compression, a GOP told by
    /// its image), a `$VSS` NVRAM volume, Apple's `Fsys` and `NVRAM` stores as bare regions, and
    /// 0xFF padding between everything; a second VBIOS in a later volume, LZMA-compressed.
    public static func macFlash(vbios: [UInt8], other: [UInt8]) -> [UInt8] {
        let pad = [UInt8](repeating: 0xFF, count: 0x1000)
        let fsys = Array("Fsys".utf8) + [0x01, 0x00] + [UInt8](repeating: 0x00, count: 0x7FA)
        let appleNVRAM = Array("NVRAM".utf8) + [UInt8](repeating: 0x5A, count: 0x7FB)
        let store = Array("$VSS".utf8) + B.le32(0x1000) + [0x5A, 0xFE] + [UInt8](repeating: 0xFF, count: 0x1000 - 10)
        let first = B.volume([
            B.ffsFile(fileGUID(90), type: 0x07, B.efiCompressionSection(B.crc32Section(B.raw(vbios)))),
            B.ffsFile(fileGUID(91), type: 0x07, B.efiCompressionSection(B.crc32Section(pe32(guids: [gopProtocol, driverBinding, edidActive])))),
        ], options: .init(fileSystem: ffs1GUID, erase: 0xFF, revision: 1, reserved: 1, block: 0x1000))
        let second = B.volume([
            B.ffsFile(fileGUID(92), type: 0x07, B.lzmaSection(B.sections(B.raw(other), B.name("AppleGraphicsVbios")))),
        ], options: .init(fileSystem: ffs1GUID, erase: 0xFF, revision: 1, reserved: 1, block: 0x1000))
        return pad + first + pad + B.volume([store], options: .init(fileSystem: nvram, erase: 0xFF, revision: 1, block: 0x1000))
            + fsys + pad + appleNVRAM + pad + second + pad
    }
}
