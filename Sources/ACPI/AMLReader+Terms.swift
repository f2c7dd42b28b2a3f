// The declaration terms (§20.2.5.1-2, namespace modifier and named objects) and the few others
// a DefinitionBlock holds at load time (If/Else around declarations, Store, Notify).

extension AMLReader {
    /// Reads the term at `at`; returns where the next begins.
    mutating func term(_ at: Int, _ end: Int, scope: AMLPath, depth: Int) throws(AMLStop) -> Int {
        let op = try byte(at, end)
        switch op {
        case 0x10:
            return try scoped(at, end, opcodeLength: 1, kind: .scope, scope: scope, depth: depth)
        case 0x14:
            // Method: PkgLength NameString MethodFlags (bits 2-0: argument count) TermList.
            let (body, pkgEnd) = try package(at + 1, end)
            let (name, next) = try nameString(body, pkgEnd)
            let flags = try byte(next, pkgEnd)
            _ = try declare(name, .method(argumentCount: Int(flags & 7), body: (next + 1)..<pkgEnd), scope: scope, at: at)
            return pkgEnd
        case 0x08:
            // Name: NameString DataRefObject.
            let (name, next) = try nameString(at + 1, end)
            let (value, after) = try termArg(next, end, scope: scope, depth: depth)
            _ = try declare(name, .name(value), scope: scope, at: at)
            return after
        case 0x15:
            // External: NameString ObjectType ArgumentCount.
            let (name, next) = try nameString(at + 1, end)
            let type = try byte(next, end), args = try byte(next + 1, end)
            _ = try declare(name, .external(type: type, argumentCount: Int(args & 7)), scope: scope, at: at)
            return next + 2
        case 0x06:
            // Alias: NameString NameString.
            let (_, next) = try nameString(at + 1, end)
            let (alias, after) = try nameString(next, end)
            _ = try declare(alias, .other, scope: scope, at: at)
            return after
        case 0xA0, 0xA1:
            return try conditional(at, end, scope: scope, depth: depth)
        case 0xA2:
            return try package(at + 1, end).end   // While: nothing it declares exists at load time.
        case 0x70, 0x86:
            // Store: TermArg SuperName; Notify: SuperName TermArg.
            let (_, next) = try termArg(at + 1, end, scope: scope, depth: depth, reference: op == 0x86)
            return try termArg(next, end, scope: scope, depth: depth, reference: op == 0x70).next
        case 0x8A, 0x8B, 0x8C, 0x8D, 0x8F:
            // CreateDWord/Word/Byte/Bit/QWordField: SourceBuff ByteIndex NameString.
            let (_, a) = try termArg(at + 1, end, scope: scope, depth: depth)
            let (_, b) = try termArg(a, end, scope: scope, depth: depth)
            let (name, next) = try nameString(b, end)
            _ = try declare(name, .other, scope: scope, at: at)
            return next
        case 0x5B:
            return try extendedTerm(at, end, scope: scope, depth: depth)
        default:
            // An expression as a statement (a method call, a stray Zero that some compilers pad with).
            return try termArg(at, end, scope: scope, depth: depth).next
        }
    }

    /// Scope, Device, ThermalZone: PkgLength NameString TermList.
    mutating func scoped(_ at: Int, _ end: Int, opcodeLength: Int, kind: AMLObject.Kind, scope: AMLPath, depth: Int) throws(AMLStop) -> Int {
        let (body, pkgEnd) = try package(at + opcodeLength, end)
        let (name, next) = try nameString(body, pkgEnd)
        let path = try declare(name, kind, scope: scope, at: at)
        termList(next..<pkgEnd, scope: path, depth: depth + 1)
        return pkgEnd
    }

    /// If (PkgLength Predicate TermList) and Else (PkgLength TermList): declarations in either
    /// branch are taken (the reader cannot tell which the firmware takes; the first declaration wins).
    mutating func conditional(_ at: Int, _ end: Int, scope: AMLPath, depth: Int) throws(AMLStop) -> Int {
        let (body, pkgEnd) = try package(at + 1, end)
        var start = body
        if bytes[at] == 0xA0 {
            do throws(AMLStop) { start = try termArg(body, pkgEnd, scope: scope, depth: depth).next } catch {
                skipped.append(AMLSkip(table: table.name, offset: error.offset, reason: error.reason))
                return pkgEnd
            }
        }
        termList(start..<pkgEnd, scope: scope, depth: depth + 1)
        return pkgEnd
    }

