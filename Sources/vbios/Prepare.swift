import ArgumentParser
import Firmware
import OptionROM
import PCIHost
import Passthrough
#if canImport(Glibc)
import Glibc
#endif

extension ROMPreparation.Firmware: ExpressibleByArgument {}

struct Prepare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The whole job: read the card's ROM, check and repair it, write bios.bin and the guest's config fragments.",
        discussion: """
            Writes into --out DIR (created when missing): bios.bin, and for xen: xen.cfg and kernel-cmdline.txt; \
            for qemu: qemu-args.txt; for libvirt: libvirt-hostdev.xml. Then prints the next steps. \
            Refuses, with the reason, what cannot work: no legacy image for Xen, a ROM over 64 KiB for Xen, \
            an IOMMU group holding devices other than the card's functions and bridges, a --rom made for \
            another chip (unless --retarget). --firmware uefi (the default for qemu and libvirt) says when \
            the ROM has no X64 EFI image for OVMF (with --rom-from, the firmware image's GOP driver for the card's \
            vendor is added then, and named); --firmware bios requires SeaBIOS to accept bios.bin. \
            Nothing is written unless every file can be; existing files are kept unless --force is given.
            """)

    @Argument(help: "The card, DDDD:BB:DD.F or BB:DD.F (its other functions are found in its slot).", transform: PCIAddress.init(parsingArgument:))
    var address: PCIAddress

    @Option(name: .customLong("for"), help: "The hypervisor: xen, qemu or libvirt.")
    var target: PassthroughTarget

    @Option(name: .customLong("out"), help: ArgumentHelp("The folder to write into.", valueName: "DIR"))
    var outDir: String

    @Option(name: .customLong("rom"), help: ArgumentHelp("Use this ROM file instead of reading the card's.", valueName: "FILE"))
    var romFile: String?

    @Option(name: .customLong("rom-from"), help: ArgumentHelp("Take the card's legacy ROM out of this system firmware image (a BIOS update, a flash dump), chosen by the card's IDs; for a UEFI guest, also the image's X64 GOP driver for the card's vendor (an APU's AMDGopDriver) when the ROM has no EFI image.", valueName: "FIRMWARE"))
    var romFrom: String?

    @Option(name: .customLong("with"), help: ArgumentHelp("Another device of the card's IOMMU group you will hand over too (repeatable).", valueName: "ADDR"),
            transform: PCIAddress.init(parsingArgument:))
    var with: [PCIAddress] = []

    enum Display: String, ExpressibleByArgument, CaseIterable { case primary, secondary }

    @Option(help: ArgumentHelp("""
        primary: the card is the guest's boot display (xl `gfx_passthru = 1`, QEMU `x-vga=on`); \
        secondary: the guest's own driver starts it. Default: primary for xen (qemu-dm loads the VGA BIOS \
        only with gfx_passthru), and for qemu/libvirt primary when the card is the host's boot display.
        """, valueName: "primary|secondary"))
    var display: Display?

    @Option(name: .customLong("add-efi"), help: ArgumentHelp("Add this EFI driver (PE32+/TE, or an EFI option ROM such as AMDGopDriver.rom) to bios.bin as an EFI image, for OVMF guests (instead of the one --rom-from would pick).", valueName: "FILE"))
    var addEFI: String?

    @Flag(help: "Xen: add iomem/ioports lines mapping every BAR 1:1 (rarely needed; pci= maps the BARs).")
    var iomem = false

    @Flag(help: "Replace files that already exist in DIR.")
    var force = false

    @Flag(help: "Use a --rom made for another chip anyway: write the card's IDs into it (a wrong VBIOS can hang the guest).")
    var retarget = false

    @Option(help: ArgumentHelp("The guest's firmware: bios (SeaBIOS, hvmloader) runs the legacy x86 image, uefi (OVMF) an X64 EFI image. Default: uefi for qemu and libvirt, bios for xen.", valueName: "bios|uefi"))
    var firmware: ROMPreparation.Firmware?

    @OptionGroup var read: ROMReadOptions
    @OptionGroup var host: HostOptions
    @OptionGroup var global: GlobalOptions

    /// Command-line mistakes: exit 64 with the usage, before anything is read.
    func validate() throws {
        if target == .xen, firmware == .uefi {
            throw ValidationError("--for xen --firmware uefi: vbios prepares Xen's gfx_passthru, where qemu-dm and hvmloader load the legacy VGA BIOS; "
                + "for an OVMF guest use --for qemu or --for libvirt.")
        }
        if romFile != nil, romFrom != nil { throw ValidationError("--rom and --rom-from both name the ROM; give one.") }
    }

    func run() throws {
        DeviceStateGuard.installSignalHandlers()
        try body()
    }

    func body() throws {
        let root = host.root
        // One enumeration answers for the card, its slot and its IOMMU group.
        let named = address
        let bus = try PCIBus.scan(root, requiring: [named])
        let slot = try bus.slot(of: named)
        let device = slot.named
        let dir = absolutePath(outDir)
        let names = ConfigFiles.names(for: target)

        // Refuse before reading anything: files in the way.
        if pathKind(dir) == .file || pathKind(dir) == .other { throw UserError("\(outDir) exists and is not a folder; name a folder for --out.", path: dir) }
        let inTheWay = names.filter { pathKind(dir + "/" + $0, followLinks: false) != .missing }
        if let d = inTheWay.first(where: { pathKind(dir + "/" + $0, followLinks: false) == .directory }) {
            throw UserError("\(dir)/\(d) is a folder; move it away (even --force replaces only files).", path: dir + "/" + d)
        }
        if !inTheWay.isEmpty, !force {
            throw UserError("\(dir) already holds \(inTheWay.joined(separator: ", ")); pass --force to replace them, or choose another --out.", path: dir)
        }

        // The card: every function of its slot.
        let functions = slot.functions
        let card = try PassthroughCard(slot: slot, romAt: device.isDisplay ? device.address : nil)
        try checkIOMMUGroup(slot, bus: bus)

        // The ROM.
        let romBytes: [UInt8]
        let romOrigin: String
        let rom = card.romFunction
        var walked: FirmwareReport?
        if let romFrom {
            let image = try FileBytes(path: romFrom).bytes
            let report = FirmwareWalker.findROMs(image)
            walked = report
            let chosen: FirmwareROMSelection.Candidate
            do { chosen = try FirmwareROMSelection.choose(report, vendorID: rom.vendorID, deviceID: rom.deviceID) } catch {
                throw UserError("\(romFrom): \(error)", path: romFrom)
            }
            romBytes = chosen.item.bytes
            romOrigin = "\(romFrom): \(chosen.summary)"
            if !chosen.exact {
                Terminal.warn("\(romFrom) has no ROM naming \(rom.ids) itself; using one whose device list includes it.")
            }
        } else if let romFile {
            romBytes = try FileBytes(path: romFile, limit: maximumROMSize).bytes
            romOrigin = romFile
            if let why = try ROMPreparation.checkChip(ROMParser.parse(romBytes), file: romFile, card: rom.address.description,
                                                      vendorID: rom.vendorID, deviceID: rom.deviceID, retarget: retarget) {
                Terminal.warn("\(romFile): \(why); --retarget: its IDs are set to the card's. Make sure it really is this card's ROM (same board, same memory).")
            }
        } else {
            let romDevice = functions.first { $0.address == rom.address } ?? device
            let got = try read.read(romDevice, root: root)
            romBytes = got.bytes
            romOrigin = "\(got.choice.kept.source.name) (\(got.choice.kept.source.location))"
            for f in got.layout.findings(.shadowCopy) { Terminal.warn(f.message) }
            if got.choice.kept.unstable { Terminal.warn("two reads of the ROM differed: unbind the card's driver and run prepare again.") }
        }

        // Everything computed before anything is written.
        let biosPath = dir + "/bios.bin"
        let prepared: ROMPreparation.Result
        var driver: [UInt8]?
        // An OVMF guest needs an X64 EFI image: without --add-efi, the GOP driver the same
        // firmware image holds for the card's vendor (an APU's AMDGopDriver) is added.
        var gop: FirmwareGOPSelection.Candidate?
        var efiAdvice: String?
        if let addEFI {
            driver = try FileBytes(path: addEFI, limit: maximumROMSize).bytes
        } else if let walked, let romFrom, target != .xen, (firmware ?? .default(for: target)) == .uefi {
            let outcome = FirmwareGOPSelection.forPreparation(walked, rom: romBytes, vendorID: rom.vendorID)
            if case .chosen(let c) = outcome {
                gop = c
                driver = c.item.bytes
            }
            efiAdvice = outcome.advice(firmwarePath: romFrom)
        }
        // The BAR as the kernel sizes it; a shadowed one stands for the 0xC0000 copy, not the flash.
        let bar = (functions.first { $0.address == rom.address } ?? device).rom.flatMap { $0.shadowed ? nil : Int(exactly: $0.size) }
        do {
            var options = ROMPreparation.Options(romPath: biosPath, addEFI: driver, romBarSize: bar)
            options.firmware = firmware
            options.efiAdvice = efiAdvice
            prepared = try ROMPreparation.prepare(romBytes, vendorID: rom.vendorID, deviceID: rom.deviceID, for: target,
                                                  options: options)
        } catch {
            let from = gop.map { " (adding the GOP driver \($0.summary) from \(romFrom ?? "the firmware"); pass --add-efi FILE to pick another)" } ?? ""
            throw UserError("\(rom.address): \(error.message)\(from)", exitCode: 1)
        }
        let files = try ConfigFiles.files(card, rom: prepared.bytes, for: target, options: .init(
            romPath: biosPath, primaryDisplay: display.map { $0 == .primary },
            ranges: iomem && target == .xen ? PassthroughCard.ranges(of: functions) : nil)).map { ($0.name, $0.bytes) }
        if iomem, target != .xen { Terminal.warn("--iomem is for Xen's xl.cfg; ignored for \(target.rawValue).") }

        try FileSet.write(files, into: dir, overwrite: force)

        let steps = NextSteps.text(target: target, card: card, outDir: dir)
        if global.json {
            Terminal.out(JSON.object([
                ("address", .string(rom.address.description)), ("target", .string(target.rawValue)), ("outDir", .string(dir)),
                ("firmware", .string((firmware ?? .default(for: target)).rawValue)),
                ("functions", .array(card.functions.map { .string($0.address.description) })),
                ("romSource", .string(romOrigin)), ("size", .int(prepared.bytes.count)),
                ("gopDriver", gop.map { $0.json(source: romFrom ?? "") } ?? .null),
                ("files", .array(files.map { .object([("name", .string($0.0)), ("path", .string(dir + "/" + $0.0)), ("size", .int($0.1.count))]) })),
                ("notes", .array(prepared.notes.map(\.json))),
                ("acceptance", .array(prepared.acceptance.map { a in
                    .object([("profile", .string(a.profile.rawValue)), ("ok", .bool(a.ok)), ("problems", .array(a.problems.map(\.json)))])
                })),
                ("nextSteps", .string(steps)),
            ]).rendered())
            return
        }
        Terminal.out("ROM of \(rom.address) (\(rom.ids)) from \(romOrigin): \(romBytes.count) bytes")
        if let gop, let romFrom {
            Terminal.out("GOP driver from \(romFrom): \(gop.summary), added as an EFI image (chosen by its "
                + gop.evidence.joined(separator: " and ") + "); pass --add-efi FILE to use another.")
        }
        for n in prepared.notes {
            if n.severity == .info { Terminal.out("  " + n.message) } else { Terminal.warn(n.message) }
        }
        for a in prepared.acceptance {
            let w = a.problems.filter { $0.severity != .info }
            Terminal.out("\(a.profile.displayName): " + (a.ok ? "accepts bios.bin" : "would refuse bios.bin") + (w.isEmpty ? "" : " (\(w.count) warning\(w.count == 1 ? "" : "s"))"))
            for p in w { Terminal.out("  \(p.severity == .error ? "error" : "warning"): \(p.message)") }
        }
        Terminal.out("wrote into \(dir):")
        for (name, bytes) in files { Terminal.out("  \(name) (\(bytes.count) bytes)") }
        Terminal.out("")
        Terminal.write(1, steps)
    }

    /// The whole IOMMU group goes to the guest (`GroupNotIsolated`), --with included.
    func checkIOMMUGroup(_ slot: Slot, bus: PCIBus) throws {
        // --with names devices that must exist: a typo would otherwise vouch for a group member.
        for a in with where bus.entry(at: a) == nil { throw DeviceError.notFound(a, bus.root) }
        try GroupNotIsolated.check(slot, also: with)
    }
}
