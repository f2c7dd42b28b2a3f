import OptionROM

extension ACPIROMResolver {
    /// The objects a method's body names: found by the names in its bytes, each resolved from the
    /// method's scope as the interpreter would (§5.3), never by running it. Calls are followed.
    struct References {
        var fields: [AMLObject] = []
        var seen: Set<AMLPath> = []
        /// Method bodies and buffers to search for an embedded image: (table index, range).
        var blobs: [(Int, Range<Int>)] = []
        /// OperationRegions a method declares when it runs: (the method, the opcode's offset).
        var runtimeRegions: [(AMLObject, Int)] = []

        mutating func collect(_ method: AMLObject, _ ns: AMLNamespace, depth: Int) {
            guard case let .method(_, body) = method.kind, depth <= maximumCallDepth, seen.insert(method.path).inserted else { return }
            blobs.append((method.tableIndex, body))
            let bytes = ns.tables[method.tableIndex].bytes
            var i = body.lowerBound
            while i < body.upperBound {
                if bytes[i] == 0x5B, i + 1 < body.upperBound, bytes[i + 1] == 0x80, runtimeRegions.count < 16 {
                    runtimeRegions.append((method, i))
                }
                guard let (name, next) = Self.name(bytes, i, body.upperBound) else { i += 1; continue }
                guard let o = ns.resolve(name, from: method.path) else { i += 1; continue }
                i = next
                switch o.kind {
                case .method: collect(o, ns, depth: depth + 1)
                case .field: if seen.insert(o.path).inserted { fields.append(o) }
                case let .name(.buffer(r)): if seen.insert(o.path).inserted { blobs.append((o.tableIndex, r)) }
                default: break
                }
            }
        }

        /// A NameString at `i` (rooted, with prefixes, dual or multi), or a lone NameSeg.
        static func name(_ b: [UInt8], _ i: Int, _ end: Int) -> (AMLName, Int)? {
            var p = i
            var n = AMLName(segments: [])
            if b[p] == 0x5C { n.rooted = true; p += 1 } else { while p < end, b[p] == 0x5E { n.parents += 1; p += 1 } }
            guard p < end else { return nil }
            var count = 1
            if b[p] == 0x2E { count = 2; p += 1 } else if b[p] == 0x2F, p + 1 < end { count = Int(b[p + 1]); p += 2 }
            guard count > 0 else { return nil }
            for _ in 0..<count {
                guard p + 4 <= end, AMLName.isNameSeg(b[p..<p + 4]) else { return nil }
                n.segments.append(String(decoding: b[p..<p + 4], as: UTF8.self)); p += 4
            }
            return (n, p)
        }

        /// The first option ROM image (55 AA with a PCIR) in the method bodies and buffers read.
        func embeddedImage(_ ns: AMLNamespace) -> (table: String, range: Range<Int>)? {
            var tries = 0
            for (t, r) in blobs {
                let bytes = ns.tables[t].bytes
                var i = r.lowerBound
                while i + 1 < r.upperBound, tries < 256 {
                    defer { i += 1 }
                    guard bytes[i] == 0x55, bytes[i + 1] == 0xAA else { continue }
                    tries += 1
                    let layout = ROMParser.parse(Array(bytes[i..<r.upperBound]))
                    guard let first = layout.images.first, first.pcir != nil else { continue }
                    return (ns.tables[t].name, i..<(i + min(layout.chainEnd, r.upperBound - i)))
                }
            }
            return nil
        }
    }
}
