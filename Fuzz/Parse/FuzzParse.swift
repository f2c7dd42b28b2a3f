// libFuzzer target for the ROM parser: any bytes must parse without trapping, and the layout
// must hold its invariants. Built with -DFUZZING and `--sanitize fuzzer`; without FUZZING it is
// a replay tool (`fuzz-parse FILE...`) that the test suite runs over the saved crash corpus.
import FuzzSupport
import OptionROM


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
/// Replay: each argument is a file run through the target, as libFuzzer would.
@main
enum Replay {
    static func main() { replay(Array(CommandLine.arguments.dropFirst()), check) }
}
#endif
