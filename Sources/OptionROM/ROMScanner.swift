/// An option ROM found inside a larger blob (a firmware image, a memory dump).
public struct EmbeddedROM: Sendable, Equatable {
    /// Where the ROM's first image starts, from the start of the blob.
    public var offset: Int
    /// Bytes of the ROM: its whole chain when the chain holds together, else the part its legacy
    /// checksum covers (size byte × 512).
    public var length: Int
    public var vendorID: UInt16
    public var deviceID: UInt16
    /// The first image's code type.
    public var codeType: CodeType
    /// Images of the chain reported in `length`.
    public var imageCount: Int
    /// The first image's legacy checksum; nil when it is not an x86 image.
    public var checksumValid: Bool?
    /// Whether every image of the chain has a length that makes sense (see `ROMScanner`).
    public var chainIntact: Bool

    public var end: Int { offset + length }
}

/// Finds the option ROMs embedded in a blob of any size, at memory speed.
///
/// Candidates are found by signature: `memchr` for `55`, one compare for `AA` (a ROM's first
/// image always carries `55 AA`; NVIDIA's `77 BB`/`56 4E` only start later images of a chain).
/// A candidate is a ROM when:
/// 1. its pointer at `0x18` is at least `0x1A` (it cannot point into the header it sits in),
///    and leads to a `PCIR` signature with the 0x18-byte structure inside the blob;
/// 2. the pointer lies inside the image PCIR describes (a pointer past the image is a decoy);
/// 3. `ROMParser` walks a chain from it whose first image has that PCIR;
/// 4. either its legacy checksum holds, or its lengths make sense: every image walked is longer
///    than 0, ends inside the blob (and within `maximumROMLength`), and an x86 image's size byte
///    is not 0 and not larger than its PCIR length. A chain that fails both is rejected. A bad
///    checksum alone is not enough to reject: runtime copies in memory dumps have stale ones.
///
/// A ROM is reported once, with all its images; scanning resumes after its end, so the later
/// images of the chain are not reported as ROMs of their own. When the checksum holds but the
/// lengths do not, only the checksummed part counts and is skipped.
public enum ROMScanner {
    public struct Options: Sendable {
        /// Longest chain looked at from one candidate. Real ROMs fit in 16 MiB (the largest ROM
        /// BAR in the wild); a chain longer than this counts as nonsensical.
        public var maximumROMLength: Int = 16 << 20
        public init() {}
    }

    /// Every ROM in `blob`, in order of offset.
    public static func scan(_ blob: UnsafeRawBufferPointer, options: Options = .init()) -> [EmbeddedROM] {
        var found: [EmbeddedROM] = []
        scan(blob, options: options) { found.append($0) }
        return found
    }

    /// Calls `body` with each ROM in `blob` as it is found, in order of offset.
    public static func scan(_ blob: UnsafeRawBufferPointer, options: Options = .init(),
                            _ body: (EmbeddedROM) throws -> Void) rethrows {
        var at = 0
        var memo = Memo(blob)
        while let hit = ByteSearch.index(of: 0x55, 0xAA, in: blob, from: at, to: blob.count) {
            if let rom = confirm(blob, at: hit, options: options, memo: &memo) {
                try body(rom)
                at = hit + Swift.max(rom.length, 2)
            } else {
                at = hit + 1
            }
        }
    }

    /// What earlier candidates of one scan learnt, so that decoys cost a bounded amount each
    /// however many a blob holds (a blob of decoy headers, each starting a chain through the
    /// next ones, made every candidate walk the chain and sum its images again: quadratic).
    ///
    /// - `checksums`: block sums, so each byte is summed once however many images cover it.
    /// - `brokenChains`: image starts met in a rejected candidate's chain, before an image that
    ///   fails rule 4 for a reason of its own (a length of 0, a size byte that does not fit, or
    ///   the blob's end). A candidate there walks the same images (chain images sit a multiple of
    ///   512 bytes apart, so their layout is the same from either start) and meets the same
    ///   failure: its chain is not intact, and only its own checksum can still confirm it. The
    ///   value is that image's checksum validity.
    struct Memo {
        let checksums: ChecksumBlocks
        var brokenChains: [Int: Bool?] = [:]
        /// Off: every candidate goes through the full parse (the reference the shortcuts are
        /// tested and fuzzed against).
        let shortcuts: Bool
        init(_ blob: UnsafeRawBufferPointer, shortcuts: Bool = true) {
            checksums = ChecksumBlocks(blob)
            self.shortcuts = shortcuts
        }
    }

    /// The ROM whose first image starts at `offset`, if the rules above hold, by a full parse
    /// (no shortcuts: what `scan` must agree with).
    public static func confirm(_ blob: UnsafeRawBufferPointer, at offset: Int, options: Options = .init()) -> EmbeddedROM? {
        var memo = Memo(blob, shortcuts: false)
        return confirm(blob, at: offset, options: options, memo: &memo)
    }

    /// How far past a candidate's first byte rules 1 and 2 read: the pointer at 0x18 (at most
    /// 0xFFFF) and the 0x18-byte PCIR structure it leads to.
    static let signatureReach = 0xFFFF + PCIRFields.size

