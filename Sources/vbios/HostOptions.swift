import ArgumentParser
import OptionROM
import PCIHost
import Passthrough
import Core
import SystemIO

/// Options of every command that touches devices.
struct HostOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The sys tree: the directory that stands for /sys (a fake tree for tests).", valueName: "SYSFS"),
            completion: .directory)
    var sysfs: String = "/sys"

    var root: SysfsRoot { SysfsRoot(sysfs) }

    func device(_ address: PCIAddress) throws -> PCIDevice {
        try PCIDevice.load(address, root: root)
    }
}

/// How to read a device's ROM (`dump`, `info ADDR`, `prepare`).
struct ROMReadOptions: ParsableArguments {
    @Option(name: .long, help: "Where to read the ROM: auto (sysfs and, for the boot VGA device, the 0xC0000 shadow; for a display device whose ROM BAR gives nothing, also acpi-rom and driver; the best kept), sysfs, shadow, rombar (enables the ROM BAR in config space and reads it through /dev/mem), vfct (the ACPI VFCT table of AMD systems: the VBIOS of an APU or laptop GPU), acpi-rom (the image a laptop's ACPI _ROM or ATRM method serves, found in the DSDT/SSDTs and read through /dev/mem), driver (the copy nouveau or amdgpu loaded, from debugfs under SYSFS/kernel/debug).")
    var source: ROMReader.Request = .auto

    @Option(name: .customLong("dev-mem"), help: ArgumentHelp("The file that stands for /dev/mem, read for the shadow, the ROM BAR and acpi-rom (default: /dev/mem, or none with --sysfs: a fake tree never opens the real one).", valueName: "PATH"), completion: .file())
    var devMem: String?

    @Option(name: .customLong("dev-mem-base"), help: ArgumentHelp("Physical address of the first byte of --dev-mem, in hex (0 for /dev/mem). (default: 0)", valueName: "ADDR"),
            transform: HexAddress.init(parsingArgument:))
    var devMemBase: HexAddress = HexAddress(0)

    /// `--dev-mem`, else /dev/mem for the real /sys and nothing for a fake tree.
    func memory(_ root: SysfsRoot) -> PhysicalMemory? {
        if let devMem { return PhysicalMemory(path: devMem, base: devMemBase.value) }
        return root.path == SysfsRoot.system.path ? PhysicalMemory(base: devMemBase.value) : nil
    }

    func reader(_ root: SysfsRoot) -> ROMReader {
        ROMReader(root: root, memory: memory(root), warn: Self.say)
    }

    /// A source's warning, on stderr as it happens (before the read's outcome).
    @Sendable static func say(_ warning: ROMSourceWarning) {
        switch warning {
        case let .romLeftEnabled(address, path, error):
            var reason = String(describing: error)
            while reason.hasSuffix(".") { reason.removeLast() }
            Terminal.rawWrite(2, "vbios: warning: could not disable \(address)'s ROM again after reading it: \(reason). "
                              + "If the device is still there, run `echo 0 > \(path)` as root.\n")
        }
    }

    /// Reads the device's ROM as asked, with the findings a runtime copy deserves.
    func read(_ device: PCIDevice, root: SysfsRoot) throws -> ROMReader.DeviceROM {
        try reader(root).read(device, request: source)
    }
}

extension ROMReader.DeviceROM {
    var sourcesJSON: JSON {
        .array(choice.candidates.map { c in
            .object([("source", .string(c.source.name)), ("location", .string(c.source.location)),
                     ("score", .int(c.score)), ("size", .optional(c.bytes?.count)),
                     ("unstable", .bool(c.unstable)), ("error", .optional(c.error.map { NextStepWording.text($0.advice) }))])
        })
    }
}

extension PCIDevice {
    var classText: String { Hex.string(classCode, width: 6) }

    var barsJSON: JSON {
        .array(bars.map { b in
            var pairs: [(String, JSON)] = [
                ("index", .int(b.index)), ("kind", .string(b.kind.rawValue)), ("start", .uint(b.start)),
                ("size", .uint(b.size)), ("is64Bit", .bool(b.is64Bit)), ("prefetchable", .bool(b.prefetchable)),
            ]
            if b.disabled { pairs.append(("disabled", .bool(true))) }
            if b.unset { pairs.append(("unset", .bool(true))) }
            if let n = b.note { pairs.append(("note", .string(n))) }
            return .object(pairs)
        })
    }

