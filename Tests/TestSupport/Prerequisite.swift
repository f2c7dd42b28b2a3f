import Foundation
import Testing

/// The one rule for a test whose tool or data is missing (README, "Tests"): under `CI=true` (which
/// `.ci/run` and `Tools/test.sh` set) it is a recorded failure; anywhere else the test is skipped,
/// visibly, with the reason and what installs it. No test may pass by returning early.
///
///     try Prerequisite.require(FileManager.default.fileExists(atPath: qemu), "qemu-system-x86_64 (Debian's qemu-system-x86)")
public enum Prerequisite {
    /// `CI=true` in the environment: every prerequisite must be there.
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// What a missing prerequisite throws under `CI=true` (the test fails with this description).
    public struct Missing: Error, CustomStringConvertible {
        public var description: String
    }

    /// Returns when `present`; otherwise fails the test under `CI=true` and skips it elsewhere.
    public static func require(_ present: Bool, _ what: @autoclosure () -> String,
                               sourceLocation: SourceLocation = #_sourceLocation) throws {
        if present { return }
        let reason = "missing \(what())"
        if isCI {
            throw Missing(description: "CI=true, but \(reason); Tools/install-deps.sh installs the tools, ../shared holds the data")
        }
        let line = "SKIPPED (not under CI=true): \(reason)"
        FileHandle.standardError.write(Data((line + "\n").utf8))
        #if compiler(>=6.3)
        try Test.cancel(Comment(rawValue: line), sourceLocation: sourceLocation)
        #else
        // Swift Testing before 6.3 cannot skip from inside a test: it fails, visibly, rather than pass.
        throw Missing(description: line)
        #endif
    }

    /// Each path must exist (files the test reads, programs it runs).
    public static func require(files paths: [String], _ why: String = "",
                               sourceLocation: SourceLocation = #_sourceLocation) throws {
        let missing = paths.filter { !FileManager.default.fileExists(atPath: $0) }
        try require(missing.isEmpty, missing.joined(separator: ", ") + (why.isEmpty ? "" : " (\(why))"),
                    sourceLocation: sourceLocation)
    }

    /// A trait for tests that cannot even be listed without the data (parameterised over it):
    /// enabled when `present` or under `CI=true` (where the test's own `require` then fails).
    public static func enabled(_ present: Bool, _ what: String) -> ConditionTrait {
        .enabled(if: present || isCI, Comment(rawValue: "SKIPPED (not under CI=true): missing \(what)"))
    }
}
