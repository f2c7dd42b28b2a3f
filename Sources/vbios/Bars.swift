import ArgumentParser
import OptionROM
import PCIHost
import Core

struct Bars: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bars",
        abstract: "Show a device's BARs, ROM BAR, resizable BARs and the xl.cfg iomem/ioports lines for them.",
        discussion: ExitStatus.discussion("Sizes come from the kernel (sysfs `resource`), types and addresses are checked against config space. Reads only.", ExitStatus.bars))

    @Argument(help: "The device, DDDD:BB:DD.F or BB:DD.F.", completion: PCICompletion.addresses, transform: PCIAddress.init(parsingArgument:))
    var address: PCIAddress

    @OptionGroup var host: HostOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let d = try host.device(address)
        let iomem = d.bars.compactMap(\.xlIOMem)
        let ioports = d.bars.compactMap(\.xlIOPorts)
        if global.json {
            Terminal.out(JSON.object([
                ("address", .string(d.address.description)),
                ("bars", d.barsJSON), ("rom", d.romJSON),
                ("resizableBARs", .array(d.resizableBARs.map { r in
                    .object([("index", .int(r.index)), ("currentSize", .uint(UInt64(r.currentSize))),
                             ("supportedSizes", .array(r.supportedSizes.map { .uint(UInt64($0)) }))])
                })),
                ("iomem", .array(iomem.map { .string($0) })), ("ioports", .array(ioports.map { .string($0) })),
            ]).rendered())
            return
        }
        Terminal.out("\(d.address)  \(d.pciIDs)  \(d.vendorName ?? "(unknown vendor)") \(d.deviceName ?? "(unknown device)")")
        if d.bars.isEmpty { Terminal.out("  no BARs") }
        for b in d.bars {
            var line = "  BAR \(b.index): "
            if b.kind == .io {
                line += "I/O ports at \(Hex.string(b.start, width: 4)) [size=\(sizeText(b.size))]"
            } else {
                line += "Memory at \(String(b.start, radix: 16)) (\(b.is64Bit ? "64-bit" : "32-bit"), \(b.prefetchable ? "prefetchable" : "non-prefetchable")) [size=\(sizeText(b.size))]"
            }
            if b.disabled { line += " [disabled]" }
            if b.unset { line += " [unassigned]" }
            Terminal.out(line)
            if let n = b.note { Terminal.out("         note: \(n)") }
        }
        if let rom = d.rom {
            var line = "  ROM:   at \(String(rom.start, radix: 16)) [size=\(sizeText(rom.size))]"
            if rom.shadowed { line += " shadowed: the boot VGA copy in 0xC0000, not the card's ROM BAR" }
            else if let e = rom.configEnabled { line += e ? " [enabled]" : " [disabled]" }
            Terminal.out(line)
        } else {
            Terminal.out("  ROM:   none")
        }
        for r in d.resizableBARs {
            Terminal.out("  resizable BAR \(r.index): now \(sizeText(r.currentSize)), supports " + r.supportedSizes.map(sizeText).joined(separator: " "))
        }
        if d.configSize < 256 {
            Terminal.note("config space beyond 64 bytes is root-only: run as root to check BAR types and see resizable BARs.")
        }
        if !iomem.isEmpty || !ioports.isEmpty {
            Terminal.out("xl.cfg:")
            if !iomem.isEmpty { Terminal.out("  iomem = [ " + iomem.map { "\"\($0)\"" }.joined(separator: ", ") + " ]") }
            if !ioports.isEmpty { Terminal.out("  ioports = [ " + ioports.map { "\"\($0)\"" }.joined(separator: ", ") + " ]") }
        }
    }
}
