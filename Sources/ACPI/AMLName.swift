// AML names (ACPI 6.5 §20.2.2): a NameString is an optional root `\` or parent prefixes `^`,
// then a NamePath of 0, 1 (NameSeg), 2 (DualNamePrefix 0x2E) or n (MultiNamePrefix 0x2F, count)
// four-character segments, each of 'A'-'Z', '0'-'9', '_' with a lead that is not a digit.

/// A name as written in AML, before it is resolved against a scope.
public struct AMLName: Sendable, Hashable, CustomStringConvertible {
    public var rooted: Bool
    /// How many `^` prefixes.
    public var parents: Int
    public var segments: [String]

    public init(rooted: Bool = false, parents: Int = 0, segments: [String]) {
        self.rooted = rooted
        self.parents = parents
        self.segments = segments
    }

    public var description: String {
        (rooted ? "\\" : String(repeating: "^", count: parents)) + segments.joined(separator: ".")
    }
}

/// An absolute place in the ACPI namespace (`\_SB_.PCI0.RP05.PEGP`), segments padded to four
/// characters as AML stores them.
public struct AMLPath: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var segments: [String]

    public init(_ segments: [String] = []) { self.segments = segments }

    /// Parses `\_SB_.PCI0.RP05.PEGP` or `\_SB.PCI0` (as sysfs `firmware_node/path` and ASL write
    /// it: short segments are padded with `_`); nil when a segment is not a NameSeg.
    public init?(parsing text: String) {
        var t = Substring(text)
        if t.hasPrefix("\\") { t = t.dropFirst() }
        if t.isEmpty { self.init([]); return }
        var segs: [String] = []
        for part in t.split(separator: ".", omittingEmptySubsequences: false) {
            guard (1...4).contains(part.count) else { return nil }
            let padded = String(part) + String(repeating: "_", count: 4 - part.count)
            guard AMLName.isNameSeg(Array(padded.utf8)) else { return nil }
            segs.append(padded)
        }
        self.init(segs)
    }

    public static let root = AMLPath()
    public var parent: AMLPath { AMLPath(Array(segments.dropLast())) }
    public var last: String? { segments.last }
    public func appending(_ segs: [String]) -> AMLPath { AMLPath(segments + segs) }
    public var description: String { "\\" + segments.joined(separator: ".") }
    public static func < (a: AMLPath, b: AMLPath) -> Bool { a.description < b.description }
}

extension AMLName {
    static func isLead(_ b: UInt8) -> Bool { (0x41...0x5A).contains(b) || b == 0x5F }
    static func isNameChar(_ b: UInt8) -> Bool { isLead(b) || (0x30...0x39).contains(b) }
    static func isNameSeg<C: Collection>(_ b: C) -> Bool where C.Element == UInt8 {
        guard b.count == 4, let first = b.first, isLead(first) else { return false }
        return b.allSatisfy(isNameChar)
    }
    /// The byte that may start a NameString: a lead character, `\`, `^`, a dual or multi prefix.
    static func startsNameString(_ b: UInt8) -> Bool { isLead(b) || b == 0x5C || b == 0x5E || b == 0x2E || b == 0x2F }

    /// The absolute paths `self` may stand for from `scope`, in search order: a single bare
    /// segment is looked up in the scope and then each parent up to the root (§5.3, the
    /// namespace search rules); anything else names one place.
    public func candidates(from scope: AMLPath) -> [AMLPath] {
        if rooted { return [AMLPath(segments)] }
        if parents > 0 {
            guard parents <= scope.segments.count else { return [] }
            return [AMLPath(Array(scope.segments.dropLast(parents)) + segments)]
        }
        if segments.count == 1 {
            var out: [AMLPath] = []
            var s = scope
            while true {
                out.append(s.appending(segments))
                if s.segments.isEmpty { break }
                s = s.parent
            }
            return out
        }
        return [scope.appending(segments)]
    }
}
