// libFuzzer target for ROMScanner: any blob scans without trapping; what it reports lies inside
// the blob, in order, apart, and each report is confirmed again at its own offset.
import OptionROM

/// `precondition` that keeps its message in release (fuzzing) builds, where -O drops it.
func require(_ ok: Bool, _ message: @autoclosure () -> String = "invariant", line: UInt = #line) {
    if !ok { fatalError(message(), line: line) }
}

@inline(never)
func check(_ data: UnsafeRawBufferPointer) {
    let found = ROMScanner.scan(data)
    var end = 0
    for rom in found {
        require(rom.offset >= end, "reported ROMs overlap or go backwards")
        require(rom.length > 0 && rom.end <= data.count, "a reported ROM lies outside the blob")
        require(data[rom.offset] == 0x55 && data[rom.offset + 1] == 0xAA, "a reported ROM does not start with 55 AA")
        require(rom.imageCount >= 1)
        end = rom.end
        require(ROMScanner.confirm(data, at: rom.offset) != nil, "a reported ROM is not confirmed at its offset")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScan(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
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
