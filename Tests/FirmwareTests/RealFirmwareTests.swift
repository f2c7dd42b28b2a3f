import Foundation
import OptionROM
import Testing
import TestSupport
@testable import Firmware

/// Every system firmware image of ../shared/firmware judged by UEFIExtract (Debian's uefitool-cli),
/// a program that shares nothing with vbios: each ROM, GOP driver and VBT the walker finds must be
/// the bytes of an element UEFIExtract dumps, and every GOP driver UEFIExtract names (a PE32 section
/// of a file whose UI name says GOP) must be one the walker found.
@Suite("Real firmware judged by UEFIExtract")
struct RealFirmwareTests {
    static let folder = URL(fileURLWithPath: Repository.root + "/../shared/firmware").standardized.path

    static var images: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasSuffix(".fd") || $0.hasSuffix(".bin") }.sorted()
    }

    /// Where UEFIExtract finds what the walker does not, and why (the owner of the fix).
    /// Images where the walker is known to miss what UEFIExtract finds, with the reason (none
    /// since FFS v1 volumes are walked, issue 22 item 1).
    static let knownMisses: [String: String] = [:]

    static func isOptionROM(_ b: [UInt8]) -> Bool {
        guard b.count > 0x1A, b[0] == 0x55, b[1] == 0xAA else { return false }
        let p = Int(b[0x18]) | Int(b[0x19]) << 8
        return p + 4 <= b.count && Array(b[p..<(p + 4)]) == Array("PCIR".utf8)
    }

    @Test("Every firmware image: what the walker finds, UEFIExtract dumps",
          Prerequisite.enabled(!images.isEmpty, "the firmware images of ../shared/firmware"))
    func walkerAgreesWithUEFIExtract() throws {
        try Prerequisite.require(!Self.images.isEmpty, "the firmware images in \(Self.folder)")
        try Prerequisite.require(files: [UEFIExtract.path], "Debian's uefitool-cli")
        var judged = 0, items = 0, gopCount = 0, romCount = 0, unreadable: [String] = []
        for name in Self.images {
            let image = try Paths.bytes(Self.folder + "/" + name)
            let bodies = try UEFIExtract.bodies(of: image)
            // A legacy (Award) BIOS has no UEFI structure: UEFIExtract dumps the file whole.
            guard bodies.count > 1 else { unreadable.append(name); continue }
            judged += 1
            let report = FirmwareWalker.walk(image)
            items += report.items.count
            for item in report.items {
                let match = bodies.contains { $0.body == item.bytes || $0.body.starts(with: item.bytes) }
                #expect(match, "\(name): UEFIExtract has no element with the bytes of \(item.kind) \(item.name ?? "-") at \(item.path)")
            }
            let gops = bodies.filter { $0.folder.hasSuffix("PE32 image section") && $0.folder.split(separator: "/").dropLast().last?.contains("Gop") == true }
            gopCount += gops.count
            for g in gops {
                #expect(report.items.contains { $0.kind == .gopDriver && $0.bytes == g.body }, "\(name): the walker missed UEFIExtract's \(g.folder)")
            }
            // Every option ROM UEFIExtract dumps (55 AA, a PCIR at the pointer: PCI Firmware 3.0, 5.1)
            // must be one the walker found.
            let roms = bodies.filter { Self.isOptionROM($0.body) }
            romCount += roms.count
            let missed = roms.filter { r in !report.items.contains { r.body.starts(with: $0.bytes) && !$0.bytes.isEmpty } }.map(\.folder)
            if let why = Self.knownMisses[name] {
                withKnownIssue("\(name): \(why)", isIntermittent: true) { #expect(missed.isEmpty, "\(name): the walker missed \(missed)") }
            } else {
                #expect(missed.isEmpty, "\(name): the walker missed UEFIExtract's option ROMs \(missed)")
            }
        }
        // The Apple and OVMF images are FFS; the Award BIOS is the one UEFIExtract cannot structure.
        #expect(items >= 3 && gopCount >= 2 && romCount >= 2, "\(items) items, \(gopCount) GOP drivers, \(romCount) option ROMs compared")
        #expect(judged >= 2 && judged + unreadable.count == Self.images.count, "judged \(judged), unreadable by UEFIExtract: \(unreadable)")
    }
}
