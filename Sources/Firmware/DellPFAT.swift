// Dell's BIOS Guard (PFAT) PFS volumes: a PFS whose entries each carry one Intel BIOS Guard block
// (header, script, the block's bytes, a signature when SFAM is set) and, in the entry's metadata,
// where the block goes in the BIOS image. The image is the blocks put back in order, gaps 0xFF.
// Layouts from platomav/BIOSUtilities: `dell_pfs_extract.py` (`_parse_pfat_pfs`,
// `DellPfsPfatMetadata`) and `ami_pfat_extract.py` (`IntelBiosGuardHeader`).

/// `IntelBiosGuardHeader`: the block's script and data sizes; the platform ID says "DELL...".
public enum BIOSGuardHeaderFields {
    public static let versionMajor = FirmwareField(0x00, 2)
    public static let versionMinor = FirmwareField(0x02, 2)
    public static let platformID = FirmwareField(0x04, 16)
    public static let attributes = FirmwareField(0x14, 4)
    public static let scriptVersionMajor = FirmwareField(0x18, 2)
    public static let scriptVersionMinor = FirmwareField(0x1A, 2)
    public static let scriptSize = FirmwareField(0x1C, 4)
    public static let dataSize = FirmwareField(0x20, 4)
    public static let biosSVN = FirmwareField(0x24, 4)
    public static let ecSVN = FirmwareField(0x28, 4)
    public static let vendorInfo = FirmwareField(0x2C, 4)
    public static let length = 0x30
    /// The script's operand with the block's offset in the image (BIOSUtilities reads it when
    /// the metadata is too short to hold `DellPfsPfatMetadata`).
    public static let scriptOffset = FirmwareField(0x0C, 4)
}

/// `DellPfsPfatMetadata`, an entry's metadata in a PFAT volume.
public enum DellPFATMetadataFields {
    public static let address = FirmwareField(0x00, 4)
    public static let offset = FirmwareField(0x08, 4)
    public static let dataSize = FirmwareField(0x0C, 4)
    public static let length = 0x19
}

extension FirmwareWalker {
    /// Whether the PFS volume's payload holds BIOS Guard blocks: its first entry's data starts
    /// with a BIOS Guard header whose platform ID begins "DELL" (as BIOSUtilities decides).
    static func isDellPFAT(_ payload: ArraySlice<UInt8>) -> Bool {
        guard let version = payload.read(DellPFSFields.entryVersion) else { return false }
        let at = DellPFSFields.entryLength(version: version) + BIOSGuardHeaderFields.platformID.offset
        return payload.sub(at, 4).map { String(decoding: $0, as: UTF8.self).uppercased() == "DELL" } ?? false
    }

    /// The blocks of a PFAT volume put back in order and walked as the BIOS image they make; a
    /// block that lies about its sizes ends the reassembly with a finding; the image is bounded
    /// by the decompression budget (its gaps are filled).
    mutating func dellPFAT(_ payload: ArraySlice<UInt8>, _ ctx: Context) {
        var blocks: [(offset: Int, bytes: ArraySlice<UInt8>)] = []
        var off = 0
        while !stopped, let version = payload.read(DellPFSFields.entryVersion, at: off) {
            guard let (block, next) = pfatBlock(payload, at: off, header: DellPFSFields.entryLength(version: version), ctx) else { break }
            blocks.append(block)
            off = next
        }
        guard !blocks.isEmpty else { return }
        blocks.sort { $0.offset < $1.offset }
        let end = blocks.map { $0.offset + $0.bytes.count }.max()!
        let room = Swift.min(limits.maxDecompressed, limits.maxDecompressedTotal - report.decompressedBytes)
        guard end <= room else {
            note(.error, .limitReached, at: payload.startIndex, ctx, "the BIOS Guard blocks make a \(end)-byte image, over the limit of \(room): not reassembled")
            return
        }
        var image = [UInt8](repeating: 0xFF, count: end)
        for b in blocks { image.replaceSubrange(b.offset..<b.offset + b.bytes.count, with: b.bytes) }
        report.decompressedBytes += end
        var inner = ctx.entering("BIOS Guard image (\(blocks.count) blocks)")
        inner.decoded = true
        inner.inPackage = true
        blob(image[...], inner)
    }

    /// One PFAT entry: the block's bytes and where they go, and where the next entry starts.
    mutating func pfatBlock(_ p: ArraySlice<UInt8>, at off: Int, header: Int, _ ctx: Context) -> ((offset: Int, bytes: ArraySlice<UInt8>), Int)? {
        typealias G = BIOSGuardHeaderFields
        typealias F = DellPFSFields
        guard let sizes = Optional([F.entryDataSize, F.entryDataSigSize, F.entryMetSize, F.entryMetSigSize].compactMap { p.read($0, at: off) }),
              sizes.count == 4, sizes.reduce(UInt64(header), +) <= UInt64(p.count - off) else {
            note(.error, .badContainer, at: p.startIndex + off, ctx, "a BIOS Guard entry's sizes run past its PFS volume: the blocks after it are not reassembled")
            return nil
        }
        let data = p.sub(off + header, Int(sizes[0]))!
        let metadata = p.sub(off + header + Int(sizes[0]) + Int(sizes[1]), Int(sizes[2]))!
        guard let scriptSize = data.read(G.scriptSize), let dataSize = data.read(G.dataSize),
              UInt64(G.length) + scriptSize + dataSize <= UInt64(data.count),
              let target = metadata.count >= DellPFATMetadataFields.length ? metadata.read(DellPFATMetadataFields.offset)
                  : data.read(G.scriptOffset, at: G.length) else {
            note(.error, .badContainer, at: p.startIndex + off, ctx, "a BIOS Guard block's header, script or offset runs past its entry: the blocks after it are not reassembled")
            return nil
        }
        let block = data.sub(G.length + Int(scriptSize), Int(dataSize))!
        return ((Int(target), block), off + Int(sizes.reduce(UInt64(header), +)))
    }
}
