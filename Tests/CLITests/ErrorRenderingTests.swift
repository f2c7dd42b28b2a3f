import ArgumentParser
import Core
import Glibc
import PCIHost
import SystemIO
import Testing
@testable import vbios

/// How the CLI tells and words errors, judged on typed values: where an error came from (not its
/// type's name), the JSON code from the errno (glibc's name, not text), the output mode from the
/// command, and every library next step worded by the one table.
@Suite struct ErrorRenderingTests {
    struct Refused: Error {}

    /// Anything parsing threw is a command-line mistake; of what a running command throws, only
    /// ArgumentParser's `ValidationError` is.
    @Test func usageIsToldByWhereTheErrorCameFrom() {
        #expect(CLIFailure.commandLine(ValidationError("x")).isUsage)
        #expect(CLIFailure.commandLine(Refused()).isUsage)
        #expect(!CLIFailure.commandLine(ExitCode(1)).isUsage)
        #expect(!CLIFailure.commandLine(UserError("x")).isUsage)
        #expect(CLIFailure.command(ValidationError("x")).isUsage)
        #expect(!CLIFailure.command(SystemError(.read, "/x", errno: EIO)).isUsage)
        #expect(!CLIFailure.command(Refused()).isUsage)
    }

    /// The one pre-scan for a command line that did not parse: `--json` before any `--`.
    @Test func jsonBeforeParsingIsOnePreScan() {
        #expect(ErrorOutput.jsonRequested(["dump", "zz:00.0", "--json"]))
        #expect(!ErrorOutput.jsonRequested(["info", "--", "--json"]))
        #expect(!ErrorOutput.jsonRequested(["info", "--jsonx"]))
    }

    /// The code is glibc's errno name (beyond the names the old table had), `system-error` for a
    /// number glibc does not name; the path comes along.
    @Test func systemErrorsAreCodedByTheirErrno() {
        #expect(ErrorOutput.classify(SystemError(.write, "/x", errno: EROFS)) == ("EROFS", "/x"))
        #expect(ErrorOutput.classify(SystemError(.open, "/y", errno: EACCES)) == ("EACCES", "/y"))
        #expect(ErrorOutput.classify(SystemError(.read, "/z", errno: 4000)) == ("system-error", "/z"))
        #expect(ErrorOutput.classify(NotARegularFile(path: "/dev/null", kind: "a character device")) == ("not-a-regular-file", "/dev/null"))
    }

    /// Every action has words, and a step inside a library's text comes out as the CLI's words.
    @Test func everyStepIsWorded() {
        for action in NextStep.Action.allCases {
            let words = NextStepWording.words(NextStep(action, "V"))
            // Not the neutral form a library falls back to (`[action value]`).
            #expect(!words.isEmpty && words != NextStep(action, "V").neutral, "\(action)")
        }
        let exists = AtomicFile.Exists(path: "/tmp/card.rom")
        #expect(exists.advice.steps == [NextStep(.replace)])
        #expect(NextStepWording.text(of: exists) == "/tmp/card.rom already exists; pass --force to replace it.")
        #expect(NextStepWording.text(of: SystemError(.openForWriting, "/sys/x", errno: EACCES))
            == "cannot open for writing /sys/x: Permission denied (EACCES)")
    }

    /// A ROM read failure's steps are values; the CLI's text is the one the error always had.
    @Test func romReadStepsAreValues() {
        let e = ROMReadError(source: "sysfs", .notMapped(path: "/sys/rom"))
        #expect(e.advice.steps == [NextStep(.readSource, "shadow"), NextStep(.unbind)])
        #expect(NextStepWording.text(e.advice).contains("try `--source shadow` on the boot VGA device"))
        #expect(NextStepWording.text(e.advice).hasSuffix("(`vbios unbind`) and retry."))
    }
}
