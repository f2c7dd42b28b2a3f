// Each benchmark comes with the baseline it is judged against, measured in the same run:
// a checksum against a read-only pass over the same bytes, a scan or a verify against reading the same
// files with read(2) as `cat` does. Tools/bench.sh prints the ratios (candidate / baseline
// time; lower is better).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Benchmark
import Synchronization
import BenchFixtures
import Dispatch
import OptionROM
import PCIHost
import SystemIO

/// Bytes for the in-memory benchmarks: filled once, shared read-only.
final class Buffers: @unchecked Sendable {
    static let shared = Buffers()
    let source: UnsafeMutableRawBufferPointer
    let target: UnsafeMutableRawBufferPointer
    let nvidiaROM: [UInt8]

    init() {
        source = .allocate(byteCount: 16 << 20, alignment: 64)
        target = .allocate(byteCount: 16 << 20, alignment: 64)
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        for i in 0..<source.count {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            source[i] = UInt8(truncatingIfNeeded: x)
        }
        for i in 0..<target.count { target[i] = 0 }
        nvidiaROM = BenchFixtures.nvidiaStyleROM()
    }
}

/// The corpus's paths, made once.
final class Corpus: @unchecked Sendable {
    static let shared = Corpus()
    let paths: [String]
    init() { paths = BenchFixtures.makeCorpus() }
}

/// Reads every byte once and writes nothing.
@inline(never)
func readOnlyPass(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    // Vector adds of 64-bit lanes, 64 bytes a step: the fastest way to touch every byte once.
    var lanes = SIMD8<UInt64>(repeating: 0)
    var i = 0
    let base = bytes.baseAddress!
    while i &+ 64 <= bytes.count {
        lanes &+= base.loadUnaligned(fromByteOffset: i, as: SIMD8<UInt64>.self)
        i &+= 64
    }
    var total = lanes.wrappedSum()
    while i < bytes.count { total &+= UInt64(bytes[i]); i &+= 1 }
    return total
}

