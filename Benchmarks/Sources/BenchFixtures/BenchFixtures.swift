#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import OptionROM
import TestSupport

/// Test data for the benchmarks, generated once into a work folder and reused: a 512 MiB blob
/// with real ROMs planted in it, and a corpus of 1000+ ROM files made from the ROMs Debian ships.
public enum BenchFixtures {
    /// Where the data goes: `$VBIOS_BENCH_DIR`, else `$TMPDIR/vbios-bench`, else `/tmp/vbios-bench`.
    public static var directory: String {
        if let d = getenv("VBIOS_BENCH_DIR") { return String(cString: d) }
        let tmp = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        return tmp + "/vbios-bench"
    }

    public static var blobPath: String { directory + "/blob-512m.bin" }
    public static var corpusPath: String { directory + "/corpus" }
    public static let blobSize = 512 << 20
    public static let corpusCount = 1040

    /// The real ROMs the data is made of (Debian's seabios and ipxe-qemu packages).
    public static func realROMs() -> [(name: String, bytes: [UInt8])] {
        var out: [(String, [UInt8])] = []
        for dir in ["/usr/lib/ipxe/qemu", "/usr/share/seabios"] {
            guard let d = opendir(dir) else { continue }
            var names: [String] = []
            while let e = readdir(d) {
                let name = withUnsafePointer(to: e.pointee.d_name) {
                    $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                }
                if name.hasSuffix(".rom") || (name.hasPrefix("vgabios-") && name.hasSuffix(".bin")) { names.append(name) }
            }
            closedir(d)
            for name in names.sorted() {
                if let bytes = readFile(dir + "/" + name) { out.append((name, bytes)) }
            }
        }
        precondition(!out.isEmpty, "no ROMs in /usr/lib/ipxe/qemu or /usr/share/seabios: apt-get install ipxe-qemu seabios")
        return out
    }

