import Firmware
import OptionROM

// HP's AMI UCP packages and Lenovo's $PFH and _EC images, written from their public
// descriptions (platomav/BIOSUtilities `ami_ucp_extract.py`; hamishcoleman/thinkpad-ec
// `scripts/FL2_copyIMG`) through Firmware's declared layouts (`AMIUCP.swift`, `LenovoPFH.swift`,
// `LenovoEC.swift`). BIOSUtilities judges the UCP packages; thinkpad-ec's Perl reader is not
// packaged, so the Lenovo images are judged by vbios alone (README: untested on real bytes).

extension FirmwareBuilder {
    /// One UCP module: its tag, its data, and whether the data is EFI-compressed.
    public struct UCPModule: Sendable {
        public var tag: String
        public var data: [UInt8]
        public var compressed: Bool
        public init(_ tag: String, _ data: [UInt8], compressed: Bool = false) { self.tag = tag; self.data = data; self.compressed = compressed }
    }

    /// An AMI UCP package: the `tag` header ("@HPU" or "@UAF"), then each module (header, EFI
    /// compression's size pair, the data); every module's and the package's 16-bit words made to
    /// sum to zero through its checksum field, as `checksum_16` checks them.
    public static func amiUCP(tag: String = "@HPU", _ modules: [UCPModule]) -> [UInt8] {
        var body: [UInt8] = []
        for m in modules {
            let payload = m.compressed ? EFICompressor.compress(m.data, format: .efi11) : le32(m.data.count) + le32(m.data.count) + m.data
            body += ucpModule(m.tag, payload)
        }
        return ucpModule(tag, body)
    }

    /// A module header with `tag` and the whole size before `payload`, its checksum set.
    static func ucpModule(_ tag: String, _ payload: [UInt8]) -> [UInt8] {
        typealias F = AMIUCPFields
        var m: [UInt8] = []
        m.put(F.tag, bytes: Array(tag.utf8))
        m.put(F.moduleSize, UInt64(F.length + payload.count))
        m.put(FirmwareField(F.length - 1, 1), 0)
        m += payload
        var sum: UInt16 = 0
        var i = 0
        while i + 1 < m.count { sum &+= UInt16(m[i]) | UInt16(m[i + 1]) << 8; i += 2 }
        if i < m.count { sum &+= UInt16(m[i]) }
        m.put(F.checksum, UInt64(0 &- sum))
        return m
    }

    /// A Lenovo Phoenix flash image: the images one after another from offset 0, their names, the
    /// table, and the `$PFH` header last (8-aligned, as thinkpad-ec steps through the file).
    public static func lenovoPFH(_ images: [(name: String, data: [UInt8], flash: UInt64)]) -> [UInt8] {
        typealias F = LenovoPFHFields
        var out: [UInt8] = []
        var offsets: [Int] = []
        for i in images { offsets.append(out.count); out += i.data }
        var names: [Int] = []
        for i in images { names.append(out.count); out += Array(i.name.utf8) + [0] }
        let table = out.count
        for (n, i) in images.enumerated() {
            var e: [UInt8] = []
            e.put(F.entryFileOffset, UInt64(offsets[n]))
            e.put(F.entrySize, UInt64(i.data.count))
            e.put(F.entryFlashAddress, i.flash)
            e.put(F.entryNameOffset, UInt64(names[n]))
            out += e
        }
        out += [UInt8](repeating: 0xFF, count: (8 - out.count % 8) % 8)
        var h: [UInt8] = []
        h.put(F.signature, bytes: Array(F.signatureText.utf8))
        h.put(F.version, F.versionValue)
        h.put(F.headerSize, UInt64(F.length))
        h.put(F.totalImageSize, UInt64(out.count))
        h.put(F.imageCount, UInt64(images.count))
        h.put(F.imageTableOffset, UInt64(table))
        return out + h
    }

    /// A Lenovo `_EC` .FL2: the header, the image and a 0x100-byte signature after it (outside the
    /// stated image size unless `signatureCounted`).
    public static func lenovoEC(_ image: [UInt8], signatureCounted: Bool = false) -> [UInt8] {
        typealias F = LenovoECFields
        let signature = [UInt8](repeating: 0x5C, count: F.trailerLength)
        var h: [UInt8] = []
        h.put(F.signature, bytes: Array(F.signatureText.utf8))
        h.put(F.version, F.versionValue)
        h.put(F.fileSize, UInt64(F.length + image.count + signature.count))
        h.put(F.imageSize, UInt64(image.count + (signatureCounted ? signature.count : 0)))
        h.put(FirmwareField(F.length - 1, 1), 0)
        return h + image + signature
    }
}

extension FirmwareBuilder {
    /// HP's GUID for LZMA GUID-defined sections (UEFITool `EFI_GUIDED_SECTION_LZMA_HP`).
    public static let lzmaHP = "0ED85E23-F253-413F-A03C-901987B04397"

    /// An LZMA section under HP's GUID: the same stream as EDK2's LZMA GUID carries.
    public static func lzmaHPSection(_ inner: [UInt8]) -> [UInt8] {
        guided(lzmaHP, lzmaStream(inner), attributes: Int(GUIDDefinedSectionFields.processingRequired))
    }
}

extension FirmwareBuilder {
    /// A Lenovo large file for an FFS v2 revision-2 volume: the large-file bit, a 24-bit size of 0,
    /// the size in 32 bits after it (UEFITool `EFI_FFS_FILE_HEADER2_LENOVO`), the header checksum
    /// over those 28 bytes as for any header.
    public static func lenovoLargeFile(_ name: [UInt8], type: UInt8, _ body: [UInt8]) -> [UInt8] {
        typealias F = FileHeaderFields
        var h = FileHeader(name: GUID(name[...], at: 0)!, type: type, attributes: F.largeFile, size: F.lenovoLargeLength + body.count, state: ~UInt8(0x07))
        h.lenovoLarge = true
        return sealed(h) + body
    }
}
