#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Compression
import OptionROM

// Vendor update packages the walker opens natively (after libarchive has had its turn): Dell PFS
// and Insyde iFlash. Layouts from platomav/BIOSUtilities (public, BSD-2-Clause-Patent):
// `biosutilities/dell_pfs_extract.py` (DellPfsHeader, DellPfsFooter, DellPfsEntryR1/R2 and the
// zlib section header/footer patterns in `common/patterns.py`, PAT_DELL_HDR/PAT_DELL_FTR) and
// `biosutilities/insyde_ifd_extract.py` (IflashHeader, PAT_INSYDE_IFL). Both readers are judged
// by BIOSUtilities itself on images the test writer builds from those descriptions, and Dell PFS
// also on real Dell updaters (`Fixtures/vendor-samples/MANIFEST.tsv`); no real iFlash package
// under 4 MiB was found (README, "Vendor update packages").

/// Dell's zlib-compressed PFS section: a 16-byte header, the zlib stream, a 16-byte footer.
public enum DellPFSSectionFields {
    /// The zlib stream's length.
    public static let compressedSize = FirmwareField(0x00, 4)
    /// 0xAA firmware, 0xBB utilities.
    public static let type = FirmwareField(0x04, 1)
    public static let magic = FirmwareField(0x05, 10)
    /// The XOR of the header's first 15 bytes.
    public static let checksum = FirmwareField(0x0F, 1)
    public static let length = 16
    public static let magicBytes: [UInt8] = [0xEE, 0xAA, 0x76, 0x1B, 0xEC, 0xBB, 0x20, 0xF1, 0xE6, 0x51]
    /// The footer after the stream: its length again, a magic, a checksum.
    public static let footerSize = FirmwareField(0x00, 4)
    public static let footerMagic = FirmwareField(0x04, 11)
    public static let footerChecksum = FirmwareField(0x0F, 1)
    public static let footerMagicBytes: [UInt8] = [0xEE, 0xAA, 0xEE, 0x8F, 0x49, 0x1B, 0xE8, 0xAE, 0x14, 0x37, 0x90]
    public static let footerLength = 16
}

/// A PFS volume (`DellPfsHeader`, entries, `DellPfsFooter`).
public enum DellPFSFields {
    public static let tag = FirmwareField(0x00, 8)
    public static let headerVersion = FirmwareField(0x08, 4)
    public static let payloadSize = FirmwareField(0x0C, 4)
    public static let length = 16
    public static let tagText = "PFS.HDR."
    public static let footerTagText = "PFS.FTR."
    public static let footerLength = 16
    // An entry (`DellPfsEntryBase`, then 16 (R1) or 32 (R2) unknown bytes), its data, the
    // data's signature, metadata and the metadata's signature, in that order.
    public static let entryGUID = FirmwareField(0x00, 16)
    public static let entryVersion = FirmwareField(0x10, 4)
    public static let entryVersionType = FirmwareField(0x14, 4)
    public static let entryPayloadVersion = FirmwareField(0x18, 8)
    public static let entryReserved = FirmwareField(0x20, 8)
    public static let entryDataSize = FirmwareField(0x28, 4)
    public static let entryDataSigSize = FirmwareField(0x2C, 4)
    public static let entryMetSize = FirmwareField(0x30, 4)
    public static let entryMetSigSize = FirmwareField(0x34, 4)
    public static let entryLengthR1 = 0x48
    public static let entryLengthR2 = 0x58
    /// BIOSUtilities reads any version other than 1 as revision 2.
    public static func entryLength(version: UInt64) -> Int { version == 1 ? entryLengthR1 : entryLengthR2 }
}

/// Insyde's `$_IFLASH` image header: the image follows it.
public enum InsydeIFlashFields {
    public static let signature = FirmwareField(0x00, 8)
    /// "_BIOSIMG", "_EC_IMG_", "_INI_IMG"...: underscores pad the name.
    public static let imageTag = FirmwareField(0x08, 8)
    /// Both counted from the header's end; the image is the first `imageSize` bytes.
    public static let totalSize = FirmwareField(0x10, 4)
    public static let imageSize = FirmwareField(0x14, 4)
    public static let length = 0x18
    public static let signatureText = "$_IFLASH"
}

