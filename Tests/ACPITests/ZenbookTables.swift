import ACPI
import Foundation
import TestSupport

/// The DSDT and SSDTs of a real Optimus laptop (ASUS ZenBook UX563FD, linuxhw's ACPI collection,
/// ../shared/firmware/MANIFEST.tsv): `_ROM` in SSDT3, `NVHA` in SSDT7.
enum Zenbook {
    static let directory = URL(fileURLWithPath: Repository.root + "/../shared/firmware/acpi-zenbook-ux563fd").standardizedFileURL.path
    static var present: Bool { FileManager.default.fileExists(atPath: directory + "/SSDT3") }
    static var isCI: Bool { Prerequisite.isCI }  // the one rule (TestSupport's Prerequisite)
    static let absent = "../shared/firmware/acpi-zenbook-ux563fd is absent (a failure when CI=true)"
    static let gpu = AMLPath(parsing: "\\_SB_.PCI0.RP05.PEGP")!

    static var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0 == "DSDT" || $0.hasPrefix("SSDT") }.sorted()
    }

    static func tables() throws -> [ACPITable] {
        try names.map { n in try ACPITable(name: n, bytes: [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/" + n)))) }
    }
}