    /// A 512 MiB blob like a firmware image or a memory dump: per 32 MiB, 16 MiB of noise (what
    /// compressed volumes look like, and the worst case for a `55` search: one every 256 bytes),
    /// 8 MiB of zeros, 8 MiB of 0xFF, and one real ROM at an odd offset. Returns the offsets.
    @discardableResult
    public static func makeBlob(force: Bool = false) -> [Int] {
        let roms = realROMs()
        let segment = 32 << 20
        let offsets = (0..<(blobSize / segment)).map { $0 * segment + 0x12345 + 2 * $0 }
        if !force, fileSize(blobPath) == blobSize { return offsets }
        makeDirectory(directory)
        let fd = open(blobPath + ".tmp", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(fd >= 0, "cannot create \(blobPath).tmp")
        var chunk = [UInt8](repeating: 0, count: segment)
        var x: UInt64 = 0x2545_F491_4F6C_DD1D
        for (n, offset) in offsets.enumerated() {
            chunk.withUnsafeMutableBytes { raw in
                let words = raw.bindMemory(to: UInt64.self)
                for i in 0..<(16 << 20) / 8 {
                    x ^= x << 13; x ^= x >> 7; x ^= x << 17
                    words[i] = x
                }
            }
            for i in (16 << 20)..<(24 << 20) { chunk[i] = 0 }
            for i in (24 << 20)..<segment { chunk[i] = 0xFF }
            let rom = roms[n % roms.count].bytes
            let at = offset - n * segment
            chunk.replaceSubrange(at..<at + rom.count, with: rom)
            writeAll(fd, chunk)
        }
        close(fd)
        rename(blobPath + ".tmp", blobPath)
        return offsets
    }

    /// 1040 ROM files: the real ROMs, copied and varied (as they are; one byte flipped so the
    /// checksum fails; with a 0x400-byte nvflash-style header; cut in half).
    @discardableResult
    public static func makeCorpus(force: Bool = false) -> [String] {
        let roms = realROMs()
        var paths: [String] = []
        for i in 0..<corpusCount {
            let (name, _) = roms[i % roms.count]
            paths.append(corpusPath + "/" + pad(i) + "-" + name)
        }
        if !force, fileSize(paths.last!) != nil, fileSize(paths.first!) != nil { return paths }
        makeDirectory(directory)
        makeDirectory(corpusPath)
        for (i, path) in paths.enumerated() {
            var bytes = roms[i % roms.count].bytes
            switch (i / roms.count) % 4 {
            case 1: bytes[bytes.count / 2] &+= 1
            case 2: bytes = Array("NVGI".utf8) + [UInt8](repeating: 0, count: 0x3FC) + bytes
            case 3: bytes = Array(bytes.prefix(bytes.count / 2))
            default: break
            }
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            precondition(fd >= 0, "cannot create \(path)")
            writeAll(fd, bytes)
            close(fd)
        }
        return paths
    }

    /// A 1 MiB ROM laid out like an NVIDIA one: a 64 KiB x86 image with PCIR, NPDE and a BIT
    /// table, a 192 KiB EFI image, then 0xE0 images to 1 MiB, the last with a 0x70 one. Built by
    /// the tests' one ROM builder (TestSupport's `ImageSpec`, through OptionROM's Fields.swift).
    public static func nvidiaStyleROM() -> [UInt8] {
        var rom: [UInt8] = []
        let layout: [(units: Int, type: UInt8)] = [(128, 0x00), (384, 0x03), (256, 0xE0), (256, 0xE0), (24, 0x70)]
        for (n, (units, type)) in layout.enumerated() {
            let last = n == layout.count - 1
            // Noise past the headers with no 55 or FF in it (no false image starts, no padding).
            var noise = [UInt8](repeating: 0, count: units * 512)
            var x: UInt64 = 0x1234_5678 &+ UInt64(n)
            for i in 0x100..<noise.count {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17
                noise[i] = UInt8(truncatingIfNeeded: x) | 0x01
                if noise[i] == 0x55 || noise[i] == 0xFF { noise[i] = 0x11 }
            }
            var pcir = ImageSpec.PCIR(vendor: 0x10de, device: 0x1c82, codeType: type)
            pcir.last = last
            var image = ImageSpec(units: units, pcir: pcir)
            image.fill = .bytes(noise)
            image.sizeByte = type == 0 ? UInt8(units) : 0
            image.npde = ImageSpec.NPDE(last: last)
            if type == 0 {
                // BIT table (nouveau bit.c) with an `i` entry holding the version 80.07.53.00.21.
                image.pokes = [
                    // FF B8 'BIT' 00, version 0x0100, header 12, entry 6, 1 entry (byte 11 left as filled);
                    ImageSpec.Poke(0x200, [0xFF, 0xB8, 0x42, 0x49, 0x54, 0x00, 0x00, 0x01, 12, 6, 1]),
                    // entry 'i' version 0, 5 bytes at 0x300.
                    ImageSpec.Poke(0x20C, [0x69, 0, 5, 0, 0x00, 0x03]),
                    ImageSpec.Poke(0x300, [0x00, 0x53, 0x07, 0x80, 0x21]),
                ]
                image.checksum = .last
            }
            rom += image.build()
        }
        return rom
    }

    // MARK: - Helpers

    static func pad(_ i: Int) -> String {
        let s = String(i)
        return String(repeating: "0", count: Swift.max(0, 4 - s.count)) + s
    }

    public static func fileSize(_ path: String) -> Int? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int(st.st_size)
    }

    static func makeDirectory(_ path: String) {
        if mkdir(path, 0o755) != 0 && errno != EEXIST { preconditionFailure("cannot create \(path)") }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = write(fd, raw.baseAddress! + done, raw.count - done)
                precondition(n > 0 || errno == EINTR, "write failed")
                if n > 0 { done += n }
            }
        }
    }

    public static func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 17)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    /// What `cat FILE > /dev/null` costs: read(2) in 128 KiB chunks into one buffer.
    public static func catFile(_ path: String, buffer: UnsafeMutableRawBufferPointer) -> Int {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var total = 0
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n <= 0 { break }
            total += n
        }
        return total
    }
}
