import Foundation
import Testing
import TestSupport

/// The corpus tier: every real vendor ROM of ../shared/roms (never committed) through `info`,
/// `verify`, `patch --strip-header`, `patch --extract legacy|efi` and `prepare --rom` (qemu and
/// xen, on a fake host with the ROM's own IDs), compared with Fixtures/corpus/NAME.expect.json.
/// Tools/corpus.py makes the observation; this test compares and never writes. After a
/// deliberate change, `python3 Tools/corpus.py write` regenerates the expectations to review.
enum Corpus {
    /// ../shared/roms from the repository root; VBIOS_CORPUS names another folder (to check the tier's skip).
    static let directory = ProcessInfo.processInfo.environment["VBIOS_CORPUS"]
        ?? Repository.sharedROMs
    static let expectations = Repository.root + "/Fixtures/corpus"
    static var present: Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: directory, isDirectory: &isDir) && isDir.boolValue
    }
    static let absent = "\(directory), the corpus of real vendor ROMs"

    /// The names with an expectation in the repository.
    static let names: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: expectations)) ?? [])
        .filter { $0.hasSuffix(".expect.json") }.map { String($0.dropLast(".expect.json".count)) }.sorted()

    static func observe(_ rom: String) throws -> [String: Any] {
        let binary = try #require(CLI.binary, "the vbios binary was not found; run `swift build` first")
        let (status, out) = try Python.run(Repository.root + "/Tools/corpus.py", ["observe", "--vbios", binary, rom])
        try #require(status == 0, "Tools/corpus.py observe \(rom) exited \(status)")
        return try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
    }

    /// Every leaf where the two differ, as `path: expected -> got`.
    static func differences(_ expected: Any?, _ got: Any?, at path: String = "") -> [String] {
        switch (expected, got) {
        case let (e as [String: Any], g as [String: Any]):
            return Set(e.keys).union(g.keys).sorted().flatMap { differences(e[$0], g[$0], at: path.isEmpty ? $0 : path + "." + $0) }
        case let (e as [Any], g as [Any]) where e.count == g.count:
            return zip(e, g).enumerated().flatMap { differences($1.0, $1.1, at: "\(path)[\($0)]") }
        default:
            let a = expected.map { "\($0)" } ?? "absent", b = got.map { "\($0)" } ?? "absent"
            if let e = expected as? NSObject, let g = got as? NSObject, e.isEqual(g) { return [] }
            if expected == nil, got == nil { return [] }
            return ["\(path): expected \(a), got \(b)"]
        }
    }
}

@Suite("Corpus of real vendor ROMs")
struct CorpusTests {
    @Test("The corpus is present, or skipped with the reason; under CI=true its absence fails")
    func presence() throws {
        try Prerequisite.require(Corpus.present, Corpus.absent)
        let roms = Set(((try? FileManager.default.contentsOfDirectory(atPath: Corpus.directory)) ?? [])
            .filter { $0.hasSuffix(".rom") }.map { String($0.dropLast(4)) })
        let missing = roms.subtracting(Corpus.names).sorted(), stale = Set(Corpus.names).subtracting(roms).sorted()
        #expect(missing.isEmpty && stale.isEmpty, "ROMs without an expectation: \(missing); expectations without a ROM: \(stale). Run `python3 Tools/corpus.py write` and review the diff.")
    }

    @Test("Each real ROM: info, verify, patch and prepare say and make what the expectation says",
          Prerequisite.enabled(Corpus.present, Corpus.absent), arguments: Corpus.names)
    func romMatchesExpectation(name: String) throws {
        try Prerequisite.require(Corpus.present, Corpus.absent)
        let rom = Corpus.directory + "/" + name + ".rom"
        let data = try Data(contentsOf: URL(fileURLWithPath: Corpus.expectations + "/" + name + ".expect.json"))
        let expected = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let got = try Corpus.observe(rom)
        let diff = Corpus.differences(expected, got)
        let report = diff.joined(separator: "\n  ")
        #expect(diff.isEmpty, "\(name):\n  \(report)")
    }

    @Test("Every stock ROM verifies ok or note; the one with a broken checksum fails",
          Prerequisite.enabled(Corpus.present, Corpus.absent))
    func verdicts() throws {
        try Prerequisite.require(Corpus.present, Corpus.absent)
        let r = try CLI.run(["verify", "--json", Corpus.directory])
        let lines = r.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        var failed: [String] = []
        for line in lines {
            guard let file = line["file"] as? String, file.hasSuffix(".rom") else { continue }
            let status = line["status"] as? String
            if status == "fail" { failed.append((file as NSString).lastPathComponent) }
            #expect(["ok", "note", "fail"].contains(status ?? ""), "\(file): \(status ?? "no status")")
        }
        // Only the broken checksum. The pre-PCI Tseng ET4000 BIOS is a whole ISA ROM (`isa-rom`, a
        // note: no PCI consumer takes it, but it is not damaged).
        #expect(failed == ["intel-haswell-vbios-0416-w541-badsum.rom"], "\(failed)")
        // MANIFEST.tsv is not a ROM (skipped); the run exits 1 for the bad sum.
        #expect(r.status == 1)
    }
}
