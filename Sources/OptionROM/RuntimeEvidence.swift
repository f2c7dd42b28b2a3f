import Core
/// Whether a ROM is the pristine flash image or a copy the system firmware modified while it ran
/// (the real dumps in the corpus tier, Fixtures/corpus, show each sign).
///
/// A runtime copy shows: a size byte shrunk below the PCIR image length (the BIOS dropped its
/// init code), a checksum left stale, the next option ROM placed right behind the new end, and no
/// EFI images although the PCIR says more images follow. Where it came from (shadow RAM) is known
/// only to the caller.
public enum RuntimeEvidence {
    public struct Evidence: Sendable, Equatable {
        public enum Kind: String, Sendable {
            case sizeShrunk = "size-shrunk"
            case staleChecksum = "stale-checksum"
            case shadow = "shadow"
            case foreignROM = "foreign-rom"
            case missingImages = "missing-images"
        }
        public var kind: Kind
        /// Strong evidence says "runtime copy" on its own; weak evidence only together with more.
        public var strong: Bool
        public var offset: Int?
        public var text: String
    }

    /// Every piece of evidence found in `layout` (parsed from `bytes`).
    public static func evidence(_ layout: ROMLayout, _ bytes: UnsafeRawBufferPointer, isShadow: Bool) -> [Evidence] {
        var out: [Evidence] = []
        if isShadow {
            out.append(Evidence(kind: .shadow, strong: true, offset: nil,
                text: "it was read from shadow RAM (0xc0000), where the system firmware ran it"))
        }
        // A shrunk image at the start whose PCIR now lies inside the ROM placed behind it: the
        // parser sees a "prefix" that begins 55 AA and ends where its size byte says.
        if layout.prefixLength > 0, bytes.count > 2, bytes[0] == 0x55, bytes[1] == 0xAA, bytes[2] != 0,
           Int(bytes[2]) * 512 <= layout.prefixLength, let first = layout.images.first {
            let ids = first.pcir.map { $0.pciIDs.description } ?? "?"
            out.append(Evidence(kind: .foreignROM, strong: true, offset: first.offset,
                text: "the image at 0 ends after \(Int(bytes[2]) * 512) bytes (its size byte) and its PCI data structure pointer "
                    + "leads into another ROM (\(ids)) that starts at \(Hex.prefixed(first.offset))"))
        }
        guard let index = layout.images.firstIndex(where: { $0.isLegacy && $0.pcir != nil }) else { return out }
        let legacy = layout.images[index]
        let pcir = legacy.pcir!
        let runtime = legacy.runtimeLength
        if legacy.sizeByte != 0, runtime < pcir.imageLengthBytes {
            out.append(Evidence(kind: .sizeShrunk, strong: true, offset: legacy.offset + 2,
                text: "image \(index)'s size byte says \(runtime) bytes, its PCIR \(pcir.imageLengthBytes)"))
        }
        if legacy.checksumValid == false {
            out.append(Evidence(kind: .staleChecksum, strong: false, offset: legacy.offset,
                text: "image \(index)'s checksum is stale (the bytes sum to \(Hex.prefixed(legacy.checksum ?? 0, width: 2)))"))
        }
        // Another ROM at or after the runtime end that is not one of the chain's own images.
        let v = ByteView(bytes)
        let chainOffsets = Set(layout.images.map(\.offset))
        var at = legacy.offset + max(runtime, 512)
        while let hit = ROMParser.findFirstImage(v, from: at) {
            at = hit + 1
            if chainOffsets.contains(hit) { continue }
            guard let ds = ROMParser.dataStructure(v, imageAt: hit) else { continue }
            let ids = PCIIDs(vendor: v.u16(ds + PCIRFields.vendorID.offset) ?? 0, device: v.u16(ds + PCIRFields.deviceID.offset) ?? 0).description
            let inside = hit < legacy.end
            out.append(Evidence(kind: .foreignROM, strong: inside || isShadow, offset: hit,
                text: "another ROM (\(ids)) starts at \(Hex.prefixed(hit)), past image \(index)'s runtime end at "
                    + "\(Hex.prefixed(legacy.offset + runtime))" + (inside ? ", inside the length its PCIR claims" : "")))
            break
        }
        let nvidiaLast = legacy.npde?.isLast ?? pcir.isLast
        if !pcir.isLast || !nvidiaLast, layout.efiImages.isEmpty {
            out.append(Evidence(kind: .missingImages, strong: false, offset: pcir.offset + PCIRFields.indicator.offset,
                text: "image \(index)'s PCIR says more images follow, but there is no EFI image"))
        }
        return out
    }

