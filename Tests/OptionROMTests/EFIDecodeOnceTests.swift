import Foundation
import Synchronization
import Testing
@testable import OptionROM

/// Each compressed EFI driver of a ROM is decoded once per command and shared by `info`'s EFI
/// details and the OVMF model (issue 25 item 8: each image used to be decoded three times).
@Suite("EFI drivers decoded once")
struct EFIDecodeOnceTests {
    /// Counts each decode, then runs `inner`.
    final class Counter: Sendable {
        let calls = Mutex<[EFICompressionFormat]>([])
        var count: Int { calls.withLock { $0.count } }
        func decoder(_ inner: @escaping EFIDecompressor.Decode) -> EFIDecompressor.Decode {
            { input, format, limit throws(EFIDecompressionError) in
                self.calls.withLock { $0.append(format) }
                return try inner(input, format, limit)
            }
        }
    }

    /// What `info` does with a file (Sources/vbios/Info.swift runOnFile): parse, decode once,
    /// EFI details, then the OVMF verdicts from the same decodes.
    static func infoPath(_ bytes: [UInt8], decode: @escaping EFIDecompressor.Decode)
        -> (layout: ROMLayout, ovmf: [GuestFirmware.OVMFImage])
    {
        let parsed = bytes.withUnsafeBytes { ROMParser.parse($0).withRuntimeEvidence($0) }
        let decodes = EFIDriverDecodes(parsed, bytes: bytes, limit: EFIImagePayload.defaultLimit, decode: decode)
        return (parsed.withEFIDetails(bytes, decodes: decodes), GuestFirmware.ovmf(bytes, decodes: decodes))
    }

    @Test("A ROM of 3 compressed iPXE drivers and 1 plain one: 3 decodes for the EFI details and OVMF together")
    func oncePerImage() throws {
        let bytes = try EFIOracle.ipxeDriver()
        let driver = EFIDriverInput(bytes: bytes, pe: try PEImage.parse(bytes), origin: "iPXE")
        var rom: [UInt8] = []
        for (i, compress) in [true, false, true, true].enumerated() {
            rom += EFIImageBuilder.build(driver, vendor: 0x8086, device: 0x100E, classCode: 0x020000,
                                         compress: compress, nvidia: false, last: i == 3, npdeLast: false)
        }
        let counter = Counter()
        let shared = Self.infoPath(rom, decode: counter.decoder(EFIDecompressor.plainDecode))
        #expect(counter.count == 3, "\(counter.calls.withLock { $0 })")
        let details = shared.layout.efiImages.compactMap(\.efiDetails)
        #expect(details.count == 4 && details.allSatisfy { $0.driver?.name == "iPXE" && $0.problem == nil }, "\(details)")
        #expect(details.filter { $0.compressionFormat == .efi11 }.count == 3)
        #expect(shared.ovmf.count == 4 && shared.ovmf.allSatisfy(\.loaded), "\(shared.ovmf)")
        // The same verdicts as each reader decoding on its own.
        let alone = rom.withUnsafeBytes { ROMParser.parse($0).withRuntimeEvidence($0) }.withEFIDetails(rom)
        #expect(shared.layout.images.map(\.efiDetails) == alone.images.map(\.efiDetails))
        #expect(shared.layout.findings.map(\.message) == alone.findings.map(\.message))
        #expect(shared.ovmf == GuestFirmware.ovmf(rom))
    }

    /// The bomb: 64 images of 512 bytes in 32 KB, each an 8-byte stream (no compressed
    /// bytes) claiming 16 MiB.
    static func bomb() -> [UInt8] {
        var rom = [UInt8](repeating: 0, count: 64 * 512)
        for i in 0..<64 {
            let at = i * 512, pcir = at + EFIHeaderFields.length
            rom.put(ImageHeaderFields.signature, 0xAA55, at: at)
            rom.put(EFIHeaderFields.initializationSize, 1, at: at)
            rom.put(EFIHeaderFields.efiSignature, UInt64(EFIHeader.expectedSignature), at: at)
            rom.put(EFIHeaderFields.subsystem, 11, at: at)
            rom.put(EFIHeaderFields.machineType, 0x8664, at: at)
            rom.put(EFIHeaderFields.compression, 1, at: at)
            rom.put(EFIHeaderFields.peOffset, 0x38, at: at)
            rom.put(ImageHeaderFields.dataStructurePointer, UInt64(EFIHeaderFields.length), at: at)
            rom.put(PCIRFields.signature, bytes: Array("PCIR".utf8), at: pcir)
            rom.put(PCIRFields.vendorID, 0x8086, at: pcir)
            rom.put(PCIRFields.deviceID, 0x100E, at: pcir)
            rom.put(PCIRFields.length, UInt64(PCIRFields.sizeRevision3), at: pcir)
            rom.put(PCIRFields.revision, 3, at: pcir)
            rom.put(PCIRFields.classCode, 0x030000, at: pcir)
            rom.put(PCIRFields.imageLength, 1, at: pcir)
            rom.put(PCIRFields.codeType, 3, at: pcir)
            rom.put(PCIRFields.indicator, i == 63 ? UInt64(PCIRFields.lastImage) : 0, at: pcir)
            // The stream: 0 compressed bytes, 16 MiB original.
            rom.put(ROMField(0x3C, 4), 16 << 20, at: at)
        }
        return rom
    }

    @Test("The 64-image zero-stream bomb: at most 2 decodes per image (EFI 1.1, Tiano), none again for OVMF")
    func bomb64() throws {
        let rom = Self.bomb()
        let counter = Counter()
        // A decoder that refuses at once stands in for the real one: what is counted is how often
        // the path asks, not what one decode costs.
        let result = Self.infoPath(rom, decode: counter.decoder { _, _, _ throws(EFIDecompressionError) in
            throw EFIDecompressionError(offset: 4, message: "refused by the test")
        })
        #expect(result.layout.efiImages.count == 64)
        #expect(counter.count == 2 * 64, "\(counter.count) decodes")
        #expect(result.layout.findings(.badEFIImage).count == 64)
        #expect(result.ovmf.count == 64 && result.ovmf.allSatisfy { !$0.loaded && $0.reason.contains("refused by the test") },
                "\(result.ovmf.prefix(2))")
    }
}
