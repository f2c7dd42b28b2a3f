import Foundation
import Testing
import TestSupport

/// The module graph in three places that must agree (issue 27): Package.swift's declared target
/// dependencies, the `import`s in each target's Swift files, and the README's map ("Where things
/// live", the `A → B, C` lines). An undeclared import, a declared dependency nothing imports, an
/// `@_exported` import, or a graph change without the README fails here.
@Suite struct ModuleMap {
    /// Modules of the toolchain and the system, importable without a declared dependency.
    static let system: Set<String> = [
        "Swift", "Glibc", "Musl", "Darwin", "Foundation", "FoundationEssentials", "Dispatch",
        "Synchronization", "_Concurrency", "Testing", "XCTest",
    ]

    struct Target {
        var name: String
        var kind: String
        var dependencies: [String]
        var path: String
        var isSwift: Bool
    }

    /// The targets Package.swift declares, read from its text: `.target(`, `.executableTarget(`,
    /// `.testTarget(`, `.systemLibrary(` calls with `name:`, `dependencies: [...]` (target names
    /// and `.product(name:)`s) and `path:`.
    static func targets(in manifest: String) -> [Target] {
        var found: [Target] = []
        let kinds = ["target", "executableTarget", "testTarget", "systemLibrary"]
        var rest = Substring(manifest)
        while let open = kinds.compactMap({ k in rest.range(of: "." + k + "(").map { (k, $0) } }).min(by: { $0.1.lowerBound < $1.1.lowerBound }) {
            let body = balanced(rest[open.1.upperBound...], open: "(", close: ")")
            rest = rest[open.1.upperBound...].dropFirst(body.count)
            guard let name = firstString(after: "name:", in: body) else { continue }
            var deps: [String] = []
            if let d = body.range(of: "dependencies:"), let bracket = body[d.upperBound...].firstIndex(of: "[") {
                let list = balanced(body[body.index(after: bracket)...], open: "[", close: "]")
                deps = strings(in: list, skippingPackageNames: true)
            }
            let folder = open.0 == "testTarget" ? "Tests/" + name : "Sources/" + name
            found.append(Target(name: name, kind: open.0, dependencies: deps, path: firstString(after: "path:", in: body) ?? folder,
                                isSwift: open.0 != "systemLibrary"))
        }
        return found
    }

    /// The text up to the bracket that closes an already open one.
    static func balanced(_ s: Substring, open: Character, close: Character) -> Substring {
        var depth = 1
        for i in s.indices {
            if s[i] == open { depth += 1 }
            if s[i] == close { depth -= 1; if depth == 0 { return s[..<i] } }
        }
        return s
    }

    static func firstString(after key: String, in s: Substring) -> String? {
        guard let k = s.range(of: key) else { return nil }
        return strings(in: s[k.upperBound...], skippingPackageNames: false).first
    }

    /// The string literals in `s`; with `skippingPackageNames`, not a `.product`'s `package:`.
    static func strings(in s: Substring, skippingPackageNames: Bool) -> [String] {
        var out: [String] = []
        var rest = s
        while let q = rest.firstIndex(of: "\"") {
            let after = rest[rest.index(after: q)...]
            guard let end = after.firstIndex(of: "\"") else { break }
            let before = rest[..<q].trimmingCharacters(in: .whitespaces)
            if !(skippingPackageNames && before.hasSuffix("package:")) { out.append(String(after[..<end])) }
            rest = after[after.index(after: end)...]
        }
        return out
    }

    /// The modules a folder's Swift files import (`import X`, `@testable import X`,
    /// `import struct X.Y`), and whether any import is `@_exported`.
    static func imports(under folder: String) throws -> (modules: Set<String>, exported: [String]) {
        var modules: Set<String> = [], exported: [String] = []
        let fm = FileManager.default
        for case let file as String in fm.enumerator(atPath: folder) ?? NSEnumerator() where file.hasSuffix(".swift") {
            let text = try String(contentsOfFile: folder + "/" + file, encoding: .utf8)
            var inString = false
            for line in text.split(separator: "\n") {
                // Lines inside a multi-line string literal (a Python script a test runs) are not Swift.
                if line.components(separatedBy: "\"\"\"").count % 2 == 0 { inString.toggle(); continue }
                if inString { continue }
                var words = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
                guard let first = words.first else { continue }
                if first == "@_exported" { exported.append(file + ": " + line) }
                while let w = words.first, w.hasPrefix("@") { words.removeFirst() }
                guard words.first == "import", words.count >= 2 else { continue }
                let kinds: Set<String> = ["struct", "enum", "class", "func", "protocol", "typealias", "var", "let"]
                let module = kinds.contains(words[1]) && words.count >= 3 ? words[2] : words[1]
                modules.insert(String(module.split(separator: ".")[0]))
            }
        }
        return (modules, exported)
    }