    /// Rules 1 and 2 (the header's pointer and the PCIR it leads to): the PCIR pointer and the
    /// image length in 512-byte units, or nil. Reads nothing past `offset + signatureReach`.
    static func signatureRules(_ v: ByteView, at offset: Int) -> (ptr: UInt16, imageUnits: UInt16)? {
        guard v.u8(offset) == 0x55, v.u8(offset + 1) == 0xAA,
              let ptr = v.u16(offset + ImageHeaderFields.dataStructurePointer.offset), ptr >= ImageHeaderFields.length else { return nil }
        let pcirAt = offset + Int(ptr)
        guard v.contains(pcirAt, PCIRFields.size), v.matches(pcirAt, "PCIR"),
              let imageUnits = v.u16(pcirAt + PCIRFields.imageLength.offset), Int(ptr) < Int(imageUnits) * ImageHeaderFields.blockSize else { return nil }
        return (ptr, imageUnits)
    }

    static func confirm(_ blob: UnsafeRawBufferPointer, at offset: Int, options: Options, memo: inout Memo) -> EmbeddedROM? {
        let v = ByteView(blob)
        // Rules 1 and 2, checked here before any parsing: most candidates in a large blob are
        // chance `55 AA` pairs and must cost a few loads, not a parse.
        guard let (ptr, imageUnits) = signatureRules(v, at: offset) else { return nil }
        let pcirAt = offset + Int(ptr)

        // A start inside a chain already known to break: only a valid checksum can confirm it.
        if memo.shortcuts, let checksumValid = memo.brokenChains[offset], checksumValid != true { return nil }

        let windowEnd = offset + Swift.min(blob.count - offset, options.maximumROMLength)
        // An x86 first image whose size byte is 0 or larger than its PCIR length (no NPDE to
        // change that length) fails rule 4 by itself, as the parser would find: only its own
        // checksum can confirm it, and that is a block-sum lookup, not a parse.
        if memo.shortcuts, v.u8(pcirAt + PCIRFields.codeType.offset) == 0, let sizeByte = v.u8(offset + ImageHeaderFields.sizeByte.offset),
           let pcirLength = v.u16(pcirAt + PCIRFields.length.offset),
           sizeByte == 0 || Int(sizeByte) * 512 > Int(imageUnits) * 512,
           pcirLength == 0 || !v.matches(offset + NPDEFields.offset(afterPCIRAt: Int(ptr), length: Int(pcirLength)), "NPDE") {
            let runtime = Int(sizeByte) * 512
            guard sizeByte != 0, offset + runtime <= windowEnd, memo.checksums.sum(from: offset, count: runtime) == 0 else { return nil }
            // What the parse would conclude: the checksummed part, one image, the chain broken.
            return EmbeddedROM(offset: offset, length: runtime, vendorID: v.u16(pcirAt + PCIRFields.vendorID.offset) ?? 0, deviceID: v.u16(pcirAt + PCIRFields.deviceID.offset) ?? 0,
                               codeType: .x86, imageCount: 1, checksumValid: true, chainIntact: false)
        }

        // Rule 3: the chain, walked by the parser on a window of the blob, without the parts
        // that only matter for a whole file (trailing data, vendor tables).
        let window = UnsafeRawBufferPointer(rebasing: blob[offset..<windowEnd])
        var parse = ROMParser.Options()
        parse.searchForFirstImage = false
        parse.decodeVendorTables = false
        parse.checkTrailingData = false
        parse.checksums = memo.checksums
        let layout = ROMParser.parse(window, options: parse)
        guard let first = layout.images.first, let pcir = first.pcir, pcir.offset == Int(ptr) else { return nil }

        // Rule 4.
        var intact = 0
        for image in layout.images {
            guard image.length > 0, image.end <= window.count else { break }
            if image.isLegacy, image.sizeByte == 0 || Int(image.sizeByte) * 512 > image.length { break }
            intact += 1
        }
        // Memo: a later candidate at image i >= 1 of this chain walks the same images from i on,
        // so it breaks too when one of them fails for a reason of its own (not this window's end).
        if intact < layout.images.count {
            var lastOwnFailure = -1
            for (i, image) in layout.images.enumerated() {
                let own = image.length == 0 || (image.isLegacy && (image.sizeByte == 0 || Int(image.sizeByte) * 512 > image.length))
                    || (image.end > window.count && windowEnd == blob.count)
                if own { lastOwnFailure = i }
            }
            if lastOwnFailure >= 1 {
                for image in layout.images[1...lastOwnFailure] {
                    memo.brokenChains[offset + image.offset] = image.isLegacy ? image.checksumValid : nil
                }
            }
        }
        let chainIntact = intact == layout.images.count
            && layout.findings.allSatisfy { $0.code != .truncated && $0.code != .zeroLength }
        let checksumValid = first.isLegacy ? first.checksumValid : nil
        let length: Int
        let images: Int
        if chainIntact {
            length = layout.chainEnd
            images = layout.images.count
        } else if checksumValid == true {
            length = Int(first.sizeByte) * 512
            images = Swift.max(1, layout.images.prefix(intact).filter { $0.end <= length }.count)
        } else {
            return nil
        }
        return EmbeddedROM(offset: offset, length: length, vendorID: pcir.vendorID, deviceID: pcir.deviceID,
                           codeType: pcir.codeType, imageCount: images, checksumValid: checksumValid,
                           chainIntact: chainIntact)
    }
}

extension EmbeddedROM {
    /// `scan --json` element: `{ "offset", "length", "vendorID", "deviceID", "codeType", "images" }`.
    public var json: JSON {
        .object([
            ("offset", .int(offset)),
            ("length", .int(length)),
            ("vendorID", .hex4(vendorID)),
            ("deviceID", .hex4(deviceID)),
            ("codeType", .int(Int(codeType.rawValue))),
            ("images", .int(imageCount)),
        ])
    }
}
