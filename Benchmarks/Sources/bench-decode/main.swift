// The firmware walker's LZMA path against liblzma alone, in one process, on the same stream:
//   bench-decode VOLUME.fd STREAM.lzma ROUNDS
// VOLUME.fd holds one LZMA section (Tools/gen-firmware.py --bench writes both files; an EDK2
// LZMA section body is LZMA "alone": 5 property bytes, the u64 size, the stream). Each round
// times `FirmwareWalker.walk(VOLUME)` (decode through Compression, then the walk of the decoded
// body) and liblzma decoding STREAM into a buffer of the stated size, one after the other.
// Prints the medians (seconds) and liblzma's time over the walker's (its speed as a share of
// liblzma's: 1.00 = no overhead), from per-round ratios.
//   bench-decode --walk IMAGE ROUNDS
// times `FirmwareWalker.walk(IMAGE)` alone and prints its median CPU time (seconds): set against
// a floor measured elsewhere (EDK2's C Tiano decoder through Python, Tools/bench.sh).
#if canImport(Glibc)
import Glibc
#endif
import CLZMABench
import Firmware

func cpuNow() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

func read(_ path: String) -> [UInt8] {
    guard let f = fopen(path, "rb") else { fatalError("cannot open \(path)") }
    defer { fclose(f) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let n = fread(&buf, 1, buf.count, f)
        if n <= 0 { break }
        out.append(contentsOf: buf[0..<n])
    }
    return out
}

/// liblzma's LZMA_Alone decoder over `stream` into a buffer of the size its header states.
func liblzma(_ stream: [UInt8]) -> Int {
    var size = 0
    for i in 0..<8 { size |= Int(stream[5 + i]) << (8 * i) }
    let out = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
    defer { out.deallocate() }
    var s = lzma_stream()
    guard lzma_alone_decoder(&s, UInt64.max) == LZMA_OK else { fatalError("lzma_alone_decoder") }
    defer { lzma_end(&s) }
    let r = stream.withUnsafeBufferPointer { p -> lzma_ret in
        s.next_in = p.baseAddress
        s.avail_in = p.count
        s.next_out = out
        s.avail_out = size
        return lzma_code(&s, LZMA_FINISH)
    }
    guard r == LZMA_STREAM_END || (r == LZMA_OK && s.avail_out == 0) else { fatalError("liblzma: \(r)") }
    return size - s.avail_out
}

func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }

let args = CommandLine.arguments
if args.count == 4, args[1] == "--walk", let rounds = Int(args[3]), rounds > 0 {
    let image = read(args[2])
    var times: [Double] = []
    for round in 0...rounds {
        let t = cpuNow()
        let report = FirmwareWalker.walk(image)
        if round > 0 { times.append(cpuNow() - t) }
        if report.decompressedBytes == 0 { fatalError("\(args[2]): nothing decompressed") }
    }
    print(median(times))
    exit(0)
}
guard args.count == 4, let rounds = Int(args[3]), rounds > 0 else {
    print("usage: bench-decode VOLUME.fd STREAM.lzma ROUNDS"); exit(2)
}
let volume = read(args[1]), stream = read(args[2])
var walker: [Double] = [], floor: [Double] = [], ratios: [Double] = []
var decoded = 0, floorBytes = 0
for round in 0...rounds {
    var t = cpuNow()
    let report = FirmwareWalker.walk(volume)
    let w = cpuNow() - t
    t = cpuNow()
    floorBytes = liblzma(stream)
    let l = cpuNow() - t
    decoded = report.decompressedBytes
    if round == 0 { continue }    // warm-up
    walker.append(w); floor.append(l); ratios.append(l / w)
}
guard decoded == floorBytes else { fatalError("the walker decoded \(decoded) bytes, liblzma \(floorBytes)") }
print(median(walker), median(floor), median(ratios))
