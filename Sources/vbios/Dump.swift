import ArgumentParser
import OptionROM
import PCIHost
import SystemIO

struct Dump: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Read a device's option ROM into a file, saying where it came from and whether it is a runtime copy.",
        discussion: ExitStatus.discussion("""
            Needs root on a real host (the sysfs `rom` file is root-only). The device is left as it was found, \
            also when interrupted. The output is written whole or not at all. A ROM whose verdict is fail (a \
            runtime copy whose checksum no longer holds, a truncated read) is not written and the exit status is 1, \
            unless --allow-broken.
            """, ExitStatus.dump))

    @Argument(help: "The device, DDDD:BB:DD.F or BB:DD.F.", completion: PCICompletion.addresses, transform: PCIAddress.init(parsingArgument:))
    var address: PCIAddress

    @Option(name: .shortAndLong, help: ArgumentHelp("Where to write the ROM; - for stdout (the report then goes to stderr).", valueName: "FILE"),
            completion: .file())
    var output: String

    @Flag(name: .long, help: "Replace the output file if it exists.")
    var force = false

    @Flag(name: .long, help: "Read the ROM and report it; write no file.")
    var dryRun = false
    @Flag(name: .customLong("allow-broken"), help: "Write the ROM even when its verdict is fail (exit 0); without it such a ROM is not written and the exit status is 1.")
    var allowBroken = false

    @OptionGroup var read: ROMReadOptions
    @OptionGroup var host: HostOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws { try Output.validate(output, json: global.json) }

    func run() throws {
        DeviceStateGuard.installSignalHandlers()
        let d = try host.device(address)
        // Refuse before touching the device.
        if !force, !dryRun, Output.isInTheWay(output) { throw AtomicFile.Exists(path: output) }
        let rom = try read.read(d, root: host.root)
        try BrokenROM.checkRuntimeCopy(rom, device: d, for: nil, allowBroken: allowBroken)
        try BrokenROM.check(rom.layout, writing: output, from: "\(rom.choice.kept.source.name) (\(rom.choice.kept.source.location))", allowBroken: allowBroken)
        if !dryRun { try Output.write(rom.bytes, to: output, overwrite: force) }
        if global.json {
            var j = rom.layout.json(file: output)
            if case .object(var pairs) = j {
                pairs.append(("dryRun", .bool(dryRun)))
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
        // With -o - stdout carries the ROM: the report goes to stderr.
        let toStderr = Output.isStandardOutput(output)
        let say: (String) -> Void = { toStderr ? Terminal.note($0) : Terminal.out($0) }
        let kept = rom.choice.kept
        say("\(dryRun ? "dry run: would write" : "wrote") \(rom.bytes.count) bytes to \(Output.name(output)) from \(kept.source.name) (\(kept.source.location))")
        say("kept \(kept.source.name): \(rom.choice.reason)")
        if rom.choice.candidates.count > 1 {
            for c in rom.choice.candidates { say("  " + NextStepWording.text(c.summary)) }
        }
        for line in rom.acpiProvenance?.lines ?? [] { Terminal.out("  ACPI: " + line) }
        for f in rom.layout.findings(.shadowCopy) {
            Terminal.warn("SHADOW COPY: " + f.message)
        }
        for line in ROMText.render(rom.layout, file: Output.name(output)) { say(line) }
    }
}
