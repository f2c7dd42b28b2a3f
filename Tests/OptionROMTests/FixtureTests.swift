import Foundation
import Testing
@testable import OptionROM
import TestSupport

/// Every synthetic ROM in Fixtures/roms against its NAME.expect.json.
@Suite("Fixtures")
struct FixtureTests {
    static let names = Paths.fixtureNames()

    @Test("The fixture directory holds the fixtures the generator writes")
    func fixturesExist() {
        #expect(Self.names.count >= 27, "Fixtures/roms at \(Paths.roms.path) is missing or incomplete; run `swift run gen-fixtures`")
        for required in ["legacy-vga", "legacy-efi", "nvidia", "nvidia-nvflash", "amd", "intel", "empty", "random"] {
            #expect(Self.names.contains(required), "missing fixture \(required)")
        }
    }

    @Test("Fixture matches its expectations", arguments: names)
    func matchesExpectations(name: String) throws {
        let bytes = try Paths.fixture(name)
        let expect = try Expectation.load(name)
        let layout = ROMParser.parse(bytes)
        let context = Comment(rawValue: "\(name): findings " + layout.findings.map { "\($0.code) \($0.message)" }.joined(separator: " | "))

        #expect(layout.size == expect.size, context)
        #expect(bytes.count == expect.size, context)
        #expect(layout.prefixLength == expect.prefixLength, context)
        #expect(layout.images.map(\.expectation) == expect.images, context)
        #expect(layout.findingCodeSet == expect.findingCodes, context)

        // Vendor tables, through the JSON contract's keys.
        let json = layout.json(file: name + ".rom")
        if expect.vendorInfo.isEmpty {
            #expect(layout.vendorInfo == nil, context)
        } else {
            let vendor = try #require(json["vendorInfo"], context)
            for (key, value) in expect.vendorInfo {
                #expect(vendor[key] == value.json, "\(name): vendorInfo.\(key)")
            }
        }
        // The contract's rendering is valid JSON with the expected top-level shape.
        let parsed = try #require(try parseJSON(json.rendered()) as? [String: Any], context)
        #expect(Set(parsed.keys) == ["file", "size", "prefixLength", "prefix", "verdict", "images", "vendorInfo", "findings"])
        #expect(parsed["verdict"] as? String == layout.verdict.rawValue)
        #expect((parsed["images"] as? [Any])?.count == expect.images.count)

        // Bytes and array entry points agree.
        let viaPointer = bytes.withUnsafeBytes { ROMParser.parse($0) }
        #expect(viaPointer.images == layout.images)
        #expect(viaPointer.findings == layout.findings)
    }

    @Test("A clean fixture is clean and a broken one is not")
    func cleanliness() throws {
        for name in ["legacy-vga", "legacy-efi", "legacy-efi-compressed", "legacy-openfirmware-unknown",
                     "nvidia", "nvidia-type70-unmarked", "amd", "intel", "trailing-padding"] {
            let layout = ROMParser.parse(try Paths.fixture(name))
            #expect(layout.isClean && layout.verdict == .ok, "\(name): \(layout.findings.map(\.message))")
        }
        for name in ["bad-checksum", "truncated-efi", "runtime-shrunk", "id-mismatch", "trailing-second-rom",
                     "nvidia-nvflash", "junk-prefix", "isa-style", "empty", "random", "pcir-out-of-bounds", "trailing-junk"] {
            let layout = ROMParser.parse(try Paths.fixture(name))
            #expect(!layout.isClean, "\(name) should have warnings or errors")
        }
    }

    @Test("Trailing data: padding is silent, junk and a second ROM are a step before passthrough (note)")
    func trailingSeverities() throws {
        #expect(ROMParser.parse(try Paths.fixture("trailing-padding")).findings.isEmpty)
        let junk = ROMParser.parse(try Paths.fixture("trailing-junk")).findings(.trailingData)
        #expect(junk.map(\.severity) == [.warning])
        #expect(junk.first?.offset == 0x2000)
        let second = ROMParser.parse(try Paths.fixture("trailing-second-rom")).findings(.trailingData)
        #expect(second.map(\.severity) == [.warning])
        #expect(second.first?.offset == 0x2000)
    }

