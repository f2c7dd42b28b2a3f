import Foundation
import Testing
import TestSupport

/// The JSON byte-identity proof (issue 27): today's binary, run on every ROM of Fixtures/ and of
/// ../shared (`info`, `verify`, `scan`, `diff`, `verify` of all at once, `scan` of each firmware
/// image, all with `--json`), prints what the release binary of 2f8db6f (the main before the
/// module split) printed, byte for byte, with the same exit status. The judge is that recording
/// (Fixtures/json-identity, by Tools/json-identity.py), not today's code; this test never writes it.
@Suite(.serialized) struct JSONIdentity {
    static func check(_ suite: String) throws -> (status: Int32, out: String) {
        let binary = try #require(CLI.binary, "the vbios binary was not found; run `swift build` first")
        return try Python.run(Repository.root + "/Tools/json-identity.py", ["check", "--vbios", binary, suite])
    }

    @Test func fixturesPrintWhatTheyPrintedBefore() throws {
        let (status, report) = try Self.check("fixtures")
        #expect(report.contains("cases checked"), "\(report)")
        #expect(status == 0, "\(report.suffix(8000))")
    }

    /// ../shared's ROMs and firmware, kept as digests (their content is not redistributed).
    @Test func sharedPrintsWhatItPrintedBefore() throws {
        try Prerequisite.require(files: [Repository.sharedROMs + "/MANIFEST.tsv", Repository.sharedROMs + "/../firmware/MANIFEST.tsv"],
                                 "../shared, the real vendor ROMs and firmware")
        let (status, report) = try Self.check("shared")
        #expect(report.contains("cases checked"), "\(report)")
        #expect(status == 0, "\(report.suffix(8000))")
    }
}
