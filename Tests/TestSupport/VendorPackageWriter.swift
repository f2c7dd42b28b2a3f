import Firmware

// Vendor update packages written from their public descriptions (platomav/BIOSUtilities
// `dell_pfs_extract.py`, `insyde_ifd_extract.py`) through Firmware's declared layouts
// (`VendorPackages.swift`). No real sample of either was available offline: these images are
// judged by BIOSUtilities itself (PyPI `biosutilities`) in the tests, not by real bytes.

extension FirmwareBuilder {
    /// A zlib stream (RFC 1950) of stored deflate blocks (RFC 1951 §3.2.4) under the "78 9C"
    /// header Dell's sections start with (FLEVEL is advice; every inflater reads stored blocks).
    public static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x9C]
        var at = 0
        repeat {
            let n = Swift.min(data.count - at, 0xFFFF)
            out.append(at + n == data.count ? 1 : 0)   // BFINAL, BTYPE 00
            out += le16(n) + le16(~n & 0xFFFF)
            out += data[at..<at + n]
            at += n
        } while at < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        return out + be32(Int(b << 16 | a))
    }

    /// One PFS entry: its GUID, the data, and (empty) signature and metadata parts.
    public struct PFSEntry: Sendable {
        public var guid: [UInt8]
        public var data: [UInt8]
        public var version: Int
        public init(guid: [UInt8], data: [UInt8], version: Int = 2) { self.guid = guid; self.data = data; self.version = version }
    }

    /// A PFS volume: "PFS.HDR.", version 1, the payload size; each entry (R1 or R2 header, the
    /// data); "PFS.FTR." with the payload's size and its CRC-32.
    public static func dellPFS(_ entries: [PFSEntry]) -> [UInt8] {
        typealias F = DellPFSFields
        var payload: [UInt8] = []
        for e in entries {
            var h = [UInt8](repeating: 0, count: F.entryLength(version: UInt64(e.version)))
            h.put(F.entryGUID, bytes: e.guid)
            h.put(F.entryVersion, UInt64(e.version))
            h.put(F.entryVersionType, bytes: Array("NNNN".utf8))
            h.put(F.entryPayloadVersion, 0x0004_0003_0002_0001)
            h.put(F.entryDataSize, UInt64(e.data.count))
            payload += h + e.data
        }
        var head: [UInt8] = []
        head.put(F.tag, bytes: Array(F.tagText.utf8))
        head.put(F.headerVersion, 1)
        head.put(F.payloadSize, UInt64(payload.count))
        var foot: [UInt8] = []
        foot.put(FirmwareField(0, 4), UInt64(payload.count))
        foot.put(FirmwareField(4, 4), UInt64(~CRC32.of(payload)))
        foot.put(FirmwareField(8, 8), bytes: Array(F.footerTagText.utf8))
        return head + payload + foot
    }

    /// Dell's zlib section around `pfs`: header (stream length, type, magic, XOR checksum), the
    /// zlib stream, footer (length, magic, XOR checksum).
    public static func dellSection(_ pfs: [UInt8], type: UInt8 = 0xAA) -> [UInt8] {
        typealias F = DellPFSSectionFields
        let stream = zlibStored(pfs)
        var h: [UInt8] = []
        h.put(F.compressedSize, UInt64(stream.count))
        h.put(F.type, UInt64(type))
        h.put(F.magic, bytes: F.magicBytes)
        h.put(F.checksum, UInt64(h.prefix(15).reduce(0, ^)))
        var f: [UInt8] = []
        f.put(F.footerSize, UInt64(stream.count))
        f.put(F.footerMagic, bytes: F.footerMagicBytes)
        f.put(F.footerChecksum, UInt64(f.prefix(15).reduce(0, ^)))
        return h + stream + f
    }

    /// An Insyde iFlash image: "$_IFLASH", the tag (underscore-padded to 8), total and image
    /// sizes, the image, `padding` bytes of 0xFF.
    /// `totalCountsHeader`: the total counted from the header's start, as Valve's Steam Deck
    /// `.fd` counts it (BIOSUtilities counts from its end).
    public static func insydeIFlash(tag: String, _ image: [UInt8], padding: Int = 0, totalCountsHeader: Bool = false) -> [UInt8] {
        typealias F = InsydeIFlashFields
        var h: [UInt8] = []
        h.put(F.signature, bytes: Array(F.signatureText.utf8))
        h.put(F.imageTag, bytes: Array(("_" + tag + String(repeating: "_", count: 8)).utf8.prefix(8)))
        h.put(F.totalSize, UInt64(image.count + padding + (totalCountsHeader ? F.length : 0)))
        h.put(F.imageSize, UInt64(image.count))
        return h + image + [UInt8](repeating: 0xFF, count: padding)
    }

    /// What an updater .exe looks like before its payload: "MZ", a DOS stub's worth of bytes.
    public static func exeStub(_ count: Int = 0x400) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: count)
        b[0] = 0x4D; b[1] = 0x5A
        for i in 0x40..<count { b[i] = UInt8(truncatingIfNeeded: i &* 13 &+ 7) }
        return b
    }
}

