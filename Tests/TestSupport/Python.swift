import Foundation

/// A Python script of the repository's (an independent reader, an observer under Tools/) run as
/// the tests run them: stdin from /dev/null, stdout captured, the run noted in the ledger.
public enum Python {
    /// Runs `python3 script args...`; returns its exit status and stdout.
    public static func run(_ script: String, _ args: [String]) throws -> (status: Int32, out: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script] + args
        p.standardInput = FileHandle.nullDevice
        let out = Pipe()
        p.standardOutput = out
        Ledger.note(p)
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Whether `python3` can import `module` (a PyPI judge that Tools/install-deps.sh installs).
    public static func canImport(_ module: String) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import " + module]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }
}