    @Test("NVIDIA: NPDE rules the chain, 0x70 ignores it, the nvflash header is recognised")
    func nvidiaDetails() throws {
        let layout = ROMParser.parse(try Paths.fixture("nvidia"))
        #expect(layout.images.count == 5)
        let efi = try #require(layout.images.dropFirst().first)
        // PCIR says last and 12 units; NPDE says not last and 24 units.
        #expect(efi.pcir?.isLast == true)
        #expect(efi.pcir?.imageLengthBytes == 12 * 512)
        #expect(efi.npde?.imageLengthBytes == 24 * 512)
        #expect(efi.length == 24 * 512 && !efi.isLast)
        #expect(efi.efi?.machineType == 0x8664)
        #expect(layout.images.map { $0.pcir?.signature } == ["PCIR", "PCIR", "NPDS", "RGIS", "PCIR"])
        let t70 = try #require(layout.images.last)
        #expect(t70.npde?.imageLengthBytes == 6 * 512)   // present, but ignored
        #expect(t70.length == 2 * 512)
        guard case .nvidia(let nv)? = layout.vendorInfo else {
            Issue.record("no NVIDIA vendor info"); return
        }
        #expect(nv.version == "80.07.53.00.21")
        #expect(nv.entries.map(\.idName) == ["2", "B", "C", "I", "i", "P", "S", "x"])
        #expect(nv.bitOffset == 0x160)

        let dump = ROMParser.parse(try Paths.fixture("nvidia-nvflash"))
        #expect(dump.prefix == .nvflash)
        #expect(dump.prefixLength == 0x400)
        #expect(dump.findings(.prefixHeader).map(\.severity) == [.warning])
        #expect(ROMParser.parse(try Paths.fixture("junk-prefix")).prefix == .unknown)
    }

    @Test("PCIR revision 3 fields and EFI headers")
    func revision3AndEFI() throws {
        let layout = ROMParser.parse(try Paths.fixture("legacy-efi"))
        let p = try #require(layout.images.first?.pcir)
        #expect(p.revision == 3)
        #expect(p.deviceList == [0x8139, 0x8138])
        #expect(p.maxRuntimeLength == 8)
        #expect(p.configUtilityPointer == 0x400)
        #expect(p.dmtfCLPPointer == 0x800)
        let e = try #require(layout.images.last?.efi)
        #expect(e.subsystem == 11 && e.machineTypeName == "X64" && e.compression == 0 && e.peOffset == 0x40)
        #expect(layout.images.last?.pcir?.deviceList == [0x8139, 0x8138])

        let c = ROMParser.parse(try Paths.fixture("legacy-efi-compressed"))
        #expect(c.efiImages.map { $0.efi?.compressionName } == ["EFI compressed", "EFI compressed"])
        #expect(c.efiImages.map { $0.efi?.machineTypeName } == ["IA32", "X64"])
        #expect(c.efiImages.map { $0.efi?.subsystemName } == ["boot-service driver", "runtime driver"])
    }

    @Test("A runtime copy: size byte below PCIR's length is a warning, the stale checksum an error")
    func runtimeShrunk() throws {
        let layout = ROMParser.parse(try Paths.fixture("runtime-shrunk"))
        let image = try #require(layout.images.first)
        #expect(image.sizeByte == 24)
        #expect(image.runtimeLength == 24 * 512)
        #expect(image.length == 64 * 512)
        #expect(layout.findings(.sizeMismatch).map(\.severity) == [.warning])
        #expect(layout.findings(.checksumMismatch).map(\.severity) == [.error])
    }

    @Test("The walk stops at Options.maxImages")
    func maxImagesOption() throws {
        var options = ROMParser.Options()
        options.maxImages = 3
        let layout = ROMParser.parse(try Paths.fixture("never-last"), options: options)
        #expect(layout.images.count == 3)
        #expect(layout.findingCodeSet == ["too-many-images"])
        options = .init()
        options.decodeVendorTables = false
        #expect(ROMParser.parse(try Paths.fixture("nvidia"), options: options).vendorInfo == nil)
    }

