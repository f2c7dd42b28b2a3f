// libFuzzer target for the EFI 1.1 / Tiano decompressor: any bytes must decode or fail with an
// error, never trap, hang or grow past the limit; and the compressor's stream of the same bytes
// must decode back to them. The first input byte picks the format
// (efi11, tiano, auto); the rest is the stream, header included. Without FUZZING, a replay tool.
import FuzzSupport
import OptionROM

let limit = 1 << 20

@inline(never)
func check(_ data: UnsafeRawBufferPointer) {
    guard let first = data.first else { return }
    let stream = Array(data.dropFirst())
    let format: EFICompressionFormat? = first % 3 == 0 ? .efi11 : first % 3 == 1 ? .tiano : nil
    // The compressor too: whatever the bytes, its stream decodes back to them.
    if stream.count <= 64 << 10 {
        let packed = EFICompressor.compress(stream, format: format ?? .efi11)
        let back = try? EFIDecompressor.decompress(packed, format: format ?? .efi11, limit: limit).bytes
        require(back == stream, "compress/decompress round trip lost bytes")
    }
    do {
        let out = try EFIDecompressor.decompress(stream, format: format, limit: limit)
        require(out.bytes.count <= limit, "output past the limit")
        if let sizes = EFIDecompressor.statedSizes(stream) {
            require(out.bytes.count == sizes.original, "output size differs from the header's")
        }
        if let format { require(out.format == format, "format changed") }
    } catch {
        require(error.offset >= 0 && error.offset <= stream.count, "error offset outside the input")
        require(!error.message.isEmpty, "error without a message")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEFIDecompress(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
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
