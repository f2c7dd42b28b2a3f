// TermArgs (§20.2.5.4, Type2 opcodes): read to learn where they end, and folded to a constant
// when they are integer arithmetic on constants (`Add (0xFED10000, 0x1000)`).

extension AMLReader {
    /// Operands and targets of the expression opcodes (one byte), after ACPICA's AML_*_OP table.
    static let operandShape: [UInt8: (operands: Int, targets: Int)] = [
        0x70: (1, 1), 0x71: (1, 0), 0x72: (2, 1), 0x73: (2, 1), 0x74: (2, 1), 0x75: (1, 0), 0x76: (1, 0),
        0x77: (2, 1), 0x78: (2, 2), 0x79: (2, 1), 0x7A: (2, 1), 0x7B: (2, 1), 0x7C: (2, 1), 0x7D: (2, 1),
        0x7E: (2, 1), 0x7F: (2, 1), 0x80: (1, 1), 0x81: (1, 1), 0x82: (1, 1), 0x83: (1, 0), 0x84: (2, 1),
        0x85: (2, 1), 0x87: (1, 0), 0x88: (2, 1), 0x8E: (1, 0), 0x90: (2, 0), 0x91: (2, 0), 0x92: (1, 0),
        0x93: (2, 0), 0x94: (2, 0), 0x95: (2, 0), 0x96: (1, 1), 0x97: (1, 1), 0x98: (1, 1), 0x99: (1, 1),
        0x9C: (2, 1), 0x9D: (1, 1), 0x9E: (3, 1),
    ]
    /// The same for the extended (0x5B-prefixed) ones: CondRefOf, FromBCD, ToBCD, Revision, Debug, Timer.
    static let extendedShape: [UInt8: (operands: Int, targets: Int)] = [
        0x12: (1, 1), 0x28: (1, 1), 0x29: (1, 1), 0x30: (0, 0), 0x31: (0, 0), 0x33: (0, 0),
    ]

    /// Reads one TermArg. With `reference`, a name is an object named, not a method called.
    func termArg(_ at: Int, _ end: Int, scope: AMLPath, depth: Int, reference: Bool = false) throws(AMLStop) -> (value: AMLValue, next: Int) {
        guard depth < AMLNamespace.maximumDepth else { throw AMLStop(offset: at, reason: .tooDeep) }
        let op = try byte(at, end)
        switch op {
        case 0x00: return (.integer(0), at + 1)
        case 0x01: return (.integer(1), at + 1)
        case 0xFF: return (.integer(table.revision < 2 ? 0xFFFF_FFFF : UInt64.max), at + 1)
        case 0x0A, 0x0B, 0x0C, 0x0E:
            let n = op == 0x0A ? 1 : op == 0x0B ? 2 : op == 0x0C ? 4 : 8
            var v: UInt64 = 0
            for i in 0..<n { v |= UInt64(try byte(at + 1 + i, end)) << (8 * i) }
            return (.integer(v), at + 1 + n)
        case 0x0D:
            var p = at + 1
            while try byte(p, end) != 0 { p += 1 }
            return (.other(offset: at), p + 1)
        case 0x11:
            // Buffer: PkgLength BufferSize ByteList.
            let (body, pkgEnd) = try package(at + 1, end)
            let (_, list) = try termArg(body, pkgEnd, scope: scope, depth: depth + 1)
            return (.buffer(list..<pkgEnd), pkgEnd)
        case 0x12, 0x13:
            return (.other(offset: at), try package(at + 1, end).end)
        case 0x60...0x6E:
            return (.other(offset: at), at + 1)   // Local0-7, Arg0-6
        case 0x5B:
            return try extendedExpression(at, end, scope: scope, depth: depth)
        case 0x89:
            // Match: SearchPkg Op1 MatchObj1 Op2 MatchObj2 StartIndex.
            var p = try termArg(at + 1, end, scope: scope, depth: depth + 1).next
            for _ in 0..<2 { p = try termArg(p + 1, end, scope: scope, depth: depth + 1).next }
            return (.other(offset: at), try termArg(p, end, scope: scope, depth: depth + 1).next)
        default:
            if AMLName.startsNameString(op) { return try nameOrCall(at, end, scope: scope, depth: depth, reference: reference) }
            guard let shape = Self.operandShape[op] else { throw AMLStop(offset: at, reason: .unknownOpcode(UInt16(op))) }
            return try operation(op, shape, at + 1, end, scope: scope, depth: depth, start: at)
        }
    }

    func extendedExpression(_ at: Int, _ end: Int, scope: AMLPath, depth: Int) throws(AMLStop) -> (value: AMLValue, next: Int) {
        let op = try byte(at + 1, end)
        if op == 0x23 {   // Acquire: SuperName Timeout(2)
            return (.other(offset: at), try termArg(at + 2, end, scope: scope, depth: depth + 1, reference: true).next + 2)
        }
        guard let shape = Self.extendedShape[op] else { throw AMLStop(offset: at, reason: .unknownOpcode(0x5B00 | UInt16(op))) }
        var p = at + 2
        for _ in 0..<(shape.operands + shape.targets) {
            p = try termArg(p, end, scope: scope, depth: depth + 1, reference: true).next
        }
        return (.other(offset: at), p)
    }

    /// A name: an object, or a call of a method with as many TermArgs as it takes.
    func nameOrCall(_ at: Int, _ end: Int, scope: AMLPath, depth: Int, reference: Bool) throws(AMLStop) -> (value: AMLValue, next: Int) {
        let (name, next) = try nameString(at, end)
        guard !reference, let count = argumentCount(name, scope: scope), count > 0 else { return (.name(name), next) }
        var p = next
        for _ in 0..<count { p = try termArg(p, end, scope: scope, depth: depth + 1).next }
        return (.other(offset: at), p)
    }

    func argumentCount(_ name: AMLName, scope: AMLPath) -> Int? {
        for p in name.candidates(from: scope) {
            if let n = declaredMethods[p] ?? methods[p] { return n }
        }
        return nil
    }

    /// Operands, then targets; integer arithmetic on constants with no target folds to a constant.
    func operation(_ op: UInt8, _ shape: (operands: Int, targets: Int), _ at: Int, _ end: Int, scope: AMLPath, depth: Int,
                   start: Int) throws(AMLStop) -> (value: AMLValue, next: Int) {
        var p = at
        var values: [AMLValue] = []
        // RefOf, Increment, Decrement, SizeOf, ObjectType, CondRefOf take an object, not a value.
        let byReference: Set<UInt8> = [0x71, 0x75, 0x76, 0x87, 0x8E]
        for _ in 0..<shape.operands {
            let (v, n) = try termArg(p, end, scope: scope, depth: depth + 1, reference: byReference.contains(op))
            values.append(v); p = n
        }
        var targetsNull = true
        for _ in 0..<shape.targets {
            if try byte(p, end) != 0x00 { targetsNull = false }
            p = try termArg(p, end, scope: scope, depth: depth + 1, reference: true).next
        }
        guard targetsNull, values.count == 2, case let .integer(a) = values[0], case let .integer(b) = values[1] else {
            return (.other(offset: start), p)
        }
        switch op {
        case 0x72: return (.integer(a &+ b), p)
        case 0x74: return (.integer(a &- b), p)
        case 0x77: return (.integer(a &* b), p)
        case 0x79: return (.integer(b < 64 ? a << b : 0), p)
        case 0x7A: return (.integer(b < 64 ? a >> b : 0), p)
        case 0x7B: return (.integer(a & b), p)
        case 0x7D: return (.integer(a | b), p)
        default: return (.other(offset: start), p)
        }
    }
}