    mutating func extendedTerm(_ at: Int, _ end: Int, scope: AMLPath, depth: Int) throws(AMLStop) -> Int {
        let op = try byte(at + 1, end)
        switch op {
        case 0x82, 0x85:
            return try scoped(at, end, opcodeLength: 2, kind: op == 0x82 ? .device : .thermalZone, scope: scope, depth: depth)
        case 0x80:
            // OperationRegion: NameString RegionSpace RegionOffset RegionLen.
            let (name, next) = try nameString(at + 2, end)
            let space = try byte(next, end)
            let (offset, a) = try termArg(next + 1, end, scope: scope, depth: depth)
            let (length, b) = try termArg(a, end, scope: scope, depth: depth)
            _ = try declare(name, .region(space: space, offset: offset, length: length), scope: scope, at: at)
            return b
        case 0x81:
            return try fieldList(at, end, scope: scope)
        case 0x83, 0x84:
            // Processor: PkgLength NameString ProcID PblkAddr(4) PblkLen; PowerResource: PkgLength
            // NameString SystemLevel ResourceOrder(2). Then a TermList.
            let (body, pkgEnd) = try package(at + 2, end)
            let (name, next) = try nameString(body, pkgEnd)
            let skip = op == 0x83 ? 6 : 3
            guard next + skip <= pkgEnd else { throw AMLStop(offset: next, reason: .truncated) }
            let path = try declare(name, op == 0x83 ? .processor : .powerResource, scope: scope, at: at)
            termList((next + skip)..<pkgEnd, scope: path, depth: depth + 1)
            return pkgEnd
        case 0x86, 0x87:
            return try package(at + 2, end).end   // IndexField, BankField: not memory the reader follows.
        case 0x01, 0x02:
            // Mutex: NameString SyncFlags; Event: NameString.
            let (name, next) = try nameString(at + 2, end)
            _ = try declare(name, .other, scope: scope, at: at)
            return op == 0x01 ? next + 1 : next
        case 0x13:
            // CreateField: SourceBuff BitIndex NumBits NameString.
            var p = at + 2
            for _ in 0..<3 { p = try termArg(p, end, scope: scope, depth: depth).next }
            let (name, next) = try nameString(p, end)
            _ = try declare(name, .other, scope: scope, at: at)
            return next
        case 0x88:
            // DataTableRegion: NameString and three TermArgs.
            var (name, p) = try nameString(at + 2, end)
            for _ in 0..<3 { p = try termArg(p, end, scope: scope, depth: depth).next }
            _ = try declare(name, .other, scope: scope, at: at)
            return p
        default:
            return try termArg(at, end, scope: scope, depth: depth).next
        }
    }

    /// Field: PkgLength NameString(region) FieldFlags FieldList (§20.2.5.2). A NamedField's width is
    /// a PkgLength-encoded bit count; a ReservedField (`Offset()` in ASL) skips bits; AccessAs and
    /// Connection change no offsets.
    mutating func fieldList(_ at: Int, _ end: Int, scope: AMLPath) throws(AMLStop) -> Int {
        let (body, pkgEnd) = try package(at + 2, end)
        let (region, next) = try nameString(body, pkgEnd)
        var p = next + 1   // FieldFlags
        var bit = 0
        while p < pkgEnd {
            let b = try byte(p, pkgEnd)
            switch b {
            case 0x00:
                let (width, n) = try pkgLength(p + 1, pkgEnd)
                bit += width; p = n
            case 0x01: p += 3                            // AccessField: AccessType AccessAttrib
            case 0x03: p += 4                            // ExtendedAccessField
            case 0x02:                                   // ConnectField: NameString or BufferData
                if try byte(p + 1, pkgEnd) == 0x11 { p = try package(p + 2, pkgEnd).end } else {
                    p = try nameString(p + 1, pkgEnd).next
                }
            default:
                let seg = try nameSeg(p, pkgEnd)
                let (width, n) = try pkgLength(p + 4, pkgEnd)
                _ = try declare(AMLName(segments: [seg]), .field(region: region, scope: scope, bitOffset: bit, bitWidth: width),
                                scope: scope, at: p)
                bit += width; p = n
            }
        }
        guard p == pkgEnd else { throw AMLStop(offset: p, reason: .truncated) }
        return pkgEnd
    }
}