    /// README "Where things live": each `Module → A, B` line (`(nothing)` for none; a
    /// parenthesised remark after a name is not part of it).
    static func readmeEdges(_ readme: String) -> [String: Set<String>] {
        guard let start = readme.range(of: "## Where things live") else { return [:] }
        let section = readme[start.upperBound...].prefix { _ in true }
        let end = section.range(of: "\n## ")?.lowerBound ?? section.endIndex
        var edges: [String: Set<String>] = [:]
        for line in section[..<end].split(separator: "\n") {
            let parts = line.components(separatedBy: " → ")
            guard parts.count == 2 else { continue }
            let name = parts[0].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, !name.contains(" ") else { continue }
            var deps = parts[1]
            while let open = deps.firstIndex(of: "("), let close = deps[open...].firstIndex(of: ")") {
                deps.removeSubrange(open...close)
            }
            edges[name] = Set(deps.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        }
        return edges
    }

    /// What is wrong between a target's declared dependencies and its files' imports.
    static func problems(_ t: Target, imported: Set<String>, known: Set<String>, strict: Bool) -> [String] {
        var out: [String] = []
        for m in imported.subtracting(system).sorted() where !t.dependencies.contains(m) {
            out.append(known.contains(m) ? "\(t.name) imports \(m) without declaring it in Package.swift"
                                         : "\(t.name) imports \(m), which is neither a dependency nor a system module")
        }
        if strict {
            for d in t.dependencies where !imported.contains(d) {
                out.append("\(t.name) declares \(d) in Package.swift but no file of it imports \(d)")
            }
        }
        return out
    }

    static let manifest = (try? String(contentsOfFile: Repository.root + "/Package.swift", encoding: .utf8)) ?? ""

    @Test func everyImportIsDeclared() throws {
        let targets = Self.targets(in: Self.manifest)
        #expect(targets.count > 20, "Package.swift's targets were not found: \(targets.map(\.name))")
        let known = Set(targets.map(\.name)).union(["ArgumentParser", "SystemPackage", "Benchmark"])
        var problems: [String] = []
        for t in targets where t.isSwift {
            let (imported, exported) = try Self.imports(under: Repository.root + "/" + t.path)
            problems += exported.map { "@_exported import (each module imports what it uses): \($0)" }
            // Sources' modules: every declared dependency is imported too, so the README's arrows
            // (imports) are Package.swift's. C targets (CPCIShim) include headers instead.
            let csource = (try? FileManager.default.contentsOfDirectory(atPath: Repository.root + "/" + t.path))?.contains { $0.hasSuffix(".c") } ?? false
            problems += Self.problems(t, imported: imported, known: known, strict: t.path.hasPrefix("Sources/") && !csource)
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test func readmeMapIsPackageSwift() throws {
        let readme = try String(contentsOfFile: Repository.root + "/README.md", encoding: .utf8)
        let edges = Self.readmeEdges(readme)
        let sources = Self.targets(in: Self.manifest).filter { $0.path.hasPrefix("Sources/") }
        #expect(!edges.isEmpty, "README's \"Where things live\" has no `Module → dependencies` lines")
        for t in sources {
            // System libraries (CZlib, CPCI...) are leaves, listed only where something uses them.
            guard let listed = edges[t.name] else {
                #expect(t.kind == "systemLibrary", "README's module map does not list \(t.name) (Package.swift: \(t.dependencies))")
                continue
            }
            #expect(listed == Set(t.dependencies),
                    "README says \(t.name) → \(listed.sorted()), Package.swift says \(t.dependencies.sorted())")
        }
        for name in edges.keys where !sources.contains(where: { $0.name == name }) {
            Issue.record("README's module map lists \(name), which is not a target under Sources/")
        }
    }

    /// The checks catch what they are for: an undeclared import, an unused declaration, a README edge.
    @Test func theChecksCanFail() {
        let manifest = """
            .target(name: "A", dependencies: ["B", .product(name: "P", package: "pkg")]),
            .target(name: "B"),
            .testTarget(name: "T", dependencies: ["A"], path: "Tests/X"),
            """
        let t = Self.targets(in: manifest)
        #expect(t.map(\.name) == ["A", "B", "T"])
        #expect(t[0].dependencies == ["B", "P"] && t[2].path == "Tests/X")
        let known: Set<String> = ["A", "B", "P"]
        #expect(Self.problems(t[0], imported: ["B", "P", "Glibc"], known: known, strict: true).isEmpty)
        #expect(Self.problems(t[0], imported: ["B", "P", "C"], known: known, strict: true).count == 1)
        #expect(Self.problems(t[0], imported: ["P"], known: known, strict: true).count == 1)
        let edges = Self.readmeEdges("## Where things live\n```\nA    → B, P (a product)\nB    → (nothing)\n```\n## Tests\nC → D\n")
        #expect(edges == ["A": ["B", "P"], "B": []])
    }
}
