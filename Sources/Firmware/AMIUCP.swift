// AMI UCP (Utility Configuration Program) packages: HP's BIOS updaters (`@HPU`, their BIOS is
// `@R00`.. `BIOS_00.bin` with its `@S00` signature) and AMI's own (`@UAF`). A package is a
// module header followed by modules, each a module header, EFI compression's size pair and the
// data (EFI/Tiano compressed when the two sizes differ). Layout from platomav/BIOSUtilities
// `ami_ucp_extract.py` (UafHeader, UafModule, _get_ami_ucp, _get_uaf_mod, UAF_TAG_DICT) and
// `common/patterns.py` (PAT_AMI_UCP: the tag, 12 bytes, and the first module's "@").

/// `UafHeader` (every module, the package's own included) and `UafModule` after it.
public enum AMIUCPFields {
    public static let tag = FirmwareField(0x00, 4)
    /// The whole module's size, header included.
    public static let moduleSize = FirmwareField(0x04, 4)
    /// Makes the package's 16-bit little-endian words sum to zero (`checksum_16`).
    public static let checksum = FirmwareField(0x08, 2)
    public static let length = 0x10
    /// EFI compression's header (`EFI_COMPRESSION` sizes): equal sizes mean stored data.
    public static let compressedSize = FirmwareField(0x10, 4)
    public static let originalSize = FirmwareField(0x14, 4)
    public static let moduleHeaderLength = 0x18
    public static let packageTags: [StaticString] = ["@HPU", "@UAF"]
    /// BIOSUtilities believes no smaller package.
    public static let minimumSize: UInt64 = 0x400

    /// What a module tag holds (`UAF_TAG_DICT` and `_uaf_extract`'s naming), for path elements.
    public static func describe(_ tag: String) -> String {
        let n = tag.dropFirst(3)
        switch tag.prefix(3) {
        case "@R0": return "BIOS_0\(n).bin"
        case "@S0": return "BIOS_0\(n).sig"
        case "@EC": return "EC_0\(n).bin"
        case "@ME": return "ME_0\(n).bin"
        case "@DR": return "DROM_0\(n).bin"
        default: break
        }
        switch tag {
        case "@ROM": return "BIOS.bin"
        case "@INS": return "Insyde_Nested.bin"
        case "@AMI": return "UCP_Nested.bin"
        case "@NAL": return "UCP_List.txt"
        case "@UII": return "UCP_Info.txt"
        default: return tag
        }
    }
}

extension FirmwareWalker {
    /// Every AMI UCP package in `b` (a `@HPU`/`@UAF` header, at least `minimumSize` bytes, the
    /// first module's "@" after it); each module walked. True when one was found.
    mutating func amiUCPPackages(_ b: ArraySlice<UInt8>, _ ctx: Context) -> Bool {
        typealias F = AMIUCPFields
        // The search is drawn from the budget with the other vendor signatures' (`vendorPackage`).
        var found = false
        var next = [-1, -1]
        var from = 0
        while !stopped {
            for i in F.packageTags.indices where next[i] < from { next[i] = b.find(F.packageTags[i], from: from) ?? .max }
            let at = next.min()!
            guard at != .max else { break }
            from = at + 1
            guard b.u8(at + F.length) == 0x40, let size = b.read(F.moduleSize, at: at), size >= F.minimumSize,
                  Self.ucpModuleFits(b, at: at + F.length, within: size - UInt64(F.length)) else { continue }
            found = true
            report.containers += 1
            let tag = capped(b.ascii(at, maxBytes: 4))
            let pctx = ctx.entering("AMI UCP package \(tag) @\(hex(b.startIndex + at))")
            guard enter(pctx, at: b.startIndex + at) else { return true }
            var present = Int(Swift.min(size, UInt64(b.count - at)))
            if size > UInt64(present) {
                note(.error, .badContainer, at: b.startIndex + at, pctx, "the AMI UCP package says it is \(size) bytes; \(present) remain in the file: walking what is present")
            } else if search(present, at: b.startIndex + at, pctx), Self.sum16(b.sub(at, present)!) != 0 {
                note(.warning, .badContainer, at: b.startIndex + at, pctx, "the AMI UCP package's checksum is wrong: walked anyway")
            }
            present = amiUCPModules(b.sub(at, present)!, pctx)
            from = at + Swift.max(present, 1)
        }
        return found
    }

