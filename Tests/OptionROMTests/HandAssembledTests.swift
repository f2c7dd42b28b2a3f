import Testing
@testable import OptionROM

/// ROMs assembled byte by byte, every offset a literal from the public specifications, never through
/// Fields.swift or TestSupport's ImageSpec (which write through the parser's own declarations): a
/// second, independent layout, so that a wrong offset in Fields.swift fails here.
///   PCI Firmware Specification 3.0, 5.1.1 (ROM header: 0x00 55 AA, 0x02 size in 512-byte units,
///   0x18 PCIR offset), 5.1.1.2 (EFI header: 0x02 initialisation size, 0x04 signature 0x0EF1,
///   0x08 subsystem, 0x0A machine, 0x0C compression, 0x16 EFI image offset, 0x18 PCIR offset),
///   5.1.2 (PCIR: 0x04 vendor, 0x06 device, 0x08 device list pointer, 0x0A length, 0x0C revision,
///   0x0D class code, 0x10 image length, 0x12 code revision, 0x14 code type, 0x15 indicator,
///   0x16 max runtime length, 0x18 configuration utility, 0x1A DMTF CLP).
///   nouveau nvkm/subdev/bios/npde.c (NPDE at the PCIR's end rounded up to 16: 0x00 "NPDE",
///   0x08 image length in 512-byte units, 0x0A bit 7 last) and image.c (a "VN" image, NPDS).
struct HandAssembledTests {
    static func put(_ b: inout [UInt8], _ at: Int, _ bytes: [UInt8]) { b.replaceSubrange(at..<(at + bytes.count), with: bytes) }
    static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
    /// Sets the last byte so the 8-bit sum of `range` is 0.
    static func seal(_ b: inout [UInt8], _ range: Range<Int>) {
        b[range.upperBound - 1] = 0
        let sum = b[range].reduce(0) { $0 &+ $1 }
        b[range.upperBound - 1] = 0 &- sum
    }

