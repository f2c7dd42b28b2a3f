// Older templates (ASUS, Toshiba) declare the region inside `_ROM` on each call:
//     Local0 = (Arg0 + RBUF)            // Add (Arg0, RBUF, Local0)
//     OperationRegion (VROM, SystemMemory, Local0, Local1)
// so the image starts at RBUF (a memory word or a constant; 0xC0000 for the legacy shadow) and the
// call's offset is added to it. This reads just that shape: the region's address is `ArgN + X`,
// directly or through the Local an `Add` stored it in; anything else is named, not guessed.

extension ACPIROMResolver {
    static func runtimeRegion(_ method: ACPIROMMethod, _ owner: AMLObject, _ at: Int, _ ns: AMLNamespace) -> Result<ACPIROMRegion, ACPIROMUnresolved> {
        let table = ns.tables[owner.tableIndex]
        let unresolved = ACPIROMUnresolved(.regionInMethod(method: owner.path, table: table.name, offset: at))
        guard case let .method(_, body) = owner.kind else { return .failure(unresolved) }
        let reader = AMLReader(table: table, index: owner.tableIndex, methods: [:], budget: 0)
        do throws(AMLStop) {
            let (name, next) = try reader.nameString(at + 2, body.upperBound)
            let space = try reader.byte(next, body.upperBound)
            let regionPath = owner.path.appending(name.segments)
            guard space == 0 else { return .failure(ACPIROMUnresolved(.regionNotMemory(region: regionPath, space: space))) }
            guard let x = try addend(reader, at: next + 1, body: body, scope: owner.path) else { return .failure(unresolved) }
            let pseudo = AMLObject(path: regionPath, kind: .region(space: 0, offset: x, length: .other(offset: at)),
                                   table: table.name, tableIndex: owner.tableIndex, offset: at)
            switch resolveBase(pseudo, x, ns, scope: owner.path) {
            case .success(let base):
                return .success(ACPIROMRegion(method: method, region: regionPath, regionTable: table.name, regionLength: nil,
                                              base: base, imageOffset: 0, length: .image(maximum: 1 << 20), fields: []))
            case .failure(let e): return .failure(e)
            }
        } catch {
            return .failure(unresolved)
        }
    }

    /// X in a region address `ArgN + X` (either order), written in place or stored in a Local by an
    /// `Add` earlier in the body; nil for any other address.
    static func addend(_ r: AMLReader, at: Int, body: Range<Int>, scope: AMLPath) throws(AMLStop) -> AMLValue? {
        let op = try r.byte(at, body.upperBound)
        if op == 0x72 { return try addOperands(r, at: at + 1, body: body, scope: scope, target: nil) }
        guard (0x60...0x67).contains(op) else { return nil }
        // The last `Add (…, …, LocalN)` before the region.
        var found: AMLValue?
        var i = body.lowerBound
        while i < at {
            if r.bytes[i] == 0x72, let v = try? addOperands(r, at: i + 1, body: body, scope: scope, target: op) { found = v }
            i += 1
        }
        return found
    }

    /// `ArgN, X, target` or `X, ArgN, target` after an Add opcode; X unless the shape differs.
    static func addOperands(_ r: AMLReader, at: Int, body: Range<Int>, scope: AMLPath, target: UInt8?) throws(AMLStop) -> AMLValue? {
        let isArg: (UInt8) -> Bool = { (0x68...0x6E).contains($0) }
        let a = try r.byte(at, body.upperBound)
        let x: AMLValue, next: Int
        if isArg(a) {
            (x, next) = try r.termArg(at + 1, body.upperBound, scope: scope, depth: 0, reference: true)
        } else {
            let (v, n) = try r.termArg(at, body.upperBound, scope: scope, depth: 0, reference: true)
            guard isArg(try r.byte(n, body.upperBound)) else { return nil }
            (x, next) = (v, n + 1)
        }
        guard try r.byte(next, body.upperBound) == (target ?? 0x00) else { return nil }
        switch x {
        case .integer, .name: return x
        default: return nil
        }
    }
}
