import ArgumentParser
import OptionROM
import PCIHost

struct Dump: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read a device's option ROM into a file, saying where it came from and whether it is a runtime copy.",
        discussion: """
            Needs root on a real host (the sysfs `rom` file is root-only). The device is left as it was found, \
            also when interrupted. The output is written whole or not at all.
            """)

    @Argument(help: "The device, DDDD:BB:DD.F or BB:DD.F.", transform: PCIAddress.init(parsingArgument:))
    var address: PCIAddress

    @Option(name: .shortAndLong, help: "Where to write the ROM.")
    var output: String

    @Flag(name: .long, help: "Replace the output file if it exists.")
    var force = false

    @OptionGroup var read: ROMReadOptions
    @OptionGroup var host: HostOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        DeviceStateGuard.installSignalHandlers()
        let d = try host.device(address)
        // Refuse before touching the device.
        if !force, pathKind(output, followLinks: false) != .missing { throw AtomicFile.Exists(path: output) }
        let rom = try read.read(d, root: host.root)
        try AtomicFile.write(rom.bytes, to: output, overwrite: force)
        if global.json {
            var j = rom.layout.json(file: output)
            if case .object(var pairs) = j {
                pairs.insert(("address", .string(d.address.description)), at: 0)
                pairs.insert(("source", .string(rom.choice.kept.source.name)), at: 1)
                pairs.insert(("reason", .string(rom.choice.reason)), at: 2)
                pairs.insert(("sources", rom.sourcesJSON), at: 3)
                if let acpi = rom.acpiProvenance { pairs.insert(("acpi", acpi.json), at: 4) }
                j = .object(pairs)
            }
            Terminal.out(j.rendered())
            return
        }
        let kept = rom.choice.kept
        Terminal.out("wrote \(rom.bytes.count) bytes to \(output) from \(kept.source.name) (\(kept.source.location))")
        Terminal.out("kept \(kept.source.name): \(rom.choice.reason)")
        if rom.choice.candidates.count > 1 {
            for c in rom.choice.candidates { Terminal.out("  " + c.summary) }
        }
        for line in rom.acpiProvenance?.lines ?? [] { Terminal.out("  ACPI: " + line) }
        for f in rom.layout.findings(.shadowCopy) {
            Terminal.warn("SHADOW COPY: " + f.message)
        }
        for line in ROMText.render(rom.layout, file: output) { Terminal.out(line) }
    }
}