extension FirmwareWalker {
    /// A vendor package in `b`: a PFS volume at its start, or (in the input itself, in an archive
    /// member or in another package) Dell's zlib sections or Insyde's iFlash images anywhere.
    /// False when there is none.
    mutating func vendorPackage(_ b: ArraySlice<UInt8>, _ ctx: Context, top: Bool) -> Bool {
        if b.matches(0, "PFS.HDR.") {
            report.containers += 1
            dellPFS(b, ctx)
            return true
        }
        if lenovoEC(b, ctx) { return true }
        // The signature searches over `b`, drawn from the search budget like every other.
        guard top || ctx.inPackage, b.count >= InsydeIFlashFields.length, search(b.count, at: b.startIndex, ctx) else { return false }
        // An AMI UCP package (HP's updaters) first: its modules hold what the others would find again.
        if amiUCPPackages(b, ctx) { return true }
        let dell = dellSections(b, ctx)
        let insyde = insydeImages(b, ctx)
        let ami = amiPFATPackages(b, ctx)
        let pfh = lenovoPFHImages(b, ctx)
        return dell || insyde || ami || pfh
    }

    // MARK: - Dell PFS

    /// Every zlib section (`PAT_DELL_HDR`), decoded and walked as a PFS volume; a section inside
    /// one already walked is that one's business. True when one was found.
    mutating func dellSections(_ b: ArraySlice<UInt8>, _ ctx: Context) -> Bool {
        typealias F = DellPFSSectionFields
        var found = false
        var from = F.magic.offset
        while !stopped, let m = b.find(bytes: F.magicBytes, from: from) {
            from = m + 1
            let h = m - F.magic.offset
            guard b.u8(h + F.length) == 0x78, let size = b.read(F.compressedSize, at: h), let type = b.read(F.type, at: h) else { continue }
            found = true
            report.containers += 1
            let what = type == 0xAA ? "firmware" : type == 0xBB ? "utilities" : "type \(hex(Int(type)))"
            let sctx = ctx.entering("Dell PFS section (\(what)) @\(hex(b.startIndex + h))")
            guard enter(sctx, at: b.startIndex + h) else { return true }
            if Self.xor(b.sub(h, 15)!) != b.u8(h + F.checksum.offset) {
                note(.warning, .badContainer, at: b.startIndex + h, sctx, "the Dell PFS section header's checksum is wrong: decoded anyway")
            }
            guard let stream = b.sub(h + F.length, Int(size)) else {
                note(.error, .badContainer, at: b.startIndex + h, sctx, "the Dell PFS section says its zlib stream is \(size) bytes, past the end of the file: not decoded")
                continue
            }
            dellFooter(b, at: h + F.length + Int(size), size: size, sctx)
            if !ctx.decoded { claimed.append((b.startIndex + h, b.startIndex + h + F.length + Int(size))) }
            if let out = inflate(stream, at: b.startIndex + h, sctx) {
                var inner = sctx
                inner.decoded = true
                inner.inPackage = true
                blob(out[...], inner)
            }
            from = h + F.length + Int(size)
        }
        return found
    }

    /// The footer must repeat the stream's length (BIOSUtilities calls the section corrupted if not).
    mutating func dellFooter(_ b: ArraySlice<UInt8>, at f: Int, size: UInt64, _ ctx: Context) {
        typealias F = DellPFSSectionFields
        let magicOK = b.sub(f + F.footerMagic.offset, F.footerMagic.width).map { $0.elementsEqual(F.footerMagicBytes) } ?? false
        if !magicOK || b.read(F.footerSize, at: f) != size {
            note(.warning, .badContainer, at: b.startIndex + f, ctx, "the Dell PFS section's footer is missing or does not repeat its length (\(size) bytes): the section may be cut")
        }
    }

    /// A PFS volume: each entry's data walked (a nested PFS, a zlib section, a firmware image).
    mutating func dellPFS(_ b: ArraySlice<UInt8>, _ outer: Context) {
        typealias F = DellPFSFields
        let ctx = outer.entering("Dell PFS @\(hex(b.startIndex))")
        guard enter(ctx, at: b.startIndex), let payloadSize = b.read(F.payloadSize) else { return }
        var payload = b.from(F.length)!
        if let p = b.sub(F.length, Int(payloadSize)) {
            payload = p
        } else {
            note(.error, .truncatedVolume, at: b.startIndex, ctx, "the PFS volume says its payload is \(payloadSize) bytes but only \(b.count - F.length) are there: walking what is present")
        }
        // A BIOS Guard volume: its blocks make one image (`DellPFAT.swift`).
        if Self.isDellPFAT(payload) { return dellPFAT(payload, ctx) }
        var off = 0
        var index = 1
        while !stopped, let version = payload.read(F.entryVersion, at: off), off + F.entryLength(version: version) <= payload.count {
            guard let next = dellEntry(payload, at: off, index: index, ctx) else { break }
            off = next
            index += 1
        }
    }

