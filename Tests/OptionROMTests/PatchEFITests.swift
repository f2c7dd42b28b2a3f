import Foundation
import Testing
@testable import OptionROM

/// `--add-efi`, `--replace-efi`, `--compress-efi` and the EFI compressor.
@Suite("Patch: EFI images added")
struct PatchEFITests {
    static func pxe() throws -> [UInt8] { try RealROMTests.load(RealROMTests.ipxe + "/pxe-e1000.rom") }
    static func efiROM() throws -> [UInt8] { try RealROMTests.load(RealROMTests.ipxe + "/efi-e1000.rom") }

    @Test("The compressor round-trips through the Swift decoder and EDK2's C decoder")
    func compressorRoundTrip() throws {
        let driver = try EFIOracle.ipxeDriver()
        var rng = PropertyTests.Rng(state: 7)
        let random = (0..<5000).map { _ in rng.byte() }
        let inputs: [[UInt8]] = [[], [0x41], Array(driver.prefix(100)), driver, [UInt8](repeating: 0, count: 300_000), random,
                                 Array("abcabcabcabcabcabcabcabd".utf8)]
        for input in inputs {
            for format in [EFICompressionFormat.efi11, .tiano] {
                let stream = EFICompressor.compress(input, format: format)
                #expect(try EFIDecompressor.decompress(stream, format: format, limit: 1 << 20).bytes == input, "\(format), \(input.count) bytes")
                // Tiny streams can read the same both ways; a real driver cannot.
                if input == driver {
                    #expect(try EFIDecompressor.decompress(stream, format: nil, limit: 1 << 20).format == format)
                }
            }
            let c = try EFIOracle.run("decompress", "efi", EFICompressor.compress(input, format: .efi11))
            #expect(c == input, "the C decoder reads \(c?.count ?? -1) bytes of \(input.count)")
        }
        // Within 10% of EDK2's own compressor on a real driver.
        let ours = EFICompressor.compress(driver, format: .efi11).count
        let edk2 = try #require(try EFIOracle.run("compress", "efi", driver)).count
        #expect(Double(ours) < Double(edk2) * 1.1, "\(ours) bytes vs EDK2's \(edk2)")
    }

    @Test("iPXE's driver added to pxe-e1000.rom: an EfiRom-style image with the ROM's IDs, the x86 image no longer last")
    func addToLegacyOnly() throws {
        for compress in [false, true] {
            var plan = PatchPlan()
            plan.addEFI = try Self.efiROM()
            plan.compressEFI = compress
            let r = try ROMPatcher.apply(plan, to: try Self.pxe())
            #expect(r.layout.images.count == 2 && r.layout.isClean, "\(r.layout.findings)")
            let x86 = r.layout.images[0], efi = r.layout.images[1]
            #expect(x86.checksumValid == true && !x86.isLast && x86.pcir?.isLast == false)
            #expect(efi.isEFI && efi.isLast && efi.pcir?.revision == 3 && efi.offset % 512 == 0)
            #expect(efi.vendorID == 0x8086 && efi.deviceID == 0x100E && efi.pcir?.classCode == x86.pcir?.classCode)
            #expect(efi.efi?.machineType == 0x8664 && efi.efi?.subsystem == 11 && efi.efi?.compression == (compress ? 1 : 0))
            #expect(efi.efi?.peOffset == 0x38 && efi.npde == nil)
            let opened = r.layout.withEFIDetails(r.bytes)
            #expect(opened.images[1].efiDetails?.driver?.name == "iPXE" && opened.findings.isEmpty)
            #expect(GuestFirmware.ovmf(r.bytes).map(\.loaded) == [true])
            #expect(GuestFirmware.seabios(r.bytes, vendor: 0x8086, device: 0x100E).image == 0)
        }
    }

    @Test("On an NVIDIA chain the image goes before the 0xE0 images, with an NPDE; OVMF loads both GOPs")
    func nvidiaChain() throws {
        let rom = try EFIOracle.sharedROM("nvidia-rtx3070-ga104-raw.rom")
        var plan = PatchPlan()
        plan.addEFI = try Self.efiROM()
        plan.compressEFI = true
        let r = try ROMPatcher.apply(plan, to: rom)
        let types = r.layout.images.map(\.codeType)
        #expect(types == [.x86, .efi, .efi, .nvidiaE0, .nvidiaE0], "\(types)")
        let added = r.layout.images[2]
        #expect(added.npde != nil && added.npde?.isLast == false && added.pcir?.isLast == true && added.efi?.peOffset == 0x50)
        #expect(added.vendorID == 0x10DE && added.deviceID == 0x2484)
        #expect(r.layout.images[1].pcir?.isLast == false, "NVIDIA's own GOP must lead on to the new one")
        // The model; real OVMF judges it on NVIDIA chains in CLITests' OVMFNVIDIAJudgeTests.
        #expect(GuestFirmware.ovmf(r.bytes).filter(\.loaded).count == 2)
        // --replace-efi: NVIDIA's GOP out, iPXE's in, in its place.
        var replace = PatchPlan()
        replace.replaceEFI = try Self.efiROM()
        let s = try ROMPatcher.apply(replace, to: rom)
        #expect(s.layout.images.map(\.codeType) == [.x86, .efi, .nvidiaE0, .nvidiaE0])
        #expect(s.layout.withEFIDetails(s.bytes).images[1].efiDetails?.driver?.name == "iPXE")
    }

    @Test("Refusals name the reason: not an EFI driver, a machine OVMF cannot run, a ROM BAR too small")
    func refusals() throws {
        let efi = try Self.efiROM()
        let image = try #require(ROMParser.parse(efi.withUnsafeBytes { $0 }).efiImages.first)
        let pe = image.offset + Int(image.efi!.peOffset)
        let lfanew = Int(efi[pe + 0x3C]) | Int(efi[pe + 0x3D]) << 8
        let pxe = try Self.pxe()
        /// Refused with `code`; `words` are the data the message must carry (sizes, machines).
        func refused(_ plan: PatchPlan, _ code: PatchError.Code, _ words: [String] = []) {
            do {
                _ = try ROMPatcher.apply(plan, to: pxe)
                Issue.record("accepted; expected a refusal \(code)")
            } catch {
                #expect(error.code == code, "\(error)")
                for w in words { #expect(error.message.contains(w), "\(error.message)") }
            }
        }
        var app = efi
        app[pe + lfanew + 24 + 68] = 10  // subsystem: application
        var plan = PatchPlan()
        plan.addEFI = app
        refused(plan, .driver, ["application"])
        var arm = efi
        arm[pe + lfanew + 4] = 0x64; arm[pe + lfanew + 5] = 0xAA  // machine: AArch64
        plan.addEFI = arm
        refused(plan, .driver, ["AArch64", "X64"])
        plan.force = true
        #expect(throws: Never.self) { _ = try ROMPatcher.apply(plan, to: try Self.pxe()) }
        plan = PatchPlan()
        plan.addEFI = efi
        plan.romBarSize = 128 << 10
        refused(plan, .largerThanBAR)
        do { _ = try ROMPatcher.apply(plan, to: pxe) } catch {
            #expect(error.size == 249856 && error.limit == 131072, "\(error)")
        }
        plan.addEFI = try Self.pxe()
        refused(plan, .driver)
        plan.addEFI = Array("not a driver at all".utf8)
        refused(plan, .driver)
        plan = PatchPlan()
        plan.compressEFI = true
        refused(plan, .conflict)
    }
}
