import Foundation
import Testing
@testable import OptionROM
import TestSupport
import Core

/// The layout is declared once (Fields.swift) and read and written through the same fields: writing
/// what the parser read back over the bytes changes nothing, and a changed field lands where the
/// parser reads it.
@Suite struct RoundTripTests {
    /// Every synthetic fixture, real vendor ROM and Debian package ROM; a file that is listed but
    /// cannot be read fails the test (no ROM is dropped quietly). The vendor ROMs are required at
    /// the end of each test (`requireVendorROMs`), so that the rest is checked on any machine.
    static func all() throws -> [(String, [UInt8])] {
        var out: [(String, [UInt8])] = []
        for name in Paths.fixtureNames() { out.append(("Fixtures/roms/\(name).rom", try Paths.fixture(name))) }
        for name in EFIOracle.sharedROMsPresent() {
            out.append(("../shared/roms/\(name)", try RealROMTests.load(EFIOracle.sharedROMs.appendingPathComponent(name).path)))
        }
        for dir in [RealROMTests.seabios, RealROMTests.ipxe] {
            for name in RealROMTests.files(dir, { $0.hasSuffix(".bin") || $0.hasSuffix(".rom") }) {
                out.append((dir + "/" + name, try RealROMTests.load(dir + "/" + name)))
            }
        }
        return out
    }

    @Test func writingTheParsedHeadersBackChangesNoByte() throws {
        let roms = try Self.all()
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
        _ = try EFIOracle.sharedROMNames()   // they were part of the list: required (CI) or a visible skip
    }

    /// The IDs written through Fields.swift land at the PCI Firmware Specification's offsets (PCIR +4
    /// vendor, +6 device, little-endian; revision 3.0, section 5.1.2), literals here, and nowhere else.
    @Test func aChangedFieldIsWhatTheParserReadsBack() throws {
        let roms = try Self.all()
        var checked: [String] = [], passedOver: [String] = []
        for (name, bytes) in roms {
            var layout = ROMParser.parse(bytes)
            // SeaBIOS's ISA-style VGA BIOSes have no PCIR, damaged fixtures no whole chain.
            guard !layout.images.isEmpty, layout.images.allSatisfy({ $0.pcir != nil && $0.end <= bytes.count }) else {
                passedOver.append(name); continue
            }
            checked.append(name)
            for i in layout.images.indices {
                layout.images[i].pcir!.vendorID ^= 0x0F0F
                layout.images[i].pcir!.deviceID ^= 0x1234
            }
            var copy = bytes
            layout.write(into: &copy)
            let again = ROMParser.parse(copy)
            #expect(again.images.map { $0.pcir?.vendorID } == layout.images.map { $0.pcir?.vendorID }, "\(name)")
            #expect(again.images.map { $0.pcir?.deviceID } == layout.images.map { $0.pcir?.deviceID }, "\(name)")
            var expected = bytes
            for image in layout.images {
                let p = image.pcir!.offset, vendor = image.pcir!.vendorID, device = image.pcir!.deviceID
                expected[p + 4] = UInt8(vendor & 0xFF); expected[p + 5] = UInt8(vendor >> 8)
                expected[p + 6] = UInt8(device & 0xFF); expected[p + 7] = UInt8(device >> 8)
            }
            #expect(copy == expected, "\(name): the IDs were not written at PCIR+4 and +6 alone")
        }
        // Every Debian package ROM with a PCIR and most fixtures; the count says none went missing.
        #expect(checked.count >= 20 && checked.count + passedOver.count == roms.count,
                "checked \(checked.count) of \(roms.count); passed over: \(passedOver)")
        _ = try EFIOracle.sharedROMNames()
    }

    /// Specs the builder takes: legacy with a revision 3 PCIR and device list, EFI (subsystem,
    /// machine, compression), NVIDIA's NPDE on both, an extended 0xE0 image with NPDS.
    static let specs: [ImageSpec] = [
        ROMBuilder.legacy(vendor: 0x10EC, device: 0x8139, units: 8, last: false, classCode: 0x020000, revision: 3, seed: 3) {
            $0.pcir.deviceListPointer = 0x1C; $0.pcir.deviceList = [0x8139, 0x8138]
            $0.pcir.maxRuntimeUnits = 4; $0.pcir.configUtility = 0x200; $0.pcir.dmtfCLP = 0x300
        },
        ROMBuilder.efi(vendor: 0x10DE, device: 0x2484, units: 6, last: false, subsystem: 12, machine: ROMBuilder.aa64,
                       compression: 1, initUnits: 5, seed: 4, npde: .init(last: false, imageUnits: 6), peOffset: 0x60),
        ROMBuilder.legacy(vendor: 0x10DE, device: 0x2484, units: 4, last: false, npde: .init(last: false)),
        ROMBuilder.other(vendor: 0x10DE, device: 0x2484, units: 2, codeType: 0xE0, last: true, signature: [0x77, 0xBB],
                         pcirSignature: "NPDS", npde: .init(last: true)),
    ]

    @Test func whatTheBuilderWritesIsWhatTheParserReads() {
        var offset = 0
        let chain = Self.specs.flatMap { $0.build() }
        let layout = ROMParser.parse(chain)
        #expect(layout.images.count == Self.specs.count)
        for (i, (spec, image)) in zip(Self.specs, layout.images).enumerated() {
            #expect(image.offset == offset, "image \(i)")
            #expect(image.pcir == spec.structure(at: offset + spec.pcirAt!), "image \(i)")
            #expect(image.signature == spec.signature.map { Hex.string($0, width: 2) }.joined(), "image \(i)")
            #expect(image.npde?.isLast == spec.npde?.last && image.npde?.imageLength == spec.npde.map { UInt16($0.imageUnits ?? spec.units) },
                    "image \(i)")
            if let e = spec.efi {
                #expect(image.efi == EFIHeader(initializationSize: UInt16(e.initUnits ?? spec.units), signature: e.signature, subsystem: e.subsystem,
                                               machineType: e.machine, compression: e.compression, peOffset: e.peOffset), "image \(i)")
            } else if let size = spec.sizeByte {
                #expect(image.sizeByte == size && image.checksumValid != false, "image \(i)")
            }
            offset += spec.length
        }
        // And back: writing the parsed headers over the built bytes changes none.
        var copy = chain
        layout.write(into: &copy)
        #expect(copy == chain)
    }
}
