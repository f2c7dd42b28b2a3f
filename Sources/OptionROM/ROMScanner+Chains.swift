extension ROMScanner {
    /// The image chains of one scanned buffer, each image parsed once and each chain walked
    /// once, however many candidates lead into them.
    ///
    /// Decoys make the naive scan quadratic: headers every 512 bytes whose images all reach one
    /// shared tail walk that tail once each, and a header at every block of a long chain walks
    /// the rest of the chain once each. Here an image (an offset, and the ROM start modulo 16
    /// that places NVIDIA's NPDE) is parsed once, and the walk from it (how many images, where
    /// the chain ends, whether one breaks rule 4) is stored for every image it passes, so a
    /// later candidate pays one look-up. A walk that reaches bytes not read yet (a streamed
    /// scan) is stored up to there and goes on from there once they are read.
    struct Chains {
        /// One image as rule 4 sees it (what `ROMParser.parseImage` and its chain walk decide).
        struct Link: Equatable {
            var length: Int
            var last: Bool
            /// Breaks rule 4: a length of 0, an end past the blob, an x86 size byte of 0 or
            /// larger than the image.
            var fails: Bool
            /// The walk stops after it: marked last, a length of 0, or past the blob's end.
            var ends: Bool
        }

        enum Parsed: Equatable {
            case image(Link)
            /// No image here (no signature, or no data structure): the chain ended before.
            case stop
            /// The answer depends on bytes up to this offset, not read yet.
            case more(Int)
            /// Parsed, but whether the blob holds all of it depends on bytes up to its end (this
            /// offset), not read yet: an image that would end past a chain's limit fails anyway.
            case past(Int)
        }

        /// Images from one offset to the chain's end (or to the bytes not read yet).
        struct Walk: Equatable {
            var count: Int
            /// Where the last image walked ends.
            var end: Int
            var failed: Bool
        }

        enum Summary: Equatable {
            case stop
            case closed(Walk)
            /// Walked up to `end`, where an image needs bytes up to `need`; `past`: the need is
            /// that image's end (it ends there or the blob ends first).
            case open(Walk, need: Int, past: Bool)
        }

        /// Images parsed and walk steps taken: what tests compare across blob sizes.
        private(set) var work = 0
        private var links: [Int: Parsed] = [:]
        /// Summary of the walk from an image; an open one is taken up again at its end.
        private var walks: [Int: Summary] = [:]
        /// The images of the walk under way, kept between walks for its storage.
        private var steps: [(key: Int, walk: Walk)] = []

        private static func key(_ offset: Int, _ romStart: Int) -> Int { offset &* 16 &+ (romStart & 15) }

        /// The image at `offset` of a ROM starting at `romStart`, parsed once.
        mutating func link(_ v: ByteView, at offset: Int, romStart: Int, complete: Bool) -> Parsed {
            let key = Self.key(offset, romStart)
            if let known = links[key] { return known }
            work += 1
            let parsed = Self.parse(v, at: offset, romStart: romStart, complete: complete)
            switch parsed {
            case .more, .past: break
            default: links[key] = parsed
            }
            return parsed
        }

        /// What `ROMParser.parse` decides about the image at `offset` (its length, whether it
        /// is last, whether the walk goes on), reading only the fields that decide it. Bytes
        /// past `v` count as missing (`.more`) unless `complete`.
        static func parse(_ v: ByteView, at offset: Int, romStart: Int, complete: Bool) -> Parsed {
            func missing(_ end: Int) -> Bool { !complete && end > v.count }
            if missing(offset + 2) { return .more(offset + 2) }
            guard ROMParser.hasImageSignature(v, offset) else { return .stop }
            if missing(offset + ImageHeaderFields.length) { return .more(offset + ImageHeaderFields.length) }
            if let ptr = v.u16(offset + ImageHeaderFields.dataStructurePointer.offset), ptr != 0,
               missing(offset + Int(ptr) + PCIRFields.size) { return .more(offset + Int(ptr) + PCIRFields.size) }
            guard let p = ROMParser.dataStructure(v, imageAt: offset) else { return .stop }

            let pcirLength = Int(v.u16(p + PCIRFields.length.offset) ?? 0)
            let pcirBytes = Int(v.u16(p + PCIRFields.imageLength.offset) ?? 0) * ImageHeaderFields.blockSize
            let codeType = CodeType(rawValue: v.u8(p + PCIRFields.codeType.offset) ?? 0)
            var length = pcirBytes
            var last = (v.u8(p + PCIRFields.indicator.offset) ?? 0) & PCIRFields.lastImage != 0
            if codeType == .nvidia70 {
                last = true
            } else if pcirLength > 0 {
                let npdeAt = romStart + NPDEFields.offset(afterPCIRAt: p - romStart, length: pcirLength)
                if missing(npdeAt + 4) { return .more(npdeAt + 4) }
                if v.matches(npdeAt, "NPDE") {
                    let indicatorEnd = npdeAt + NPDEFields.indicator.offset + 1
                    if missing(indicatorEnd) { return .more(indicatorEnd) }
                    if let units = v.read(NPDEFields.imageLength, at: npdeAt) {
                        length = Int(units) * ImageHeaderFields.blockSize
                        last = (v.read(NPDEFields.indicator, at: npdeAt) ?? 0) & UInt32(PCIRFields.lastImage) != 0
                        if length != pcirBytes {
                            // ROMParser: an image cut where its PCIR says it ends, at the blob's end.
                            if missing(offset + length) { return .more(offset + length) }
                            if offset + length > v.count, offset + pcirBytes == v.count {
                                length = pcirBytes
                                last = true
                            }
                        }
                    }
                }
            }
            if missing(offset + length) { return .past(offset + length) }
            let past = offset + length > v.count
            let sizeByte = Int(v.u8(offset + ImageHeaderFields.sizeByte.offset) ?? 0)
            let badSize = codeType == .x86 && (sizeByte == 0 || sizeByte * ImageHeaderFields.blockSize > length)
            return .image(Link(length: length, last: last, fails: length == 0 || past || badSize,
                               ends: last || length == 0 || past))
        }

        /// The chain from the image at `start` (of a ROM starting at `romStart`) to its end.
        mutating func summary(_ v: ByteView, from start: Int, romStart: Int, complete: Bool) -> Summary {
            steps.removeAll(keepingCapacity: true)
            var at = start
            var tail = Summary.stop
            walking: while true {
                work += 1
                let key = Self.key(at, romStart)
                switch walks[key] {
                case .closed(let w)?:
                    tail = .closed(w)
                    break walking
                case .open(let w, _, _)?:
                    // Known up to its end; the rest may be readable now.
                    steps.append((key, w))
                    at = w.end
                    continue walking
                case .stop?, nil:
                    break
                }
                switch link(v, at: at, romStart: romStart, complete: complete) {
                case .stop:
                    tail = .stop
                case .more(let need):
                    tail = .open(Walk(count: 0, end: at, failed: false), need: need, past: false)
                case .past(let end):
                    tail = .open(Walk(count: 0, end: at, failed: false), need: end, past: true)
                case .image(let l):
                    steps.append((key, Walk(count: 1, end: at + l.length, failed: l.fails)))
                    if l.ends { tail = .stop } else { at += l.length; continue walking }
                }
                break walking
            }
            // Each image passed learns the walk from it.
            for (key, w) in steps.reversed() {
                switch tail {
                case .stop: tail = .closed(w)
                case .closed(let rest): tail = .closed(Walk(count: w.count + rest.count, end: rest.end, failed: w.failed || rest.failed))
                case .open(let rest, let need, let past):
                    tail = .open(Walk(count: w.count + rest.count, end: rest.end, failed: w.failed || rest.failed), need: need, past: past)
                }
                walks[key] = tail
            }
            return tail
        }
    }
}