    var romJSON: JSON {
        guard let rom else { return .null }
        return .object([("start", .uint(rom.start)), ("size", .uint(rom.size)), ("shadowed", .bool(rom.shadowed))])
    }
}

/// `--root` and `--sysfs` together (`doctor`, `persist`): `--sysfs` is the sys tree everywhere;
/// `--root` is the root of the other files a command reads or writes, and its sys tree unless
/// `--sysfs` is given. Checked before anything is read, so advice never names a path that is not there.
enum HostVocabulary {
    static func check(_ host: HostRoot, root: String, sysfs: String?) throws {
        guard pathKind(host.path) == .directory else { throw UserError("--root \(root) is not a directory.", path: host.path) }
        let tree = host.sysfs.path
        guard pathKind(tree) != .directory else { return }
        if let sysfs { throw UserError("--sysfs \(sysfs) is not a directory.", path: sysfs) }
        // A sys tree given as --root: say which flag takes it.
        if pathKind(host.join("/bus/pci")) == .directory || pathKind(host.join("/devices")) == .directory {
            throw UserError("\(host.path) is a sys tree, not a root (it has no sys/): pass it as --sysfs \(host.path), "
                + "and --root only for the root of /etc, /proc and /boot.", path: tree)
        }
        throw UserError("\(tree) does not exist: --root \(root) holds no sys tree. Name one with --sysfs DIR.", path: tree)
    }
}

extension ACPIROMSource.Provenance {
    /// One line per step: the method, the region, its base, the image.
    var lines: [String] {
        switch resolution {
        case let .embedded(e):
            return ["\(e.method.path) (\(e.method.table)) holds the image itself: \(e.table) bytes \(Hex.prefixed(e.range.lowerBound))-\(Hex.prefixed(e.range.upperBound))"]
        case let .region(r):
            var out = ["method \(r.method.path) (\(r.method.table)) reads \(r.fields.joined(separator: ", ")) of region \(r.region) (\(r.regionTable))"]
            switch r.base {
            case let .constant(v): out.append("region base \(Hex.prefixed(v)), a constant")
            case let .field(f):
                out.append("region base \(Hex.prefixed(base)), read from \(f.path) (\(f.table)): \(f.bitWidth) bits at \(f.region)+\(Hex.prefixed(f.bitOffset / 8)) = \(Hex.prefixed(f.address))")
            }
            let lengthText: String
            switch r.length {
            case let .field(name, bit, _): lengthText = "\(name) at base+\(Hex.prefixed(bit / 8))"
            case .fixed: lengthText = "the fields' span"
            case .image: lengthText = "the image's own headers"
            }
            out.append("image at \(Hex.prefixed(imageAddress)) (base+\(Hex.prefixed(r.imageOffset))), \(length) bytes (\(lengthText))")
            return out
        }
    }

    var json: JSON {
        var pairs: [(String, JSON)] = [("node", .string(node.description))]
        switch resolution {
        case let .embedded(e):
            pairs += [("method", .string(e.method.path.description)), ("methodTable", .string(e.method.table)),
                      ("embeddedIn", .string(e.table)), ("offset", .int(e.range.lowerBound)), ("length", .int(e.range.count))]
        case let .region(r):
            pairs += [("method", .string(r.method.path.description)), ("methodTable", .string(r.method.table)),
                      ("region", .string(r.region.description)), ("regionTable", .string(r.regionTable)), ("base", .uint(base))]
            if case let .field(f) = r.base {
                pairs += [("baseField", .string(f.path.description)), ("baseFieldTable", .string(f.table)),
                          ("baseFieldAddress", .uint(f.address)), ("baseFieldBits", .int(f.bitWidth))]
            }
            if case let .field(name, _, _) = r.length { pairs.append(("lengthField", .string(name))) }
            pairs += [("imageAddress", .uint(imageAddress)), ("length", .int(length))]
        }
        return .object(pairs)
    }
}

extension ROMReader.DeviceROM {
    /// Where an `acpi-rom` read found its image; nil for the other sources.
    var acpiProvenance: ACPIROMSource.Provenance? {
        (choice.kept.source as? ACPIROMSource).flatMap { try? $0.locate().provenance }
    }
}
