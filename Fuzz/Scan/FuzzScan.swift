// libFuzzer target for ROMScanner: any blob scans without trapping; what it reports lies inside
// the blob, in order, apart, and each report is confirmed again at its own offset; the scan's
// memo (block sums, images parsed and chains walked once) changes nothing: a scan confirming every candidate on
// its own finds the same ROMs; the streamed scan (small reads into one reused buffer, what
// `vbios scan` runs) finds what one scan of the whole blob finds.
import FuzzSupport
import OptionROM


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
    var naive: [EmbeddedROM] = []
    var at = 0
    while let hit = ByteSearch.index(of: 0x55, 0xAA, in: data, from: at, to: data.count) {
        if let rom = ROMScanner.confirm(data, at: hit) { naive.append(rom); at = hit + max(rom.length, 2) } else { at = hit + 1 }
    }
    require(naive == found, "the memoised scan differs from confirming every candidate on its own")

    // A short lookahead and small chunks, so that moves, lookahead reads and the end all happen.
    var options = ROMScanner.Options()
    options.maximumROMLength = 4096
    let whole = ROMScanner.scan(data, options: options)
    let chunk = 1 + (data.first.map { Int($0) } ?? 0) * 7
    var streamed: [EmbeddedROM] = []
    let size = try? ROMScanner.scan(options: options, window: 2048, chunk: chunk, read: { into, at in
        let n = max(0, min(into.count, data.count - at))
        if n > 0 { into.baseAddress!.copyMemory(from: data.baseAddress! + at, byteCount: n) }
        return n
    }) { rom, bytes in
        require(bytes.elementsEqual(data[rom.offset..<rom.end]), "a streamed ROM's bytes differ from the blob's")
        streamed.append(rom)
    }
    require(size == data.count, "the streamed scan did not read the whole blob")
    require(streamed == whole, "the streamed scan differs from the scan of the whole blob")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScan(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
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