    /// The entry at `off`; where the next starts, or nil when its sizes run past the payload.
    mutating func dellEntry(_ p: ArraySlice<UInt8>, at off: Int, index: Int, _ ctx: Context) -> Int? {
        typealias F = DellPFSFields
        let header = F.entryLength(version: p.read(F.entryVersion, at: off)!)
        let sizes = [F.entryDataSize, F.entryDataSigSize, F.entryMetSize, F.entryMetSigSize].map { p.read($0, at: off)! }
        let total = sizes.reduce(UInt64(header), +)
        guard total <= UInt64(p.count - off) else {
            note(.error, .badContainer, at: p.startIndex + off, ctx, "PFS entry \(index) says it holds \(total) bytes; \(p.count - off) remain in the volume: the rest is not walked")
            return nil
        }
        let guid = p.guid(F.entryGUID, at: off)!
        var ectx = ctx.entering("PFS entry \(index) \(guid) @\(hex(p.startIndex + off))")
        ectx.inPackage = true
        ectx.body = "PFS entry \(index)"
        let data = p.sub(off + header, Int(sizes[0]))!
        if !data.isEmpty { blob(data, ectx) }
        return off + Int(total)
    }

    static func xor(_ b: ArraySlice<UInt8>) -> UInt8 { b.reduce(0, ^) }

    /// A zlib stream decoded within the budget (what it produced counts, whatever the outcome).
    mutating func inflate(_ stream: ArraySlice<UInt8>, at: Int, _ ctx: Context) -> [UInt8]? {
        let room = Swift.min(limits.maxDecompressed, limits.maxDecompressedTotal - report.decompressedBytes)
        guard room > 0 else {
            _ = exhausted("more than \(limits.maxDecompressedTotal) bytes decompressed in all", at: at, ctx)
            return nil
        }
        do {
            let out = try Decompress.zlib(Array(stream), limit: room)
            report.decompressedBytes += out.count
            return out
        } catch {
            report.decompressedBytes += Swift.min(error.produced, room)
            let limited = if case .outputLimit = error.reason { true } else { false }
            note(.error, limited ? .limitReached : .decompressionFailed, at: at, ctx, error.description)
            return nil
        }
    }

    // MARK: - Insyde iFlash

    /// Every `$_IFLASH` image whose sizes hold together (as BIOSUtilities checks them: neither 0
    /// nor all ones, the image within the total, the image within the file), walked by its tag.
    /// The total is counted from the header's end (BIOSUtilities) or from its start (Valve's
    /// Steam Deck `.fd`, whose records sit back to back 32-byte aligned): only the image's size
    /// says where the next header may start, so a record right after one is never skipped.
    mutating func insydeImages(_ b: ArraySlice<UInt8>, _ ctx: Context) -> Bool {
        typealias F = InsydeIFlashFields
        var found = false
        var from = 0
        while !stopped, let at = b.find("$_IFLASH", from: from) {
            from = at + 1
            guard let total = b.read(F.totalSize, at: at), let size = b.read(F.imageSize, at: at),
                  ![0, 0xFFFF_FFFF].contains(total), ![0, 0xFFFF_FFFF].contains(size), size <= total,
                  UInt64(at) + total <= UInt64(b.count), UInt64(at + F.length) + size <= UInt64(b.count),
                  // The tag is ASCII: the literal "$_IFLASH" in an updater's code is not an image.
                  b.sub(at + F.imageTag.offset, F.imageTag.width)!.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { continue }
            let tag = capped(b.ascii(at + F.imageTag.offset, maxBytes: F.imageTag.width)).trimmingUnderscores()
            found = true
            report.containers += 1
            var inner = ctx.entering("Insyde iFlash \(tag.isEmpty ? "(untagged)" : tag) @\(hex(b.startIndex + at))")
            inner.inPackage = true
            inner.body = "the iFlash image \(tag)"
            blob(b.sub(at + F.length, Int(size))!, inner)
            from = at + F.length + Int(size)
        }
        return found
    }
}

extension String {
    func trimmingUnderscores() -> String {
        var s = Substring(self)
        while s.first == "_" { s = s.dropFirst() }
        while s.last == "_" { s = s.dropLast() }
        return String(s)
    }
}

extension ArraySlice where Element == UInt8 {
    /// Offset (relative) of the first `needle` at or after `from`, at memchr speed.
    func find(bytes needle: [UInt8], from: Int) -> Int? {
        guard let first = needle.first, from >= 0, from < count else { return nil }
        return withUnsafeBytes { raw -> Int? in
            guard let base = raw.baseAddress else { return nil }
            var at = from
            while at + needle.count <= raw.count, let hit = memchr(base + at, Int32(first), raw.count - needle.count + 1 - at) {
                let i = base.distance(to: UnsafeRawPointer(hit))
                if memcmp(base + i, needle, needle.count) == 0 { return i }
                at = i + 1
            }
            return nil
        }
    }
}
