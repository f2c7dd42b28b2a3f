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
        while let hit = ByteSearch.index(of: 0x55, 0xAA, in: blob, from: at, to: blob.count) {
            if let rom = confirm(blob, at: hit, options: options) {
                try body(rom)
                at = hit + Swift.max(rom.length, 2)
            } else {
                at = hit + 1
            }
        }
    }

    /// The ROM whose first image starts at `offset`, if the rules above hold.
    public static func confirm(_ blob: UnsafeRawBufferPointer, at offset: Int, options: Options = .init()) -> EmbeddedROM? {
        let v = ByteView(blob)
        // Rules 1 and 2, checked here before any parsing: most candidates in a large blob are
        // chance `55 AA` pairs and must cost a few loads, not a parse.
        guard v.u8(offset) == 0x55, v.u8(offset + 1) == 0xAA,
              let ptr = v.u16(offset + 0x18), ptr >= 0x1A else { return nil }
        let pcirAt = offset + Int(ptr)
        guard v.contains(pcirAt, 0x18), v.matches(pcirAt, "PCIR"),
              let imageUnits = v.u16(pcirAt + 0x10), Int(ptr) < Int(imageUnits) * 512 else { return nil }

        // Rule 3: the chain, walked by the parser on a window of the blob, without the parts
        // that only matter for a whole file (trailing data, vendor tables).
        let windowEnd = offset + Swift.min(blob.count - offset, options.maximumROMLength)
        let window = UnsafeRawBufferPointer(rebasing: blob[offset..<windowEnd])
        var parse = ROMParser.Options()
        parse.searchForFirstImage = false
        parse.decodeVendorTables = false
        parse.checkTrailingData = false
        let layout = ROMParser.parse(window, options: parse)
        guard let first = layout.images.first, let pcir = first.pcir, pcir.offset == Int(ptr) else { return nil }

        // Rule 4.
        var intact = 0
        for image in layout.images {
            guard image.length > 0, image.end <= window.count else { break }
            if image.isLegacy, image.sizeByte == 0 || Int(image.sizeByte) * 512 > image.length { break }
            intact += 1
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