    /// The findings to add to a layout: one `runtime-modified` warning listing the evidence when
    /// it adds up (one strong piece beside another, or a shrunk size or a foreign ROM inside the
    /// image on its own), else `shadow-copy` information for a shadow read that looks untouched.
    public static func assess(_ layout: ROMLayout, _ bytes: UnsafeRawBufferPointer, isShadow: Bool = false) -> [Finding] {
        let all = evidence(layout, bytes, isShadow: isShadow)
        let strong = all.filter(\.strong)
        let decisive = strong.contains { $0.kind != .shadow }
        if decisive || (strong.count >= 1 && all.count >= 2) || all.count >= 3 {
            let at = all.first { $0.kind == .sizeShrunk }?.offset ?? layout.legacyImage?.offset
            return [Finding(.runtimeModified, at: at,
                "This looks like a runtime copy, not the pristine ROM: " + all.map(\.text).joined(separator: "; ")
                + ". Read the ROM from another source (the ROM BAR, the vendor's file) for passthrough.")]
        }
        if isShadow {
            return [Finding(.info, .shadowCopy, at: nil,
                "Read from shadow RAM; no sign that the firmware modified it" + (all.count > 1 ? " beyond: " + all.dropFirst().map(\.text).joined(separator: "; ") : "") + ".")]
        }
        return []
    }

    public static func assess(_ layout: ROMLayout, _ bytes: [UInt8], isShadow: Bool = false) -> [Finding] {
        bytes.withUnsafeBytes { assess(layout, $0, isShadow: isShadow) }
    }

    /// Which of two reads of one ROM is pristine.
    public struct Verdict: Sendable, Equatable {
        public enum Pristine: String, Sendable { case a, b }
        /// nil when neither stands out (identical, or both pristine-looking, or both modified).
        public var pristine: Pristine?
        public var reasons: [String]
        public var scoreA: Int
        public var scoreB: Int

        public var json: JSON {
            .object([("pristine", .optional(pristine?.rawValue)), ("reasons", .array(reasons.map { .string($0) })),
                     ("scoreA", .int(scoreA)), ("scoreB", .int(scoreB))])
        }
    }

    /// Scores each side: a full-size legacy image (+2), a valid checksum (+2), its following
    /// images present (+1), EFI images (+1, a runtime copy has none), each piece of runtime
    /// evidence (−2 strong, −1 weak).
    public static func compare(_ a: [UInt8], _ b: [UInt8], aIsShadow: Bool = false, bIsShadow: Bool = false) -> Verdict {
        let la = ROMParser.parse(a)
        let lb = ROMParser.parse(b)
        let (sa, ra) = a.withUnsafeBytes { score(la, $0, isShadow: aIsShadow) }
        let (sb, rb) = b.withUnsafeBytes { score(lb, $0, isShadow: bIsShadow) }
        if a == b {
            return Verdict(pristine: nil, reasons: ["the two are identical"], scoreA: sa, scoreB: sb)
        }
        if sa == sb {
            return Verdict(pristine: nil, reasons: ["neither stands out: A " + ra.joined(separator: ", ") + "; B " + rb.joined(separator: ", ")],
                           scoreA: sa, scoreB: sb)
        }
        let aWins = sa > sb
        return Verdict(pristine: aWins ? .a : .b,
                       reasons: (aWins ? ["A " + ra.joined(separator: ", "), "B " + rb.joined(separator: ", ")]
                                       : ["B " + rb.joined(separator: ", "), "A " + ra.joined(separator: ", ")]),
                       scoreA: sa, scoreB: sb)
    }

    static func score(_ layout: ROMLayout, _ bytes: UnsafeRawBufferPointer, isShadow: Bool) -> (Int, [String]) {
        var s = 0
        var why: [String] = []
        guard let legacy = layout.legacyImage, let pcir = legacy.pcir else {
            return (-10, ["has no legacy image with a PCI data structure"])
        }
        if legacy.runtimeLength == pcir.imageLengthBytes { s += 2; why.append("has a full-size legacy image (\(pcir.imageLengthBytes) bytes)") }
        if legacy.checksumValid == true { s += 2; why.append("has a valid checksum") }
        let complete = layout.images.last?.isLast == true && layout.findings(.truncated).isEmpty
        if complete, layout.images.count > 1 || pcir.isLast {
            s += 1
            why.append(layout.images.count > 1 ? "keeps its following images (\(layout.images.count - 1))" : "is a complete one-image chain")
        }
        if !layout.efiImages.isEmpty { s += 1; why.append("has its EFI image\(layout.efiImages.count == 1 ? "" : "s")") }
        for e in evidence(layout, bytes, isShadow: isShadow) {
            s -= e.strong ? 2 : 1
            why.append(e.text)
        }
        return (s, why)
    }
}

extension ROMLayout {
    /// This layout with the runtime-modification assessment appended to its findings.
    public func withRuntimeEvidence(_ bytes: UnsafeRawBufferPointer, isShadow: Bool = false) -> ROMLayout {
        var l = self
        l.findings += RuntimeEvidence.assess(self, bytes, isShadow: isShadow)
        return l
    }
}
