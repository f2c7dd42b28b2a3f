import OptionROM
import Core

extension FirmwareWalker {
    /// What `prepare --rom-from` chooses among, the same ROMs `scan` lists: the walk of a firmware
    /// image and, in a file with no container at all (a plain ROM, a raw ACPI VFCT table, a legacy
    /// BIOS such as Award's with its VGA BIOS at any offset), every option ROM the plain scan finds.
    /// A ROM in a VFCT table is named by its entry (the PCI address and IDs amdgpu matches on).
    public static func findROMs(_ bytes: [UInt8], limits: FirmwareLimits = .init(),
                                progress: ((_ containers: Int, _ decompressedBytes: Int) -> Void)? = nil) -> FirmwareReport {
        var report = walk(bytes, limits: limits, progress: progress)
        guard report.containers == 0 else { return report }
        let table = bytes.starts(with: Array("VFCT".utf8)) ? try? VFCTTable.parse(bytes) : nil
        for rom in bytes.withUnsafeBytes({ ROMScanner.scan($0) }) {
            let slice = Array(bytes[rom.offset..<rom.end])
            let where_: String
            let entry = table?.entries.first(where: { $0.offset <= rom.offset && rom.offset < $0.offset + $0.length })
            if let e = entry {
                where_ = "VFCT entry \(hex2(e.bus)):\(hex2(e.device)).\(e.function) \(e.pciIDs) @\(hex(e.offset))"
            } else {
                where_ = "no container (plain scan)"
            }
            report.items.append(FirmwareItem(kind: .optionROM, path: [where_], name: nil, offset: rom.offset, fileOffset: rom.offset,
                                             bytes: slice, rom: rom, classCode: ROMParser.parse(slice).images.first?.pcir?.classCode,
                                             vfctEntry: entry))
        }
        return report
    }

    static func hex2(_ v: UInt32) -> String { Hex.string(Int(v & 0xFF), width: 2) }
}
