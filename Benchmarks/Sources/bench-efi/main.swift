// Times the Swift EFI decompressor on one stream, for Tools/bench.sh to set against EDK2's C
// decoder (PyPI uefi-firmware) timed on the same stream.
//   bench-efi decompress STREAM ITERATIONS   -> seconds per decode (best of 5 rounds)
#if canImport(Glibc)
import Glibc
#endif
import OptionROM

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

func read(_ path: String) -> [UInt8] {
    guard let f = fopen(path, "rb") else { fatalError("cannot open \(path)") }
    defer { fclose(f) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&buf, 1, buf.count, f)
        if n <= 0 { break }
        out.append(contentsOf: buf[0..<n])
    }
    return out
}

let args = CommandLine.arguments
guard args.count == 4, let iterations = Int(args[3]) else {
    print("usage: bench-efi decompress|compress FILE ITERATIONS"); exit(2)
}
let input = read(args[2])
var best = Double.infinity
var sink = 0
for _ in 0..<5 {
    let t0 = now()
    for _ in 0..<iterations {
        sink &+= (try! EFIDecompressor.decompress(input, format: .efi11, limit: 64 << 20)).bytes.count
    }
    best = min(best, (now() - t0) / Double(iterations))
}
print(best, sink == 0 ? "" : "")
