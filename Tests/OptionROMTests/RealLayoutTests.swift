import Testing
@testable import OptionROM
import TestSupport

/// What real dumps look like (../shared/roms, the corpus tier): normal layouts get information or a step
/// (`note`), never `fail`; damage still fails. Each case is built from `syntheticImage` so it
/// runs without ../shared/roms; CorpusTests holds the real files to the same rules.
@Suite("Real layouts and verdicts")
struct RealLayoutTests {
    func codes(_ l: ROMLayout) -> [String] { l.findings.map(\.code.rawValue) }

    @Test func everyCodeHasOneSeverityAndTheVerdictFollowsTheWorst() {
        #expect(Finding.Code.checksumMismatch.severity == .error)
        #expect(Finding.Code.prefixHeader.severity == .warning && Finding.Code.secondCopy.severity == .warning)
        #expect(Finding.Code.lengthDisagreement.severity == .info && Finding.Code.unsetIDs.severity == .info)
        #expect(Finding.Verdict(nil) == .ok && Finding.Verdict(.info) == .ok)
        #expect(Finding.Verdict(.warning) == .note && Finding.Verdict(.error) == .fail)
        // A parser finding carries its code's weight.
        #expect(Finding(.truncated, "x").severity == .error)
    }

    @Test func anNVFlashFileWithASecondCopyIsANoteNamingBoth() {
        let chain = NVIDIAChain(padding: 0)
        let rom = chain.rom + [UInt8](repeating: 0x11, count: 0x200) + chain.bare
        let l = ROMParser.parse(rom)
        #expect(l.prefix == .nvflash && l.images.count == 3)
        #expect(codes(l).contains("prefix-header") && codes(l).contains("second-copy"), "\(codes(l))")
        let copy = l.findings(.secondCopy).first
        #expect(copy?.offset == chain.rom.count + 0x200)
        #expect(l.verdict == .note)
    }

    @Test func anotherROMAfterTheChainIsTrailingDataNotASecondCopy() {
        let chain = NVIDIAChain(header: false, padding: 0)
        let other = syntheticImage(blocks: 1, codeType: 0, pcirLast: true, vendor: 0x8086, device: 0x100E)
        let l = ROMParser.parse(chain.bare + other)
        #expect(codes(l) == ["trailing-data"] && l.verdict == .note)
    }

    @Test func anNVFWAreaIsNamed() {
        var prefix = [UInt8](repeating: 0, count: 0x1000)
        prefix.replaceSubrange(0..<4, with: Array("NVFW".utf8))
        let l = ROMParser.parse(prefix + NVIDIAChain(header: false, padding: 0).bare)
        #expect(l.prefix == .nvidiaFirmware && l.prefixLength == 0x1000 && l.verdict == .note)
    }

    @Test func anErasedEFIHeaderAndFFFFPointersAreInformation() {
        let legacy = syntheticImage(blocks: 2, codeType: 0, pcirLast: false, vendor: 0x10DE, device: 0x11FC)
        var spec = syntheticSpec(blocks: 1, codeType: 3, pcirLast: true, vendor: 0x10DE, device: 0x11FC)
        spec.signature = [0x77, 0xBB]
        // The EFI header erased: every byte from the size to the pointer 0xFF.
        spec.pokes.append(.init(ImageHeaderFields.sizeByte.offset,
                                [UInt8](repeating: 0xFF, count: ImageHeaderFields.dataStructurePointer.offset - ImageHeaderFields.sizeByte.offset)))
        // PCIR revision 3, every pointer 0xFFFF: none.
        spec.pcir.revision = 3
        spec.pcir.deviceListPointer = 0xFFFF; spec.pcir.configUtility = 0xFFFF; spec.pcir.dmtfCLP = 0xFFFF
        let hidden = spec.build()
        let l = ROMParser.parse(legacy + hidden)
        #expect(codes(l) == ["erased-efi-header"], "\(l.findings.map(\.message))")
        #expect(l.images[1].pcir?.deviceList == [])
        #expect(l.verdict == .ok)
    }

    @Test func aRealBadEFISignatureStillFails() {
        let legacy = syntheticImage(blocks: 2, codeType: 0, pcirLast: false)
        var spec = syntheticSpec(blocks: 1, codeType: 3, pcirLast: true)
        spec.efi?.signature = 0x1234
        let efi = spec.build()
        #expect(ROMParser.parse(legacy + efi).verdict == .fail)
    }

