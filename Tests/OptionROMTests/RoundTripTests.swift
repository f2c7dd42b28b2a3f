import Foundation
import Testing
@testable import OptionROM

/// The layout is declared once (Fields.swift) and read and written through the same fields: writing
/// what the parser read back over the bytes changes nothing, and a changed field lands where the
/// parser reads it.
@Suite struct RoundTripTests {
    static func all() -> [(String, [UInt8])] {
        var out: [(String, [UInt8])] = []
        for name in Paths.fixtureNames() { if let b = try? Paths.fixture(name) { out.append(("Fixtures/roms/\(name).rom", b)) } }
        for name in EFIOracle.sharedROMNames() {
            if let b = try? RealROMTests.load(EFIOracle.sharedROMs.appendingPathComponent(name).path) { out.append(("../shared/roms/\(name)", b)) }
        }
        for dir in [RealROMTests.seabios, RealROMTests.ipxe] {
            for name in RealROMTests.files(dir, { $0.hasSuffix(".bin") || $0.hasSuffix(".rom") }) {
                if let b = try? RealROMTests.load(dir + "/" + name) { out.append((dir + "/" + name, b)) }
            }
        }
        return out
    }

    @Test func writingTheParsedHeadersBackChangesNoByte() {
        let roms = Self.all()
        #expect(roms.count >= 27)
        for (name, bytes) in roms {
            let layout = ROMParser.parse(bytes)
            var copy = bytes
            layout.write(into: &copy)
            if copy != bytes {
                let at = zip(copy, bytes).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? -1
                Issue.record("\(name): writing the parsed headers back changed byte \(Hex.prefixed(at))")
            }
        }
    }

    @Test func aChangedFieldIsWhatTheParserReadsBack() throws {
        for (name, bytes) in Self.all() {
            var layout = ROMParser.parse(bytes)
            guard !layout.images.isEmpty, layout.images.allSatisfy({ $0.pcir != nil && $0.end <= bytes.count }) else { continue }
            for i in layout.images.indices {
                layout.images[i].pcir!.vendorID ^= 0x0F0F
                layout.images[i].pcir!.deviceID ^= 0x1234
            }
            var copy = bytes
            layout.write(into: &copy)
            let again = ROMParser.parse(copy)
            #expect(again.images.map { $0.pcir?.vendorID } == layout.images.map { $0.pcir?.vendorID }, "\(name)")
            #expect(again.images.map { $0.pcir?.deviceID } == layout.images.map { $0.pcir?.deviceID }, "\(name)")
        }
    }
}
