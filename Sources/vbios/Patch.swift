import ArgumentParser
import OptionROM
import PCIHost
#if canImport(Glibc)
import Glibc
#endif
import Core
import SystemIO

struct Patch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patch",
        abstract: "Repair or reshape a ROM file: checksum, IDs, header, images, size.",
        discussion: ExitStatus.discussion("""
            Operations are applied in this order, whatever order they are given in:
              1. --strip-header  remove an NVGI header or any bytes before the first image
              2. --extract, --drop-efi  keep one image (legacy, efi, or its index), or remove
                 the EFI images; the image that now ends the chain is marked last (PCIR, and
                 NPDE if any), and a note names every image dropped
                 --add-efi, --replace-efi  build an EFI image around a driver (PE32+/TE, or
                 the EFI image of an option ROM) with the ROM's IDs, as EDK2's EfiRom does,
                 and put it where UEFI firmware finds it (NVIDIA: before the 0xE0/0x70 images,
                 with an NPDE); --compress-efi stores it EFI-compressed
              3. --truncate      cut what follows the end of the chain
              4. --set-ids       IDs in every PCIR naming the ROM's IDs (and device lists)
              5. checksums       each legacy image with --fix-checksum or changed by 2-4
              6. --pad-to        fill with 0xFF up to a size

            The checksum byte (--checksum-byte auto): 0x21 for AMD ATOM ROMs; the last byte when the image \
            already keeps a lone checksum byte after its padding; byte 6 when the header starts with a near \
            jump (SeaBIOS VGA BIOSes, iPXE; QEMU's vfio also adjusts byte 6); else the last byte. \
            Each change is printed (offset, old -> new, why). The result is parsed again before it is \
            written; a patch that would break the ROM, or a result whose verdict is fail (a broken input kept \
            broken), is refused with the reason, nothing is written and the exit status is 1 \
            (--allow-broken writes it anyway). --force has one meaning: replace OUT.
            """, ExitStatus.patch))

    @Argument(help: "The ROM file to patch (never modified unless it is also OUT and --force is given), or a device's PCI address to patch a copy of its ROM.", completion: .file())
    var file: String

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Where to write the patched ROM; - for stdout (the report then goes to stderr).", valueName: "FILE"),
            completion: .file())
    var output: String?

    @Flag(help: "Repair the checksum of every legacy x86 image.")
    var fixChecksum = false

    @Option(help: ArgumentHelp("Which byte absorbs a checksum: auto, last, or an offset in the image (6 is QEMU vfio's). (default: auto)",
                               valueName: "auto|last|OFFSET"),
            transform: ChecksumByte.init(parsingArgument:))
    var checksumByte: ChecksumByte = .auto

    @Option(name: .customLong("set-ids"), help: ArgumentHelp("Write vendor and device IDs, VVVV:DDDD in hex, into the PCI data structures.", valueName: "VVVV:DDDD"),
            transform: PCIIDs.init(parsingArgument:))
    var setIDs: PCIIDs?

    @Flag(help: "Remove an nvflash NVGI header or other bytes before the first image.")
    var stripHeader = false

    @Option(help: ArgumentHelp("Keep one image only: legacy, efi, or its index; it is marked last.", valueName: "IMAGE"), transform: ImageSelector.init(parsingArgument:))
    var extract: ImageSelector?

    @Flag(name: .customLong("drop-efi"), help: "Remove the EFI images.")
    var dropEFI = false

    @Option(name: .customLong("add-efi"), help: ArgumentHelp("Add an EFI image around this driver: a PE32+/TE EFI driver, or an EFI option ROM (its driver is taken out).", valueName: "FILE"), completion: .file())
    var addEFI: String?

    @Option(name: .customLong("replace-efi"), help: ArgumentHelp("Drop the ROM's EFI images and add this driver instead (as --add-efi).", valueName: "FILE"), completion: .file())
    var replaceEFI: String?

    @Flag(name: .customLong("compress-efi"), help: "Store the driver of --add-efi/--replace-efi EFI-compressed (smaller; every UEFI firmware decompresses it).")
    var compressEFI = false

    @Option(name: .customLong("rom-bar"), help: ArgumentHelp("The card's ROM BAR size (see `vbios bars`): a result larger than it is refused.", valueName: "SIZE"),
            transform: ByteCount.init(parsingArgument:))
    var romBar: ByteCount?

    @Option(help: ArgumentHelp("Pad with 0xFF to SIZE bytes (64K, 128K, 1M, 0x10000...; at most 16M).", valueName: "SIZE"), transform: PadSize.init(parsingArgument:))
    var padTo: PadSize?

    @Flag(help: "Cut the bytes after the end of the image chain.")
    var truncate = false

    @Flag(help: "Print what would change; write nothing.")
    var dryRun = false

    @Flag(help: "Replace OUT when it exists (also when OUT is the input file).")
    var force = false

    @Flag(name: .customLong("allow-broken"), help: "Write a result that would otherwise be refused: one that no longer verifies, or IDs that cannot be right.")
    var allowBroken = false

    @OptionGroup var global: GlobalOptions
    @OptionGroup var host: HostOptions
    @OptionGroup var read: ROMReadOptions

    func plan() throws -> PatchPlan {
        var p = PatchPlan()
        p.fixChecksum = fixChecksum
        p.checksumByte = checksumByte
        p.setIDs = setIDs
        p.stripHeader = stripHeader
        p.extract = extract
        p.dropEFI = dropEFI
        p.padTo = padTo?.value
        p.truncate = truncate
        p.force = allowBroken
        p.addEFI = try addEFI.map(Patch.readDriver)
        p.replaceEFI = try replaceEFI.map(Patch.readDriver)
        p.compressEFI = compressEFI
        p.romBarSize = romBar?.value
        p.naming = .cli
        return p
    }

    /// Command-line mistakes: exit 64 with the usage, before any file is read.
    func validate() throws {
        let asked = stripHeader || extract != nil || dropEFI || truncate || setIDs != nil || fixChecksum || padTo != nil
            || addEFI != nil || replaceEFI != nil
        if !asked {
            throw ValidationError("no operation given. Choose from --fix-checksum, --set-ids, --strip-header, --extract, --drop-efi, --add-efi, --replace-efi, --truncate, --pad-to.")
        }
        if !dryRun, output == nil { throw ValidationError("name the output file with -o OUT (or pass --dry-run).") }
        if !dryRun { try Output.validate(output, json: global.json) }
    }

    func run() throws {
        try body()
    }

    func body() throws {
        let plan = try plan()
        if !dryRun, let output, !Output.isStandardOutput(output) {
            if try sameFile(file, output), !force {
                throw UserError("\(output) is the input file; write elsewhere, or pass --force to replace it.", path: output)
            }
            if pathKind(output, followLinks: false) != .missing, !force {
                throw AtomicFile.Exists(path: output)
            }
        }
        // A device's ROM is read as `dump` reads it; the device itself is never written.
        let input = try ROMArgument.bytes(file, host: host, read: read).bytes
        let result: PatchResult
        do {
            result = try ROMPatcher.apply(plan, to: input)
        } catch {
            // A refused driver is about the driver's file: the message and `path` name it.
            if error.code == .driver, let driver = addEFI ?? replaceEFI {
                throw UserError("\(driver): \(error.message)", exitCode: 1, path: driver)
            }
            throw UserError("\(file): \(error.description)", exitCode: 1, path: file)
        }
        if !dryRun, let output {
            // A result whose verdict is fail (an input already broken, kept so) is not written either.
            try BrokenROM.check(result.layout, writing: output, from: file, allowBroken: allowBroken,
                                instead: "repair what the findings name (--fix-checksum for a checksum)")
            try Output.write(result.bytes, to: output, overwrite: force)
        }
        if global.json {
            Terminal.out(JSON.object([
                ("file", .string(file)), ("output", .optional(output)), ("dryRun", .bool(dryRun)),
                ("size", .int(result.bytes.count)),
                ("changes", .array(result.changes.map(\.json))),
                ("notes", .array(result.notes.map { .string($0.message) })),
                ("verdict", .string(result.layout.verdict.rawValue)),
                ("findings", .array(result.layout.findings.map(\.json))),
            ]).rendered())
            return
        }
        // With -o - stdout carries the ROM: the report goes to stderr.
        let toStderr = !dryRun && Output.isStandardOutput(output)
        let say: (String) -> Void = { toStderr ? Terminal.note($0) : Terminal.out($0) }
        if result.changes.isEmpty { say("No changes: the ROM already is what was asked for.") }
        for c in result.changes { say(Patch.line(c)) }
        for n in result.notes { Terminal.note("note: " + n.message) }
        if dryRun {
            Terminal.note("dry run: nothing written (the result would be \(result.bytes.count) bytes).")
        } else if let output {
            Terminal.note("wrote \(Output.name(output)): \(result.bytes.count) bytes, \(result.layout.images.count) image\(result.layout.images.count == 1 ? "" : "s"), "
                + (result.layout.isClean ? "verifies clean." : "verdict \(result.layout.verdict.rawValue) (see `vbios info \(Output.isStandardOutput(output) ? "FILE" : output)`)."))
        }
    }

    /// The bytes of a driver file for --add-efi/--replace-efi (a driver or an option ROM; 16 MiB at most).
    static func readDriver(_ path: String) throws -> [UInt8] {
        let data = try FileBytes(path: path, limit: maximumROMFileSize)
        return data.withUnsafeBytes { Array($0) }
    }

    static func line(_ c: Change) -> String {
        let at = Hex.prefixed(c.offset, width: 4)
        let hex = { (b: [UInt8]) in b.map { Hex.string($0, width: 2) }.joined(separator: " ") }
        let what: String
        if c.new.isEmpty { what = "-\(c.old.count) bytes" }
        else if c.old.isEmpty { what = "+\(c.new.count) bytes" }
        else if c.old.count <= 8 { what = hex(c.old) + " -> " + hex(c.new) }
        else { what = "\(c.old.count) bytes -> \(c.new.count) bytes" }
        return "\(at)  \(what)  \(c.reason)"
    }
}
