import Compression
import Foundation
import OptionROM
import Testing
import TestSupport
@testable import Firmware
import Core

enum Paths {
    static let root = URL(fileURLWithPath: Repository.root)
    static let firmware = root.appendingPathComponent("Fixtures/firmware")
    static let ovmf = "/usr/share/OVMF/OVMF_CODE_4M.fd"
    static let coreboot = root.appendingPathComponent("../shared/roms/fw-coreboot-thinkpad-t60-2MiB.rom").standardized.path
    static let apple = root.appendingPathComponent("../shared/firmware/fw-apple-mbp31-0070-07b.fd").standardized.path
    static let gk41 = root.appendingPathComponent("../shared/firmware/fw-ovmf-gk41-glk-intelgop-vbt.fd").standardized.path

    static func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }
    static func fixture(_ name: String) throws -> [UInt8] { try bytes(firmware.appendingPathComponent(name).path) }
}

/// What Tools/gen-firmware.py says a fixture holds.
struct Expect: Decodable {
    struct Item: Decodable {
        var kind: String
        var name: String?
        var vendorID: String?
        var deviceID: String?
        var decoded: Bool
        var format: String?
        var machine: Int?
    }
    var items: [Item]
    var findingCodes: [String]

    static func load(_ name: String) throws -> Expect {
        try JSONDecoder().decode(Expect.self, from: Data(contentsOf: Paths.firmware.appendingPathComponent(name + ".expect.json")))
    }
}

/// UEFIExtract (Debian uefitool-cli) dumps every element of an image into a folder tree: the oracle.
enum UEFIExtract {
    static let path = UEFIExtractOracle.path

    /// Every `body.bin` under the dump of `image`, keyed by its folder path.
    static func bodies(of image: [UInt8]) throws -> [(folder: String, body: [UInt8])] {
        try UEFIExtractOracle.bodies(of: image)
    }

    /// Both ways: every PCI option ROM (55 AA with a PCIR) and VBT that starts a UEFIExtract body
    /// is one of `report`'s items byte for byte, and every item is a body (or starts one, for a VBT).
    static func expectAgreement(_ image: [UInt8], _ report: FirmwareReport, _ what: String) throws {
        let bodies = try bodies(of: image)
        func isROM(_ b: [UInt8]) -> Bool {
            guard b.count > 0x1A, b[0] == 0x55, b[1] == 0xAA else { return false }
            let p = Int(b[0x18]) | Int(b[0x19]) << 8
            return p + 4 <= b.count && Array(b[p..<p + 4]) == Array("PCIR".utf8)
        }
        let theirs = bodies.filter { isROM($0.body) || $0.body.starts(with: Array("$VBT".utf8)) }
        #expect(!theirs.isEmpty, "UEFIExtract found no ROM or VBT in \(what)")
        for t in theirs where !report.items.contains(where: { $0.bytes == t.body || (t.body.starts(with: $0.bytes) && $0.kind == .vbt) }) {
            Issue.record("\(what): UEFIExtract's \(t.folder) (\(t.body.count) bytes) is not among vbios's items")
        }
        for item in report.items where item.kind != .gopDriver {
            // A hit inside a body (a ROM compiled into a driver) lies in that body at the offset its
            // last path element gives.
            if let inside = Self.inside(item) {
                #expect(bodies.contains { b in b.body.count >= inside + item.bytes.count && Array(b.body[inside..<inside + item.bytes.count]) == item.bytes },
                        "\(what): no UEFIExtract element holds the \(item.kind) of \(item.path) at +\(inside)")
                continue
            }
            #expect(bodies.contains { $0.body == item.bytes || (item.kind == .vbt && $0.body.starts(with: item.bytes)) },
                    "\(what): UEFIExtract has no element with the bytes of \(item.kind) in \(item.path)")
        }
    }

    /// The offset an item's last path element ("inside the PE32 of X, +0x1c40") gives, if it has one.
    static func inside(_ item: FirmwareItem) -> Int? {
        guard let last = item.path.last, last.hasPrefix("inside "), let plus = last.range(of: ", +0x", options: .backwards) else { return nil }
        return Int(last[plus.upperBound...], radix: 16)
    }
}

@Suite struct FirmwareWalkTests {
    @Test func generatedVolumeHoldsWhatTheGeneratorPutThere() throws {
        let expect = try Expect.load("everything")
        let report = FirmwareWalker.walk(try Paths.fixture("everything.fd"))
        let wanted = expect.items
        #expect(report.items.count == wanted.count, "\(report.items.map { ($0.kind, $0.name) })")
        for (item, want) in zip(report.items, wanted) {
            #expect(item.kind.rawValue == want.kind)
            #expect(item.name == want.name)
            #expect((item.fileOffset == nil) == want.decoded)
            if let v = want.vendorID {
                #expect(item.rom.map { Hex.string($0.vendorID, width: 4) } == v)
                #expect(item.rom.map { Hex.string($0.deviceID, width: 4) } == want.deviceID)
                #expect(item.isVBIOS == (want.vendorID != "10ec"))
            }
            if item.kind == .gopDriver, want.format == "TE" {
                #expect(item.executable?.format == .te && item.executable?.machine == UInt16(want.machine!) && item.executable?.subsystem == 11)
            } else if item.kind == .gopDriver {
                #expect(item.executable?.format == .pe32Plus && item.executable?.machine == 0x8664 && item.executable?.subsystem == 11)
            }
        }
        #expect(report.findings.isEmpty, "\(report.findings)")
        #expect(report.items.contains { $0.name == "TianoGopDxe" && $0.path.contains { $0.hasPrefix("tiano") } })
    }

