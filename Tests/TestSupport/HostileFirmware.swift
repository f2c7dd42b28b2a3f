import Firmware

// Builders of firmware containers (UEFI PI volumes, FFS files, sections; coreboot CBFS files) and
// the hostile shapes issue 25 found, for the walker's regression tests, its growth test and the
// fuzz seeds (Tools/GenFixtures writes them). Layouts: UEFI PI spec volume 3, EDK2
// `MdePkg/Include/Pi/PiFirmwareVolume.h`, `PiFirmwareFile.h`; coreboot `cbfs_serialized.h`.
// Every header is written through Firmware's declared layouts (`Layout.swift`, `Headers.swift`),
// the ones the walker reads through.

public enum FirmwareBuilder {
    public static let ffs2 = "8C8CE578-8A3D-4F1C-9935-896185C32DD3"
    public static let crc32 = "FC1BCDB0-7D31-49AA-936A-A4600D9DD083"
    public static let brotli = "3D532050-5CDA-4FD0-879E-0F7F630D5AFB"
    public static let lzma = "EE4E5898-3914-4259-9D6E-DC7BD79403CF"
    public static let efiCapsule = "3B6686BD-0D76-4030-B70E-B5519E2FC5A0"
    public static let lenovoCapsule = "E20BAFD3-9914-4F4F-9537-3129E090EB3C"
    public static let lenovoCapsule2 = "25B5FE76-8243-4A5C-A9BD-7EE3246198B5"
    public static let toshibaCapsule = "3BE07062-1D51-45D2-832B-F093257ED461"
    /// 14 bytes of Brotli that decode to 8 MiB of zeros (what `brotli` writes for them).
    public static let brotliZeros8M: [UInt8] = [0xCB, 0xFF, 0xFF, 0x3F, 0xF8, 0x27, 0x00, 0xE2, 0xB1, 0x40, 0x20, 0xF7, 0xFE, 0x6F]

