import ArgumentParser
import OptionROM
import PCIHost
import Core
import SystemIO

/// Largest file `info` and `verify` take as one ROM; larger ones go to `scan`.
let maximumROMFileSize = 16 << 20

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show every image of a ROM, its headers, vendor tables and findings.",
        discussion: ExitStatus.discussion("""
            Each FILE is a ROM file (a dump, a vendor file, an nvflash backup); several are shown one after the other \
            (with --json, an array of their objects). An argument that is not an existing file and parses as a PCI \
            address (DDDD:BB:DD.F or BB:DD.F) reads that device's ROM as `vbios dump` does. A folder is refused: \
            `vbios verify DIR` checks every ROM in it.
            """, ExitStatus.info))

    @Argument(help: "ROM files to read, or devices' PCI addresses.", completion: .file())
    var files: [String]

    @OptionGroup var global: GlobalOptions
    @OptionGroup var host: HostOptions
    @OptionGroup var read: ROMReadOptions

    func run() throws {
        // A folder is verify's: refuse it before reading anything, saying so.
        if let dir = files.first(where: { pathKind($0) == .directory }) {
            throw UserError("\(dir) is a folder; `vbios verify \(dir)` checks every ROM in it (info shows ROM files, one or several).", path: dir)
        }
        // One ROM: its object, or the error, as always.
        if files.count == 1 {
            if let report = try report(files[0]) { Terminal.out(report.rendered()) }
            return
        }
        // Several: each one's report (an array of their objects with --json), in the order given;
        // one that cannot be read is said in its place and the others are still shown (exit 2).
        var reports: [JSON] = []
        var failed = false
        for (n, file) in files.enumerated() {
            if !global.json, n > 0 { Terminal.out("") }
            do {
                if let report = try report(file) { reports.append(report) }
            } catch {
                failed = true
                if !global.json { Terminal.error(NextStepWording.text(of: error)); continue }
                let (code, path) = ErrorOutput.classify(error)
                reports.append(.object([("file", .string(file)), ("error", .object([("code", .string(code)), ("message", .string(NextStepWording.text(of: error))),
                                                                                     ("path", .optional(path))]))]))
            }
        }
        if global.json { Terminal.out(JSON.array(reports).rendered()) }
        if failed { throw ExitCode(2) }
    }

    /// One file or device: printed, or its JSON returned.
    func report(_ file: String) throws -> JSON? {
        // Not a file and shaped like an address (a colon, no slash): a device, or a malformed address.
        ROMArgument.isDevice(file) ? try runOnDevice(file) : try runOnFile(file)
    }

    /// One file's report: printed, or returned for --json.
    func runOnFile(_ file: String) throws -> JSON? {
        let data = try FileBytes(path: file, limit: maximumROMFileSize)
        // EFI drivers opened too (decompressed, bounded): machine, version, PE vs EFI header.
        let bytes = data.withUnsafeBytes { [UInt8]($0) }
        let parsed = bytes.withUnsafeBytes { ROMParser.parse($0).withRuntimeEvidence($0) }
        // Each compressed driver decoded once, for the EFI details and the OVMF verdicts alike.
        let decodes = EFIDriverDecodes(parsed, bytes: bytes)
        let layout = parsed.withEFIDetails(bytes, decodes: decodes)
        let guests = GuestReport(bytes: bytes, layout: layout, decodes: decodes)
        if global.json { return guests.adding(to: layout.json(file: file)) }
        for line in ROMText.render(layout, file: file) { Terminal.out(line) }
        for line in guests.lines { Terminal.out(line) }
        return nil
    }
}

/// A command-line word that stands for a ROM: a file, or a device's PCI address.
enum ROMArgument {
    /// Shaped like an address (a colon, no slash); call only for a path that does not exist.
    static func looksLikeAddress(_ text: String) -> Bool { text.contains(":") && !text.contains("/") }

    /// Whether `text` names a device rather than a file: no such file, and shaped like an address.
    static func isDevice(_ text: String) -> Bool { pathKind(text) == .missing && looksLikeAddress(text) }

