import ACPI
import Foundation
import Testing
import TestSupport

/// ACPICA's disassembler (`iasl -d`, Debian's acpica-tools) judges the reader: the field offsets it
/// states (`Offset (0x..)` and every width written out) must be the ones the reader computes.
@Suite struct IASLOracleTests {
    static let iasl = "/usr/bin/iasl"
    static var present: Bool { FileManager.default.isExecutableFile(atPath: iasl) }

    struct Field: Hashable, CustomStringConvertible {
        var region: String, name: String, bitOffset: Int, bitWidth: Int
        var description: String { "\(region).\(name)@\(bitOffset)+\(bitWidth)" }
    }

    /// Disassembles each table (in a temporary copy) and returns its ASL text.
    static func disassemble(_ names: [String]) throws -> [String: String] {
        let dir = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var out: [String: String] = [:]
        for n in names {
            try FileManager.default.copyItem(atPath: Zenbook.directory + "/" + n, toPath: dir + "/" + n)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: iasl)
            p.arguments = ["-d", dir + "/" + n]
            p.currentDirectoryURL = URL(fileURLWithPath: dir)
            p.standardInput = FileHandle.nullDevice
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            Ledger.note(p)
            try p.run()
            p.waitUntilExit()
            out[n] = try String(contentsOfFile: dir + "/" + n + ".dsl", encoding: .utf8)
        }
        return out
    }

    /// The named fields of every `Field (REGION, …) { … }` block in ASL text that is not inside a
    /// Method (those exist only while it runs), offsets counted from the text alone: `Offset (0xNN)`
    /// sets the bit, each `NAME, N` and `, N` adds N.
    static func fields(inASL text: String) -> [Field] {
        var out: [Field] = []
        var region: String?
        var bit = 0
        var blocks: [Bool] = []   // per open brace: inside a Method
        var pendingMethod = false
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line == "{" { blocks.append(pendingMethod || (blocks.last ?? false)); pendingMethod = false; continue }
            if line.hasPrefix("}") { _ = blocks.popLast(); region = nil; continue }
            if line.hasPrefix("Method (") { pendingMethod = true; continue }
            if line.hasPrefix("Field (") {
                let path = line.dropFirst(7).prefix { $0 != "," }
                region = (blocks.last ?? false) ? nil : String(path.split(separator: ".").last!.drop { $0 == "\\" || $0 == "^" })
                bit = 0
                pendingMethod = false
                continue
            }
            guard let r = region else { continue }
            if line.hasPrefix("Offset (") {
                bit = 8 * Int(line.dropFirst(8).prefix { $0 != ")" }.dropFirst(2), radix: 16)!
                continue
            }
            let parts = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count >= 2, let width = Int(parts[1]) else { continue }
            if !parts[0].isEmpty { out.append(Field(region: r, name: parts[0], bitOffset: bit, bitWidth: width)) }
            bit += width
        }
        return out
    }

    static func pad(_ s: String) -> String { s.count >= 4 ? s : s + String(repeating: "_", count: 4 - s.count) }

    @Test(.enabled(if: (present && Zenbook.present) || Zenbook.isCI, "iasl (acpica-tools) or the ZenBook tables are absent (a failure when CI=true)"))
    func everyFieldOffsetAgreesWithIASL() throws {
        let asl = try Self.disassemble(Zenbook.names)
        let ns = AMLNamespace(tables: try Zenbook.tables())
        #expect(ns.skipped.isEmpty, "\(ns.skipped)")
        var mine: [String: Set<Field>] = [:]
        for o in ns.objects.values {
            guard case let .field(region, _, bit, width) = o.kind, let seg = region.segments.last else { continue }
            mine[o.table, default: []].insert(Field(region: seg, name: o.path.last!, bitOffset: bit, bitWidth: width))
        }
        var total = 0
        for (table, text) in asl {
            let theirs = Set(Self.fields(inASL: text).map { Field(region: Self.pad($0.region), name: Self.pad($0.name), bitOffset: $0.bitOffset, bitWidth: $0.bitWidth) })
            total += theirs.count
            let missing = theirs.subtracting(mine[table] ?? [])
            let extra = (mine[table] ?? []).subtracting(theirs)
            #expect(missing.isEmpty, "\(table): iasl states fields the reader lacks: \(missing.sorted { $0.description < $1.description }.prefix(20))")
            #expect(extra.isEmpty, "\(table): the reader has fields iasl does not state: \(extra.sorted { $0.description < $1.description }.prefix(20))")
        }
        #expect(total > 1000)
        // The one the ROM hangs on: NVHA in SANV, as iasl counts it.
        let nvha = Self.fields(inASL: asl["SSDT7"] ?? "").first { $0.name == "NVHA" }
        #expect(nvha?.region == "SANV" && nvha?.bitOffset == 0xC0 * 8 && nvha?.bitWidth == 32)
    }
}
