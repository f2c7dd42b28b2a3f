// What every fuzz target shares: invariant checks that keep their message in release builds, and
// the replay driver that plain builds (without -DFUZZING) use to run saved inputs.
#if canImport(Glibc)
import Glibc
#endif

/// `precondition` that keeps its message in release (fuzzing) builds, where -O drops it.
public func require(_ ok: Bool, _ message: @autoclosure () -> String = "invariant", line: UInt = #line) {
    if !ok { fatalError(message(), line: line) }
}

/// Runs `check` over each file named on the command line, as libFuzzer would over a corpus.
public func replay(_ arguments: [String], _ check: (UnsafeRawBufferPointer) -> Void) {
    for path in arguments {
        guard let f = fopen(path, "rb") else { print("cannot open \(path)"); exit(2) }
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n <= 0 { break }
            bytes.append(contentsOf: buf[0..<n])
        }
        fclose(f)
        bytes.withUnsafeBytes { check($0) }
    }
}
