#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ArgumentParser
import Firmware
import OptionROM
import PCIHost
import Core
import SystemIO

struct Scan: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Find the option ROMs, GOP drivers and VBTs in a firmware image, or the option ROMs in any large file.",
        discussion: ExitStatus.discussion("""
            A system firmware image (UEFI firmware volumes, capsules, an Intel flash descriptor, coreboot \
            CBFS; up to 256 MiB) is walked, compressed sections decoded: each option ROM, GOP driver and Intel \
            VBT is reported with where it sits (volume, file GUID and UI name, the chain of sections, offsets). \
            With --out-dir DIR each is written as VVVV-DDDD[-vbios|-efi].rom, NAME.efi or NAME.vbt.

            Any other file (a memory dump, a ROM) gets the plain scan. BLOB may be of any size; it is read in \
            chunks into a buffer of at most 80 MiB, so memory stays bounded. A ROM is reported when a 55 AA \
            signature leads to a PCIR data structure inside its image and either its legacy checksum \
            holds or its chain's lengths make sense; later images of a chain are part of their ROM, \
            not ROMs of their own. With --out-dir DIR each ROM is written to \
            DIR/rom-OFFSET-VVVV-DDDD.bin (OFFSET in hex); `vbios info` then shows what is inside.
            """, ExitStatus.scan))

    @Argument(help: "The file to search (a firmware image, a /dev/mem or shadow-RAM dump, any blob).", completion: .file())
    var blob: String

    @Option(name: .customLong("out-dir"), help: ArgumentHelp("Write each ROM found to a file in this folder (created if missing).", valueName: "DIR"),
            completion: .directory)
    var outDir: String?

    /// The old spelling of --out-dir (patch's --extract keeps one image), kept working, out of the help.
    @Option(name: .customLong("extract"), help: .hidden, completion: .directory)
    var legacyExtract: String?

    /// The folder to extract into, by either spelling.
    var extract: String? { outDir ?? legacyExtract }

    @Flag(name: .long, help: "Replace files of the same name in the --out-dir folder.")
    var force = false

    @Flag(name: .long, help: "With --out-dir: say which files would be written; write nothing.")
    var dryRun = false

    func validate() throws {
        if outDir != nil, legacyExtract != nil { throw ValidationError("--out-dir and --extract (its old spelling) both name the folder; give one.") }
    }

    @Option(name: .customLong("for"), help: ArgumentHelp("List only what fits this card: its ROMs (by the PCIR's IDs or device list, as prepare --rom-from chooses), its vendor's GOP drivers, VBTs for an Intel card.", valueName: "ADDR|VVVV:DDDD"),
            completion: PCICompletion.addresses)
    var card: String?

    @OptionGroup var host: HostOptions

    @OptionGroup var global: GlobalOptions

    /// The largest file walked as system firmware: whole flash images and update capsules are far
    /// smaller; anything larger is a dump and gets the windowed plain scan.
    static let firmwareLimit = 256 << 20

    /// The card `--for` names: `VVVV:DDDD` (four hex digits each), or a PCI address read from
    /// sysfs, whose address, class and subsystem IDs also tell apart different ROMs with its IDs
    /// (`FirmwareROMSelection.narrow`, as prepare --rom-from chooses).
    func cardIDs() throws -> FirmwareROMSelection.Card? {
        guard let card else { return nil }
        let parts = card.split(separator: ":")
        if parts.count == 2, parts.allSatisfy({ $0.count == 4 }), let ids = PCIIDs(parsing: card) {
            return FirmwareROMSelection.Card(vendorID: ids.vendor, deviceID: ids.device)
        }
        guard let address = try? PCIAddress(parsing: card) else {
            throw ValidationError("--for \(card): expected a PCI address (01:00.0) or the card's IDs as VVVV:DDDD (10de:1c8d).")
        }
        let device = try host.device(address)
        let subsystem = device.subsystemVendorID.flatMap { v in device.subsystemDeviceID.map { PCIIDs(vendor: v, device: $0) } }
        return FirmwareROMSelection.Card(vendorID: device.vendorID, deviceID: device.deviceID,
                                         address: (address.bus, address.device, address.function),
                                         classCode: device.classCode, subsystem: subsystem)
    }

    /// A raw ACPI VFCT table with several entries for the card's IDs: only the ROMs prepare
    /// --rom-from would choose among for the card at that address (amdgpu's rule, `keep`).
    func keepVFCTEntry(for card: FirmwareROMSelection.Card, _ roms: inout [EmbeddedROM]) throws {
        let file = try ChunkedFile(path: blob)
        var head = [UInt8](repeating: 0, count: 4)
        let got = try head.withUnsafeMutableBytes { try file.read(into: $0, at: 0) }
        guard got == 4, head == Array("VFCT".utf8) else { return }
        var report = FirmwareWalker.findROMs(try FileBytes(path: blob, limit: Scan.firmwareLimit).bytes)
        Scan.keep(&report, for: card)
        let kept = Set(report.items.compactMap(\.fileOffset))
        roms.removeAll { !kept.contains($0.offset) }
    }

    /// What fits the card: its vendor's GOP drivers and an Intel card's VBTs, and of its ROMs the
    /// ones prepare --rom-from would choose among (copies included).
    static func keep(_ report: inout FirmwareReport, for card: FirmwareROMSelection.Card) {
        let (left, _) = FirmwareROMSelection.narrow(FirmwareROMSelection.candidates(report, for: card), for: card)
        let chosen = Set(left.map(\.item.bytes))
        let vfctHere = left.contains { $0.item.vfctEntry != nil && FirmwareROMSelection.atCard($0.item, card) }
        report.items.removeAll { item in
            guard FirmwareROMSelection.isFor(item, vendorID: card.vendorID, deviceID: card.deviceID) else { return true }
            guard item.kind == .optionROM, item.rom?.codeType == .x86 else { return false }
            return !chosen.contains(item.bytes) || (vfctHere && !FirmwareROMSelection.atCard(item, card))
        }
    }

    func run() throws {
        let card = try cardIDs()
        let ids = card.map { PCIIDs(vendor: $0.vendorID, device: $0.deviceID) }
        // System firmware (volumes, capsules, CBFS) is walked; anything else keeps the plain scan.
        // The file is read once, streamed: its pieces are looked at for firmware signatures as
        // they pass, and only a file that has them is read whole and walked.
        let fd = try openRegularFile(blob)
        let total = (try? fileSize(fd, blob)) ?? 0
        let fits = total <= Scan.firmwareLimit
        try? fd.close()
        var roms: [EmbeddedROM] = []
        var size: Int
        do {
            size = try plainScan(sniffing: fits, total: total, ids: ids, &roms)
        } catch is FirmwareSignature {
            let data = try FileBytes(path: blob, limit: Scan.firmwareLimit)
            let line = global.json ? nil : Progress(what: "walking \(blob)", unit: "containers")
            var walked = FirmwareWalker.walk(data.bytes, progress: line.map { p in
                { containers, decoded in p.update("\(containers) containers, \(decoded >> 20) MiB decompressed") }
            })
            line?.finish()
            if walked.containers > 0 {
                if let card { Scan.keep(&walked, for: card) }
                return try runFirmware(walked, size: data.count)
            }
            roms = []
            size = try plainScan(sniffing: false, total: total, ids: ids, &roms)
        }
        if let card, card.address != nil, !roms.isEmpty { try keepVFCTEntry(for: card, &roms) }
        if global.json {
            JSON.renderArray(roms.lazy.map(\.json)) { Terminal.write(1, $0) }
            Terminal.write(1, "\n")
            return
        }
        if roms.isEmpty {
            Terminal.out("No option ROM in \(blob) (\(size) bytes): no 55 AA signature leads to a PCIR data structure.")
            return
        }
        let width = Swift.max(8, Scan.hexDigits(size))
        Terminal.out("OFFSET".padding(width + 2) + "  " + "LENGTH".padding(8) + "  ID         TYPE     IMAGES  CHECKSUM")
        for rom in roms {
            let type = rom.codeType == .x86 ? "x86" : rom.codeType == .efi ? "EFI" : Hex.prefixed(rom.codeType.rawValue, width: 2)
            let sum = rom.checksumValid.map { $0 ? "ok" : "bad" } ?? "-"
            var line = ("0x" + Hex.string(rom.offset, width: width)).padding(width + 2) + "  "
                + String(rom.length).padding(8) + "  "
                + rom.pciIDs.description + "  "
                + type.padding(7) + "  " + String(rom.imageCount).padding(6) + "  " + sum
            if !rom.chainIntact { line += "  (chain lengths do not hold; reporting the checksummed part)" }
            Terminal.out(line)
        }
        Terminal.out("\(roms.count) option ROM\(roms.count == 1 ? "" : "s") in \(blob) (\(size) bytes)")
    }

    func runFirmware(_ walked: FirmwareReport, size: Int) throws {
        if let dir = extract {
            let folder = dryRun ? nil : try openFolder(dir)
            var names = OutputFolder.UniqueNames()
            for item in walked.items {
                let (stem, ext) = Scan.fileStem(item)
                let name = names.claim(stem, ext: ext)
                try folder?.write(item.bytes, name: name, overwrite: force)
                if !global.json { Terminal.note("\(dryRun ? "would write" : "wrote") \(Scan.path(dir, name)) (\(item.bytes.count) bytes)") }
            }
        }
        if global.json {
            JSON.renderArray(walked.items.lazy.map(\.json) + walked.findings.lazy.map(\.json)) { Terminal.write(1, $0) }
            Terminal.write(1, "\n")
            return
        }
        for item in walked.items {
            var what: String
            switch item.kind {
            case .optionROM:
                let rom = item.rom!
                let type = rom.codeType == .x86 ? "x86" : rom.codeType == .efi ? "EFI" : Hex.prefixed(rom.codeType.rawValue, width: 2)
                what = "option ROM \(rom.pciIDs) \(type)"
                if let c = item.classCode { what += ", class \(Hex.string(c, width: 6))" }
                if item.isVBIOS { what += ", VBIOS" }
                what += ", \(rom.imageCount) image\(rom.imageCount == 1 ? "" : "s")"
            case .gopDriver:
                what = "GOP driver"
                if let e = item.executable { what += " \(e.format == .te ? "TE" : "PE32") \(e.machineName)" }
                if let v = item.version { what += ", version \(v)" }
            case .vbt:
                what = "Intel VBT"
            }
            if let name = item.name { what += " " + RawBytes.quoted(name) }
            let at = item.fileOffset.map { "at 0x" + Hex.string($0, width: 8) } ?? "at +0x\(String(item.offset, radix: 16)) in decoded data"
            Terminal.out("\(what), \(item.bytes.count) bytes \(at)")
            Terminal.out("    in " + item.path.joined(separator: " > "))
        }
        for f in walked.findings {
            Terminal.note("\(f.finding.severity): \(f.finding.code) at 0x\(String(f.finding.offset ?? 0, radix: 16)): \(f.finding.message)")
            Terminal.note("    in " + (f.path.isEmpty ? "(top level)" : f.path.joined(separator: " > ")))
        }
        let counts = [FirmwareItem.Kind.optionROM, .gopDriver, .vbt].map { k in (k, walked.items.filter { $0.kind == k }.count) }
        Terminal.out("\(counts[0].1) option ROM\(counts[0].1 == 1 ? "" : "s"), \(counts[1].1) GOP driver\(counts[1].1 == 1 ? "" : "s"), \(counts[2].1) VBT\(counts[2].1 == 1 ? "" : "s") in \(blob) (\(size) bytes, \(walked.containers) container\(walked.containers == 1 ? "" : "s"), \(walked.decompressedBytes) bytes decompressed)")
    }

    /// Thrown by the plain scan's reader when a piece holds a firmware signature.
    struct FirmwareSignature: Error {}

    /// The plain scan, streamed. While `sniffing` it stops at the first firmware signature, and
    /// writes what --out-dir asks only once the whole file proved plain. With --for, only the
    /// ROMs that fit the card.
    func plainScan(sniffing: Bool, total: Int, ids: PCIIDs?, _ roms: inout [EmbeddedROM]) throws -> Int {
        let folder = dryRun ? nil : try extract.map(openFolder)
        var names = OutputFolder.UniqueNames()
        func write(_ rom: EmbeddedROM, _ bytes: UnsafeRawBufferPointer) throws {
            guard let dir = extract else { return }
            let name = names.claim(Scan.fileStem(rom), ext: "bin")
            try folder?.write(bytes, name: name, overwrite: force)
            if !global.json { Terminal.note("\(dryRun ? "would write" : "wrote") \(Scan.path(dir, name)) (\(rom.length) bytes)") }
        }
        var sniffer = ContainerSniffer()
        let line = global.json ? nil : Progress(what: "scanning \(blob)", unit: "bytes")
        defer { line?.finish() }
        let size = try BlobScan.scan(path: blob, progress: line.map { p in { p.update(done: $0, of: total) } },
                                     observe: !sniffing ? nil : { piece in
            if sniffer.feed(piece) { throw FirmwareSignature() }
        }) { rom, bytes in
            line?.clear()
            if let ids, FirmwareROMSelection.fit(rom, bytes: Array(bytes), vendorID: ids.vendor, deviceID: ids.device) == nil { return }
            roms.append(rom)
            if !sniffing { try write(rom, bytes) }
        }
        if sniffing, extract != nil {
            for rom in roms {
                let bytes = try BlobScan.bytes(path: blob, at: rom.offset, count: rom.length)
                guard bytes.count == rom.length else {
                    throw UserError("\(blob) shrank while it was scanned: the ROM at 0x\(String(rom.offset, radix: 16)) is cut short; "
                                    + "nothing more was written. Scan a copy that does not change.", path: blob)
                }
                try bytes.withUnsafeBytes { try write(rom, $0) }
            }
        }
        return size
    }

    /// DIR/NAME as the notes show it.
    static func path(_ dir: String, _ name: String) -> String { (dir.hasSuffix("/") ? dir : dir + "/") + name }

    /// What an extracted file's name says (README, "Extracted files"): `VVVV-DDDD.rom` (`-vbios`
    /// for a VBIOS, `-efi` for an EFI ROM), `NAME.efi` for a GOP driver (its file GUID without a
    /// UI name), `NAME.vbt`; `ExtractNames` makes it portable and unique.
    static func fileStem(_ item: FirmwareItem) -> (String, String) {
        switch item.kind {
        case .optionROM:
            let rom = item.rom!
            let suffix = item.isVBIOS ? "-vbios" : rom.codeType == .efi ? "-efi" : ""
            return (Hex.string(rom.vendorID, width: 4) + "-" + Hex.string(rom.deviceID, width: 4) + suffix, "rom")
        case .gopDriver:
            return (item.name ?? item.fileGUID?.description ?? "gop-" + String(item.offset, radix: 16), "efi")
        case .vbt:
            return (item.name.map { $0.hasSuffix(".bin") ? String($0.dropLast(4)) : $0 } ?? "vbt", "vbt")
        }
    }

    /// `rom-OFFSET-VVVV-DDDD` (.bin), OFFSET in at least eight hex digits so names sort by offset.
    static func fileStem(_ rom: EmbeddedROM) -> String {
        "rom-" + Hex.string(rom.offset, width: Swift.max(8, hexDigits(rom.offset))) + "-"
            + Hex.string(rom.vendorID, width: 4) + "-" + Hex.string(rom.deviceID, width: 4)
    }

    static func hexDigits(_ n: Int) -> Int {
        var digits = 1
        var v = n >> 4
        while v != 0 { digits += 1; v >>= 4 }
        return digits
    }

    /// The extract folder, created when missing (SystemIO does the file work).
    func openFolder(_ dir: String) throws -> OutputFolder {
        do { return try OutputFolder(creating: dir) } catch is OutputFolder.NotAFolder {
            throw UserError("--out-dir \(dir) is not a folder. Name a folder (it is created if missing).", path: dir)
        }
    }
}

extension String {
    /// Left-aligned in a column of `width` characters.
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
