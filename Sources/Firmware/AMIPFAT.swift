// AMI BIOS Guard (PFAT) packages: `_AMIPFAT`, a text table of the files the package flashes
// ("flags parameter blocks;name" per line), then every file's Intel BIOS Guard blocks in order
// (header, script, data, and with SFAM set a signature). A file is its blocks' data joined.
// Layout from platomav/BIOSUtilities `ami_pfat_extract.py` (AmiBiosGuardHeader, _parse_pfat_hdr,
// parse_format, parse_bg_sign, PAT_AMI_PFAT).

/// `AmiBiosGuardHeader`: the size of the header with its text, a checksum, the tag, flags.
public enum AMIPFATFields {
    public static let size = FirmwareField(0x00, 4)
    public static let checksum = FirmwareField(0x04, 4)
    public static let tag = FirmwareField(0x08, 8)
    public static let flags = FirmwareField(0x10, 1)
    public static let length = 0x11
    public static let tagText = "_AMIPFAT"
    /// The table's title, which `PAT_AMI_PFAT` requires after the flags byte.
    public static let title = "AMI_BIOS_GUARD_FLASH_CONFIGURATIONS"
    /// BIOS Guard attribute bit 0, SFAM (signed flash address map): a signature follows the data,
    /// a signature header (8 bytes) and an RSA-2048 (0x204) or RSA-3072 (0x304) structure.
    public static let sfam: UInt64 = 0x01
    public static let signatureLengths = [8 + 0x204, 8 + 0x304]
}

extension FirmwareWalker {
    /// Every `_AMIPFAT` package in `b` whose table reads; each file walked. True when one was.
    mutating func amiPFATPackages(_ b: ArraySlice<UInt8>, _ ctx: Context) -> Bool {
        typealias F = AMIPFATFields
        var found = false
        var from = F.tag.offset
        while !stopped, let t = b.find("_AMIPFAT", from: from) {
            from = t + 1
            let h = t - F.tag.offset
            guard let files = Self.pfatTable(b, at: h) else { continue }
            found = true
            report.containers += 1
            let pctx = ctx.entering("AMI BIOS Guard package @\(hex(b.startIndex + h))")
            guard enter(pctx, at: b.startIndex + h) else { return true }
            from = amiPFATFiles(b, files, blocksAt: h + Int(b.read(F.size, at: h)!), pctx)
            // The files are the blocks' bytes joined: a ROM the plain scan sees among the blocks
            // is a found one's pieces, not a ROM of its own.
            if !ctx.decoded { claimed.append((b.startIndex + h, b.startIndex + from)) }
        }
        return found
    }

    /// The table: (name, block count) per file; nil when it is not text of that shape.
    static func pfatTable(_ b: ArraySlice<UInt8>, at h: Int) -> [(name: String, blocks: Int)]? {
        typealias F = AMIPFATFields
        guard let size = b.read(F.size, at: h), size > UInt64(F.length), size < 0x10000,
              let text = b.sub(h + F.length, Int(size) - F.length), text.allSatisfy({ $0 == 0x0A || $0 == 0x0D || ($0 >= 0x20 && $0 < 0x7F) }) else { return nil }
        let lines = String(decoding: text, as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == "\r" })
        guard let title = lines.first, title.hasPrefix(F.title) else { return nil }
        var files: [(String, Int)] = []
        for line in lines.dropFirst() {
            let parts = line.split(separator: ";", maxSplits: 1)
            let info = parts.first?.split(separator: " ") ?? []
            guard parts.count == 2, info.count >= 3, let count = Int(info[2]), count >= 0, count <= 0x10000 else { return nil }
            files.append((String(parts[1]), count))
        }
        return files
    }

    /// Walks each file of the table (its blocks' data joined, within the decompression budget);
    /// returns where the blocks end.
    mutating func amiPFATFiles(_ b: ArraySlice<UInt8>, _ files: [(name: String, blocks: Int)], blocksAt start: Int, _ ctx: Context) -> Int {
        var at = start
        var signature: Int?
        for file in files where !stopped {
            var data: [UInt8] = []
            for n in 0..<file.blocks {
                guard let (bytes, next) = biosGuardBlock(b, at: at, signature: &signature) else {
                    note(.error, .badContainer, at: b.startIndex + at, ctx, "block \(n + 1) of \(file.blocks) of \(capped(file.name)) runs past the package: the file is walked as far as it goes")
                    _ = finishPFATFile(data, file.name, ctx)
                    return b.count
                }
                let room = Swift.min(limits.maxDecompressed, limits.maxDecompressedTotal - report.decompressedBytes) - data.count
                guard bytes.count <= room else {
                    note(.error, .limitReached, at: b.startIndex + at, ctx, "\(capped(file.name)) grows past the limit of \(room) bytes: not walked")
                    return b.count
                }
                data += bytes
                at = next
            }
            _ = finishPFATFile(data, file.name, ctx)
        }
        return at
    }

    mutating func finishPFATFile(_ data: [UInt8], _ name: String, _ ctx: Context) -> Bool {
        guard !data.isEmpty else { return false }
        report.decompressedBytes += data.count
        var inner = ctx.entering("BIOS Guard file \(capped(name))")
        inner.decoded = true
        inner.inPackage = true
        inner.name = capped(name)
        blob(data[...], inner)
        return true
    }

    /// One BIOS Guard block at `at`: its data and where the next starts. With SFAM the signature's
    /// length is the first of the two RSA sizes after which the next block's header (its version
    /// and platform ID) repeats, found once and kept, as BIOSUtilities finds it.
    func biosGuardBlock(_ b: ArraySlice<UInt8>, at: Int, signature: inout Int?) -> ([UInt8], Int)? {
        typealias G = BIOSGuardHeaderFields
        guard let script = b.read(G.scriptSize, at: at), let size = b.read(G.dataSize, at: at), let attributes = b.read(G.attributes, at: at),
              let data = b.sub(at + G.length + Int(script), Int(size)), script < 0x10000 else { return nil }
        var next = data.endIndex - b.startIndex
        if attributes & AMIPFATFields.sfam != 0 {
            if signature == nil, let marker = b.sub(at, G.platformID.end) {
                signature = AMIPFATFields.signatureLengths.first { n in b.sub(next + n, marker.count)?.elementsEqual(marker) ?? false }
                    ?? AMIPFATFields.signatureLengths[0]
            }
            next += signature!
            guard next <= b.count else { return nil }
        }
        return (Array(data), next)
    }
}
