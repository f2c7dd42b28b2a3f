import Foundation
import Testing

@Suite("vbios --version")
struct VersionCLITests {
    /// `swift test` builds without Tools/install.sh's -DVBIOS_BUILD_VERSION, so this is the
    /// fallback a fresh clone gets; Tools/package-test.sh checks the baked-in version.
    @Test("--version prints one line: the version and the commit, 'unknown' for a plain swift build")
    func version() throws {
        let r = try CLI.run(["--version"])
        #expect(r.status == 0)
        #expect(r.stderr.isEmpty)
        #expect(r.stdout == "unknown (commit unknown)\n")
    }
}
