import OptionROM

/// Reads every source it is given, twice each, scores what came back, keeps the best and says
/// why (nouveau's shadow code does the same with its PRAMIN, PROM, ACPI and PCI sources).
public enum ROMChooser {
    public struct Candidate: Sendable {
        public var source: any ROMSource
        public var bytes: [UInt8]?
        public var layout: ROMLayout?
        public var score: Int
        public var error: String?
        /// The two reads differed.
        public var unstable: Bool
        public var summary: String {
            if let error { return "\(source.name): failed: \(error)" }
            guard let layout else { return "\(source.name): nothing read" }
            let valid = layout.images.filter { $0.checksumValid != false }.count
            return "\(source.name): \(bytes?.count ?? 0) bytes, \(layout.images.count) image\(layout.images.count == 1 ? "" : "s")"
                + ", \(valid) with a valid checksum or none to check, score \(score)" + (unstable ? ", UNSTABLE between reads" : "")
        }
    }

    public struct Choice: Sendable {
        public var kept: Candidate
        public var candidates: [Candidate]
        public var reason: String
    }

    public struct NothingRead: Error, CustomStringConvertible {
        public var candidates: [Candidate]
        public var description: String {
            if candidates.count == 1, let e = candidates[0].error { return e }
            return "no source gave a ROM with a valid image:\n" + candidates.map { "  " + $0.summary }.joined(separator: "\n")
        }
    }

    /// Higher is better; 0 or less means no usable image. Images and checksums count most, then
    /// size (a truncated read loses the EFI images), and a read that changes between tries loses.
    public static func score(_ layout: ROMLayout) -> Int {
        guard !layout.images.isEmpty else { return 0 }
        var s = 1000 * layout.images.count
        s += 500 * layout.images.filter { $0.checksumValid == true }.count
        s -= 800 * layout.images.filter { $0.checksumValid == false }.count
        s -= 300 * layout.findings.filter { $0.severity == .error }.count
        s -= 50 * layout.findings.filter { $0.severity == .warning }.count
        s += min(layout.chainEnd / 512, 400)
        return max(s, 1)
    }

    public static func read(_ source: any ROMSource) -> Candidate {
        do {
            let first = try source.read()
            let second = try source.read()
            let layout = ROMParser.parse(first)
            var score = score(layout)
            let unstable = first != second
            if unstable { score = max(score / 10, 1) }
            return Candidate(source: source, bytes: first, layout: layout, score: layout.images.isEmpty ? 0 : score,
                             error: layout.images.isEmpty ? "\(source.location) holds no option ROM image (no 55 AA with a valid structure)." : nil,
                             unstable: unstable)
        } catch {
            return Candidate(source: source, bytes: nil, layout: nil, score: 0, error: String(describing: error), unstable: false)
        }
    }

    /// Reads each source; the first of equal scores wins, so list the preferred source first.
    public static func choose(_ sources: [any ROMSource]) throws -> Choice {
        let candidates = sources.map(read)
        guard let best = candidates.enumerated().max(by: { a, b in
            a.element.score != b.element.score ? a.element.score < b.element.score : a.offset > b.offset
        })?.element, best.score > 0 else {
            throw NothingRead(candidates: candidates)
        }
        var reason: String
        let others = candidates.filter { $0.source.name != best.source.name }
        if others.isEmpty {
            reason = "the only source available"
        } else {
            let beaten = others.map { $0.error != nil ? "\($0.source.name) failed" : "\($0.source.name) scored \($0.score)" }
            reason = "highest score (\(best.score)) among the sources read; " + beaten.joined(separator: ", ")
        }
        if best.unstable { reason += "; WARNING: two reads differed" }
        return Choice(kept: best, candidates: candidates, reason: reason)
    }
}