    @Test("Committed fixtures are what TestSupport's ROMFixtures builds today")
    func fixturesUpToDate() throws {
        let fixtures = ROMFixtures.all()
        let generated = (fixtures.flatMap { [$0.name + ".expect.json", $0.name + ".rom"] } + ["parts"]).sorted()
        let committed = try FileManager.default.contentsOfDirectory(atPath: Paths.roms.path).sorted()
        #expect(generated == committed, "ROMFixtures and Fixtures/roms list different files; run `swift run gen-fixtures` and commit")
        for f in fixtures {
            let rom = try? Paths.fixture(f.name)
            #expect(rom == f.bytes, "Fixtures/roms/\(f.name).rom is stale; run `swift run gen-fixtures` and commit")
            let json = try? String(contentsOf: Paths.roms.appendingPathComponent(f.name + ".expect.json"), encoding: .utf8)
            #expect(json == f.expectation.json, "Fixtures/roms/\(f.name).expect.json is stale; run `swift run gen-fixtures` and commit")
        }
    }

    @Test("Committed tool ROMs (Fixtures/roms/parts) are what TestSupport's ToolROMs builds today")
    func toolROMsUpToDate() throws {
        let parts = ToolROMs.all()
        let dir = Paths.roms.appendingPathComponent("parts")
        let committed = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(committed == parts.map { $0.name + ".bin" }.sorted(), "ToolROMs and Fixtures/roms/parts list different files; run `swift run gen-fixtures` and commit")
        for p in parts {
            let bytes = try? [UInt8](Data(contentsOf: dir.appendingPathComponent(p.name + ".bin")))
            #expect(bytes == p.bytes, "Fixtures/roms/parts/\(p.name).bin is stale; run `swift run gen-fixtures` and commit")
        }
    }

    /// What the Python tools copy is what they say it is: each card's chain parses clean with
    /// its IDs and image types, and the decoy header claims one block and is not the last image.
    @Test("Tool ROMs parse as the cards they stand for")
    func toolROMsParse() throws {
        let chains: [String: [(UInt16, UInt16, Bool)]] = [
            "host-radeon-hd7850": [(0x1002, 0x6819, true)],
            "host-intel-igd": [(0x8086, 0x0412, true)],
            "host-second-card-boot": [(0x10DE, 0x128B, true)],
            "host-second-card-passed": [(0x10DE, 0x2503, true), (0x10DE, 0x2503, false)],
            "card-template": [(0x1234, 0x1111, true)],
            "lab-chain": [(0x1234, 0x5678, true), (0x1234, 0x5678, false)],
        ]
        let parts = Dictionary(uniqueKeysWithValues: ToolROMs.all().map { ($0.name, $0.bytes) })
        for (name, images) in chains {
            let layout = ROMParser.parse(try #require(parts[name]))
            #expect(layout.images.map { $0.pcir?.vendorID } == images.map(\.0), "\(name)")
            #expect(layout.images.map { $0.pcir?.deviceID } == images.map(\.1), "\(name)")
            #expect(layout.images.map(\.isLegacy) == images.map(\.2), "\(name)")
            #expect(layout.images.last?.pcir?.isLast == true, "\(name)")
            #expect(layout.legacyImage?.checksumValid == true, "\(name): legacy checksum")
        }
        let decoy = try #require(parts["decoy-header"])
        #expect(decoy.count == 0x40 && decoy[2] == 0xFF)
        let at = Int(decoy[ImageHeaderFields.dataStructurePointer.offset])
        #expect(decoy[at + PCIRFields.signature.offset..<at + PCIRFields.signature.end].elementsEqual("PCIR".utf8))
        #expect(decoy[at + PCIRFields.imageLength.offset] == 1 && decoy[at + PCIRFields.indicator.offset] & PCIRFields.lastImage == 0)
    }
}
