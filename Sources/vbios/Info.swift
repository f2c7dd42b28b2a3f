import ArgumentParser
import OptionROM
import PCIHost

/// Largest file `info` and `verify` take as one ROM; larger ones go to `scan`.
let maximumROMFileSize = 16 << 20

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show every image of a ROM, its headers, vendor tables and findings.",
        discussion: """
            FILE is a ROM file (a dump, a vendor file, an nvflash backup). An argument that is not an existing file \
            and parses as a PCI address (DDDD:BB:DD.F or BB:DD.F) reads that device's ROM as `vbios dump` does.
            """)

    @Argument(help: "The ROM file to read, or a device's PCI address.")
    var file: String

    @OptionGroup var global: GlobalOptions
    @OptionGroup var host: HostOptions
    @OptionGroup var read: ROMReadOptions

    func run() throws {
        // Not a file and shaped like an address (a colon, no slash): a device, or a malformed address.
        if pathKind(file) == .missing, file.contains(":"), !file.contains("/") { return try runOnDevice() }
        let layout: ROMLayout
        do {
            let data = try FileBytes(path: file, limit: maximumROMFileSize)
            // EFI drivers opened too (decompressed, bounded): machine, version, PE vs EFI header.
            let bytes = data.withUnsafeBytes { [UInt8]($0) }
            layout = bytes.withUnsafeBytes { ROMParser.parse($0).withRuntimeEvidence($0) }.withEFIDetails(bytes)
        } catch {
            throw report(error)
        }
        if global.json {
            Terminal.out(layout.json(file: file).rendered())
        } else {
            for line in ROMText.render(layout, file: file) { Terminal.out(line) }
        }
    }
}

extension Info {
    /// `info ADDR`: the device's ROM, read like `dump` (device state restored), then the same report.
    func runOnDevice() throws {
        DeviceStateGuard.installSignalHandlers()
        do {
            let d = try host.device(file)
            let rom = try read.read(d, root: host.root)
            let name = "\(d.address) (\(rom.choice.kept.source.name))"
            let layout = rom.layout.withEFIDetails(rom.bytes)
            if global.json {
                Terminal.out(layout.json(file: name).rendered())
            } else {
                Terminal.note("read \(rom.bytes.count) bytes from \(rom.choice.kept.source.location); kept \(rom.choice.kept.source.name): \(rom.choice.reason)")
                for line in ROMText.render(layout, file: name) { Terminal.out(line) }
            }
        } catch {
            throw report(error)
        }
    }
}
