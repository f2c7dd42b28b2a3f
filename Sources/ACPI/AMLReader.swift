// Reads the declarations of one table's AML. Every read is checked against the end of the
// enclosing package; a term the reader does not take ends that package's reading (recorded in
// `skipped`), never the table's. Opcodes: ACPI 6.5 §20.3 and ACPICA's amlcode.h.

struct AMLStop: Error {
    var offset: Int
    var reason: AMLSkip.Reason
}

struct AMLReader {
    let bytes: [UInt8]
    let table: ACPITable
    let index: Int
    /// Argument counts of the methods known from a first pass.
    let methods: [AMLPath: Int]
    var budget: Int
    var objects: [AMLObject] = []
    var skipped: [AMLSkip] = []
    /// Paths declared so far in this table (methods among them count for calls in expressions).
    var declaredMethods: [AMLPath: Int] = [:]

    init(table: ACPITable, index: Int, methods: [AMLPath: Int], budget: Int) {
        self.table = table
        self.bytes = table.bytes
        self.index = index
        self.methods = methods
        self.budget = budget
    }

    mutating func readDefinitionBlock() {
        termList(ACPITableHeaderFields.size..<table.end, scope: .root, depth: 0)
    }

    // MARK: - Encodings

    func byte(_ at: Int, _ end: Int) throws(AMLStop) -> UInt8 {
        guard at >= 0, at < end, at < bytes.count else { throw AMLStop(offset: at, reason: .truncated) }
        return bytes[at]
    }

    /// PkgLength (§20.2.4): bits 7-6 of the lead byte count the bytes that follow; with none, bits
    /// 5-0 are the value, else bits 3-0 are its low nibble and each following byte 8 more bits.
    func pkgLength(_ at: Int, _ end: Int) throws(AMLStop) -> (value: Int, next: Int) {
        let lead = try byte(at, end)
        let follow = Int(lead >> 6)
        if follow == 0 { return (Int(lead & 0x3F), at + 1) }
        var value = Int(lead & 0x0F)
        for i in 0..<follow { value |= Int(try byte(at + 1 + i, end)) << (4 + 8 * i) }
        return (value, at + 1 + follow)
    }

    /// A package's PkgLength and where it ends (the length counts from the PkgLength's first byte).
    func package(_ at: Int, _ end: Int) throws(AMLStop) -> (body: Int, end: Int) {
        let (length, next) = try pkgLength(at, end)
        guard length >= next - at, at + length <= end else { throw AMLStop(offset: at, reason: .truncated) }
        return (next, at + length)
    }

    func nameSeg(_ at: Int, _ end: Int) throws(AMLStop) -> String {
        guard at >= 0, at + 4 <= end, at + 4 <= bytes.count, AMLName.isNameSeg(bytes[at..<at + 4]) else {
            throw AMLStop(offset: at, reason: .truncated)
        }
        return String(decoding: bytes[at..<at + 4], as: UTF8.self)
    }

    func nameString(_ at: Int, _ end: Int) throws(AMLStop) -> (name: AMLName, next: Int) {
        var p = at
        var name = AMLName(segments: [])
        if try byte(p, end) == 0x5C { name.rooted = true; p += 1 } else {
            while try byte(p, end) == 0x5E { name.parents += 1; p += 1 }
        }
        let count: Int
        switch try byte(p, end) {
        case 0x00: return (name, p + 1)
        case 0x2E: count = 2; p += 1
        case 0x2F: count = Int(try byte(p + 1, end)); p += 2
        default: count = 1
        }
        for _ in 0..<count { name.segments.append(try nameSeg(p, end)); p += 4 }
        return (name, p)
    }

    // MARK: - Declarations

    mutating func declare(_ name: AMLName, _ kind: AMLObject.Kind, scope: AMLPath, at offset: Int) throws(AMLStop) -> AMLPath {
        guard budget > 0 else { throw AMLStop(offset: offset, reason: .budget) }
        budget -= 1
        let path: AMLPath
        if name.rooted { path = AMLPath(name.segments) } else {
            guard name.parents <= scope.segments.count else { throw AMLStop(offset: offset, reason: .truncated) }
            path = AMLPath(Array(scope.segments.dropLast(name.parents)) + name.segments)
        }
        switch kind {
        case let .method(n, _), let .external(8, n): declaredMethods[path] = n
        default: break
        }
        objects.append(AMLObject(path: path, kind: kind, table: table.name, tableIndex: index, offset: offset))
        return path
    }

    /// Reads the terms in `range` as declarations in `scope`; on a term it cannot read, records it
    /// and stops (the caller's package ends where its PkgLength says).
    mutating func termList(_ range: Range<Int>, scope: AMLPath, depth: Int) {
        var p = range.lowerBound
        do throws(AMLStop) {
            guard depth < AMLNamespace.maximumDepth else { throw AMLStop(offset: p, reason: .tooDeep) }
            while p < range.upperBound { p = try term(p, range.upperBound, scope: scope, depth: depth) }
        } catch {
            skipped.append(AMLSkip(table: table.name, offset: error.offset, reason: error.reason))
        }
    }
}