    /// The bytes we pull out are the bytes UEFIExtract extracts (PE32 sections, RAW sections and files).
    @Test func generatedVolumeAgreesWithUEFIExtract() throws {
        try Prerequisite.require(files: [UEFIExtract.path], "Debian's uefitool-cli")
        let image = try Paths.fixture("everything.fd")
        let bodies = try UEFIExtract.bodies(of: image)
        let report = FirmwareWalker.walk(image)
        for item in report.items {
            // UEFIExtract 0.28 does not know EDK2's Brotli GUID; that stream is checked against libbrotli's own tests.
            if item.path.contains(where: { $0.hasPrefix("brotli") }) { continue }
            let match = bodies.contains { $0.body == item.bytes || ($0.body.count > item.bytes.count && Array($0.body.prefix(item.bytes.count)) == item.bytes && item.kind == .vbt) }
            #expect(match, "UEFIExtract has no element with the bytes of \(item.kind) \(item.name ?? "-") in \(item.path)")
        }
        // And every GOP driver UEFIExtract decodes and that we can decode, we found.
        let names = Set(report.items.filter { $0.kind == .gopDriver }.compactMap(\.name))
        #expect(names == ["LzmaGopDxe", "LzmaX86GopDxe", "BrotliGopDxe", "TianoGopDxe", "EfiGopDxe", "PlainGopDxe", "ArmTeGopDxe"])
    }