    public static func le16(_ v: Int) -> [UInt8] { (0..<2).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    public static func le24(_ v: Int) -> [UInt8] { (0..<3).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    public static func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    public static func le64(_ v: Int) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    public static func be32(_ v: Int) -> [UInt8] { le32(v).reversed() }

    /// A GUID's 16 bytes as EFI stores them (the first three fields little-endian).
    public static func guid(_ text: String) -> [UInt8] {
        let hex = Array(text.filter { $0 != "-" }.utf8)
        var b: [UInt8] = stride(from: 0, to: 32, by: 2).map { i in
            UInt8(String(decoding: hex[i..<i + 2], as: UTF8.self), radix: 16)!
        }
        b[0..<4].reverse(); b[4..<6].reverse(); b[6..<8].reverse()
        return b
    }

    /// A file GUID that differs by `n`.
    public static func fileGUID(_ n: Int) -> [UInt8] { [0x11, 0x22, 0x33, 0x44] + le32(n) + [UInt8](repeating: 0x5A, count: 8) }

    /// An FFS v2 volume (erase polarity 0, attributes 0, one block) holding `files`, its header
    /// checksummed: the hostile shapes' minimal volume (`volume(_:options:)` writes any other).
    public static func volume(_ files: [[UInt8]]) -> [UInt8] {
        volume(files, options: VolumeOptions(attributes: 0))
    }

    /// An FFS file as the hostile shapes write it: no checksums, state 0xF8; then `body`.
    public static func file(type: UInt8, _ body: [UInt8], guid n: Int = 1) -> [UInt8] {
        var h = FileHeader(name: GUID(fileGUID(n)[...], at: 0)!, type: type, size: FileHeaderFields.length + body.count, state: 0xF8)
        h.fileChecksum = 0
        var out: [UInt8] = []
        h.write(into: &out)
        return out + body
    }

    /// A section: its common header (extended when asked or when the size needs it), `body`,
    /// then zeros to the next 4-byte boundary.
    public static func section(type: UInt8, _ body: [UInt8], extended: Bool = false) -> [UInt8] {
        var s = unpaddedSection(type: type, body, extended: extended)
        s += [UInt8](repeating: 0, count: -s.count & 3)
        return s
    }

    /// A section without the padding after it (`sections` aligns between siblings).
    public static func unpaddedSection(type: UInt8, _ body: [UInt8], extended: Bool = false) -> [UInt8] {
        let big = extended || SectionHeaderFields.length + body.count >= SectionHeaderFields.extended
        let h = SectionHeader(type: type, size: (big ? SectionHeaderFields.extendedLength : SectionHeaderFields.length) + body.count, extended: big)
        var out: [UInt8] = []
        h.write(into: &out)
        return out + body
    }

    /// An EFI_COMPRESSION_SECTION of type 0 (not compressed) around `inner`.
    public static func uncompressed(_ inner: [UInt8]) -> [UInt8] { compressionSection(type: 0, length: inner.count, inner) }

    /// An EFI_COMPRESSION_SECTION: the uncompressed length, the type (1 EFI, 2 LZMA), `stream`.
    public static func compressionSection(type: UInt8, length: Int, _ stream: [UInt8]) -> [UInt8] {
        var h: [UInt8] = []
        h.put(CompressionSectionFields.uncompressedLength, UInt64(length))
        h.put(CompressionSectionFields.compressionType, UInt64(type))
        return section(type: SectionType.compression, h + stream)
    }

    /// A GUID-defined section (`attributes` 0: no processing needed) around `inner`; `extra`
    /// is the GUID's own header (CRC32's checksum), before the data offset.
    public static func guided(_ g: String, _ inner: [UInt8], attributes: Int = 0, extra: [UInt8] = []) -> [UInt8] {
        typealias F = GUIDDefinedSectionFields
        var h: [UInt8] = []
        h.put(F.sectionDefinitionGUID, bytes: guid(g))
        h.put(F.dataOffset, UInt64(SectionHeaderFields.length + F.length + extra.count))
        h.put(F.attributes, UInt64(attributes))
        return section(type: SectionType.guidDefined, h + extra + inner)
    }

    /// EDK2's Brotli section: u64 decompressed size, u64 scratch size, the stream.
    public static func brotliSection(_ stream: [UInt8], size: Int) -> [UInt8] {
        var h: [UInt8] = []
        h.put(BrotliSectionFields.decompressedSize, UInt64(size))
        h.put(BrotliSectionFields.scratchSize, 0)
        return guided(brotli, h + stream, attributes: 1)
    }

    /// A UI (name) section in UCS-2.
    public static func ui(_ name: String) -> [UInt8] {
        section(type: SectionType.userInterface, name.utf16.flatMap { le16(Int($0)) } + [0, 0])
    }

    /// A CBFS file: `LARCHIVE`, len, type, attributes offset, data offset (big-endian), the name, data.
    /// `lzma` adds the compression attribute (algorithm 1).
    public static func cbfs(name: [UInt8], _ data: [UInt8], type: Int = 0x50, lzma: Bool = false) -> [UInt8] {
        typealias F = CBFSFileFields
        let nameField = name + [0] + [UInt8](repeating: 0, count: -(F.length + name.count + 1) & 15)
        var attr: [UInt8] = []
        if lzma {
            attr.put(F.attributeTag, UInt64(F.compressionTag))
            attr.put(F.attributeSize, 16)
            attr.put(F.compressionAlgorithm, 1)
            attr.put(F.compressionDecompressedSize, 0)
        }
        let attrAt = lzma ? F.length + nameField.count : 0
        var out: [UInt8] = []
        CBFSFileHeader(len: UInt32(data.count), type: UInt32(type), attributesOffset: UInt32(attrAt),
                       offset: UInt32(F.length + nameField.count + attr.count)).write(into: &out)
        return out + nameField + attr + data
    }

    // MARK: - The hostile shapes (issue 25)

    /// Item 1: an empty CBFS entry with `_FVH` just past it (44 bytes).
    public static func emptyCBFSThenFVH() -> [UInt8] {
        var entry: [UInt8] = []
        CBFSFileHeader(len: 0, type: 0x50, attributesOffset: 0, offset: UInt32(CBFSFileFields.length)).write(into: &entry)
        return entry + [UInt8](repeating: 0, count: 40 - entry.count) + Array("_FVH".utf8)
    }

    /// Item 2: `levels` encapsulation sections (type 0 compression, CRC32 or plain GUID-defined)
    /// nested in one driver file of one volume.
    public enum Nesting: CaseIterable, Sendable { case uncompressed, crc32, guided }
    public static func nestedSections(_ levels: Int, _ kind: Nesting) -> [UInt8] {
        var s = section(type: 0x19, [0x55, 0xAA])
        for _ in 0..<levels {
            switch kind {
            case .uncompressed: s = uncompressed(s)
            case .crc32: s = guided(crc32, s, attributes: 2, extra: le32(0))
            case .guided: s = guided("01020304-0506-0708-090A-0B0C0D0E0F10", s)
            }
        }
        return volume([file(type: 0x07, s)])
    }

    /// Item 3: volume > RAW file > CBFS entry > volume ..., `levels` deep, `payload` at the bottom.
    public static func volumeCBFSChain(_ levels: Int, payload: [UInt8]) -> [UInt8] {
        var inner = payload
        for i in 0..<levels {
            inner = volume([file(type: 0x01, cbfs(name: Array("level\(i)".utf8), inner), guid: i)])
        }
        return inner
    }

    /// Item 4: `count` empty CBFS entries, each followed by a chance `_FVH`.
    public static func cbfsAndFVH(_ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count * 48)
        for _ in 0..<count { out += cbfs(name: [], []) + Array("_FVH".utf8) + [UInt8](repeating: 0, count: 4) }
        return out
    }

    /// Item 5: `count` Brotli sections, each a stream decoding to 8 MiB, in one volume.
    public static func brotliSections(_ count: Int) -> [UInt8] {
        let s = (0..<count).flatMap { _ in brotliSection(brotliZeros8M, size: 8 << 20) }
        return volume([file(type: 0x07, s)])
    }

    /// Item 5: an LZMA stream with its size set to "unknown" (all ones), in a GUID-defined section.
    public static func lzmaUnknownSize(_ stream: [UInt8]) -> [UInt8] {
        var s = stream
        for i in 5..<13 where i < s.count { s[i] = 0xFF }
        return volume([file(type: 0x07, guided(lzma, s, attributes: 1))])
    }

    /// Item 7: a CBFS file whose name runs `length` characters.
    public static func longCBFSName(_ length: Int) -> [UInt8] {
        cbfs(name: [UInt8](repeating: UInt8(ascii: "n"), count: length), [UInt8](repeating: 0, count: 16))
    }

    /// Item 11: an EFI capsule whose image size is smaller than its header, around `body`.
    public static func capsuleSmallerThanHeader(_ body: [UInt8]) -> [UInt8] {
        capsule(efiCapsule, headerSize: 0x50, flags: 0x10000, imageSize: 0x20, body)
    }

    /// Small seeds of every shape above for the fuzz targets (Fuzz/regressions/firmware-*, written
    /// by gen-fixtures, replayed by every replay tool in the test suite, and seeds of Tools/fuzz.sh).
    public static func seeds() -> [(name: String, bytes: [UInt8])] {
        let rom = ROMBuilder.legacy(vendor: 0x1002, device: 0x6819, units: 2, seed: 25).build()
        var zeros = [UInt8](repeating: 0, count: 13)
        zeros[0] = 0x5D; zeros[3] = 0x01
        for i in 5..<13 { zeros[i] = 0xFF }
        return [
            ("firmware-cbfs-empty-then-fvh", emptyCBFSThenFVH()),
            ("firmware-nested-uncompressed", nestedSections(300, .uncompressed)),
            ("firmware-nested-crc32", nestedSections(200, .crc32)),
            ("firmware-nested-guided", nestedSections(200, .guided)),
            ("firmware-volume-cbfs-chain", volumeCBFSChain(8, payload: rom)),
            ("firmware-cbfs-and-fvh", cbfsAndFVH(64)),
            ("firmware-brotli-sections", brotliSections(4)),
            ("firmware-lzma-unknown-size", lzmaUnknownSize(zeros + [0x00, 0x00, 0x00])),
            ("firmware-cbfs-lzma", cbfs(name: Array("fallback/payload".utf8), zeros + [0, 0, 0], lzma: true)),
            ("firmware-long-cbfs-name", longCBFSName(4000)),
            ("firmware-capsule-smaller-than-header", capsuleSmallerThanHeader(volume([file(type: 0x01, rom)]))),
            // Issue 22's vendor packages: a Dell zlib section holding a PFS (an R1 and an R2 entry,
            // one a nested section), a plain PFS volume, Insyde iFlash images in an .exe stub.
            ("firmware-dell-pfs", exeStub(0x40) + dellSection(dellPFS([
                PFSEntry(guid: fileGUID(1), data: volume([file(type: 0x01, rom)])),
                PFSEntry(guid: fileGUID(2), data: dellSection(dellPFS([PFSEntry(guid: fileGUID(3), data: rom, version: 1)])), version: 1)]))),
            ("firmware-dell-pfs-volume", dellPFS([PFSEntry(guid: fileGUID(4), data: rom)])),
            ("firmware-ami-pfat", amiPFAT([("BIOS", volume([file(type: 0x01, rom)])), ("VGA", rom)], blockSize: 0x200, sfam: true)),
            ("firmware-dell-pfat", dellSection(dellPFS([PFSEntry(guid: fileGUID(5), data: dellPFAT(volume([file(type: 0x01, rom)]), blockSize: 0x200))]))),
            ("firmware-insyde-iflash", exeStub(0x40) + insydeIFlash(tag: "EC_IMG", [0x11, 0x22]) + insydeIFlash(tag: "BIOSIMG", volume([file(type: 0x01, rom)]), padding: 16)),
            // HP's AMI UCP (a stored and an EFI-compressed module), Lenovo's $PFH and _EC images,
            // Lenovo and Toshiba capsules.
            ("firmware-hp-ami-ucp", exeStub(0x40) + amiUCP([UCPModule("@R00", volume([file(type: 0x01, rom)])), UCPModule("@R01", rom, compressed: true)])),
            ("firmware-lenovo-pfh", lenovoPFH([("Bios", volume([file(type: 0x01, rom)]), 0xFF80_0000), ("Ec", [1, 2, 3, 4], 0)])),
            ("firmware-lenovo-ec", lenovoEC(rom)),
            ("firmware-lenovo-capsule", capsule(lenovoCapsule, headerSize: 0x50, volume([file(type: 0x01, rom)]))),
            ("firmware-toshiba-capsule", capsule(toshibaCapsule, headerSize: 0x50, volume([file(type: 0x01, rom)]))),
            ("firmware-hp-lzma-section", volume([file(type: 0x07, lzmaHPSection(raw(rom)))])),
            ("firmware-lenovo-large-file", volume([lenovoLargeFile(fileGUID(6), type: 0x07, raw(rom)), file(type: 0x01, rom, guid: 7)])),
            // UEFITool's two zlib GUID-defined sections.
            ("firmware-gzip-section", volume([file(type: 0x07, gzipSection(raw(rom)))])),
            ("firmware-amd-zlib-section", volume([file(type: 0x07, amdZlibSection(raw(rom)))])),
        ]
    }
}