extension FirmwareBuilder {
    /// A Dell BIOS Guard PFS volume for `image`: one entry per `blockSize` block (written in
    /// reverse order, as nothing promises order), each entry's data a BIOS Guard header (platform
    /// "DELL...", no SFAM, so no signature), a 0x20-byte script naming the block's offset (at 0xC)
    /// and length (at 0x1C), the block; its metadata `DellPfsPfatMetadata` (address, offset, size).
    public static func dellPFAT(_ image: [UInt8], blockSize: Int = 0x1000) -> [UInt8] {
        typealias G = BIOSGuardHeaderFields
        typealias M = DellPFATMetadataFields
        typealias F = DellPFSFields
        var payload: [UInt8] = []
        for start in stride(from: 0, to: image.count, by: blockSize).reversed() {
            let block = Array(image[start..<Swift.min(start + blockSize, image.count)])
            var h: [UInt8] = []
            h.put(G.versionMajor, 2)
            h.put(G.platformID, bytes: Array("DELLTESTPLATFORM".utf8))
            h.put(G.scriptVersionMajor, 1)
            h.put(G.scriptSize, 0x20)
            h.put(G.dataSize, UInt64(block.count))
            h.put(G.vendorInfo, 0)
            var script = [UInt8](repeating: 0, count: 0x20)
            script.put(G.scriptOffset, UInt64(start))
            script.put(FirmwareField(0x1C, 4), UInt64(block.count))
            var meta: [UInt8] = []
            meta.put(M.address, UInt64(0xFF00_0000 + start))
            meta.put(M.offset, UInt64(start))
            meta.put(M.dataSize, UInt64(block.count))
            meta.put(FirmwareField(0x18, 1), 0)
            let data = h + script + block
            var e = [UInt8](repeating: 0, count: F.entryLengthR2)
            e.put(F.entryGUID, bytes: FirmwareFixtures.fileGUID(0x900 + start / blockSize))
            e.put(F.entryVersion, 2)
            e.put(F.entryVersionType, bytes: Array("NNNN".utf8))
            e.put(F.entryDataSize, UInt64(data.count))
            e.put(F.entryMetSize, UInt64(meta.count))
            payload += e + data + meta
        }
        var head: [UInt8] = []
        head.put(F.tag, bytes: Array(F.tagText.utf8))
        head.put(F.headerVersion, 1)
        head.put(F.payloadSize, UInt64(payload.count))
        var foot: [UInt8] = []
        foot.put(FirmwareField(0, 4), UInt64(payload.count))
        foot.put(FirmwareField(4, 4), UInt64(~CRC32.of(payload)))
        foot.put(FirmwareField(8, 8), bytes: Array(F.footerTagText.utf8))
        return head + payload + foot
    }
}

extension FirmwareBuilder {
    /// An AMI BIOS Guard package: `_AMIPFAT` with the table ("0 00 BLOCKS;NAME" per file), then
    /// each file's `blockSize` blocks behind their BIOS Guard headers and a 0x20-byte script; with
    /// `sfam`, each block's data is followed by an RSA-2048 signature (header and structure, zeros).
    public static func amiPFAT(_ files: [(name: String, data: [UInt8])], blockSize: Int = 0x1000, sfam: Bool = false) -> [UInt8] {
        typealias A = AMIPFATFields
        typealias G = BIOSGuardHeaderFields
        var text = A.title + "\n"
        for f in files { text += "0 00 \((f.data.count + blockSize - 1) / blockSize);\(f.name)\n" }
        var out: [UInt8] = []
        out.put(A.size, UInt64(A.length + text.utf8.count))
        out.put(A.tag, bytes: Array(A.tagText.utf8))
        out.put(A.flags, 0)
        out += Array(text.utf8)
        var offset = 0
        for f in files {
            for start in stride(from: 0, to: f.data.count, by: blockSize) {
                let block = Array(f.data[start..<Swift.min(start + blockSize, f.data.count)])
                var h: [UInt8] = []
                h.put(G.versionMajor, 2)
                h.put(G.platformID, bytes: Array("AMITESTPLATFORM\0".utf8))
                h.put(G.attributes, sfam ? A.sfam : 0)
                h.put(G.scriptVersionMajor, 1)
                h.put(G.scriptSize, 0x20)
                h.put(G.dataSize, UInt64(block.count))
                h.put(G.vendorInfo, 0)
                var script = [UInt8](repeating: 0, count: 0x20)
                script.put(G.scriptOffset, UInt64(offset))
                out += h + script + block + (sfam ? [UInt8](repeating: 0, count: A.signatureLengths[0]) : [])
                offset += block.count
            }
        }
        return out
    }
}