    /// Debian's OVMF: an LZMA-compressed DXE volume holding three GOP drivers with UI names.
    @Test func ovmfGOPDrivers() throws {
        try Prerequisite.require(files: [Paths.ovmf], "Debian's ovmf")
        let image = try Paths.bytes(Paths.ovmf)
        let report = FirmwareWalker.walk(image)
        let gop = report.items.filter { $0.kind == .gopDriver }
        #expect(Set(gop.compactMap(\.name)) == ["QemuVideoDxe", "VirtioGpuDxe", "QemuRamfbDxe"])
        for g in gop {
            #expect(g.executable?.machine == 0x8664)
            #expect(g.executable?.format == .pe32Plus)
            #expect(g.fileOffset == nil)
            #expect(g.path.contains { $0.hasPrefix("lzma") })
            #expect(g.fileGUID != nil && g.volumeGUID != nil)
        }
        #expect(report.findings.allSatisfy { $0.finding.severity == .info }, "\(report.findings)")
        try Prerequisite.require(files: [UEFIExtract.path], "Debian's uefitool-cli")
        let bodies = try UEFIExtract.bodies(of: image)
        for g in gop {
            #expect(bodies.contains { $0.folder.contains(g.name!) && $0.folder.hasSuffix("PE32 image section") && $0.body == g.bytes },
                    "UEFIExtract's PE32 section of \(g.name!) differs")
        }
    }

    /// coreboot's CBFS: the ATI VBIOS `pci1002,7145.rom` stored raw at 0x41fac, and an LZMA-compressed VBT.
    @Test func corebootCBFS() throws {
        try Prerequisite.require(files: [Paths.coreboot], "the coreboot image of ../shared/firmware")
        let image = try Paths.bytes(Paths.coreboot)
        let report = FirmwareWalker.walk(image)
        let roms = report.items.filter { $0.kind == .optionROM }
        #expect(roms.count == 1)
        let rom = try #require(roms.first)
        #expect(rom.fileOffset == 0x41fac)
        #expect(rom.name == "pci1002,7145.rom")
        #expect(rom.rom?.vendorID == 0x1002 && rom.rom?.deviceID == 0x7145)
        #expect(rom.isVBIOS)
        #expect(rom.bytes == Array(image[0x41fac..<0x41fac + rom.bytes.count]))
        let vbt = report.items.filter { $0.kind == .vbt }
        #expect(vbt.count == 1)
        #expect(vbt.first.map { Array($0.bytes.prefix(4)) } == Array("$VBT".utf8))
    }

    /// An Intel Mac (MacBookPro3,1): several FFS v1 volumes (the Framework's file system GUID,
    /// revision-1 headers, one with Apple's bytes in the reserved field where revision 2 keeps
    /// ExtHeaderOffset), an NVRAM store, a microcode volume and padding. UEFIExtract is the oracle:
    /// every option ROM and VBT in its dump is one of ours, byte for byte, and ours are all in its dump.
    @Test func appleFFSv1VolumesAgreeWithUEFIExtract() throws {
        guard FileManager.default.fileExists(atPath: Paths.apple) else { Issue.record("\(Paths.apple) missing"); return }
        let image = try Paths.bytes(Paths.apple)
        let report = FirmwareWalker.walk(image)
        let roms = report.items.filter { $0.kind == .optionROM }
        #expect(roms.count == 2)
        for rom in roms {
            #expect(rom.rom?.vendorID == 0x10de && rom.rom?.deviceID == 0x0407 && rom.isVBIOS)
            #expect(rom.volumeGUID?.description == "7A9354D9-0468-444A-81CE-0BF617D890DF" && rom.path.contains { $0.hasPrefix("efi-compressed") })
        }
        // Nothing to say about a sound image: no false extended header, no store called a bad container.
        #expect(report.findings.isEmpty, "\(report.findings)")
        // Apple's NVIDIA GPU Driver has no UI name: its image (GOP, Driver Binding, EDID GUIDs) says GOP.
        // BDS, GraphicsConsole and ConSplitter carry the GOP GUID too, as users of it, and are not taken.
        let gop = report.items.filter { $0.kind == .gopDriver }
        #expect(gop.map { $0.fileGUID?.description } == ["5F8EA3B6-DFB2-443D-BC96-8D0742C0EA8C"])
        guard FileManager.default.isExecutableFile(atPath: UEFIExtract.path) else { Issue.record("UEFIExtract missing: Tools/install-deps.sh installs uefitool-cli"); return }
        try UEFIExtract.expectAgreement(image, report, "MacBookPro3,1")
        let bodies = try UEFIExtract.bodies(of: image)
        #expect(bodies.contains { $0.folder.contains("5F8EA3B6") && $0.folder.hasSuffix("PE32 image section") && $0.body == gop.first?.bytes })
    }

    /// gen-firmware.py's Intel Mac layout (`ffs1`): walked like v2; the revision-1 header's reserved
    /// bytes are not an extended header; the stores are skipped without a word; the unnamed GOP driver
    /// is found by its image, the console is not, CsmVideo and PlatformGOPPolicy are named as what they are.
    @Test func ffs1FixtureHoldsWhatTheGeneratorSays() throws {
        let expect = try Expect.load("ffs1")
        let image = try Paths.fixture("ffs1.fd")
        let report = FirmwareWalker.walk(image)
        #expect(report.items.map(\.kind.rawValue) == expect.items.map(\.kind))
        #expect(report.items.map(\.name) == expect.items.map(\.name))
        #expect(report.items.map { $0.fileOffset == nil } == expect.items.map(\.decoded))
        #expect(report.findings.map(\.finding.code.rawValue) == expect.findingCodes, "\(report.findings)")
        #expect(report.findings.allSatisfy { $0.finding.severity == .info })
        guard FileManager.default.isExecutableFile(atPath: UEFIExtract.path) else { Issue.record("UEFIExtract missing: Tools/install-deps.sh installs uefitool-cli"); return }
        try UEFIExtract.expectAgreement(image, report, "ffs1.fd")
        let bodies = try UEFIExtract.bodies(of: image)
        let gop = try #require(report.items.first { $0.kind == .gopDriver })
        #expect(bodies.contains { $0.folder.hasSuffix("PE32 image section") && $0.body == gop.bytes })
    }

    /// A wrong volume header checksum: an FFS volume is walked anyway, with a warning at the checksum
    /// (UEFITool does the same); a header of an unknown file system with a wrong checksum is no volume.
    @Test func wrongHeaderChecksum() throws {
        var image = try Paths.fixture("ffs1.fd")
        image[0x32] &+= 1
        let report = FirmwareWalker.walk(image)
        #expect(report.items.count == 2)
        #expect(report.findings.contains { $0.finding.code == .badContainer && $0.finding.offset == 0x32 && $0.finding.severity == .warning })
        var unknown = image
        unknown[0x10] ^= 0xFF   // the file system GUID no longer FFS v1's
        let none = FirmwareWalker.walk(unknown)
        #expect(none.items.isEmpty && none.containers == 2, "only the two stores: \(none.items.map(\.path))")
    }

    /// A community OVMF with Intel's GOP and VBT compiled in (Gemini Lake): the VBT and every GOP driver
    /// as UEFIExtract extracts them; PlatformGOPPolicy (its image carries the policy GUID, not GOP's)
    /// named as what it is instead of a GOP driver.
    @Test func ovmfWithIntelGOPAndVBT() throws {
        guard FileManager.default.fileExists(atPath: Paths.gk41) else { Issue.record("\(Paths.gk41) missing"); return }
        let image = try Paths.bytes(Paths.gk41)
        let report = FirmwareWalker.walk(image)
        let gop = report.items.filter { $0.kind == .gopDriver }
        #expect(Set(gop.compactMap(\.name)) == ["GvtGopDxe", "IntelGopDriver", "QemuVideoDxe", "QemuRamfbDxe", "VirtioGpuDxe"])
        #expect(report.items.filter { $0.kind == .vbt }.count == 1)
        let notGOP = report.findings.filter { $0.finding.code == .notGOPDriver }
        #expect(notGOP.count == 1 && notGOP.first?.finding.message.contains("\"PlatformGOPPolicy\" is a platform GOP policy driver") == true, "\(report.findings)")
        #expect(report.findings.allSatisfy { $0.finding.severity == .info }, "\(report.findings)")
        guard FileManager.default.isExecutableFile(atPath: UEFIExtract.path) else { Issue.record("UEFIExtract missing: Tools/install-deps.sh installs uefitool-cli"); return }
        try UEFIExtract.expectAgreement(image, report, "gk41 OVMF")
        let bodies = try UEFIExtract.bodies(of: image)
        for g in gop {
            #expect(bodies.contains { $0.folder.contains(g.name!) && $0.folder.hasSuffix("PE32 image section") && $0.body == g.bytes },
                    "UEFIExtract's PE32 section of \(g.name!) differs")
        }
    }

    /// The rules on images no test file holds: a CSM video driver, a policy driver, a console.
    @Test func gopRecognitionByImage() {
        func image(_ guids: [GUID]) -> ArraySlice<UInt8> { ([UInt8](repeating: 0xCC, count: 64) + guids.flatMap(\.bytes) + [0, 0, 0])[...] }
        typealias R = GOPRecognition
        #expect(R.role(image([R.gop, R.legacyBios, R.driverBinding]), name: nil, fileGUID: nil, identity: { nil }) == .csmVideo)
        #expect(R.role(image([R.gop]), name: "CsmVideo", fileGUID: nil, identity: { nil }) == .csmVideo)
        #expect(R.role(image([R.platformGOPPolicy]), name: nil, fileGUID: nil, identity: { nil }) == .gopPolicy)
        #expect(R.role(image([R.platformGOPPolicy]), name: "PlatformGOPPolicy", fileGUID: nil, identity: { nil }) == .gopPolicy)
        #expect(R.role(image([R.gop, R.driverBinding, R.simpleTextOut, R.legacyBios]), name: nil, fileGUID: nil, identity: { nil }) == nil)
        #expect(R.role(image([R.gop, R.driverBinding, R.simpleTextOut]), name: "GraphicsConsoleDxe", fileGUID: nil, identity: { nil }) == nil)
        #expect(R.role(image([R.gop]), name: "PlatformDxe", fileGUID: nil, identity: { nil }) == nil)
        #expect(R.role(image([R.gop, R.driverBinding, R.platformGOPPolicy]), name: nil, fileGUID: nil, identity: { nil }) == .gop)
        #expect(R.role(image([R.gop, R.edidActive]), name: nil, fileGUID: nil, identity: { nil }) == .gop)
        // A GUID cut by the end of the image is not there.
        let cut = image([R.gop, R.driverBinding]).dropLast(4)
        #expect(R.role(cut, name: nil, fileGUID: nil, identity: { nil }) == nil)
    }

    @Test func plainROMIsNotAContainer() throws {
        let rom = try Paths.bytes(Paths.root.appendingPathComponent("Fixtures/roms/amd.rom").path)
        #expect(rom.withUnsafeBytes { FirmwareWalker.mayHoldContainers($0) } == false)
        #expect(FirmwareWalker.walk(rom).containers == 0)
    }
}

