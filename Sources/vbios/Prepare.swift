import ArgumentParser
import Firmware
import OptionROM
import PCIHost
import Passthrough
#if canImport(Glibc)
import Glibc
#endif
import Core
import SystemIO

extension ROMPreparation.Firmware: ExpressibleByArgument {}
extension APUGOPROM.Placement: ExpressibleByArgument {}
extension IGDMode: ExpressibleByArgument {}

struct Prepare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The whole job: read the card's ROM, check and repair it, write bios.bin and the guest's config fragments.",
        discussion: ExitStatus.discussion("""
            Writes into --out-dir DIR (created when missing): bios.bin, and for xen: xen.cfg and kernel-cmdline.txt; \
            for qemu: qemu-args.txt; for libvirt: libvirt-hostdev.xml; for proxmox: proxmox.conf, with the ROM as vbios-VVVV-DDDD.rom (the name its romfile= line uses). --rom-path names where the ROM will live on the VM host. Then prints the next steps. \
            Refuses, with the reason, what cannot work: no legacy image for Xen, a ROM over 64 KiB for Xen, \
            an IOMMU group holding devices other than the card's functions and bridges, a --rom made for \
            another chip (unless --retarget). --firmware uefi (the default for qemu and libvirt) says when \
            the ROM has no X64 EFI image for OVMF (with --rom-from, the firmware image's GOP driver for the card's \
            vendor is added then, and named); --firmware bios requires SeaBIOS to accept bios.bin. \
            Nothing is written unless every file can be; existing files are kept unless --force is given. \
            --dry-run does everything but write: it prints what it would write (the plan, with --json).
            """, ExitStatus.prepare))

    @Argument(help: "The card, DDDD:BB:DD.F or BB:DD.F (its other functions are found in its slot).",
              completion: PCICompletion.addresses, transform: PCIAddress.init(parsingArgument:))
    var address: PCIAddress

    @Option(name: .customLong("for"), help: "The hypervisor: \(PassthroughTarget.allCases.map(\.rawValue).joined(separator: ", ")).")
    var target: PassthroughTarget

    @Option(name: .customLong("out-dir"), help: ArgumentHelp("The folder to write into (required).", valueName: "DIR"), completion: .directory)
    var outDirOption: String?

    /// The old spelling of --out-dir, kept working, out of the help.
    @Option(name: .customLong("out"), help: .hidden, completion: .directory)
    var legacyOut: String?

    var outDir: String { outDirOption ?? legacyOut ?? "" }

    @Option(name: .customLong("rom-path"), help: ArgumentHelp("Where the ROM will live on the VM host (absolute); every config names it. Default: DIR/bios.bin; for proxmox /usr/share/kvm/vbios-VVVV-DDDD.rom (Proxmox loads ROMs only from /usr/share/kvm).", valueName: "PATH"))
    var romPathOption: String?

    @Flag(help: "Read, check and prepare everything, print what would be written (the plan, with --json); write nothing.")
    var dryRun = false

    @Option(name: .customLong("rom"), help: ArgumentHelp("Use this ROM file instead of reading the card's.", valueName: "FILE"), completion: .file())
    var romFile: String?

    @Option(name: .customLong("rom-from"), help: ArgumentHelp("Take the card's legacy ROM out of this system firmware image (a BIOS update, a flash dump), chosen by the card's IDs; for a UEFI guest, also the image's X64 GOP driver for the card's vendor (an APU's AMDGopDriver) when the ROM has no EFI image.", valueName: "FIRMWARE"), completion: .file())
    var romFrom: String?

    @Option(name: .customLong("with"), help: ArgumentHelp("Another device of the card's IOMMU group you will hand over too (repeatable).", valueName: "ADDR"),
            completion: PCICompletion.addresses, transform: PCIAddress.init(parsingArgument:))
    var with: [PCIAddress] = []

    enum Display: String, ExpressibleByArgument, CaseIterable { case primary, secondary }

    @Option(help: ArgumentHelp("""
        primary: the card is the guest's boot display (xl `gfx_passthru = 1`, QEMU `x-vga=on`); \
        secondary: the guest's own driver starts it. Default: primary for xen (qemu-dm loads the VGA BIOS \
        only with gfx_passthru), and for qemu/libvirt primary when the card is the host's boot display.
        """, valueName: "primary|secondary"))
    var display: Display?

    @Option(name: .customLong("add-efi"), help: ArgumentHelp("Add this EFI driver (PE32+/TE, or an EFI option ROM such as AMDGopDriver.rom) to bios.bin as an EFI image, for OVMF guests (instead of the one --rom-from would pick).", valueName: "FILE"), completion: .file())
    var addEFI: String?

    @Option(name: .customLong("igd-mode"), help: ArgumentHelp("An Intel IGD: legacy (QEMU's legacy mode: guest 00:02.0, its VBIOS, the only display) or upt (Universal Pass-Through: a secondary display the guest's driver starts). Default: legacy for the generations QEMU's legacy mode supports (Sandy Bridge to Raptor Lake), upt otherwise.", valueName: "legacy|upt"))
    var igdMode: IGDMode?

    @Option(name: .customLong("igd-efi"), help: ArgumentHelp("An Intel IGD's OVMF guest: an EFI driver to put in bios.bin ahead of Intel's GOP (IgdAssignmentDxe.efi, then PlatformGopPolicy.efi, built with EDK2; repeatable, in order).", valueName: "FILE"), completion: .file())
    var igdEFI: [String] = []

    @Option(name: .customLong("gop-rom"), help: ArgumentHelp("Where an added GOP driver goes: separate (its own ROM, gop.rom, for the card's HD-audio function, as the AMD APU guides do) or merged (an EFI image in bios.bin). Default: separate for a VBIOS read from ACPI VFCT (an APU) when the card has an HD-audio function, else merged.", valueName: "separate|merged"))
    var gopPlacement: APUGOPROM.Placement?

    @Flag(help: "Xen: add iomem/ioports lines mapping every BAR 1:1 (rarely needed; pci= maps the BARs).")
    var iomem = false

    @Flag(help: "Replace files that already exist in DIR.")
    var force = false

    @Flag(name: .customLong("allow-broken"), help: "Write a bios.bin that would otherwise be refused: one whose verdict is fail, or a runtime copy of a discrete boot display for qemu/libvirt.")
    var allowBroken = false

    @Flag(help: "Use a --rom made for another chip anyway: write the card's IDs into it (a wrong VBIOS can hang the guest).")
    var retarget = false

    @Option(help: ArgumentHelp("The guest's firmware: bios (SeaBIOS, hvmloader) runs the legacy x86 image, uefi (OVMF) an X64 EFI image. Default: uefi for qemu and libvirt, bios for xen.", valueName: "bios|uefi"))
    var firmware: ROMPreparation.Firmware?

    @OptionGroup var read: ROMReadOptions
    @OptionGroup var host: HostOptions
    @OptionGroup var global: GlobalOptions

    /// Command-line mistakes: exit 64 with the usage, before anything is read.
    func validate() throws {
        if let why = target.profile.legacyOnlyReason, firmware == .uefi {
            throw ValidationError("--for \(target) --firmware uefi: \(why); "
                + "for an OVMF guest use --for qemu or --for libvirt.")
        }
        if let p = romPathOption, !p.hasPrefix("/") {
            throw ValidationError("--rom-path \(p): name where the ROM will live on the VM host as an absolute path (configs are read from anywhere).")
        }
        if romFile != nil, romFrom != nil { throw ValidationError("--rom and --rom-from both name the ROM; give one.") }
        if outDirOption == nil, legacyOut == nil { throw ValidationError("name the folder to write into with --out-dir DIR.") }
        if outDirOption != nil, legacyOut != nil { throw ValidationError("--out-dir and --out (its old spelling) both name the folder; give one.") }
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
        // The card: every function of its slot.
        let functions = slot.functions
        var card = try PassthroughCard(slot: slot, romAt: device.isDisplay ? device.address : nil)
        if card.romFunction.isIntelIGD { card.igdMode = igdMode ?? .automatic(deviceID: card.romFunction.deviceID) }
        // An IGD in legacy mode boots SeaBIOS unless asked otherwise (IGDMode.defaultFirmware).
        let igdFirmware = self.firmware == nil && card.isIntelIGD && target.profile.legacyOnlyReason == nil ? IGDMode.defaultFirmware(card.igdMode) : nil
        let firmware = self.firmware ?? igdFirmware
        let profile = target.profile
        let biosPath = romPathOption ?? profile.defaultROMPath(card, outDir: dir)
        if let refused = profile.checkROMPath(biosPath) { throw UserError("--rom-path: \(refused.message)") }
        let names = ConfigFiles.names(for: target, romPath: biosPath)

        // Refuse before reading anything: files in the way.
        if pathKind(dir) == .file || pathKind(dir) == .other { throw UserError("\(outDir) exists and is not a folder; name a folder for --out-dir.", path: dir) }
        let inTheWay = names.filter { pathKind(dir + "/" + $0, followLinks: false) != .missing }
        if let d = inTheWay.first(where: { pathKind(dir + "/" + $0, followLinks: false) == .directory }) {
            throw UserError("\(dir)/\(d) is a folder; move it away (even --force replaces only files).", path: dir + "/" + d)
        }
        if !inTheWay.isEmpty, !force {
            throw UserError("\(dir) already holds \(inTheWay.joined(separator: ", ")); pass --force to replace them, or choose another --out-dir.", path: dir)
        }

        try checkIOMMUGroup(slot, bus: bus)

        // The ROM.
        let rom = card.romFunction
        let (romBytes, romOrigin, walked, noROM, fromVFCT) = try acquireROM(card, device: functions.first { $0.address == rom.address } ?? device,
                                                                  root: root, profile: profile)

        // Everything computed before anything is written.
        var prepared: ROMPreparation.Result?
        var driver: [UInt8]?
        // An OVMF guest needs an X64 EFI image: without --add-efi, the GOP driver the same
        // firmware image holds for the card's vendor (an APU's AMDGopDriver) is added.
        var gop: FirmwareGOPSelection.Candidate?
        var efiAdvice: String?
        if let addEFI {
            driver = try FileBytes(path: addEFI, limit: maximumROMSize).bytes
        } else if let walked, let romFrom, let romBytes, profile.legacyOnlyReason == nil, (firmware ?? .default(for: target)) == .uefi {
            let outcome = FirmwareGOPSelection.forPreparation(walked, rom: romBytes, vendorID: rom.vendorID)
            if case .chosen(let c) = outcome {
                gop = c
                driver = c.item.bytes
            }
            efiAdvice = outcome.advice(firmwarePath: romFrom)
        }
        let gopROM = try separateGOP(&driver, card: card, fromVFCT: fromVFCT, biosPath: biosPath)
        var igdNotes: [Finding] = [], assembled: [UInt8]?
        if !igdEFI.isEmpty, let romBytes {
            let r = try igdDrivers(romBytes, card: card, firmware: firmware)
            (assembled, igdNotes) = (r.0, r.1)
        }
        // The BAR as the kernel sizes it; a shadowed one stands for the 0xC0000 copy, not the flash.
        let bar = (functions.first { $0.address == rom.address } ?? device).rom.flatMap { $0.shadowed ? nil : Int(exactly: $0.size) }
        if let romBytes = assembled ?? romBytes { do {
            var options = ROMPreparation.Options(romPath: biosPath, addEFI: driver, romBarSize: bar)
            options.firmware = firmware
            options.efiAdvice = efiAdvice
            options.allowGOPMismatch = allowBroken
            prepared = try ROMPreparation.prepare(romBytes, vendorID: rom.vendorID, deviceID: rom.deviceID, for: target,
                                                  options: options)
        } catch {
            let from = gop.map { " (adding the GOP driver \($0.summary) from \(romFrom ?? "the firmware"); pass --add-efi FILE to pick another)" } ?? ""
            throw UserError("\(rom.address): \(error.message)\(from)", exitCode: 1)
        } }
        if let prepared {
            try BrokenROM.check(ROMParser.parse(prepared.bytes), writing: biosPath, from: romOrigin, allowBroken: allowBroken,
                                instead: "use another ROM (--rom FILE, --rom-from FIRMWARE)")
        }
        // UPT: the IGD is a secondary display beside the guest's emulated VGA.
        let upt = card.romFunction.isIntelIGD && card.igdMode == .upt
        var configOptions = ConfigFiles.Options(romPath: biosPath, primaryDisplay: display.map { $0 == .primary } ?? (upt ? false : nil),
                                                ranges: iomem && profile.mapsBARs ? PassthroughCard.ranges(of: functions) : nil)
        configOptions.firmware = firmware
        configOptions.romBAR = prepared != nil
        if let gopROM { configOptions.functionROMs[gopROM.function.address] = Self.gopPath(biosPath) }
        let files = try ConfigFiles.files(card, rom: prepared?.bytes, for: target, options: configOptions).map { ($0.name, $0.bytes) }
            + (gopROM.map { [(APUGOPROM.fileName, $0.bytes)] } ?? [])
        if iomem, !profile.mapsBARs { Terminal.warn("--iomem is for Xen's xl.cfg; ignored for \(target.rawValue).") }

        if !dryRun { try FileSet.write(files, into: dir, overwrite: force) }

        let steps = NextSteps.text(target: target, card: card, outDir: dir, romPath: romPathOption, hasROM: prepared != nil)
            + (gopROM.map { APUGOPROM.nextStep($0, path: Self.gopPath(biosPath)) } ?? "")
            + (card.romFunction.isIntelIGD ? "\n" + IGDMode.statement(card.igdMode, deviceID: card.romFunction.deviceID, asked: igdMode != nil)
               + (igdFirmware != nil ? " " + IGDMode.firmwareStatement + " --firmware uefi asks for OVMF." : "")
               + (card.isIntelIGD && firmware == .uefi ? " " + IGDMode.uefiStatement : "") + "\n" : "")
        // A GOP in its own ROM answers the no-efi-image note about bios.bin.
        let notes = igdNotes + (prepared?.notes ?? []).filter { gopROM == nil || $0.code != .noEFIImage } + (gopROM?.notes ?? []), acceptance = prepared?.acceptance ?? []
        if global.json {
            Terminal.out(JSON.object([
                ("address", .string(rom.address.description)), ("target", .string(target.rawValue)), ("outDir", .string(dir)),
                ("dryRun", .bool(dryRun)), ("romPath", prepared == nil ? .null : .string(biosPath)),
                ("romBAR", .bool(prepared != nil)), ("noROM", noROM.map { .string($0) } ?? .null),
                ("firmware", .string((firmware ?? .default(for: target)).rawValue)),
                ("functions", .array(card.functions.map { .string($0.address.description) })),
                ("romSource", .string(romOrigin)), ("size", .int(prepared?.bytes.count ?? 0)),
                ("gopDriver", gop.map { $0.json(source: romFrom ?? "") } ?? .null),
                ("gopROM", gopROM.map { g in .object([("function", .string(g.function.address.description)), ("path", .string(Self.gopPath(biosPath))),
                                                      ("size", .int(g.bytes.count))]) } ?? .null),
                ("igdMode", card.romFunction.isIntelIGD ? .string(card.igdMode.rawValue) : .null),
                ("files", .array(files.map { .object([("name", .string($0.0)), ("path", .string(dir + "/" + $0.0)), ("size", .int($0.1.count))]) })),
                ("notes", .array(notes.map(\.json))),
                ("acceptance", .array(acceptance.map { a in
                    .object([("profile", .string(a.profile.rawValue)), ("ok", .bool(a.ok)), ("problems", .array(a.problems.map(\.json)))])
                })),
                ("nextSteps", .string(steps)),
            ]).rendered())
            return
        }
        if let romBytes { Terminal.out("ROM of \(rom.address) (\(rom.ids)) from \(romOrigin): \(romBytes.count) bytes") }
        if let noROM { Terminal.warn(noROM) }
        if let gop, let romFrom {
            Terminal.out("GOP driver from \(romFrom): \(gop.summary), added as an EFI image (chosen by its "
                + gop.evidence.joined(separator: " and ") + "); pass --add-efi FILE to use another.")
        }
        // Warnings first, then the acceptance of what was chosen: the hypervisor, and SeaBIOS
        // only for a BIOS guest (an OVMF guest never runs the legacy image).
        for n in notes where n.severity != .info { Terminal.warn(n.message) }
        for n in notes where n.severity == .info { Terminal.out("  " + n.message) }
        let chosenFirmware = firmware ?? .default(for: target)
        for a in acceptance where a.profile != .seabios || chosenFirmware == .bios {
            let w = a.problems.filter { $0.severity != .info }
            Terminal.out("\(a.profile.displayName): " + (a.ok ? "accepts " : "would refuse ") + (files.first?.0 ?? "bios.bin") + (w.isEmpty ? "" : " (\(w.count) warning\(w.count == 1 ? "" : "s"))"))
            for p in w { Terminal.out("  \(p.severity == .error ? "error" : "warning"): \(p.message)") }
        }
        Terminal.out(dryRun ? "dry run: would write into \(dir) (nothing written):" : "wrote into \(dir):")
        for (name, bytes) in files { Terminal.out("  \(name) (\(bytes.count) bytes)") }
        Terminal.out("")
        Terminal.write(1, steps)
    }

    /// The card's ROM: out of --rom-from's firmware image, --rom's file, or read from the card
    /// (`device`, its ROM function); nil bytes when the card has none to be had (`noROM` says why
    /// and what the guest gets without one).
    func acquireROM(_ card: PassthroughCard, device: PCIDevice, root: SysfsRoot, profile: any HypervisorProfile) throws
        -> (bytes: [UInt8]?, origin: String, walked: FirmwareReport?, noROM: String?, fromVFCT: Bool) {
        let rom = card.romFunction
        var romBytes: [UInt8]?
        var romOrigin = "none"
        var noROM: String?
        var walked: FirmwareReport?
        var fromVFCT = false
        if let romFrom {
            let image = try FileBytes(path: romFrom).bytes
            let line = global.json ? nil : Progress(what: "walking \(romFrom)", unit: "containers")
            let report = FirmwareWalker.findROMs(image, progress: line.map { p in
                { containers, decoded in p.update("\(containers) containers, \(decoded >> 20) MiB decompressed") }
            })
            line?.finish()
            walked = report
            let chosen: FirmwareROMSelection.Candidate
            do { chosen = try FirmwareROMSelection.choose(report, vendorID: rom.vendorID, deviceID: rom.deviceID, igd: rom.isIntelIGD) } catch {
                throw UserError("\(romFrom): \(error)", path: romFrom)
            }
            romBytes = chosen.item.bytes
            romOrigin = "\(romFrom): \(chosen.summary)"
            if !chosen.exact, chosen.item.rom?.deviceID == 0xFFFF {
                Terminal.out("\(romFrom) has no ROM naming \(rom.ids) itself; using Intel's all-device VBIOS (8086:ffff), the IGD's own.")
            } else if !chosen.exact {
                Terminal.warn("\(romFrom) has no ROM naming \(rom.ids) itself; using one whose device list includes it.")
            }
        } else if let romFile {
            let bytes = try FileBytes(path: romFile, limit: maximumROMSize).bytes
            romBytes = bytes
            romOrigin = romFile
            if let why = try ROMPreparation.checkChip(ROMParser.parse(bytes), file: romFile, card: rom.address.description,
                                                      vendorID: rom.vendorID, deviceID: rom.deviceID, igd: rom.isIntelIGD,
                                                      retarget: retarget) {
                Terminal.warn("\(romFile): \(why); --retarget: its IDs are set to the card's. Make sure it really is this card's ROM (same board, same memory).")
            }
        } else {
            do {
                let got = try read.read(device, root: root)
                // The rule doctor's rom-readable applies (RuntimeCopyRule): usable with a note, or refused.
                try BrokenROM.checkRuntimeCopy(got, device: device, for: target, allowBroken: allowBroken)
                romBytes = got.bytes
                fromVFCT = got.choice.kept.source is VFCTROMSource
                romOrigin = "\(got.choice.kept.source.name) (\(got.choice.kept.source.location))"
                    + (got.acpiProvenance.map { ": " + $0.lines.joined(separator: "; ") } ?? "")
                for f in got.layout.findings(.shadowCopy) + got.layout.findings(.driverCopy) { Terminal.warn(f.message) }
                if got.choice.kept.unstable { Terminal.warn("two reads of the ROM differed: unbind the card's driver and run prepare again.") }
            } catch let failure as ROMReader.Failure where read.source == .auto && profile.legacyOnlyReason == nil && MissingROM.isAbsent(failure) {
                // Nothing to read: the configs still go out, with the ROM BAR off (--rom/--rom-from do better).
                noROM = MissingROM.statement(card, target: target, why: failure.description)
                    + " (--rom FILE, --rom-from FIRMWARE)"
            }
        }
        return (romBytes, romOrigin, walked, noROM, fromVFCT)
    }

    /// The GOP driver as its own ROM for the card's HD-audio function when that is the placement
    /// (`APUGOPROM`): built and checked here, and then no longer added to bios.bin.
    func separateGOP(_ driver: inout [UInt8]?, card: PassthroughCard, fromVFCT: Bool, biosPath: String) throws -> APUGOPROM.Result? {
        guard let file = driver, (gopPlacement ?? APUGOPROM.defaultPlacement(card, vbiosFromVFCT: fromVFCT)) == .separate else { return nil }
        guard let audio = APUGOPROM.audioFunction(of: card) else {
            throw UserError("--gop-rom separate: \(card.romFunction.address)'s slot has no HD-audio function to carry the GOP ROM; use --gop-rom merged.", exitCode: 64)
        }
        do {
            let built = try APUGOPROM.build(driverFile: file, audio: audio, gpuVendor: card.romFunction.vendorID,
                                            gpuDevice: card.romFunction.deviceID, allowMismatch: allowBroken)
            driver = nil
            return built
        } catch {
            throw UserError("\(card.romFunction.address): \(error.message)" + (allowBroken ? "" : " (--allow-broken pairs them anyway)"), exitCode: 1)
        }
    }

    /// `--igd-efi`: the drivers an IGD's OVMF guest needs ahead of Intel's GOP, added in order.
    func igdDrivers(_ rom: [UInt8], card: PassthroughCard, firmware: ROMPreparation.Firmware?) throws -> ([UInt8], [Finding]) {
        guard card.isIntelIGD, (firmware ?? .default(for: target)) == .uefi, target.profile.legacyOnlyReason == nil else {
            throw UserError("--igd-efi is for an Intel IGD in legacy mode with an OVMF guest (--firmware uefi).", exitCode: 64)
        }
        let files = try igdEFI.map { try FileBytes(path: $0, limit: maximumROMSize).bytes }
        do { return try IGDUEFIROM.withDrivers(rom, drivers: files, names: igdEFI) } catch {
            throw UserError("\(card.romFunction.address): \(error.message)", exitCode: 1)
        }
    }

    static func gopPath(_ biosPath: String) -> String {
        (biosPath.lastIndex(of: "/").map { String(biosPath[..<$0]) } ?? ".") + "/" + APUGOPROM.fileName
    }

    /// The whole IOMMU group goes to the guest (`GroupNotIsolated`), --with included.
    func checkIOMMUGroup(_ slot: Slot, bus: PCIBus) throws {
        // --with names devices that must exist: a typo would otherwise vouch for a group member.
        for a in with where bus.entry(at: a) == nil { throw DeviceError.notFound(a, bus.root) }
        try GroupNotIsolated.check(slot, also: with)
    }
}