    /// One 1 KiB x86 image of 1002:6819, class 03 00 00, PCIR revision 3 at 0x40 with a device list
    /// at 0x60 (6819 6818 0000), code revision 0x0107; `last` sets bit 7 of the indicator.
    static func legacy(last: Bool) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: 1024)
        put(&b, 0x00, [0x55, 0xAA, 0x02, 0xEB, 0x4B, 0x90])
        put(&b, 0x18, le16(0x40))
        put(&b, 0x40, Array("PCIR".utf8) + le16(0x1002) + le16(0x6819) + le16(0x20) + le16(0x1C) + [0x03, 0x00, 0x00, 0x03]
                      + le16(2) + le16(0x0107) + [0x00, last ? 0x80 : 0x00] + le16(4) + le16(0) + le16(0))
        put(&b, 0x60, le16(0x6819) + le16(0x6818) + le16(0))
        seal(&b, 0..<1024)
        return b
    }

    /// A 512-byte EFI image: x64 boot-service driver (subsystem 11, machine 0x8664), uncompressed,
    /// the driver ("MZ") at 0x40, PCIR revision 0 at 0x1C, code type 3, last.
    static func efi() -> [UInt8] {
        var b = [UInt8](repeating: 0, count: 512)
        put(&b, 0x00, [0x55, 0xAA] + le16(1) + [0xF1, 0x0E, 0x00, 0x00] + le16(11) + le16(0x8664) + le16(0))
        put(&b, 0x16, le16(0x40) + le16(0x1C))
        put(&b, 0x1C, Array("PCIR".utf8) + le16(0x1002) + le16(0x6819) + le16(0) + le16(0x18) + [0x00, 0x00, 0x00, 0x03]
                      + le16(1) + le16(0) + [0x03, 0x80])
        put(&b, 0x40, Array("MZ".utf8))
        return b
    }

    @Test func aLegacyImageReadsAtTheSpecOffsets() {
        let layout = ROMParser.parse(Self.legacy(last: true))
        #expect(layout.images.count == 1 && layout.prefixLength == 0)
        let im = layout.images[0]
        #expect(im.offset == 0 && im.length == 1024 && im.sizeByte == 2 && im.signature == "55aa")
        let p = im.pcir
        #expect(p?.offset == 0x40 && p?.signature == "PCIR" && p?.vendorID == 0x1002 && p?.deviceID == 0x6819)
        #expect(p?.revision == 3 && p?.length == 0x1C && p?.classCode == 0x030000 && p?.imageLength == 2)
        #expect(p?.codeRevision == 0x0107 && p?.codeType == .x86 && p?.indicator == 0x80 && p?.maxRuntimeLength == 4)
        #expect(p?.deviceListPointer == 0x20 && p?.deviceList == [0x6819, 0x6818])
        #expect(im.isLast && im.checksumValid == true)
        // One byte off and the sum is wrong.
        var broken = Self.legacy(last: true)
        broken[0x300] ^= 0x01
        #expect(ROMParser.parse(broken).images.first?.checksumValid == false)
    }

    @Test func aLegacyThenEFIChain() {
        let layout = ROMParser.parse(Self.legacy(last: false) + Self.efi())
        #expect(layout.images.map(\.offset) == [0, 1024] && layout.images.map(\.length) == [1024, 512])
        #expect(layout.images.map(\.codeType) == [.x86, .efi] && layout.images.map(\.isLast) == [false, true])
        let e = layout.images[1].efi
        #expect(e?.initializationSize == 1 && e?.signature == 0x0EF1 && e?.subsystem == 11 && e?.machineType == 0x8664)
        #expect(e?.compression == 0 && e?.peOffset == 0x40)
        #expect(layout.images[1].pcir?.offset == 1024 + 0x1C && layout.images[1].vendorID == 0x1002)
        // The last bit is what ends the chain: without it on the EFI image, nothing follows and vbios says so.
        var open = Self.legacy(last: false) + Self.efi()
        open[1024 + 0x1C + 0x15] = 0x00
        #expect(!ROMParser.parse(open).findings.isEmpty)
    }

    /// NVIDIA: the x86 image's PCIR says 2 units and last, its NPDE (at 0x60: PCIR 0x40 + 0x18,
    /// rounded up to 16) 1 unit and not last, then a "VN" image with NPDS, code type 0xE0, NPDE last.
    @Test func anNVIDIAChainFollowsTheNPDE() {
        var x86 = [UInt8](repeating: 0, count: 512)
        Self.put(&x86, 0x00, [0x55, 0xAA, 0x01, 0xEB, 0x4B, 0x90])
        Self.put(&x86, 0x18, Self.le16(0x40))
        Self.put(&x86, 0x40, Array("PCIR".utf8) + Self.le16(0x10DE) + Self.le16(0x2484) + Self.le16(0) + Self.le16(0x18) + [0x00, 0x00, 0x00, 0x03]
                        + Self.le16(2) + Self.le16(1) + [0x00, 0x80])
        Self.put(&x86, 0x60, Array("NPDE".utf8) + Self.le16(0x0101) + Self.le16(0x0C) + Self.le16(1) + [0x00])
        Self.seal(&x86, 0..<512)
        var e0 = [UInt8](repeating: 0, count: 512)
        Self.put(&e0, 0x00, [0x56, 0x4E])
        Self.put(&e0, 0x18, Self.le16(0x20))
        Self.put(&e0, 0x20, Array("NPDS".utf8) + Self.le16(0x10DE) + Self.le16(0x2480) + Self.le16(0) + Self.le16(0x18) + [0x00, 0x00, 0x00, 0x00]
                       + Self.le16(1) + Self.le16(0) + [0xE0, 0x00])
        Self.put(&e0, 0x40, Array("NPDE".utf8) + Self.le16(0x0101) + Self.le16(0x0C) + Self.le16(1) + [0x80])
        let layout = ROMParser.parse(x86 + e0)
        #expect(layout.images.map(\.offset) == [0, 512] && layout.images.map(\.length) == [512, 512])
        #expect(layout.images.map(\.codeType) == [.x86, .nvidiaE0] && layout.images.map(\.signature) == ["55aa", "564e"])
        #expect(layout.images[0].npde?.offset == 0x60 && layout.images[0].npde?.imageLength == 1 && layout.images[0].npde?.isLast == false)
        #expect(layout.images[0].pcir?.isLast == true && layout.images[0].isLast == false)
        #expect(layout.images[1].pcir?.signature == "NPDS" && layout.images[1].deviceID == 0x2480 && layout.images[1].isLast)
        #expect(layout.images[0].checksumValid == true)
    }
}