@Suite struct FirmwareBoundsTests {
    @Test func nestingPastTheDepthBoundIsAFinding() throws {
        let report = FirmwareWalker.walk(try Paths.fixture("deep.fd"))
        let limit = report.findings.filter { $0.finding.code == .limitReached }
        #expect(!limit.isEmpty)
        #expect(limit.allSatisfy { $0.path.count > FirmwareLimits().maxDepth / 2 })
        // The innermost ROM lies uncompressed in the file: the plain scan beside the walk still finds it.
        #expect(report.items.map(\.path) == [["outside containers"]])
    }

    @Test func decompressionBombStopsAtTheLimit() throws {
        var limits = FirmwareLimits()
        limits.maxDecompressed = 4 << 20
        let report = FirmwareWalker.walk(try Paths.fixture("bomb.fd"), limits: limits)
        #expect(report.findings.contains { $0.finding.code == .limitReached && $0.path.last?.hasPrefix("lzma") == true })
        #expect(report.decompressedBytes <= 4 << 20)
    }

    /// The total bound holds across many sections.
    @Test func totalDecompressedBound() throws {
        var limits = FirmwareLimits()
        limits.maxDecompressedTotal = 2048
        let report = FirmwareWalker.walk(try Paths.fixture("everything.fd"), limits: limits)
        #expect(report.decompressedBytes <= 2048)
        #expect(report.findings.contains { $0.finding.code == .limitReached })
    }

