// libFuzzer target for the ROM parser: any bytes must parse without trapping, and the layout
// must hold its invariants. Built with -DFUZZING and `--sanitize fuzzer`; without FUZZING it is
// a replay tool (`fuzz-parse FILE...`) that the test suite runs over the saved crash corpus.
import OptionROM

/// `precondition` that keeps its message in release (fuzzing) builds, where -O drops it.
func require(_ ok: Bool, _ message: @autoclosure () -> String = "invariant", line: UInt = #line) {
    if !ok { fatalError(message(), line: line) }
}

@inline(never)
func check(_ data: UnsafeRawBufferPointer) {
    let layout = ROMParser.parse(data)
    var previousEnd = layout.prefixLength
    for image in layout.images {
        require(image.offset >= previousEnd, "images overlap or go backwards")
        require(image.offset < max(data.count, 1), "image starts past the end")
        require(image.length >= 0)
        previousEnd = image.offset + max(image.length, 1)
    }
    require(layout.images.count <= 64)
    require(!layout.images.isEmpty || !layout.findings.isEmpty, "no image and nothing said about it")
    _ = layout.json(file: nil).rendered(pretty: false)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzParse(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    check(UnsafeRawBufferPointer(start: start, count: start == nil ? 0 : count))
    return 0
}

#if !FUZZING
#if canImport(Glibc)
import Glibc
#endif

/// Replay: each argument is a file run through the target, as libFuzzer would.
@main
enum Replay {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
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
}
#endif
