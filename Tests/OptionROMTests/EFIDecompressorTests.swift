import Foundation
import Testing
@testable import OptionROM
import TestSupport

/// The real vendor ROMs of ../shared/roms and the C (de)compressor of PyPI's uefi-firmware
/// (Tools/oracles/efi-compress.py) as the oracle.
enum EFIOracle {
    static let script = Paths.repositoryRoot.appendingPathComponent("Tools/oracles/efi-compress.py").path
    static let sharedROMs = Paths.repositoryRoot.appendingPathComponent("../shared/roms").standardizedFileURL

    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs the oracle; nil when the library rejects the input.
    static func run(_ mode: String, _ format: String, _ input: [UInt8]) throws -> [UInt8]? {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("efi-oracle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("in"), dst = dir.appendingPathComponent("out")
        try Data(input).write(to: src)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, mode, format, src.path, dst.path]
        let err = Pipe()
        p.standardError = err
        Ledger.note(p)
        try p.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        switch p.terminationStatus {
        case 0: return [UInt8](try Data(contentsOf: dst))
        case 1: return nil
        default: throw Failed(description: "oracle \(mode) \(format) exited \(p.terminationStatus): \(message)")
        }
    }

    /// NAME.rom files of ../shared/roms; a failure under CI=true and a skip elsewhere when absent.
    static func sharedROMNames(sourceLocation: SourceLocation = #_sourceLocation) throws -> [String] {
        let names = sharedROMsPresent()
        try Prerequisite.require(!names.isEmpty, "the real vendor ROMs in \(sharedROMs.path)", sourceLocation: sourceLocation)
        return names
    }

    /// NAME.rom files of ../shared/roms, none when it is absent (for lists that go on without them).
    static func sharedROMsPresent() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: sharedROMs.path)) ?? []
        return files.filter { $0.hasSuffix(".rom") }.sorted()
    }

    /// The bytes of ../shared/roms/NAME; a failure under CI=true and a skip elsewhere when absent.
    static func sharedROM(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [UInt8] {
        let path = sharedROMs.appendingPathComponent(name)
        try Prerequisite.require(files: [path.path], sourceLocation: sourceLocation)
        return try Paths.bytes(path)
    }

    /// Every EFI image of a ROM's chain whose header says EFI-compressed, as (image offset, stream).
    static func compressedStreams(_ bytes: [UInt8]) -> [(Int, [UInt8])] {
        let layout = ROMParser.parse(bytes)
        return layout.images.compactMap { image in
            guard let efi = image.efi, efi.signature == EFIHeader.expectedSignature, efi.compression == 1 else { return nil }
            let start = image.offset + Int(efi.peOffset)
            let end = min(image.offset + Int(efi.initializationSize) * 512, bytes.count)
            guard start < end else { return nil }
            return (image.offset, Array(bytes[start..<end]))
        }
    }

    /// The iPXE EFI driver (a real PE32+) of Debian's efi-e1000.rom, uncompressed in that file.
    static func ipxeDriver() throws -> [UInt8] {
        let rom = try RealROMTests.load(RealROMTests.ipxe + "/efi-e1000.rom")
        let layout = ROMParser.parse(rom)
        guard let image = layout.efiImages.first, let efi = image.efi else {
            throw Failed(description: "efi-e1000.rom has no EFI image")
        }
        let start = image.offset + Int(efi.peOffset)
        return Array(rom[start..<min(image.offset + Int(efi.initializationSize) * 512, rom.count)])
    }
}

@Suite("EFI decompressor")
struct EFIDecompressorTests {
    static let limit = 16 << 20

    @Test("Every EFI-compressed GOP of the real vendor ROMs decodes as the C decoder does")
    func realGOPs() throws {
        let names = try EFIOracle.sharedROMNames()
        var decoded = 0
        var seen = Set<[UInt8]>()
        for name in names {
            let rom = try Paths.bytes(EFIOracle.sharedROMs.appendingPathComponent(name))
            for (offset, stream) in EFIOracle.compressedStreams(rom) where seen.insert(stream).inserted {
                let ours = try EFIDecompressor.decompress(stream, format: nil, limit: Self.limit)
                #expect(ours.format == .efi11, "\(name) @\(offset)")
                let oracle = try #require(try EFIOracle.run("decompress", "efi", stream), "\(name) @\(offset): the C decoder rejects it")
                #expect(ours.bytes == oracle, "\(name) @\(offset): \(ours.bytes.count) bytes vs the C decoder's \(oracle.count)")
                #expect(ours.bytes.starts(with: Array("MZ".utf8)), "\(name) @\(offset): not a PE image")
                // The format named explicitly gives the same; Tiano reads it wrong.
                #expect(try EFIDecompressor.decompress(stream, format: .efi11, limit: Self.limit).bytes == oracle)
                let asTiano = try? EFIDecompressor.decompress(stream, format: .tiano, limit: Self.limit).bytes
                #expect(asTiano != oracle)
                decoded += 1
            }
        }
        // 4 AMD discrete GOPs and 4 distinct NVIDIA ones (second copies are the same bytes).
        #expect(decoded >= 8, "only \(decoded) compressed GOPs found in \(EFIOracle.sharedROMs.path)")
    }