    @Test func unsetEFIIDsAreNotAnIDMismatch() {
        let legacy = syntheticImage(blocks: 2, codeType: 0, pcirLast: false, vendor: 0x10DE, device: 0x24DC)
        let efi = syntheticImage(blocks: 1, codeType: 3, pcirLast: true, vendor: 0, device: 0)
        let l = ROMParser.parse(legacy + efi)
        #expect(codes(l) == ["unset-ids"] && l.verdict == .ok)
        let other = syntheticImage(blocks: 1, codeType: 3, pcirLast: true, vendor: 0x10DE, device: 0x2484)
        #expect(codes(ROMParser.parse(legacy + other)) == ["id-mismatch"])
    }

    @Test func aCopyCutAtThePCIRLengthIsANoteNotTruncation() {
        // NPDE says 4 blocks and more images follow; PCIR, the size byte and the file say 3.
        var spec = syntheticSpec(blocks: 3, codeType: 0, pcirLast: false, npdeLast: false)
        spec.npde?.imageUnits = 4
        let image = spec.build()
        let l = ROMParser.parse(image)
        #expect(codes(l) == ["no-last-image"], "\(l.findings.map(\.message))")
        #expect(l.images.count == 1 && l.images[0].length == 3 * 512 && l.verdict == .note)
        // A file shorter than both still is truncated.
        #expect(ROMParser.parse(Array(image.prefix(1024))).verdict == .fail)
    }

    @Test func pcirAndNPDELengthsThatDisagreeAreInformation() {
        var spec = syntheticSpec(blocks: 4, codeType: 0, pcirLast: false, npdeLast: true)
        spec.pcir.imageUnits = 6   // PCIR claims more; NPDE (4 blocks, last) rules
        let legacy = spec.build()
        let l = ROMParser.parse(legacy)
        #expect(codes(l).contains("length-disagreement") && l.images[0].length == 4 * 512, "\(l.findings.map(\.message))")
    }

    @Test func aLegacyImageWithoutAnEntryJumpIsInformation() {
        var spec = syntheticSpec(blocks: 2, codeType: 0, pcirLast: true, vendor: 0x1002, device: 0x15BF)
        spec.entry = [0, 0]
        let image = spec.build()
        let l = ROMParser.parse(image)
        #expect(codes(l) == ["no-entry-point"] && l.verdict == .ok)
    }

    @Test func aDeviceListForNewerChipsIsInformation() {
        var spec = syntheticSpec(blocks: 2, codeType: 0, pcirLast: true, vendor: 0x8086, device: 0x22B0)
        spec.pcir.revision = 3
        spec.pcir.deviceListPointer = 0x30          // list at PCIR + 0x30
        spec.pcir.deviceList = [0x22B1]
        let image = spec.build()
        let l = ROMParser.parse(image)
        #expect(l.images[0].pcir?.deviceList == [0x22B1])
        #expect(codes(l) == ["device-list-omits-own-id"] && l.verdict == .ok)
    }

    @Test func vendorSummariesSayWhatAPersonWants() {
        #expect(VendorInfo.intel(IntelInfo(vbtOffset: 0, vbtPlatform: "HASWELL", vbtVersion: 100, vbtSize: nil, bdbOffset: nil, bdbVersion: 177)).summary
                == "Intel VBT HASWELL, VBT version 100, BDB version 177")
        #expect(VendorInfo.amd(AMDInfo(atomHeaderOffset: 0x220, partNumber: "113-D00904RE-103", version: "015.050", buildDate: nil)).summary
                == "AMD 113-D00904RE-103, version 015.050")
        #expect(VendorInfo.amd(AMDInfo(atomHeaderOffset: nil, partNumber: nil, version: nil, buildDate: "1996/09/27 12:06")).summary
                == "ATI BIOS before ATOM (Mach64, Rage, early Radeon), built 1996/09/27 12:06")
        #expect(VendorInfo.nvidia(NVIDIAInfo(bitOffset: 0, bitVersion: 0, entries: [], version: "94.04.3a.40.21")).summary
                == "NVIDIA BIOS 94.04.3a.40.21")
    }
}
