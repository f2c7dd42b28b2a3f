import OptionROM

/// Finds, without running AML, where a device's `_ROM` or `ATRM` takes its image from.
public enum ACPIROMResolver {
    /// The methods that serve a GPU's ROM, in the order tried.
    public static let methodNames = ["_ROM", "ATRM"]
    /// How deep calls from the method to other methods are followed.
    static let maximumCallDepth = 4

    public static func resolve(device: AMLPath, in ns: AMLNamespace) -> Result<ACPIROMResolution, ACPIROMUnresolved> {
        let found = methodNames.lazy.compactMap { n -> AMLObject? in
            guard let o = ns.objects[device.appending([n])], case .method = o.kind else { return nil }
            return o
        }.first
        guard let method = found else { return .failure(ACPIROMUnresolved(.noMethod(node: device))) }
        let which = ACPIROMMethod(path: method.path, table: method.table)
        var refs = References()
        refs.collect(method, ns, depth: 0)
        if let image = refs.embeddedImage(ns) {
            return .success(.embedded(ACPIEmbeddedImage(method: which, table: image.table, range: image.range)))
        }
        if let (owner, at) = refs.runtimeRegions.first {
            return runtimeRegion(which, owner, at, ns).map { .region($0) }
        }
        return region(which, refs.fields, ns).map { .region($0) }
    }

    /// The SystemMemory region most of the method's field reads fall in, its base and the image in it.
    static func region(_ method: ACPIROMMethod, _ fields: [AMLObject], _ ns: AMLNamespace) -> Result<ACPIROMRegion, ACPIROMUnresolved> {
        var byRegion: [AMLPath: (region: AMLObject, fields: [AMLObject], bits: Int)] = [:]
        var notMemory: (AMLPath, UInt8)?
        for f in fields {
            guard case let .field(name, scope, _, width) = f.kind else { continue }
            guard let r = ns.resolve(name, from: scope), case let .region(space, _, _) = r.kind else {
                return .failure(ACPIROMUnresolved(.regionUndeclared(field: f.path, region: name)))
            }
            guard space == 0 else { notMemory = (r.path, space); continue }
            byRegion[r.path, default: (r, [], 0)].fields.append(f)
            byRegion[r.path]!.bits += width
        }
        guard let best = byRegion.values.max(by: { $0.bits != $1.bits ? $0.bits < $1.bits : $0.region.path > $1.region.path }) else {
            if let (r, s) = notMemory { return .failure(ACPIROMUnresolved(.regionNotMemory(region: r, space: s))) }
            return .failure(ACPIROMUnresolved(.noRegionRead(method: method.path)))
        }
        guard case let .region(_, offset, length) = best.region.kind else { return .failure(ACPIROMUnresolved(.noRegionRead(method: method.path))) }
        let read = best.fields.compactMap { f -> (AMLObject, Int, Int)? in
            guard case let .field(_, _, bit, width) = f.kind else { return nil }
            return (f, bit, width)
        }.sorted { $0.1 < $1.1 }
        // The image is in the buffer fields the method reads (wider than a word); the words it also
        // reads (a length, a flag) are not part of it.
        let wide = read.filter { $0.2 > 64 }
        let image = wide.isEmpty ? read : wide
        let first = image[0], last = image.max { $0.1 + $0.2 < $1.1 + $1.2 }!
        guard first.1 % 8 == 0 else { return .failure(ACPIROMUnresolved(.unaligned(field: first.0.path))) }
        let base: ACPIROMRegion.Base
        switch resolveBase(best.region, offset, ns) {
        case .success(let b): base = b
        case .failure(let e): return .failure(e)
        }
        var size: ACPIROMRegion.Length = .fixed((last.1 + last.2 - first.1) / 8)
        if let field = lengthField(best.region, endingAt: first.1, read: read.map(\.0.path), ns) { size = field }
        var regionLength: UInt64?
        if case let .integer(n) = length { regionLength = n }
        return .success(ACPIROMRegion(method: method, region: best.region.path, regionTable: best.region.table, regionLength: regionLength,
                                      base: base, imageOffset: first.1 / 8, length: size, fields: image.map { $0.0.path.last ?? "" }))
    }

    /// The image's length word: a 32-bit field of the region that ends where the image begins, named
    /// `RVBS` (NVIDIA's templates: `NVHM` after `NVHO`, `VBOR` first) or read by the method (AMD's
    /// `ATRM` checks its length word, `M105` before `M106`, on every call).
    static func lengthField(_ region: AMLObject, endingAt bit: Int, read: [AMLPath], _ ns: AMLNamespace) -> ACPIROMRegion.Length? {
        for o in ns.objects.values {
            guard case let .field(name, scope, at, width) = o.kind, width == 32, at + width == bit, at % 8 == 0,
                  o.path.last == "RVBS" || read.contains(o.path), ns.resolve(name, from: scope)?.path == region.path else { continue }
            return .field(name: o.path.last ?? "", bitOffset: at, bitWidth: width)
        }
        return nil
    }

    /// A region's address: a constant, a `Name` holding one, or a memory field at a constant address.
    static func resolveBase(_ region: AMLObject, _ offset: AMLValue, _ ns: AMLNamespace, scope: AMLPath? = nil) -> Result<ACPIROMRegion.Base, ACPIROMUnresolved> {
        switch offset {
        case let .integer(v): return .success(.constant(v))
        case .buffer, .other:
            return .failure(ACPIROMUnresolved(.baseComputed(region: region.path, table: region.table, offset: region.offset)))
        case let .name(name):
            guard let o = ns.resolve(name, from: scope ?? region.path.parent), !o.isExternal else {
                return .failure(ACPIROMUnresolved(.baseUndeclared(region: region.path, name: name)))
            }
            if case let .name(.integer(v)) = o.kind { return .success(.constant(v)) }
            switch memoryField(o, ns) {
            case .success(let f): return .success(.field(f))
            case .failure(let e): return .failure(e)
            case nil: return .failure(ACPIROMUnresolved(.baseNotConstant(region: region.path, name: o.path, table: o.table)))
            }
        }
    }

    /// `o` as a word of memory at a constant address; nil when it is no such thing.
    static func memoryField(_ o: AMLObject, _ ns: AMLNamespace) -> Result<ACPIMemoryField, ACPIROMUnresolved>? {
        guard case let .field(name, scope, bit, width) = o.kind, let r = ns.resolve(name, from: scope),
              case let .region(0, offset, _) = r.kind else { return nil }
        let base: UInt64
        switch offset {
        case let .integer(v): base = v
        case let .name(n):
            guard let c = ns.resolve(n, from: r.path.parent), case let .name(.integer(v)) = c.kind else { return nil }
            base = v
        default: return nil
        }
        guard bit % 8 == 0, [8, 16, 32, 64].contains(width) else { return .failure(ACPIROMUnresolved(.unaligned(field: o.path))) }
        return .success(ACPIMemoryField(path: o.path, table: o.table, region: r.path, regionTable: r.table, regionBase: base,
                                        bitOffset: bit, bitWidth: width))
    }
}