    static func address(_ text: String) throws -> PCIAddress { try PCIAddress(parsing: text) }

    /// The ROM `text` names: the file's bytes (at most 16 MiB), or the device's ROM read as
    /// `dump` reads it (its state restored); with how to name it in a report.
    static func bytes(_ text: String, host: HostOptions, read: ROMReadOptions) throws -> (bytes: [UInt8], name: String) {
        guard isDevice(text) else {
            let data = try FileBytes(path: text, limit: maximumROMFileSize)
            return (data.withUnsafeBytes { Array($0) }, text)
        }
        DeviceStateGuard.installSignalHandlers()
        let d = try host.device(try address(text))
        let rom = try read.read(d, root: host.root)
        return (rom.bytes, "\(d.address) (\(rom.choice.kept.source.name))")
    }
}

/// What SeaBIOS (and Xen's hvmloader, which hands PCI ROMs to it) and OVMF for X64 will run of
/// a ROM, for the card its legacy image (else its first image) names.
struct GuestReport {
    var seabios: GuestFirmware.SeaBIOSVerdict
    var ovmf: [GuestFirmware.OVMFImage]

    init(bytes: [UInt8], layout: ROMLayout, decodes: EFIDriverDecodes,
         vendor: UInt16? = nil, device: UInt16? = nil, romBarSize: Int? = nil) {
        let pcir = (layout.legacyImage ?? layout.images.first)?.pcir
        seabios = GuestFirmware.seabios(bytes, vendor: vendor ?? pcir?.vendorID ?? 0, device: device ?? pcir?.deviceID ?? 0)
        ovmf = GuestFirmware.ovmf(bytes, romBarSize: romBarSize, decodes: decodes)
    }

    var lines: [String] {
        var out = ["Guest firmware:"]
        out.append("  SeaBIOS/hvmloader: " + seabios.reason + (seabios.image.map { " (image \($0))" } ?? ""))
        if ovmf.isEmpty {
            out.append("  OVMF (X64): finds no EFI image; a UEFI guest gets no driver from this ROM")
        }
        for o in ovmf {
            out.append("  OVMF (X64): " + (o.image.map { "image \($0)" } ?? "EFI image") + " at \(Hex.prefixed(o.offset)): "
                + (o.loaded ? "loaded. " : "NOT loaded: ") + o.reason)
        }
        return out
    }

    func adding(to json: JSON) -> JSON {
        guard case .object(var pairs) = json else { return json }
        pairs.append(("guests", .object([
            ("seabios", .object([("image", .optional(seabios.image)), ("offset", .optional(seabios.offset)),
                                 ("reason", .string(seabios.reason))])),
            ("ovmf", .array(ovmf.map { o in
                .object([("offset", .int(o.offset)), ("image", .optional(o.image)), ("loaded", .bool(o.loaded)),
                         ("reason", .string(o.reason))])
            })),
        ])))
        return .object(pairs)
    }
}

extension Info {
    /// `info ADDR`: the device's ROM, read like `dump` (device state restored), then the same report.
    func runOnDevice(_ text: String) throws -> JSON? {
        DeviceStateGuard.installSignalHandlers()
        let address = try ROMArgument.address(text)
        let d = try host.device(address)
        let rom = try read.read(d, root: host.root)
        let name = "\(d.address) (\(rom.choice.kept.source.name))"
        let decodes = EFIDriverDecodes(rom.layout, bytes: rom.bytes)
        let layout = rom.layout.withEFIDetails(rom.bytes, decodes: decodes)
        let guests = GuestReport(bytes: rom.bytes, layout: layout, decodes: decodes, vendor: d.vendorID, device: d.deviceID)
        if global.json { return guests.adding(to: layout.json(file: name)) }
        Terminal.note("read \(rom.bytes.count) bytes from \(rom.choice.kept.source.location); kept \(rom.choice.kept.source.name): \(rom.choice.reason)")
        for line in ROMText.render(layout, file: name) { Terminal.out(line) }
        for line in guests.lines { Terminal.out(line) }
        return nil
    }
}