    /// Cut anywhere: no trap, every item lies inside what is left, truncation reported.
    @Test func truncatedEverywhere() throws {
        let image = try Paths.fixture("everything.fd")
        for cut in stride(from: 0, to: image.count, by: 997) {
            let part = Array(image.prefix(cut))
            let report = FirmwareWalker.walk(part)
            for item in report.items { if let at = item.fileOffset { #expect(at + item.bytes.count <= cut) } }
        }
        let half = FirmwareWalker.walk(Array(image.prefix(image.count / 2)))
        #expect(half.findings.contains { $0.finding.code == .truncatedVolume && $0.finding.offset == 0 })
    }

    /// Lengths that lie: a file claiming more than its volume, a section claiming more than its file.
    @Test func lyingLengths() throws {
        var image = try Paths.fixture("everything.fd")
        // The first file (the RAW one with the Intel ROM) is at 0x60: its 24-bit size at +0x14.
        image[0x60 + 0x14] = 0xFF; image[0x60 + 0x15] = 0xFF; image[0x60 + 0x16] = 0x7F
        let report = FirmwareWalker.walk(image)
        let bad = try #require(report.findings.first { $0.finding.code == .badContainer })
        #expect(bad.finding.offset == 0x60)
        #expect(bad.path.first?.hasPrefix("volume") == true)
    }

    /// Random corruption: never a trap, always bounded.
    @Test func randomCorruption() throws {
        let image = try Paths.fixture("everything.fd")
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var b = image
            for _ in 0..<8 { b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            let report = FirmwareWalker.walk(b)
            #expect(report.decompressedBytes <= FirmwareLimits().maxDecompressedTotal)
        }
    }
}

@Suite struct DecompressionTests {
    @Test func brotliAndLZMAStreams() throws {
        let zeros = [UInt8](repeating: 0, count: 8 << 20)
        #expect(try Decompress.brotli(try Paths.fixture("zeros-8m.br")) == zeros)
        #expect(try Decompress.lzma(try Paths.fixture("zeros-8m.lzma")) == zeros)
        #expect(try Decompress.lzma(try Paths.fixture("zeros-8m-x86.lzma"), x86: true) == zeros)
    }

    @Test func limitsAreTypedErrors() throws {
        for (name, format) in [("zeros-8m.br", CompressionFormat.brotli), ("zeros-8m.lzma", .lzma), ("zeros-8m-x86.lzma", .lzmaX86)] {
            let input = try Paths.fixture(name)
            #expect(throws: DecompressionError(format, .outputLimit(1 << 20))) { try Decompress.decode(format, input, limit: 1 << 20) }
        }
    }

    @Test func truncatedAndGarbageStreams() throws {
        let lz = try Paths.fixture("zeros-8m.lzma")
        #expect(throws: DecompressionError.self) { try Decompress.lzma(Array(lz.prefix(40))) }
        #expect(throws: DecompressionError(.lzma, .truncated)) { try Decompress.lzma(Array(lz.prefix(5))) }
        let br = try Paths.fixture("zeros-8m.br")
        #expect(throws: DecompressionError.self) { try Decompress.brotli(Array(br.prefix(br.count - 3))) }
        #expect(throws: DecompressionError.self) { try Decompress.brotli([0xFF, 0xFF, 0xFF, 0xFF]) }
        #expect(throws: DecompressionError.self) { try Decompress.zlib(Array("not zlib at all".utf8)) }
        #expect(throws: DecompressionError.self) { try Decompress.lzma([0xFF] + [UInt8](repeating: 0, count: 40)) }
    }

    /// A stream read in place from a slice of a larger buffer (a section inside a decoded volume)
    /// decodes to what the whole array does; with the size stated in its header (the one-buffer
    /// path, as EDK2 writes it) and without (the growing path). Judged by the file xz compressed.
    @Test func slicesDecodeInPlace() throws {
        let unknown = try Self.xzLZMAAlone("/etc/services")
        let original = try Paths.bytes("/etc/services")
        // The same stream with its size stated (liblzma still accepts the end marker after it).
        var known = unknown
        for i in 0..<8 { known[5 + i] = UInt8(truncatingIfNeeded: original.count >> (8 * i)) }
        for stream in [unknown, known] {
            let buffer = [UInt8](repeating: 0xA5, count: 13) + stream + [UInt8](repeating: 0x5A, count: 7)
            #expect(try Decompress.lzma(buffer[13..<(13 + stream.count)]) == original)
        }
        // Cut short, in place: a typed error that counts what was produced.
        let cut = ([UInt8](repeating: 0, count: 3) + known)[3..<(3 + known.count / 2)]
        #expect(throws: DecompressionError.self) { try Decompress.lzma(cut) }
        let br = try Paths.fixture("zeros-8m.br")
        let padded = [0xEE] + br + [0xEE]
        #expect(try Decompress.brotli(padded[1..<(1 + br.count)]) == [UInt8](repeating: 0, count: 8 << 20))
    }

    /// A Brotli section's stated size only sizes the first buffer: short, exact, long or absurd,
    /// the output is the stream's, and the limit still holds.
    @Test func brotliSizeHintIsOnlyAHint() throws {
        let data = try Paths.bytes("/etc/services")
        let br = try Paths.fixture("zeros-8m.br")
        let zeros = [UInt8](repeating: 0, count: 8 << 20)
        for hint in [0, 1, 4096, (8 << 20) - 1, 8 << 20, (8 << 20) + 1, 64 << 20, Int.max] {
            #expect(try Decompress.brotli(br[...], sizeHint: hint) == zeros, "hint \(hint)")
        }
        let stored = FirmwareBuilder.brotliStored(data)
        for hint in [0, 100, data.count - 1, data.count, data.count + 1, data.count * 3] {
            #expect(try Decompress.brotli(stored[...], sizeHint: hint) == data, "hint \(hint)")
        }
        #expect(throws: DecompressionError(.brotli, .outputLimit(1 << 20))) { try Decompress.brotli(br[...], limit: 1 << 20, sizeHint: 8 << 20) }
    }

    /// What `xz --format=lzma` writes (size unknown, end marker) decodes as liblzma's own xz does.
    @Test func xzLZMAAloneStream() throws {
        let data = try Self.xzLZMAAlone("/etc/services")
        #expect(try Decompress.lzma(data) == Paths.bytes("/etc/services"))
    }

    /// What Debian's `xz --format=lzma` writes for `file`: an LZMA-alone stream, size unknown,
    /// with an end marker (the judge of the LZMA tests).
    static func xzLZMAAlone(_ file: String) throws -> [UInt8] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/xz")
        p.arguments = ["--format=lzma", "-c", file]
        let out = Pipe()
        p.standardOutput = out
        Ledger.note(p)
        try p.run()
        let data = [UInt8](out.fileHandleForReading.readDataToEndOfFile())
        p.waitUntilExit()
        return data
    }
}

@Suite struct ROMSelectionTests {
    @Test func choosesByIDs() throws {
        let report = FirmwareWalker.walk(try Paths.fixture("everything.fd"))
        // amd.rom sits twice (a CRC32 section, a nested volume): the same bytes count once.
        let amd = try FirmwareROMSelection.choose(report, vendorID: 0x1002, deviceID: 0x1636)
        #expect(amd.exact && amd.item.rom?.deviceID == 0x1636)
        #expect(try FirmwareROMSelection.choose(report, vendorID: 0x8086, deviceID: 0x1912).item.fileOffset == 0x78)
        #expect(throws: FirmwareROMSelection.Failure.self) { try FirmwareROMSelection.choose(report, vendorID: 0x1002, deviceID: 0x6819) }
    }

    /// Two different ROMs with the card's IDs and nothing else to tell them apart: the first is
    /// taken and the other named; a number picks either; a number past them is refused with the list.
    @Test func takesTheFirstOfEqualCandidatesAndNamesTheOther() throws {
        var report = FirmwareWalker.walk(try Paths.fixture("everything.fd"))
        var other = try #require(report.items.first { $0.rom?.vendorID == 0x1002 })
        other.bytes[100] ^= 0xFF
        report.items.append(other)
        let card = FirmwareROMSelection.Card(vendorID: 0x1002, deviceID: 0x1636)
        let first = try FirmwareROMSelection.choose(report, for: card)
        #expect(first.decidedBy == .first && first.number == 1 && first.others.map(\.number) == [2])
        #expect(first.others.first?.item.bytes == other.bytes)
        let second = try FirmwareROMSelection.choose(report, for: card, choice: 2)
        #expect(second.item.bytes == other.bytes && second.decidedBy == .choice && second.others.map(\.number) == [1])
        do {
            _ = try FirmwareROMSelection.choose(report, for: card, choice: 3)
            Issue.record("a number past the candidates was taken")
        } catch {
            guard case .noSuchChoice(3, let candidates) = error else { Issue.record("\(error)"); return }
            #expect(candidates.count == 2)
            #expect(error.next.map(\.action) == [.firmwareROMChoice])
            #expect(!error.description.contains("--"), "\(error)")
        }
    }