    /// Whether a module header at `at` reads: "@" and three printable bytes, a size that covers
    /// its header and lies within `room`.
    static func ucpModuleFits(_ b: ArraySlice<UInt8>, at: Int, within room: UInt64) -> Bool {
        guard let t = b.sub(at, 4), t.first == 0x40, t.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }),
              let size = b.read(AMIUCPFields.moduleSize, at: at) else { return false }
        return size >= UInt64(AMIUCPFields.length) && size <= room
    }

    /// The package's modules in order (as `_get_uaf_mod` reads them: while an "@" starts one);
    /// returns where the last one walked ends.
    mutating func amiUCPModules(_ p: ArraySlice<UInt8>, _ ctx: Context) -> Int {
        typealias F = AMIUCPFields
        var off = F.length
        while !stopped, off < p.count, p.u8(off) == 0x40 {
            guard let size = p.read(F.moduleSize, at: off), size >= UInt64(F.length), size <= UInt64(p.count - off) else {
                let said = p.read(F.moduleSize, at: off).map { "\($0) bytes" } ?? "a size cut off"
                note(.error, .badContainer, at: p.startIndex + off, ctx, "AMI UCP module \(capped(p.ascii(off, maxBytes: 4))) says \(said); \(p.count - off) remain in the package: the rest is not walked")
                return p.count
            }
            amiUCPModule(p.sub(off, Int(size))!, ctx)
            off += Int(size)
        }
        return Swift.min(off, p.count)
    }

    /// One module: stored data walked in place, EFI/Tiano-compressed data decoded and walked.
    mutating func amiUCPModule(_ m: ArraySlice<UInt8>, _ outer: Context) {
        typealias F = AMIUCPFields
        let tag = capped(m.ascii(0, maxBytes: 4))
        let name = F.describe(tag)
        var ctx = outer.entering("AMI UCP module \(tag == name ? tag : "\(tag) (\(name))") @\(hex(m.startIndex))")
        ctx.inPackage = true
        ctx.name = name
        ctx.body = "the AMI UCP module \(tag)"
        guard let compressed = m.read(F.compressedSize), let original = m.read(F.originalSize),
              let data = m.from(F.moduleHeaderLength), !data.isEmpty else { return }
        guard compressed != original else {
            blob(data.prefix(Int(Swift.min(original, UInt64(data.count)))), ctx)
            return
        }
        // The stream keeps its size pair (EFI compression's header); BIOSUtilities pads a stream
        // cut short of its stated size with zeros, and so does this (at most 64 KiB).
        var stream = Array(m.from(F.compressedSize.offset)!)
        let missing = Int(Swift.min(UInt64(0x10000), compressed &+ 8 > UInt64(stream.count) ? compressed + 8 - UInt64(stream.count) : 0))
        stream += [UInt8](repeating: 0, count: missing)
        decode(.efi, stream[...], expected: Int(original), at: m.startIndex + F.compressedSize.offset, ctx, holding: .blob)
    }

    /// BIOSUtilities' `checksum_16`: the sum of little-endian 16-bit words (an odd last byte alone).
    static func sum16(_ b: ArraySlice<UInt8>) -> UInt16 {
        var sum: UInt16 = 0
        var i = b.startIndex
        while i + 1 < b.endIndex { sum &+= UInt16(b[i]) | UInt16(b[i + 1]) << 8; i += 2 }
        if i < b.endIndex { sum &+= UInt16(b[i]) }
        return sum
    }
}
