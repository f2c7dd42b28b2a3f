// The objects a DSDT or SSDT declares at load time, read without running any AML: what the
// namespace would hold after the tables load, less whatever only a method call creates. The terms
// follow ACPI 6.5 §20 (AML grammar) and ACPICA's opcode table (source/common/amlcode / acopcode.h).

/// A value as AML writes it where the reader needs one: a constant, a name, a buffer's bytes, or
/// something only an interpreter could evaluate.
public enum AMLValue: Sendable, Equatable {
    case integer(UInt64)
    case name(AMLName)
    /// A buffer's byte list: its range in the table's bytes.
    case buffer(Range<Int>)
    /// An expression, string, package, local or argument: `offset` is where it starts.
    case other(offset: Int)
}

/// One object of the namespace: where it was declared and what it is.
public struct AMLObject: Sendable {
    public enum Kind: Sendable {
        case scope, device, processor, powerResource, thermalZone
        /// `body` is the method's term list in its table's bytes (never parsed: not an interpreter).
        case method(argumentCount: Int, body: Range<Int>)
        /// An OperationRegion; `space` is the address space (0 SystemMemory, 1 SystemIO, 2 PCI_Config…).
        case region(space: UInt8, offset: AMLValue, length: AMLValue)
        /// A named field of `region` (as written, resolved from `scope`), `bitOffset` bits into it.
        case field(region: AMLName, scope: AMLPath, bitOffset: Int, bitWidth: Int)
        case name(AMLValue)
        /// Declared elsewhere (`External`); `type` is ACPI's object type (8: method).
        case external(type: UInt8, argumentCount: Int)
        /// Anything else that has a name (a mutex, an event, a buffer field, an alias).
        case other
    }

    public var path: AMLPath
    public var kind: Kind
    /// The table's name (`SSDT3`).
    public var table: String
    /// Index of the table in the list read.
    public var tableIndex: Int
    /// Offset of the declaring opcode in the table.
    public var offset: Int

    public var isExternal: Bool { if case .external = kind { return true } else { return false } }
}

/// A part of a table the reader stepped over, and why: the objects inside it are not known.
public struct AMLSkip: Sendable, Equatable {
    public var table: String
    public var offset: Int
    public var reason: Reason
    public enum Reason: Sendable, Equatable {
        /// An opcode the reader does not take at this place; the rest of the enclosing package was skipped.
        case unknownOpcode(UInt16)
        /// A length, name or operand runs past the enclosing package.
        case truncated
        /// Nesting deeper than the reader's bound.
        case tooDeep
        /// The reader's object budget for all tables was spent.
        case budget
    }
}

/// The namespace of a set of DSDT/SSDT tables, read statically.
public struct AMLNamespace: Sendable {
    public private(set) var tables: [ACPITable]
    /// Definitions win over `External` declarations; the first definition of a path wins.
    public private(set) var objects: [AMLPath: AMLObject] = [:]
    public private(set) var skipped: [AMLSkip] = []

    /// Nesting bound (ACPICA's parser has none this low, but no firmware nests this deep).
    public static let maximumDepth = 64
    /// Objects kept for all tables together: a bound on memory for hostile input.
    public static let maximumObjects = 1 << 18

    /// Reads every table twice: the first pass learns how many arguments each method takes, which
    /// the second needs to step over method calls in expressions (iasl's disassembler does the same
    /// with its external list).
    public init(tables: [ACPITable]) {
        self.tables = tables
        var first = AMLNamespace(tables: tables, methods: [:])
        first.tables = []
        var counts: [AMLPath: Int] = [:]
        for (p, o) in first.objects {
            switch o.kind {
            case let .method(n, _): counts[p] = n
            case let .external(8, n): counts[p] = n
            default: continue
            }
        }
        self = AMLNamespace(tables: tables, methods: counts)
    }

    init(tables: [ACPITable], methods: [AMLPath: Int]) {
        self.tables = tables
        for (i, t) in tables.enumerated() {
            var reader = AMLReader(table: t, index: i, methods: methods, budget: Self.maximumObjects - objects.count)
            reader.readDefinitionBlock()
            for o in reader.objects { add(o) }
            skipped += reader.skipped
        }
    }

    mutating func add(_ o: AMLObject) {
        if let have = objects[o.path], !have.isExternal || o.isExternal { return }
        objects[o.path] = o
    }

    /// The object `name` stands for from `scope`, by the namespace search rules; nil when none is declared.
    public func resolve(_ name: AMLName, from scope: AMLPath) -> AMLObject? {
        for p in name.candidates(from: scope) { if let o = objects[p] { return o } }
        return nil
    }

    public func table(_ o: AMLObject) -> ACPITable { tables[o.tableIndex] }
}