    /// Different ROMs with the card's IDs told apart by what the card reports: the subsystem IDs
    /// an ATOM BIOS states (the real Dell RX 580's, 1028:1701, read at ATOM_ROM_HEADER +0x18 by
    /// Python here, not by vbios), and the class code.
    @Test func subsystemAndClassTellEqualIDsApart() throws {
        let file = Repository.root + "/../shared/roms/amd-rx580-dell-oem-polaris.rom"
        try Prerequisite.require(files: [file], "../shared/roms")
        let dell = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        let judged = try Python.run("-c", ["import struct,sys; b=open(sys.argv[1],'rb').read(); p=struct.unpack_from('<H',b,0x48)[0]; print('%04x:%04x' % struct.unpack_from('<HH',b,p+0x18))", file])
        #expect(judged.out.trimmingCharacters(in: .whitespacesAndNewlines) == "1028:1701")
        let atom = Int(dell[0x48]) | Int(dell[0x49]) << 8
        var msi = dell
        msi[atom + 0x18] = 0x62; msi[atom + 0x19] = 0x14   // 1462: MSI
        func item(_ bytes: [UInt8], path: String, cls: UInt32) throws -> FirmwareItem {
            let rom = try #require(bytes.withUnsafeBytes { ROMScanner.scan($0) }.first)
            return FirmwareItem(kind: .optionROM, path: [path], name: nil, offset: 0, fileOffset: 0, bytes: bytes,
                                volumeGUID: nil, fileGUID: nil, rom: rom, classCode: cls)
        }
        var report = FirmwareReport()
        report.items = [try item(msi, path: "a", cls: 0x030000), try item(dell, path: "b", cls: 0x030000)]
        let bySubsystem = try FirmwareROMSelection.choose(report, for: .init(vendorID: 0x1002, deviceID: 0x67DF, subsystem: PCIIDs(vendor: 0x1028, device: 0x1701)))
        #expect(bySubsystem.item.bytes == dell && bySubsystem.decidedBy == .subsystem)
        report.items[1].classCode = 0x038000
        let byClass = try FirmwareROMSelection.choose(report, for: .init(vendorID: 0x1002, deviceID: 0x67DF, classCode: 0x038000))
        #expect(byClass.item.bytes == dell && byClass.decidedBy == .classCode)
    }
}

@Suite struct OutsideContainersTests {
    /// A memory dump holding a volume and, elsewhere, a ROM: both are reported, the ROM once.
    @Test func romBesideAVolume() throws {
        let volume = try Paths.fixture("everything.fd")
        let rom = try Paths.bytes(Paths.root.appendingPathComponent("Fixtures/roms/amd.rom").path)
        let image = volume + [UInt8](repeating: 0, count: 4096) + rom
        let report = FirmwareWalker.walk(image)
        let outside = report.items.filter { $0.path == ["outside containers"] }
        #expect(outside.count == 1)
        #expect(outside.first?.fileOffset == volume.count + 4096)
        #expect(outside.first?.isVBIOS == true)
        // The RAW file's Intel ROM (uncompressed, at 0x78) is not reported twice.
        #expect(report.items.filter { $0.fileOffset == 0x78 }.count == 1)
    }
}

@Suite struct WrapperTests {
    static func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }

    /// EFI and FMP capsule headers (GUID, header size, flags, image size) and AMI Aptio's
    /// (RomImageOffset at 0x1C) around the generated volume: the same items, under a capsule.
    @Test(arguments: [("3B6686BD-0D76-4030-B70E-B5519E2FC5A0", false), ("6DCBD5ED-E82D-4C44-BDA1-7194199AD92A", false),
                      ("4A3CA68B-7723-48FB-803D-578CC1FEC44D", true)])
    func capsules(guid: String, aptio: Bool) throws {
        let volume = try Paths.fixture("everything.fd")
        let plain = FirmwareWalker.walk(volume)
        let headerSize = aptio ? 0x800 : 0x50
        var header = GUID(parsing: guid)!.bytes + Self.le32(aptio ? 0x1C : headerSize) + Self.le32(0x10000) + Self.le32(headerSize + volume.count)
        if aptio { header += [UInt8(headerSize & 0xFF), UInt8(headerSize >> 8)] }
        header += [UInt8](repeating: 0, count: headerSize - header.count)
        let report = FirmwareWalker.walk(header + volume)
        #expect(report.items.count == plain.items.count)
        #expect(report.items.allSatisfy { $0.path.first?.hasPrefix("capsule") == true })
        #expect(report.items.first?.fileOffset == plain.items.first!.fileOffset! + headerSize)
    }

    /// An Intel flash descriptor (signature at 0x10, FLMAP0's FRBA, FLREG1) whose BIOS region holds the volume.
    @Test func flashDescriptorBIOSRegion() throws {
        let volume = try Paths.fixture("everything.fd")
        let regionBase = 0x1000
        let regionLimit = regionBase + ((volume.count + 0xFFF) & ~0xFFF) - 1
        var image = [UInt8](repeating: 0xFF, count: regionLimit + 1)
        image[0x10..<0x14] = [0x5A, 0xA5, 0xF0, 0x0F]
        image[0x14..<0x18] = Self.le32(0x04 << 16)[...]                 // FRBA = 0x40
        image[0x44..<0x48] = Self.le32((regionLimit >> 12) << 16 | (regionBase >> 12))[...] // FLREG1
        image[regionBase..<regionBase + volume.count] = volume[...]
        let report = FirmwareWalker.walk(image)
        #expect(report.items.count == FirmwareWalker.walk(volume).items.count)
        #expect(report.items.allSatisfy { $0.path.first == "BIOS region 0x1000-0x\(String(regionLimit, radix: 16))" })
    }
}

