import Core
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
/// Candidates are found by signature: a vector search for `55 AA` (a ROM's first image always
/// carries it; NVIDIA's `77 BB`/`56 4E` only start later images of a chain).
/// A candidate is a ROM when:
/// 1. its pointer at `0x18` is at least `0x1A` (it cannot point into the header it sits in),
///    and leads to a `PCIR` signature with the 0x18-byte structure inside the blob;
/// 2. the pointer lies inside the image PCIR describes (a pointer past the image is a decoy);
/// 3. `ROMParser` walks a chain from it whose first image has that PCIR (always so, given 1 and 2);
/// 4. either its legacy checksum holds, or its chain makes sense: the chain, walked through the
///    blob as `ROMParser` walks a file (to the image marked last, or to where no image follows),
///    ends within `maximumROMLength` of its start, and every image of it is longer than 0, ends
///    inside the blob, and when x86 has a size byte that is not 0 and not larger than its
///    length. A chain that fails both is rejected. A bad checksum alone is not enough to
///    reject: runtime copies in memory dumps have stale ones.
///
/// A ROM is reported once, with all its images; scanning resumes after its end, so the later
/// images of the chain are not reported as ROMs of their own. When the checksum holds but the
/// chain does not, only the checksummed part counts and is skipped.
///
/// Cost: linear in the blob's size whatever it holds. Each candidate that passes rules 1 and 2
/// costs a few table look-ups: images are parsed once per offset, chain walks are memoised per
/// image (`Chains`), checksums come from block prefix sums (`ChecksumBlocks`). Decoys that all
/// lead into one shared tail, or start one at every block of a long chain, walk it once.
public enum ROMScanner {
    public struct Options: Sendable {
        /// Longest chain a ROM may have. Real ROMs fit in 16 MiB (the largest ROM BAR in the
        /// wild); a chain longer than this counts as nonsensical.
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
            if case .rom(let rom) = judge(ByteView(blob), at: hit, complete: true, options: options, memo: &memo) {
                try body(rom)
                at = hit + Swift.max(rom.length, 2)
            } else {
                at = hit + 1
            }
        }
    }

    /// `scan`, and the work its chains took (images parsed, walk steps, candidates judged): the
    /// measure tests hold to linear growth, where timing would be noise.
    static func scanCountingWork(_ blob: UnsafeRawBufferPointer, options: Options = .init()) -> (roms: [EmbeddedROM], work: Int) {
        var found: [EmbeddedROM] = []
        var candidates = 0
        var at = 0
        var memo = Memo(blob)
        while let hit = ByteSearch.index(of: 0x55, 0xAA, in: blob, from: at, to: blob.count) {
            candidates += 1
            if case .rom(let rom) = judge(ByteView(blob), at: hit, complete: true, options: options, memo: &memo) {
                found.append(rom)
                at = hit + Swift.max(rom.length, 2)
            } else {
                at = hit + 1
            }
        }
        return (found, candidates + memo.chains.work)
    }

    /// What earlier candidates of one scan learnt, in offsets of the buffer scanned: block sums
    /// (each byte summed once however many images cover it) and the chains walked.
    struct Memo {
        let checksums: ChecksumBlocks
        var chains = Chains()
        init(_ blob: UnsafeRawBufferPointer) {
            checksums = ChecksumBlocks(blob)
        }
    }

    /// The ROM whose first image starts at `offset`, if the rules above hold, by a full parse
    /// with `ROMParser` and no memo: the reference `scan` must agree with.
    public static func confirm(_ blob: UnsafeRawBufferPointer, at offset: Int, options: Options = .init()) -> EmbeddedROM? {
        let v = ByteView(blob)
        guard let (ptr, _) = signatureRules(v, at: offset) else { return nil }
        // Rule 3: the chain as the parser walks it through the rest of the blob (bytes past
        // `reach` cannot make it hold: a chain that needs them is longer than allowed).
        let rest = UnsafeRawBufferPointer(rebasing: blob[offset..<offset + Swift.min(blob.count - offset, reach(options))])
        var parse = ROMParser.Options()
        parse.maxImages = .max
        parse.searchForFirstImage = false
        parse.decodeVendorTables = false
        parse.checkTrailingData = false
        let layout = ROMParser.parse(rest, options: parse)
        guard let first = layout.images.first, let pcir = first.pcir, pcir.offset == Int(ptr) else { return nil }

        // Rule 4.
        var intact = 0
        for image in layout.images {
            guard image.length > 0, image.end <= rest.count else { break }
            if image.isLegacy, image.sizeByte == 0 || Int(image.sizeByte) * 512 > image.length { break }
            intact += 1
        }
        let chainIntact = intact == layout.images.count && layout.chainEnd <= options.maximumROMLength
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

    /// What the scanner concludes about one candidate.
    enum Verdict: Equatable {
        case rom(EmbeddedROM)
        case none
        /// The bytes up to this offset (of `v`) must be seen first: a streamed scan reads on.
        case more(Int)
    }

    /// Rules 1 to 4 for the candidate at `o`, with the memo: what `confirm` concludes, for the
    /// cost of a few look-ups. `v` holds the blob from its start; `complete`: `v` ends where the
    /// blob does (else bytes past `v` may change the answer, and it is `.more`). Bytes further
    /// than `reach(options)` past `o` never matter: a chain that needs them is too long.
    static func judge(_ v: ByteView, at o: Int, complete: Bool, options: Options, memo: inout Memo) -> Verdict {
        guard let (ptr, _) = signatureRules(v, at: o) else { return .none }
        let pcirAt = o + Int(ptr)
        let horizon = o + options.maximumROMLength
        // Needs past this lie beyond any chain that could hold: the chain does not.
        let full = complete || v.count >= o + reach(options)
        // The first image; when only bytes past `reach` could tell its length, it is too long.
        var first: Chains.Link?
        switch memo.chains.link(v, at: o, romStart: o, complete: complete) {
        case .stop: return .none
        case .more(let need): if !full { return .more(need) }
        case .past(let end): if !full && end <= horizon { return .more(end) }
        case .image(let l): first = l
        }
        let codeType = CodeType(rawValue: v.u8(pcirAt + PCIRFields.codeType.offset) ?? 0)
        let sizeByte = Int(v.u8(o + ImageHeaderFields.sizeByte.offset) ?? 0)
        var checksumValid: Bool?
        if codeType == .x86, sizeByte != 0 {
            if o + sizeByte * 512 <= v.count {
                checksumValid = memo.checksums.sum(from: o, count: sizeByte * 512) == 0
            } else if !complete {
                return .more(o + sizeByte * 512)
            }
        }

        // Rule 4: the chain from the second image on, memoised per image.
        var intact = false
        var count = 1
        var end = o
        if let first {
            end = o + first.length
            intact = !first.fails && end <= horizon
            if intact && !first.ends {
                switch memo.chains.summary(v, from: end, romStart: o, complete: complete) {
                case .stop: break
                case .closed(let rest):
                    count += rest.count
                    end = rest.end
                    intact = !rest.failed && rest.end <= horizon
                case .open(let rest, let need, let past):
                    // The walk reached bytes not read yet: decided only if what it saw breaks,
                    // or the image it stopped at ends past the limit.
                    if rest.failed || rest.end > horizon || full || (past && need > horizon) { intact = false } else { return .more(need) }
                }
            }
        }
        let vendor = v.u16(pcirAt + PCIRFields.vendorID.offset) ?? 0
        let device = v.u16(pcirAt + PCIRFields.deviceID.offset) ?? 0
        if intact {
            return .rom(EmbeddedROM(offset: o, length: end - o, vendorID: vendor, deviceID: device, codeType: codeType,
                                    imageCount: count, checksumValid: checksumValid, chainIntact: true))
        }
        guard checksumValid == true else { return .none }
        let length = sizeByte * 512
        let (images, need) = checksummedImages(v, at: o, length: length, complete: complete, full: full, memo: &memo)
        if let need { return .more(need) }
        return .rom(EmbeddedROM(offset: o, length: length, vendorID: vendor, deviceID: device, codeType: codeType,
                                imageCount: Swift.max(1, images), checksumValid: true, chainIntact: false))
    }

    /// How many images of the chain at `o` lie in its checksummed part (`length` bytes) before
    /// the first that breaks rule 4, or the bytes that must be read first to tell.
    static func checksummedImages(_ v: ByteView, at o: Int, length: Int, complete: Bool, full: Bool,
                                  memo: inout Memo) -> (images: Int, need: Int?) {
        var images = 0
        var at = o
        while images < 256 {
            let parsed = memo.chains.link(v, at: at, romStart: o, complete: complete)
            if case .more(let need) = parsed, !full { return (images, need) }
            if case .past(let end) = parsed, !full, end <= o + length { return (images, end) }
            guard case .image(let l) = parsed else { break }
            if l.fails || at + l.length > o + length { break }
            images += 1
            if l.ends { break }
            at += l.length
        }
        return (images, nil)
    }

    /// Bytes past a candidate that can decide it: a chain ending `maximumROMLength` after it,
    /// plus what the parse of an image starting there reads (its PCIR up to 0xFFFF bytes on,
    /// an NPDE up to 0xFFFF bytes after that PCIR) and one byte to tell the blob's end.
    static func reach(_ options: Options) -> Int {
        options.maximumROMLength + 2 * 0x10000 + 0x40
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
