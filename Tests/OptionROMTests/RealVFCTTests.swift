import Foundation
import Testing
import OptionROM
import TestSupport

/// The real VFCT tables of ../shared/firmware (AMD desktops and laptops, one coreboot board) read by
/// `VFCTTable` and by Tools/oracles/vfct-walk.py, a reader written from amdgpu's
/// amdgpu_acpi_vfct_bios() that shares nothing with vbios: the same entries (bus, device,
/// function, IDs, subsystem, revision, where each image starts and how long it is, its bytes), and
/// the same place where a broken table ends the walk. Each image then parses as the option ROM the
/// independent ROM reader (pci-rom-walk.py) sees, with the entry's vendor.
@Suite("Real VFCT tables judged by an independent reader")
struct RealVFCTTests {
    static let folder = URL(fileURLWithPath: Repository.root + "/../shared/firmware").standardized.path
    static var tables: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".dat") }.sorted()
    }

    static func oracle(_ path: String) throws -> [String: Any] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", Repository.root + "/Tools/oracles/vfct-walk.py", path]
        p.standardInput = FileHandle.nullDevice
        let out = Pipe()
        p.standardOutput = out
        Ledger.note(p)
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "vfct-walk.py \(path) exited \(p.terminationStatus)")
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("Every real VFCT table: vbios's entries are the kernel-rule reader's")
    func entriesMatchTheReader() throws {
        try Prerequisite.require(Self.tables.count >= 3, "the VFCT tables (*.dat) in \(Self.folder)")
        var images = 0
        for name in Self.tables {
            let path = Self.folder + "/" + name
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let table = try VFCTTable.parse(bytes)
            let expected = try Self.oracle(path)
            let entries = try #require(expected["entries"] as? [[String: Any]])
            #expect(table.entries.count == entries.count, "\(name): \(table.entries.count) entries, the reader \(entries.count)")
            #expect(table.truncatedAt == expected["brokenAt"] as? Int, "\(name): walk ended at \(String(describing: table.truncatedAt))")
            for (e, x) in zip(table.entries, entries) {
                let got: [Int] = [Int(e.bus), Int(e.device), Int(e.function), Int(e.vendorID), Int(e.deviceID),
                                  Int(e.subsystemVendorID), Int(e.subsystemID), Int(e.revision), e.offset, e.length]
                let want = ["bus", "device", "function", "vendorID", "deviceID", "subsystemVendorID", "subsystemID",
                            "revision", "offset", "length"].map { x[$0] as? Int ?? -1 }
                #expect(got == want, "\(name): entry \(got) vs the reader's \(want)")
                guard e.length > 0 else { continue }   // the kernel skips zero-length (terminator) entries
                let image = Array(bytes[e.offset..<(e.offset + e.length)])
                #expect(x["startsWith55AA"] as? Bool == true && image.starts(with: [0x55, 0xAA]), "\(name): image at \(e.offset)")
                let layout = ROMParser.parse(image)
                // The entry names the device; the image's own PCIR must name the same vendor (AMD).
                #expect(layout.images.first?.vendorID == e.vendorID, "\(name): image at \(e.offset) is for \(String(describing: layout.images.first?.vendorID))")
                images += 1
            }
        }
        // 2 + 1 + 1 images with a length (the ASRock table holds a dGPU and an iGPU).
        #expect(images >= 4, "\(images) VFCT images judged")
    }
}