@Suite struct CBFSTests {
    /// A CBFS file (big-endian header, name, data) holding a UEFI volume: its items once, under the CBFS file.
    @Test func volumeInsideACBFSFileIsWalkedOnce() throws {
        let volume = try Paths.fixture("everything.fd")
        func be32(_ v: Int) -> [UInt8] { (0..<4).reversed().map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        let name = Array("fallback/payload.fv".utf8) + [0]
        let dataOffset = 24 + name.count + (-(24 + name.count) & 63)
        var file = Array("LARCHIVE".utf8) + be32(volume.count) + be32(0x50) + be32(0) + be32(dataOffset) + name
        file += [UInt8](repeating: 0, count: dataOffset - file.count) + volume
        let image = [UInt8](repeating: 0xFF, count: 0x200) + file
        let report = FirmwareWalker.walk(image)
        let plain = FirmwareWalker.walk(volume)
        #expect(report.items.count == plain.items.count)
        #expect(report.items.allSatisfy { $0.path.first?.hasPrefix("cbfs fallback/payload.fv") == true })
    }
}

/// `LARCHIVE` is looked for only up to the next volume (each byte searched once per signature):
/// CBFS files before, between and after volumes are still each walked, once, in order.
@Suite struct SignatureOrderTests {
    static func cbfs(_ name: String, _ data: [UInt8]) -> [UInt8] {
        func be32(_ v: Int) -> [UInt8] { (0..<4).reversed().map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        let name = Array(name.utf8) + [0]
        let dataOffset = 24 + name.count + (-(24 + name.count) & 63)
        var file = Array("LARCHIVE".utf8) + be32(data.count) + be32(0x50) + be32(0) + be32(dataOffset) + name
        file += [UInt8](repeating: 0, count: dataOffset - file.count) + data
        return file + [UInt8](repeating: 0xFF, count: -file.count & 63)
    }

    @Test func cbfsAroundVolumes() throws {
        let volume = try Paths.fixture("everything.fd")
        let plain = FirmwareWalker.walk(volume).items.count
        #expect(plain > 0)
        let image = Self.cbfs("before", volume) + volume + Self.cbfs("between", volume) + volume + Self.cbfs("after", volume)
        let items = FirmwareWalker.walk(image).items
        let firsts = items.map { $0.path.first ?? "" }
        #expect(items.count == 5 * plain)
        for name in ["before", "between", "after"] {
            #expect(firsts.filter { $0.hasPrefix("cbfs \(name) ") }.count == plain)
        }
        #expect(firsts.filter { $0.hasPrefix("volume ") }.count == 2 * plain)
        // In the order the containers start.
        let order = firsts.map { $0.hasPrefix("cbfs") ? String($0.split(separator: " ")[1]) : "volume" }
        var runs: [String] = []
        for o in order where runs.last != o { runs.append(o) }
        #expect(runs == ["before", "volume", "between", "volume", "after"])
    }

    @Test func findStopsBeforeTheBound() {
        let b = [UInt8](repeating: 0x4C, count: 10)[...] + Array("LARCHIVE".utf8) + [0x4C, 0x41]
        #expect(b.find("LARCHIVE", from: 0) == 10)
        #expect(b.find("LARCHIVE", from: 0, before: 10) == nil)
        #expect(b.find("LARCHIVE", from: 0, before: 11) == 10)
        #expect(b.find("LARCHIVE", from: 11) == nil)
        #expect(b.find("LA", from: 11) == 18)
        #expect(b.find("LA", from: 0, before: 100) == 10)
    }
}

/// The streamed firmware check says what `mayHoldContainers` says of the whole file, however
/// the file is cut into pieces: signatures across a cut, a flash descriptor split over pieces.
@Suite struct ContainerSnifferTests {
    static func sniff(_ bytes: [UInt8], cuts: [Int]) -> Bool {
        var s = ContainerSniffer()
        var at = 0
        for end in cuts.filter({ $0 > 0 && $0 < bytes.count }).sorted() + [bytes.count] where end > at {
            bytes[at..<end].withUnsafeBytes { _ = s.feed($0) }
            at = end
        }
        return s.found
    }

    @Test func piecesAgreeWithTheWholeFile() {
        var rng = SystemRandomNumberGenerator()
        var noise = (0..<20_000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        noise = noise.map { $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "L") ? 0 : $0 }
        var descriptor = noise
        descriptor.replaceSubrange(0x10..<0x14, with: [0x5A, 0xA5, 0xF0, 0x0F])
        var cases: [[UInt8]] = [noise, descriptor]
        for (signature, at) in [("_FVH", 9_998), ("LARCHIVE", 12_000 - 3), ("_FVH", 19_996)] {
            var b = noise
            b.replaceSubrange(at..<at + signature.utf8.count, with: Array(signature.utf8))
            cases.append(b)
        }
        for bytes in cases {
            let whole = bytes.withUnsafeBytes { FirmwareWalker.mayHoldContainers($0) }
            for cuts in [[], [1], [5, 17], [10_000, 12_000, 12_001], Array(stride(from: 3, to: 20_000, by: 7))] {
                #expect(Self.sniff(bytes, cuts: cuts) == whole, "cuts \(cuts.prefix(4))")
            }
        }
        #expect(!(noise.withUnsafeBytes { FirmwareWalker.mayHoldContainers($0) }))
        #expect(cases.dropFirst().allSatisfy { b in b.withUnsafeBytes { FirmwareWalker.mayHoldContainers($0) } })
    }
}

/// Issue 22 item 2: what sits inside a decoded body (a driver's image, a raw or freeform section, a
/// raw or pad file, a CBFS file) is found and its path says where.
@Suite struct EmbeddedTests {
    typealias B = FirmwareBuilder
    static let amd = Paths.root.appendingPathComponent("Fixtures/roms/amd.rom").path
    static let intel = Paths.root.appendingPathComponent("Fixtures/roms/intel.rom").path

    /// The VBT the Intel fixture ROM carries at 0x400 (built with its BDB, as i915 checks it).
    static func fixtureVBT() throws -> [UInt8] {
        let rom = try Paths.bytes(intel)
        let size = Int(rom[0x418]) | Int(rom[0x419]) << 8
        return Array(rom[0x400..<0x400 + size])
    }

    /// A PE32 image (MZ, a PE header) with `parts` at their offsets, 0xCC elsewhere.
    static func image(_ parts: [(Int, [UInt8])], size: Int) -> [UInt8] {
        var pe = [UInt8](repeating: 0xCC, count: size)
        pe.replaceSubrange(0..<2, with: Array("MZ".utf8))
        pe.replaceSubrange(0x3C..<0x40, with: B.le32(0x40))
        pe.replaceSubrange(0x40..<0x44, with: Array("PE\0\0".utf8))
        for (at, bytes) in parts { pe.replaceSubrange(at..<at + bytes.count, with: bytes) }
        return pe
    }

