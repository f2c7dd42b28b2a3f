import Foundation
import Testing
import TestSupport

/// Issue 27's rule, kept: no function in Sources over 60 lines, measured by
/// Tools/function-lengths.py (a brace counter that skips strings and comments). The self-test
/// gives it a 70-line function, so the check can fail.
@Suite struct FunctionLengths {
    static func measure(_ paths: [String]) throws -> String {
        let (status, out) = try Python.run(Repository.root + "/Tools/function-lengths.py", ["--threshold", "60"] + paths)
        #expect(status == 0, "\(out)")
        return out
    }

    @Test func noFunctionInSourcesIsOverSixtyLines() throws {
        let out = try Self.measure([Repository.root + "/Sources"])
        #expect(out.contains("\n0 over 60 lines:"), "\(out)")
    }

    @Test func aLongFunctionIsFound() throws {
        let dir = NSTemporaryDirectory() + "function-lengths-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let body = (0..<70).map { "    let v\($0) = \"{\" // }\n" }.joined()
        try ("func long() {\n" + body + "}\n").write(toFile: dir + "/Long.swift", atomically: true, encoding: .utf8)
        let out = try Self.measure([dir])
        #expect(out.contains("1 over 60 lines:") && out.contains("long"), "\(out)")
    }
}
