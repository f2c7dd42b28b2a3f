import Foundation
import Testing

/// Which programs each test ran, for Tools/test.sh's closing count of tests that ran vbios and of
/// tests judged by a program other than vbios (Tools/test-summary.py classifies the programs).
/// Off unless VBIOS_TEST_LEDGER names a file; then one line per program started:
/// `TEST-ID <tab> PROGRAM` (PROGRAM: the executable's name; for `env`/`timeout`/`sh`/`python3`
/// wrappers, the program or script they run).
public enum Ledger {
    static let path = ProcessInfo.processInfo.environment["VBIOS_TEST_LEDGER"]

    /// Call with the process about to start (its executable and arguments set).
    public static func note(_ p: Process) {
        guard let path, let exe = p.executableURL?.lastPathComponent else { return }
        var program = exe
        var rest = p.arguments ?? []
        // Wrappers: the first argument that is not an option, a signal name or a number.
        while ["env", "timeout", "sh", "bash", "python3"].contains(program),
              let i = rest.firstIndex(where: { !$0.hasPrefix("-") && $0 != "KILL" && Int($0) == nil }) {
            program = URL(fileURLWithPath: rest[i]).lastPathComponent
            rest = Array(rest[(i + 1)...])
        }
        program = String(program.prefix(60).map { $0.isNewline || $0 == "\t" ? " " : $0 })
        let line = "\(Test.current?.id.description ?? "?")\t\(program)\n"
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard fd >= 0 else { return }
        _ = line.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
        close(fd)
    }
}