    @Test func romAndVBTCompiledIntoADriver() throws {
        let rom = try Paths.bytes(Self.amd), vbt = try Self.fixtureVBT()
        var vbts = [vbt]
        if FileManager.default.fileExists(atPath: Paths.gk41) {
            // The real VBT of the gk41 OVMF, as the walk finds it in its raw file.
            let real = FirmwareWalker.walk(try Paths.bytes(Paths.gk41)).items.first { $0.kind == .vbt }
            vbts.append(try #require(real).bytes)
        } else {
            Issue.record("\(Paths.gk41) missing")
        }
        for v in vbts {
            let vbtAt = 0x1C40 + rom.count + 0x100
            let pe = Self.image([(0x1C40, rom), (vbtAt, v)], size: vbtAt + v.count + 0x40)
            let file = B.file(type: 0x07, B.section(type: 0x10, pe) + B.ui("AcpiPlatformDxe"), guid: 5)
            let volume = B.volume([file])
            let report = FirmwareWalker.walk(volume)
            #expect(report.items.count == 2, "\(report.items.map(\.path))")
            let found = try #require(report.items.first { $0.kind == .optionROM })
            #expect(found.bytes == rom && found.name == "AcpiPlatformDxe")
            #expect(found.path.last == "inside the PE32 of AcpiPlatformDxe, +0x1c40", "\(found.path)")
            // The file offset is where the ROM lies in the input: not found again outside containers.
            let peAt = 0x48 + 24 + 4
            #expect(found.fileOffset == peAt + 0x1C40 && Array(volume[peAt + 0x1C40..<peAt + 0x1C40 + rom.count]) == rom)
            let table = try #require(report.items.first { $0.kind == .vbt })
            #expect(table.bytes == v && table.path.last == "inside the PE32 of AcpiPlatformDxe, +\(hex(vbtAt))", "\(table.path)")
            #expect(report.searchedBytes >= pe.count)
        }
    }

    /// "$VBT" with no BDB behind it is text, not a table; the VBT inside an Intel VBIOS is part of
    /// that ROM, not a find of its own.
    @Test func decoysAreNotHits() throws {
        var fake = try Self.fixtureVBT()
        fake.replaceSubrange(0x30..<0x3F, with: Array("NOT_A_DATABLOCK".utf8))
        let pe = Self.image([(0x300, fake)], size: 0x800)
        let intel = try Paths.bytes(Self.intel)
        let volume = B.volume([B.file(type: 0x07, B.section(type: 0x10, pe) + B.ui("Decoy"), guid: 1),
                               B.file(type: 0x01, intel, guid: 2)])
        let report = FirmwareWalker.walk(volume)
        #expect(report.items.count == 1 && report.items.first?.kind == .optionROM && report.items.first?.bytes == intel,
                "\(report.items.map { ($0.kind, $0.path) })")
    }

    /// A ROM at the start of a body is that body (no extra element); elsewhere in a raw file, a pad
    /// file, a freeform section or a CBFS file, the element says where.
    @Test func whereInTheBody() throws {
        let rom = try Paths.bytes(Self.amd)
        let junk = [UInt8](repeating: 0x11, count: 0x80)
        let freeform = B.section(type: 0x18, B.guid("11111111-2222-3333-4444-555555555555") + junk + junk + rom)
        let volume = B.volume([B.file(type: 0x02, B.section(type: 0x19, rom), guid: 1),
                               B.file(type: 0x01, junk + rom, guid: 2),
                               B.file(type: 0xF0, [UInt8](repeating: 0, count: 0x200) + rom, guid: 3),
                               B.file(type: 0x02, freeform, guid: 4)])
        let cbfs = B.cbfs(name: Array("pci1002,1636.rom".utf8), junk + junk + junk + rom)
        let image = volume + [UInt8](repeating: 0xFF, count: 64) + cbfs
        let report = FirmwareWalker.walk(image)
        let lasts = report.items.map { $0.path.last ?? "" }
        #expect(report.items.count == 5 && report.items.allSatisfy { $0.bytes == rom }, "\(report.items.map(\.path))")
        #expect(lasts.contains { $0.hasPrefix("raw @") }, "\(lasts)")
        #expect(lasts.contains("inside the raw file, +0x80"), "\(lasts)")
        #expect(lasts.contains("inside the padding file, +0x200"), "\(lasts)")
        #expect(lasts.contains("inside the freeform section, +0x100"), "\(lasts)")
        #expect(lasts.contains("inside the CBFS file pci1002,1636.rom, +0x180"), "\(lasts)")
        #expect(!lasts.contains("outside containers"))
    }

    /// A driver's image draws on the search budget like any other search.
    @Test func driverSearchDrawsOnTheBudget() throws {
        let rom = try Paths.bytes(Self.amd)
        let pe = Self.image([(0x1C40, rom)], size: 0x1C40 + rom.count)
        let volume = B.volume([B.file(type: 0x07, B.section(type: 0x10, pe), guid: 1)])
        // The same bytes as a dependency section, which is not searched: the image costs its size.
        let depex = B.volume([B.file(type: 0x07, B.section(type: 0x13, pe), guid: 1)])
        #expect(FirmwareWalker.walk(volume).searchedBytes - FirmwareWalker.walk(depex).searchedBytes >= pe.count)
        var limits = FirmwareLimits()
        limits.maxSearched = volume.count + pe.count / 2
        let report = FirmwareWalker.walk(volume, limits: limits)
        #expect(report.findings.contains { $0.finding.code == .limitReached }, "\(report.findings)")
        #expect(!report.items.contains { $0.path.last?.hasPrefix("inside the PE32") == true })
    }
}