let benchmarks: @Sendable () -> Void = {
    let small = Benchmark.Configuration(
        metrics: [.wallClock, .throughput], scalingFactor: .kilo,
        maxDuration: .seconds(2), maxIterations: 1_000)
    let large = Benchmark.Configuration(
        metrics: [.wallClock, .throughput], scalingFactor: .one,
        maxDuration: .seconds(3), maxIterations: 200)
    let files = Benchmark.Configuration(
        metrics: [.wallClock, .throughput], warmupIterations: 2, scalingFactor: .one,
        maxDuration: .seconds(10), maxIterations: 30)

    // MARK: Checksum vs memcpy

    for (label, size) in [("64 KiB", 64 << 10), ("16 MiB", 16 << 20)] {
        Benchmark("checksum \(label)", configuration: size < (1 << 20) ? small : large) { benchmark in
            let bytes = UnsafeRawBufferPointer(rebasing: Buffers.shared.source[0..<size])
            for _ in benchmark.scaledIterations {
                blackHole(Checksum.sum(bytes))
            }
        }
        // The floor is a read-only pass over the same bytes (a checksum writes nothing; memcpy
        // also writes, and made the checksum look faster than reading).
        Benchmark("baseline read \(label)", configuration: size < (1 << 20) ? small : large) { benchmark in
            let bytes = UnsafeRawBufferPointer(rebasing: Buffers.shared.source[0..<size])
            for _ in benchmark.scaledIterations {
                blackHole(readOnlyPass(bytes))
            }
        }
    }

    // MARK: Parse of a 1 MiB NVIDIA-style ROM

    Benchmark("parse 1 MiB NVIDIA-style ROM", configuration: small) { benchmark in
        let rom = Buffers.shared.nvidiaROM
        rom.withUnsafeBytes { raw in
            for _ in benchmark.scaledIterations {
                blackHole(ROMParser.parse(raw).images.count)
            }
        }
    }
    Benchmark("baseline memcpy 1 MiB", configuration: small) { benchmark in
        let b = Buffers.shared
        for _ in benchmark.scaledIterations {
            memcpy(b.target.baseAddress!, b.source.baseAddress!, 1 << 20)
            blackHole(b.target[(1 << 20) - 1])
        }
    }

    // MARK: Scan of a 512 MiB blob vs reading it

    Benchmark("scan 512 MiB blob", configuration: large, closure: { benchmark in
        for _ in benchmark.scaledIterations {
            // Read in windows (inputs are never mapped: a truncated mapping raises SIGBUS).
            var roms: [EmbeddedROM] = []
            try! BlobScan.scan(path: BenchFixtures.blobPath) { rom, _ in roms.append(rom) }
            precondition(roms.count == 16, "expected the 16 planted ROMs, found \(roms.count)")
            blackHole(roms)
        }
    }, setup: { BenchFixtures.makeBlob() })
    Benchmark("baseline read 512 MiB blob", configuration: large, closure: { benchmark in
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 128 << 10, alignment: 4096)
        defer { buffer.deallocate() }
        for _ in benchmark.scaledIterations {
            blackHole(BenchFixtures.catFile(BenchFixtures.blobPath, buffer: buffer))
        }
    }, setup: { BenchFixtures.makeBlob() })

    // MARK: Scan of 64 MiB of decoy headers vs 64 MiB without them (issue 15: target <= 2)

    // A decoy every 512 bytes: size byte 0xFF (127.5 KiB to sum), a one-block PCIR image, not
    // last, so each one's chain runs through the next ones. Without the scanner's memo each
    // decoy walked 64 images and summed 8 MiB.
    let noise: [UInt8] = (0..<(64 << 20)).map { i in UInt8(truncatingIfNeeded: (i &* 2_654_435_761) >> 13) | 1 }.map { $0 == 0x55 ? 0x54 : $0 }
    // The baseline has the same 0x55 and `55 AA` density: a pair every 512 bytes whose pointer
    // is 0, refused by the scanner's first rule.
    var plain = noise
    for at in stride(from: 0, to: plain.count, by: 512) {
        plain.put(ImageHeaderFields.signature, bytes: [0x55, 0xAA], at: at)
        plain.put(ImageHeaderFields.dataStructurePointer, 0, at: at)
    }
    let frozenPlain = plain
    var decoys = noise
    // Only these fields are written (through OptionROM's declarations); the rest stays noise.
    for at in stride(from: 0, to: decoys.count, by: 512) {
        let p = at + 0x1C
        decoys.put(ImageHeaderFields.signature, bytes: [0x55, 0xAA], at: at)
        decoys.put(ImageHeaderFields.sizeByte, 0xFF, at: at)
        decoys.put(ImageHeaderFields.dataStructurePointer, 0x1C, at: at)
        decoys.put(PCIRFields.signature, bytes: Array("PCIR".utf8), at: p)
        decoys.put(PCIRFields.length, UInt64(PCIRFields.size), at: p)
        decoys.put(PCIRFields.imageLength, 1, at: p)
        decoys.put(PCIRFields.codeType, 0, at: p); decoys.put(PCIRFields.indicator, 0, at: p)
    }
    let frozenDecoys = decoys
    Benchmark("scan 64 MiB of decoys", configuration: large) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(frozenDecoys.withUnsafeBytes { ROMScanner.scan($0) }) }
    }
    Benchmark("baseline scan 64 MiB plain", configuration: large) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(frozenPlain.withUnsafeBytes { ROMScanner.scan($0) }) }
    }

    // MARK: Verify of 1040 files vs reading them

    Benchmark("verify 1040 files", configuration: files) { benchmark in
        let paths = Corpus.shared.paths
        nonisolated(unsafe) let clean = UnsafeMutableBufferPointer<Bool>.allocate(capacity: paths.count)
        defer { clean.deallocate() }
        benchmark.startMeasurement()
        // What `vbios verify` does: one worker per core, each reading files whole into its own
        // buffer and taking the next file as it frees up.
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) { _ in
            let reader = FileReader()
            while true {
                let n = next.add(1, ordering: .relaxed).oldValue
                guard n < paths.count else { return }
                clean[n] = (try? reader.withContents(of: paths[n], limit: 16 << 20) {
                    ROMParser.parse($0).withRuntimeEvidence($0).isClean
                }) ?? false
            }
        }
        benchmark.stopMeasurement()
        blackHole(clean.filter { $0 }.count)
    }
    // The baseline reads the same files with the same workers (one per core), so the ratio is
    // the parse's cost, not the threads'.
    Benchmark("baseline read 1040 files", configuration: files) { benchmark in
        let paths = Corpus.shared.paths
        nonisolated(unsafe) let sizes = UnsafeMutableBufferPointer<Int>.allocate(capacity: paths.count)
        defer { sizes.deallocate() }
        benchmark.startMeasurement()
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) { _ in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 128 << 10, alignment: 4096)
            defer { buffer.deallocate() }
            while true {
                let n = next.add(1, ordering: .relaxed).oldValue
                guard n < paths.count else { return }
                sizes[n] = BenchFixtures.catFile(paths[n], buffer: buffer)
            }
        }
        benchmark.stopMeasurement()
        blackHole(sizes.reduce(0, +))
    }
}
