import Core
/// Byte-wise comparison of two ROMs: which ranges changed and what each touches, judged by the
/// layout of the first (the second's past the first's end).
public struct ROMDiff: Sendable {
    public enum Region: String, Sendable, CaseIterable {
        case prefix = "prefix"
        case imageHeader = "image header"
        case sizeByte = "size byte"
        case checksumByte = "checksum byte"
        case pcir = "PCIR"
        case npde = "NPDE"
        case efiHeader = "EFI header"
        case codeOrData = "code or data"
        case pastChainEnd = "past chain end"
    }

    public struct ChangedRange: Sendable, Equatable {
        public var offset: Int
        /// Including the unchanged bytes merged in between.
        public var length: Int
        public var changedBytes: Int
        public var region: Region
        /// Index of the image (in the layout that classified it), nil for the prefix and past the chain.
        public var image: Int?

        public var json: JSON {
            .object([("offset", .int(offset)), ("length", .int(length)), ("region", .string(region.rawValue)),
                     ("image", .optional(image)), ("changedBytes", .int(changedBytes))])
        }
    }

    public var lengthA: Int
    public var lengthB: Int
    /// Bytes that differ, counting every byte one side has past the other's end.
    public var changedBytes: Int
    public var ranges: [ChangedRange]

    /// Changed bytes per image (nil: prefix or past the chain end), in order of first appearance.
    public var perImage: [(image: Int?, changedBytes: Int)] {
        var out: [(image: Int?, changedBytes: Int)] = []
        for r in ranges {
            if let i = out.firstIndex(where: { $0.image == r.image }) { out[i].changedBytes += r.changedBytes }
            else { out.append((r.image, r.changedBytes)) }
        }
        return out
    }

    /// Most ranges `json` lists: two 16 MiB ROMs differing in every other byte have 8 million
    /// ranges, hundreds of MB of JSON. `rangeCount` and `truncated` say when the list was cut.
    public static let jsonRangeLimit = 10_000

    public var json: JSON { json(rangeLimit: Self.jsonRangeLimit) }

    public func json(rangeLimit: Int) -> JSON {
        .object([("changedBytes", .int(changedBytes)), ("ranges", .array(ranges.prefix(max(0, rangeLimit)).map(\.json))),
                 ("rangeCount", .int(ranges.count)), ("truncated", .bool(ranges.count > max(0, rangeLimit))),
                 ("lengthA", .int(lengthA)), ("lengthB", .int(lengthB))])
    }

    /// Compares `a` with `b`. Changes in one region of one image less than `mergeGap` bytes apart
    /// become one range (a patched table reads as one change, not twenty).
    public static func compare(_ a: [UInt8], _ b: [UInt8], mergeGap: Int = 16) -> ROMDiff {
        let classifyA = Classifier(a)
        let classifyB = a.count < b.count ? Classifier(b) : classifyA
        var ranges: [ChangedRange] = []
        var changed = 0
        let common = min(a.count, b.count)
        let total = max(a.count, b.count)
        var i = 0
        while i < total {
            if i < common, a[i] == b[i] {
                // Skip equal runs quickly.
                i += 1
                continue
            }
            changed += 1
            let (region, image) = i < a.count ? classifyA.classify(i) : classifyB.classify(i)
            if var last = ranges.last, last.region == region, last.image == image,
               i - (last.offset + last.length) < mergeGap {
                last.length = i + 1 - last.offset
                last.changedBytes += 1
                ranges[ranges.count - 1] = last
            } else {
                ranges.append(ChangedRange(offset: i, length: 1, changedBytes: 1, region: region, image: image))
            }
            i += 1
        }
        return ROMDiff(lengthA: a.count, lengthB: b.count, changedBytes: changed, ranges: ranges)
    }

    struct Classifier {
        let layout: ROMLayout
        /// Per image: the bytes (relative) that may hold its checksum.
        let checksumBytes: [Set<Int>]

        init(_ bytes: [UInt8]) {
            layout = ROMParser.parse(bytes, options: { var o = ROMParser.Options(); o.decodeVendorTables = false; return o }())
            checksumBytes = layout.images.map { im in
                guard im.isLegacy, im.runtimeLength > 0 else { return [] }
                let located = ChecksumConvention.locate(bytes, image: im.offset, runtime: im.runtimeLength, choice: .auto).offset
                return [located, im.runtimeLength - 1]
            }
        }

        func classify(_ offset: Int) -> (Region, Int?) {
            if offset < layout.prefixLength { return (.prefix, nil) }
            guard let index = layout.images.firstIndex(where: { offset >= $0.offset && offset < $0.end }) else {
                return (.pastChainEnd, nil)
            }
            let im = layout.images[index]
            let rel = offset - im.offset
            if let p = im.pcir {
                let at = p.offset - im.offset
                if rel >= at, rel < at + max(Int(p.length), PCIRFields.size) { return (.pcir, index) }
                if p.revision >= 3, p.deviceListPointer != 0 {
                    let list = at + Int(p.deviceListPointer)
                    if rel >= list, rel < list + 2 * (p.deviceList.count + 1) { return (.pcir, index) }
                }
            }
            if let n = im.npde {
                let at = n.offset - im.offset
                if rel >= at, rel < at + max(Int(n.length), NPDEFields.indicator.end) { return (.npde, index) }
            }
            if im.isEFI { return (rel < ImageHeaderFields.length ? .efiHeader : .codeOrData, index) }
            if im.isLegacy {
                if rel == ImageHeaderFields.sizeByte.offset { return (.sizeByte, index) }
                if checksumBytes[index].contains(rel) { return (.checksumByte, index) }
            }
            if rel < ImageHeaderFields.length { return (.imageHeader, index) }
            return (.codeOrData, index)
        }
    }
}
