import ACPI
import Foundation
import Testing

/// Real machines' tables (linuxhw's public ACPI collection, `acpixtract -a` of each dump, one folder
/// per machine), named by `VBIOS_ACPI_CORPUS=DIR`; not committed, and kept aside to judge the reader.
/// Every `_ROM`/`ATRM` method iasl's disassembler states is found by the reader, and each device
/// gets a resolved region, an image, or a typed reason (the step that failed).
@Suite struct ACPICorpusTests {
    static let corpus = ProcessInfo.processInfo.environment["VBIOS_ACPI_CORPUS"]

    static func tables(_ dir: String) -> [ACPITable] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".dat") }.sorted()
        return names.compactMap { n in
            guard let data = FileManager.default.contents(atPath: dir + "/" + n) else { return nil }
            return try? ACPITable(name: String(n.dropLast(4)).uppercased(), bytes: [UInt8](data))
        }
    }

    /// `Method (_ROM` and `Method (ATRM` lines in iasl's disassembly of one table.
    static func iaslMethodCount(_ table: ACPITable) throws -> Int {
        let dir = NSTemporaryDirectory() + "/vbios-corpus-\(getpid())-\(table.name)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = FileManager.default.createFile(atPath: dir + "/t.aml", contents: Data(table.bytes))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: IASLOracleTests.iasl)
        p.arguments = ["-d", dir + "/t.aml"]
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        let text = (try? String(contentsOfFile: dir + "/t.dsl", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { $0.contains("Method (_ROM,") || $0.contains("Method (ATRM,") }.count
    }

    static func methods(_ ns: AMLNamespace) -> [AMLObject] {
        ns.objects.values.filter { o in
            guard o.path.last == "_ROM" || o.path.last == "ATRM", case .method = o.kind else { return false }
            return true
        }.sorted { $0.path < $1.path }
    }

    @Test(.enabled(if: corpus != nil, "VBIOS_ACPI_CORPUS names no corpus of machines' tables"))
    func everyROMMethodResolvesOrSaysWhy() throws {
        let root = Self.corpus!
        let machines = try FileManager.default.contentsOfDirectory(atPath: root).sorted()
        var resolved = 0, embedded = 0, reasons: [String: Int] = [:], devices = 0
        for m in machines {
            let tables = Self.tables(root + "/" + m)
            guard !tables.isEmpty else { continue }
            for t in tables where t.bytes.contains(0x14) && (Self.contains(t.bytes, "_ROM") || Self.contains(t.bytes, "ATRM")) {
                let mine = Self.methods(AMLNamespace(tables: [t])).filter { $0.table == t.name }.count
                #expect(mine == (try Self.iaslMethodCount(t)), "\(m)/\(t.name): the reader finds \(mine) _ROM/ATRM methods")
            }
            let ns = AMLNamespace(tables: tables)
            for method in Self.methods(ns) {
                devices += 1
                switch ACPIROMResolver.resolve(device: method.path.parent, in: ns) {
                case .success(.region(let r)):
                    resolved += 1
                    if ProcessInfo.processInfo.environment["VBIOS_ACPI_CORPUS_VERBOSE"] != nil { print("  \(m) \(method.path): \(r.region) base \(r.base) +\(r.imageOffset) \(r.length)") }
                case .success(.embedded): embedded += 1
                case .failure(let why):
                    print("  \(m) \(method.path) (\(method.table)): \(why.step.rawValue): \(why)")
                    reasons["\(why.step.rawValue): \(String(describing: why.reason).prefix { $0 != "(" })", default: 0] += 1
                }
            }
        }
        print("ACPI corpus: \(machines.count) machines, \(devices) _ROM/ATRM methods: \(resolved) regions, \(embedded) embedded, unresolved \(reasons.sorted { $0.key < $1.key })")
        #expect(devices > 0)
    }

    static func contains(_ b: [UInt8], _ s: String) -> Bool {
        let n = Array(s.utf8)
        guard b.count >= n.count else { return false }
        for i in 0...(b.count - n.count) where b[i] == n[0] && Array(b[i..<i + n.count]) == n { return true }
        return false
    }
}
