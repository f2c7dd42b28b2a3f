// Lenovo .FL1 BIOS images built on Phoenix SCT (ThinkPad L430/L440/L530...): a `$PFH` header,
// usually near the end, whose table names each image in the file (its offset and size in the
// file, its flash address, the offset of its name). Layout from hamishcoleman/thinkpad-ec
// `scripts/FL2_copyIMG` (package FL1::PFH_header, details from its issue #46): the header's
// fields are "a4VVvVvVV", a table entry's "VVQV", names NUL-terminated. The header checksums'
// algorithm is not public, so they are not checked. Inside a UEFI capsule the same table counts
// from the first file's data, not the file (thinkpad-ec's EFI::Capsule::PFH_header): that
// variant's volume is walked as a volume and its table is not read.

/// The `$PFH` header and its image table's entries.
public enum LenovoPFHFields {
    public static let signature = FirmwareField(0x00, 4)
    public static let version = FirmwareField(0x04, 4)
    public static let headerSize = FirmwareField(0x08, 4)
    public static let headerChecksum = FirmwareField(0x0C, 2)
    public static let totalImageSize = FirmwareField(0x0E, 4)
    public static let totalImageChecksum = FirmwareField(0x12, 2)
    public static let imageCount = FirmwareField(0x14, 4)
    /// From the file's start, like the entries' offsets.
    public static let imageTableOffset = FirmwareField(0x18, 4)
    public static let length = 0x1C
    public static let signatureText = "$PFH"
    /// The only version thinkpad-ec has seen (and accepts).
    public static let versionValue: UInt64 = 0x10002

    public static let entryFileOffset = FirmwareField(0x00, 4)
    public static let entrySize = FirmwareField(0x04, 4)
    public static let entryFlashAddress = FirmwareField(0x08, 8)
    public static let entryNameOffset = FirmwareField(0x10, 4)
    public static let entryLength = 0x14
    /// Names are read up to this many bytes (thinkpad-ec reads 32).
    public static let maxName = 32
    /// More entries than a flash has regions is not a table (real ones list a handful).
    public static let maxImages: UInt64 = 256
}

extension FirmwareWalker {
    /// Every `$PFH` header of the known version in `b`; each image of its table walked once (one
    /// lying inside another already walked is that one's). True when one was found.
    mutating func lenovoPFHImages(_ b: ArraySlice<UInt8>, _ ctx: Context) -> Bool {
        typealias F = LenovoPFHFields
        var found = false
        var from = 0
        while !stopped, let at = b.find("$PFH", from: from) {
            from = at + 1
            guard b.read(F.version, at: at) == F.versionValue, let count = b.read(F.imageCount, at: at),
                  let table = b.read(F.imageTableOffset, at: at) else { continue }
            // An image usually spans the header itself (the table sits in the flash it
            // describes): found again inside it, it is the table being walked, not a new one.
            let element = "Lenovo $PFH table @\(hex(b.startIndex + at))"
            if ctx.path.contains(element) { continue }
            found = true
            report.containers += 1
            let pctx = ctx.entering(element)
            guard enter(pctx, at: b.startIndex + at) else { return true }
            guard count <= F.maxImages, table + count * UInt64(F.entryLength) <= UInt64(b.count) else {
                note(.error, .badContainer, at: b.startIndex + at, pctx, "the $PFH header lists \(count) images in a table at \(hex(Int(table))), past the end of the \(b.count) bytes there are (or more than \(F.maxImages)): its images are not walked")
                continue
            }
            var walked: [Range<Int>] = []
            for i in 0..<Int(count) where !stopped {
                lenovoPFHImage(b, entry: Int(table) + i * F.entryLength, index: i + 1, walked: &walked, pctx)
            }
        }
        return found
    }

    /// Table entry `index` at `entry`: its image walked, or a finding when it lies outside `b`.
    mutating func lenovoPFHImage(_ b: ArraySlice<UInt8>, entry: Int, index: Int, walked: inout [Range<Int>], _ ctx: Context) {
        typealias F = LenovoPFHFields
        let offset = b.read(F.entryFileOffset, at: entry)!, size = b.read(F.entrySize, at: entry)!
        let address = b.read(F.entryFlashAddress, at: entry)!, nameAt = b.read(F.entryNameOffset, at: entry)!
        let name = nameAt < UInt64(b.count) ? capped(b.ascii(Int(nameAt), maxBytes: F.maxName)) : ""
        let label = name.isEmpty ? "image \(index)" : name
        guard offset + size <= UInt64(b.count) else {
            note(.error, .badContainer, at: b.startIndex + entry, ctx, "$PFH image \(label) says it is \(size) bytes at \(hex(Int(offset))), past the end of the \(b.count) bytes there are: not walked")
            return
        }
        let range = Int(offset)..<Int(offset + size)
        guard !range.isEmpty, !walked.contains(where: { $0.contains(range.lowerBound) && $0.upperBound >= range.upperBound }) else { return }
        walked.append(range)
        var ictx = ctx.entering("$PFH image \(label) @\(hex(b.startIndex + range.lowerBound)) (flash \(hex(Int(truncatingIfNeeded: address))))")
        ictx.inPackage = true
        ictx.body = "the $PFH image \(label)"
        blob(b[(b.startIndex + range.lowerBound)..<(b.startIndex + range.upperBound)], ictx)
    }
}
