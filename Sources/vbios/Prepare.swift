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

    @Option(name: .customLong("rom-candidate"), help: ArgumentHelp("With --rom-from: take this one (from 1) of the image's candidate ROMs for the card, as prepare lists them when several fit.", valueName: "N"))
    var romCandidate: Int?

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
        if romCandidate != nil, romFrom == nil { throw ValidationError("--rom-candidate N picks among the ROMs of --rom-from FIRMWARE; name the image.") }
        if let n = romCandidate, n < 1 { throw ValidationError("--rom-candidate \(n): candidates are numbered from 1.") }
        if romFile != nil, romFrom != nil { throw ValidationError("--rom and --rom-from both name the ROM; give one.") }
        if outDirOption == nil, legacyOut == nil { throw ValidationError("name the folder to write into with --out-dir DIR.") }
        if outDirOption != nil, legacyOut != nil { throw ValidationError("--out-dir and --out (its old spelling) both name the folder; give one.") }
    }

    func run() throws {
        DeviceStateGuard.installSignalHandlers()
        try body()
    }

    /// Parses, asks `Preparation` for the plan, renders it and writes its files.
    func body() throws {
        let root = host.root
        // One enumeration answers for the card, its slot and its IOMMU group.
        let bus = try PCIBus.scan(root, requiring: [address])
        let slot = try bus.slot(of: address)
        let device = slot.named
        let dir = absolutePath(outDir)
        // The card: every function of its slot.
        var card = try PassthroughCard(slot: slot, romAt: device.isDisplay ? device.address : nil)
        let biosPath: String
        do { biosPath = try Preparation.romPath(target, card: card, requested: romPathOption, outDir: dir) } catch {
            throw words(error, card: card)
        }
        // Refuse before reading anything: files in the way, a group that cannot go whole.
        try refuseFilesInTheWay(ConfigFiles.names(for: target, romPath: biosPath), dir: dir)
        try checkIOMMUGroup(slot, bus: bus)

        let romDevice = slot.functions.first { $0.address == card.romFunction.address } ?? device
        var request = Preparation(card: card, devices: slot.functions, rom: try origin(romDevice, root: root),
                                  target: target, outDir: dir)
        if let addEFI { request.gop = .file(path: addEFI, bytes: try FileBytes(path: addEFI, limit: maximumROMSize).bytes) }
        request.firmware = firmware
        request.romPath = romPathOption
        request.primaryDisplay = display.map { $0 == .primary }
        request.mapBARs = iomem
        request.allowBroken = allowBroken
        request.retarget = retarget
        request.firmwareCandidate = romCandidate
        request.wording = { NextStepWording.text($0) }
        request.igdMode = igdMode
        request.igdDrivers = try igdEFI.map { ($0, try FileBytes(path: $0, limit: maximumROMSize).bytes) }
        request.gopPlacement = gopPlacement
        card = request.card   // with the IGD's mode decided
        var plan = try request.start()
        do { try request.run(&plan) } catch {
            renderNotes(plan, card: card)
            throw words(error, card: card)
        }
        renderNotes(plan, card: card)
        if !dryRun { try FileSet.write(plan.files.map { ($0.name, $0.bytes) }, into: dir, overwrite: force) }
        if global.json {
            Terminal.out(json(plan, card: card, dir: dir).rendered())
        } else {
            render(plan, card: card, dir: dir)
        }
    }

    /// Where the ROM comes from: --rom-from's firmware image (walked here, with a progress
    /// line), --rom's file, or what the card's ROM function (`device`) gives.
    func origin(_ device: PCIDevice, root: SysfsRoot) throws -> Preparation.Origin {
        if let romFrom {
            let image = try FileBytes(path: romFrom).bytes
            let line = global.json ? nil : Progress(what: "walking \(romFrom)", unit: "containers")
            let report = FirmwareWalker.findROMs(image, progress: line.map { p in
                { containers, decoded in p.update("\(containers) containers, \(decoded >> 20) MiB decompressed") }
            })
            line?.finish()
            return .firmwareImage(path: romFrom, report: report)
        }
        if let romFile { return .file(path: romFile, bytes: try FileBytes(path: romFile, limit: maximumROMSize).bytes) }
        let read: Result<ROMReader.DeviceROM, ROMReader.Failure>
        do { read = .success(try self.read.read(device, root: root)) } catch let failure as ROMReader.Failure {
            read = .failure(failure)
        }
        return .device(device, read: read, automatic: self.read.source == .auto,
                       acpi: (try? read.get())?.acpiProvenance?.lines)
    }

    /// Files of the set that already exist: refused unless --force, and never a folder.
    func refuseFilesInTheWay(_ names: [String], dir: String) throws {
        if pathKind(dir) == .file || pathKind(dir) == .other { throw UserError("\(outDir) exists and is not a folder; name a folder for --out-dir.", path: dir) }
        let inTheWay = names.filter { pathKind(dir + "/" + $0, followLinks: false) != .missing }
        if let d = inTheWay.first(where: { pathKind(dir + "/" + $0, followLinks: false) == .directory }) {
            throw UserError("\(dir)/\(d) is a folder; move it away (even --force replaces only files).", path: dir + "/" + d)
        }
        if !inTheWay.isEmpty, !force {
            throw UserError("\(dir) already holds \(inTheWay.joined(separator: ", ")); pass --force to replace them, or choose another --out-dir.", path: dir)
        }
    }

    /// The whole IOMMU group goes to the guest (`GroupNotIsolated`), --with included.
    func checkIOMMUGroup(_ slot: Slot, bus: PCIBus) throws {
        // --with names devices that must exist: a typo would otherwise vouch for a group member.
        for a in with where bus.entry(at: a) == nil { throw DeviceError.notFound(a, bus.root) }
        try GroupNotIsolated.check(slot, also: with)
    }
}
