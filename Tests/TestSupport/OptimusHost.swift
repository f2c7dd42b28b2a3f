import Foundation

/// A fake Optimus laptop: Fixtures/hosts/second-card's NVIDIA card at 03:00.0 with its `rom` removed
/// (a laptop dGPU's ROM BAR gives nothing), the ACPI tables of a real one (ASUS ZenBook UX563FD,
/// ../shared/firmware: `_ROM` in SSDT3, `NVHA` in SSDT7), the card's ACPI node
/// `\_SB_.PCI0.RP05.PEGP`, and a file standing for physical memory from `memoryBase` holding the
/// `NVHA` word (SANV at 0x99AC7D18, +0xC0 as iasl counts it) and, at `nvha`, the header with
/// `RVBS` at +0x1C and the card's image at +0x20, as the firmware fills them at boot.
public struct OptimusHost: Sendable {
    public static let tables = URL(fileURLWithPath: Repository.root + "/../shared/firmware/acpi-zenbook-ux563fd").standardizedFileURL.path
    public static var present: Bool { FileManager.default.fileExists(atPath: tables + "/SSDT3") }
    public static let address = "0000:03:00.0"
    public static let node = "\\_SB_.PCI0.RP05.PEGP"
    public static let memoryBase: UInt64 = 0x99A0_0000
    /// Where the firmware put NVHM (the value of NVHA).
    public static let nvha: UInt64 = 0x99B0_0000
    /// NVHA's address: SANV's base plus NVHA's offset in it.
    public static let nvhaAddress: UInt64 = 0x99AC_7D18 + 0xC0

    public let host: FakeHost
    public var root: String { host.root }
    public var memory: String { host.dir + "/mem" }
    /// The image placed at NVHA + 0x20.
    public let image: [UInt8]

    /// `node`: the ACPI path written to the card's `firmware_node/path`; `leaf`: the tree's name in
    /// its temporary directory (`sys` makes the directory a `--root` for doctor).
    public init(node: String = OptimusHost.node, leaf: String = "host") throws {
        host = try FakeHost("second-card", as: leaf)
        let dev = host.root + "/bus/pci/devices/" + Self.address
        let fm = FileManager.default
        image = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dev + "/rom")))
        try fm.removeItem(atPath: dev + "/rom")
        try fm.createDirectory(atPath: dev + "/firmware_node", withIntermediateDirectories: true)
        try Data((node + "\n").utf8).write(to: URL(fileURLWithPath: dev + "/firmware_node/path"))
        let tablesDir = host.root + "/firmware/acpi/tables"
        try fm.createDirectory(atPath: tablesDir, withIntermediateDirectories: true)
        for name in try fm.contentsOfDirectory(atPath: Self.tables) where name == "DSDT" || name.hasPrefix("SSDT") {
            try fm.copyItem(atPath: Self.tables + "/" + name, toPath: tablesDir + "/" + name)
        }
        var mem = [UInt8](repeating: 0, count: Int(Self.nvha - Self.memoryBase) + 0x20 + image.count)
        func poke32(_ address: UInt64, _ value: UInt32) {
            let at = Int(address - Self.memoryBase)
            for i in 0..<4 { mem[at + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
        }
        poke32(Self.nvhaAddress, UInt32(Self.nvha))
        poke32(Self.nvha + 0x1C, UInt32(image.count))
        let at = Int(Self.nvha - Self.memoryBase) + 0x20
        mem.replaceSubrange(at..<at + image.count, with: image)
        try Data(mem).write(to: URL(fileURLWithPath: memory))
    }

    /// Publishes `image` as the copy `driver` (nouveau or amdgpu) loaded, under debugfs `dri/MINOR`.
    public func addDriverCopy(_ driver: String, minor: Int = 1, image: [UInt8]) throws {
        let dir = host.root + "/kernel/debug/dri/\(minor)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data("\(driver) dev=\(Self.address) unique=\(Self.address)\n".utf8).write(to: URL(fileURLWithPath: dir + "/name"))
        try Data(image).write(to: URL(fileURLWithPath: dir + "/" + (driver == "nouveau" ? "vbios.rom" : "amdgpu_vbios")))
    }

    public func remove() { host.remove() }
}
