// libFuzzer target for the byte-string codec (RawBytes: non-UTF-8 names and arguments kept as
// bytes, escaped for terminals and JSON) and the scanner's block checksums: any bytes round-trip
// exactly; valid UTF-8 passes unchanged; what reaches a terminal holds no control character;
// block sums equal direct sums for any range.
import FuzzSupport
import OptionROM
import Core

@inline(never)
func check(_ data: UnsafeRawBufferPointer) {
    // Names are short: the codec is exercised on the first 4 KiB (seeds are whole ROMs).
    let bytes = Array(data.prefix(4096))
    let s = RawBytes.string(bytes)
    require(RawBytes.bytes(s) == bytes, "bytes do not survive the round trip")
    if let valid = String(validating: bytes, as: UTF8.self), !RawBytes.hasRawBytes(valid) {
        require(s == valid, "valid UTF-8 was changed")
    }
    let shown = RawBytes.printable(s, keepNewlines: false)
    require(!shown.unicodeScalars.contains { $0.value < 0x20 || ($0.value >= 0x7F && $0.value <= 0x9F) || RawBytes.rawByte($0) != nil },
            "a control character or raw byte reaches the terminal")
    let json = JSON.string(s).rendered(pretty: false)
    require(!json.unicodeScalars.contains { $0.value < 0x20 || RawBytes.rawByte($0) != nil }, "a control character reaches JSON")

    guard data.count >= 4 else { return }
    let blocks = ChecksumBlocks(data)
    let a = Int(data[0]) << 8 | Int(data[1]), b = Int(data[2]) << 8 | Int(data[3])
    for (start, count) in [(a % data.count, b), (0, data.count), (b % data.count, a)] {
        require(blocks.sum(from: start, count: count) == Checksum.sum(data, from: start, count: count), "block sum differs from direct sum")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBytes(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
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
