/// A JSON value with ordered keys, and its serializer. Small on purpose: the JSON contract
/// (README) wants integers as integers and keys in a stable order, and the start-up path of the
/// tool stays free of Foundation.
public indirect enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    /// An unsigned 64-bit number (addresses and sizes from sysfs reach 2^64 - 1, past `Int`).
    case uint(UInt64)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    public static func == (a: JSON, b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.uint(x), .uint(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    public subscript(key: String) -> JSON? {
        if case .object(let pairs) = self { return pairs.first { $0.0 == key }?.1 }
        return nil
    }

    public static func optional(_ s: String?) -> JSON { s.map { .string($0) } ?? .null }
    public static func optional(_ i: Int?) -> JSON { i.map { .int($0) } ?? .null }
    public static func optional(_ b: Bool?) -> JSON { b.map { .bool($0) } ?? .null }
    public static func hex4(_ v: UInt16) -> JSON { .string(Hex.string(v, width: 4)) }

    public func rendered(pretty: Bool = true) -> String {
        var out = ""
        out.reserveCapacity(4096)
        write(to: &out, pretty: pretty, indent: 0)
        return out
    }

    /// A top-level array written in pieces (`emit` once per element, about), the same text
    /// `JSON.array(elements).rendered(pretty:)` makes, without holding it all in one String.
    public static func renderArray<S: Sequence>(_ elements: S, pretty: Bool = true, _ emit: (String) -> Void) where S.Element == JSON {
        var first = true
        for element in elements {
            var out = first ? "[" : ","
            if pretty { out += "\n  " }
            element.write(to: &out, pretty: pretty, indent: 1)
            emit(out)
            first = false
        }
        emit(first ? "[]" : pretty ? "\n]" : "]")
    }

    private func write(to out: inout String, pretty: Bool, indent: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .uint(let u): out += String(u)
        case .string(let s): JSON.escape(s, into: &out)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (n, item) in items.enumerated() {
                if n > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: "  ", count: indent + 1) }
                item.write(to: &out, pretty: pretty, indent: indent + 1)
            }
            if pretty { out += "\n" + String(repeating: "  ", count: indent) }
            out += "]"
        case .object(let pairs):
            if pairs.isEmpty { out += "{}"; return }
            out += "{"
            for (n, (key, value)) in pairs.enumerated() {
                if n > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: "  ", count: indent + 1) }
                JSON.escape(key, into: &out)
                out += pretty ? ": " : ":"
                value.write(to: &out, pretty: pretty, indent: indent + 1)
            }
            if pretty { out += "\n" + String(repeating: "  ", count: indent) }
            out += "}"
        }
    }

    static func escape(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if let raw = RawBytes.rawByte(u) {
                    // A byte of a non-UTF-8 name: JSON strings hold text only, so it is shown as `\xNN`.
                    out += "\\\\x" + Hex.string(raw, width: 2)
                } else if RawBytes.isUnsafe(u, keepNewlines: false) {
                    // Control, bidi and invisible characters escaped, so raw JSON on a terminal is safe too.
                    out += "\\u" + Hex.string(u.value, width: 4)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}