    @Test("Streams the C compressor writes, EFI 1.1 and Tiano, decode to the original; auto-detection names the format")
    func oracleCompressed() throws {
        let driver = try EFIOracle.ipxeDriver()
        let pieces: [[UInt8]] = [driver, Array(driver.prefix(1)), Array(driver.prefix(3000)), [UInt8](repeating: 0x41, count: 70000)]
        for original in pieces {
            for (name, format) in [("efi", EFICompressionFormat.efi11), ("tiano", .tiano)] {
                let stream = try #require(try EFIOracle.run("compress", name, original))
                #expect(try EFIDecompressor.decompress(stream, format: format, limit: Self.limit).bytes == original,
                        "\(name), \(original.count) bytes")
                let auto = try EFIDecompressor.decompress(stream, format: nil, limit: Self.limit)
                #expect(auto.bytes == original, "\(name), \(original.count) bytes: detected \(auto.format)")
                // A 1-byte stream reads the same in both formats; anything real tells them apart.
                if original.count > 1 { #expect(auto.format == format, "\(name), \(original.count) bytes: detected \(auto.format)") }
            }
        }
    }

    @Test("The header is checked before anything is decoded")
    func headerErrors() throws {
        #expect(throws: EFIDecompressionError.self) { try EFIDecompressor.decompress([1, 2, 3], format: nil, limit: 100) }
        // 16 compressed bytes announced, 4 there.
        let short: [UInt8] = [16, 0, 0, 0, 10, 0, 0, 0, 1, 2, 3, 4]
        do {
            _ = try EFIDecompressor.decompress(short, format: .efi11, limit: 100)
            Issue.record("a truncated stream decoded")
        } catch {
            #expect(error.offset == 0 && error.message.contains("truncated"), "\(error)")
        }
        // An original size over the limit is refused before any allocation.
        let huge: [UInt8] = [0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]
        do {
            _ = try EFIDecompressor.decompress(huge, format: nil, limit: 1 << 20)
            Issue.record("a 4 GiB original was accepted")
        } catch {
            #expect(error.offset == 4 && error.message.contains("limit"), "\(error)")
        }
        // Nothing to decode.
        #expect(try EFIDecompressor.decompress([0, 0, 0, 0, 0, 0, 0, 0], format: .efi11, limit: 0).bytes == [])
    }

    @Test("Damaged streams give an error or bytes, never a trap, and agree with the C decoder when both decode")
    func damaged() throws {
        let driver = try EFIOracle.ipxeDriver()
        let original = Array(driver.prefix(8192))
        let stream = try #require(try EFIOracle.run("compress", "efi", original))
        var rng = PropertyTests.Rng(state: 0x5EED)
        var errors = 0
        var compared = 0, onlyOurs = 0
        for round in 0..<300 {
            var bad = stream
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let at = 8 + Int(rng.next() % UInt64(bad.count - 8))
                bad[at] ^= UInt8(truncatingIfNeeded: 1 << (rng.next() % 8))
            }
            if round % 10 == 0 { bad = Array(bad.prefix(8 + Int(rng.next() % UInt64(bad.count - 8)))) }
            let out: [UInt8]
            do {
                out = try EFIDecompressor.decompress(bad, format: .efi11, limit: 1 << 20).bytes
            } catch {
                #expect(error.offset >= 0 && error.offset <= bad.count && !error.message.isEmpty)
                errors += 1
                continue
            }
            #expect(out.count == original.count)
            // The oracle only on a few: each is a process.
            if compared < 15 {
                if let c = try EFIOracle.run("decompress", "efi", bad) {
                    #expect(out == c, "round \(round): differs from the C decoder")
                    compared += 1
                } else {
                    onlyOurs += 1
                }
            }
        }
        #expect(errors > 0, "no damaged stream was caught")
        // Not vacuous: the C decoder must have judged damaged streams that both decoders accept.
        #expect(compared >= 5, "only \(compared) damaged streams compared with the C decoder (\(onlyOurs) it rejected, \(errors) we rejected)")
    }
}

