// libFuzzer target for the library decoders (LZMA, LZMA + x86 BCJ, Brotli, zlib, gzip): any bytes
// decode or fail with a typed error, never trap, and never produce more than the limit. The first
// byte picks the format; the rest is the stream. Without FUZZING, a replay tool.
import Compression
import FuzzSupport

let limit = 1 << 20
let formats: [CompressionFormat] = [.lzma, .lzmaX86, .brotli, .zlib, .gzip]

@inline(never)
func check(_ data: UnsafeRawBufferPointer) {
    guard let first = data.first else { return }
    let format = formats[Int(first) % formats.count]
    let stream = Array(data.dropFirst())
    do {
        let out = try Decompress.decode(format, stream, limit: limit)
        require(out.count <= limit, "output past the limit")
    } catch {
        require(error.format == format, "the error names another format")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecompress(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    check(UnsafeRawBufferPointer(start: start, count: start == nil ? 0 : count))
    return 0
}

#if !FUZZING
@main
enum Replay {
    static func main() { replay(Array(CommandLine.arguments.dropFirst()), check) }
}
#endif
