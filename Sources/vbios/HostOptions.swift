import ArgumentParser
import OptionROM
import PCIHost

/// Options of every command that touches devices.
struct HostOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The directory that stands for /sys (a fake tree for tests).", valueName: "ROOT"))
    var sysfs: String = "/sys"

    var root: SysfsRoot { SysfsRoot(sysfs) }

    func address(_ text: String) throws -> PCIAddress {
        do { return try PCIAddress(parsing: text) } catch { throw UserError(String(describing: error)) }
    }

    func device(_ text: String) throws -> PCIDevice {
        let a = try address(text)
        do { return try PCIDevice.load(a, root: root) } catch { throw UserError(String(describing: error)) }
    }
}

/// How to read a device's ROM (`dump`, `info ADDR`).
struct ROMReadOptions: ParsableArguments {
    enum Source: String, ExpressibleByArgument, CaseIterable { case auto, sysfs, shadow, rombar, vfct }

    @Option(name: .long, help: "Where to read the ROM: auto (sysfs and, for the boot VGA device, the 0xC0000 shadow; the best kept), sysfs, shadow, rombar (enables the ROM BAR in config space and reads it through /dev/mem), vfct (the ACPI VFCT table of AMD systems: the VBIOS of an APU or laptop GPU).")
    var source: Source = .auto

    @Option(name: .customLong("dev-mem"), help: ArgumentHelp("The file that stands for /dev/mem.", valueName: "PATH"))
    var devMem: String = "/dev/mem"

    @Option(name: .customLong("dev-mem-base"), help: ArgumentHelp("Physical address of the first byte of --dev-mem (0 for /dev/mem).", valueName: "ADDR"))
    var devMemBase: String = "0"

    func memory() throws -> PhysicalMemory {
        var t = Substring(devMemBase)
        if t.hasPrefix("0x") || t.hasPrefix("0X") { t = t.dropFirst(2) }
        guard let base = UInt64(t, radix: 16) else {
            throw UserError("--dev-mem-base '\(devMemBase)' is not a hex address (for example 0xc0000).")
        }
        return PhysicalMemory(path: devMem, base: base)
    }

    func sources(for device: PCIDevice, root: SysfsRoot) throws -> [any ROMSource] {
        let sysfs = SysfsROMSource(root: root, address: device.address, shadowed: device.rom?.shadowed ?? false)
        let shadow = ShadowROMSource(memory: try memory())
        // x86's pci_fixup_video gives the 0xC0000 shadow to every VGA device whose decoding is on and
        // whose path has no bridge without VGA routing (two VGAs on the root bus, seen in the lab),
        // before the VGA arbiter picks one; boot_vga then says 0 for all but the boot display (it says
        // 1 for a shadowed device when the arbiter picked none). Such a device's `rom` is the boot
        // display's BIOS: refuse it rather than hand another card's BIOS on with this card's IDs.
        if source != .shadow, device.rom?.shadowed == true, root.readText(device.address, "boot_vga") == "0" {
            throw UserError("\(device.address) is not the boot VGA device (boot_vga 0), yet the kernel gave it the 0xC0000 shadow as its ROM "
                + "(resource 6 = 0xc0000-0xdffff, ROM_SHADOW; x86 does this to every VGA device that decodes on the root bus): its "
                + "\(root.attribute(device.address, "rom")) returns the boot display's BIOS, not this card's, and the card's ROM BAR "
                + "has no address. Use the card's own ROM file (the vendor's, or one dumped where the card is the boot display; "
                + "`vbios prepare --rom FILE`), or put the card in a slot behind a PCIe root port. `--source shadow` reads the "
                + "0xC0000 copy anyway.")
        }
        let vfct = VFCTROMSource(root: root, address: device.address, vendorID: device.vendorID, deviceID: device.deviceID)
        switch source {
        case .sysfs: return [sysfs]
        case .shadow: return [shadow]
        case .rombar: return [ROMBARSource(root: root, address: device.address, memory: try memory())]
        case .vfct: return [vfct]
        case .auto:
            var list: [any ROMSource] = []
            if device.hasROMFile { list.append(sysfs) }
            // The 0xC0000 copy belongs to the boot VGA device only.
            if device.bootVGA || device.rom?.shadowed == true { list.append(shadow) }
            // APUs and laptop GPUs: the firmware's copy in ACPI, when the host has the table.
            if VFCTROMSource.present(root) { list.append(vfct) }
            if list.isEmpty {
                throw UserError("\(device.address) has no ROM resource (no \(root.attribute(device.address, "rom"))) and is not the boot VGA "
                    + "device, so there is nothing to read. Some cards keep their ROM only in the system firmware: `vbios scan` on a "
                    + "firmware image finds it. `--source rombar` tries the ROM BAR directly.")
            }
            return list
        }
    }

    /// Reads the device's ROM as asked, with the findings a runtime copy deserves.
    func read(_ device: PCIDevice, root: SysfsRoot) throws -> DeviceROM {
        let choice: ROMChooser.Choice
        do { choice = try ROMChooser.choose(try sources(for: device, root: root)) } catch let e as UserError { throw e } catch {
            throw UserError(String(describing: error))
        }
        let bytes = choice.kept.bytes!
        var layout = choice.kept.layout!
        if choice.kept.source.isShadowCopy {
            layout.findings.insert(Finding(.warning, .shadowCopy, at: 0,
                "read from the boot VGA shadow (\(choice.kept.source.location)): this is the copy the system firmware placed at 0xC0000 "
                + "and ran, possibly modified at run time, and may not be the flash. For passthrough prefer a ROM from a card that is "
                + "not the boot device (move it to another slot, or boot from another GPU) or the vendor's file."), at: 0)
        }
        // The evidence in the bytes (shrunk size byte, stale checksum, another ROM behind it), with
        // the provenance counted in; the shadow warning above already says where it came from.
        layout.findings += RuntimeEvidence.assess(layout, bytes, isShadow: choice.kept.source.isShadowCopy)
            .filter { $0.code != .shadowCopy }
        if let pcir = layout.images.first?.pcir, pcir.vendorID != device.vendorID || pcir.deviceID != device.deviceID {
            layout.findings.append(Finding(.warning, .idMismatch, at: pcir.offset,
                "the ROM names \(Hex.string(pcir.vendorID, width: 4)):\(Hex.string(pcir.deviceID, width: 4)) but the device is "
                + "\(Hex.string(device.vendorID, width: 4)):\(Hex.string(device.deviceID, width: 4)); hvmloader skips such a ROM "
                + "(`vbios patch --set-ids` fixes it)."))
        }
        if choice.kept.source is SysfsROMSource, let cut = SysfsROMSource.cutChainFinding(layout, byteCount: bytes.count) {
            layout.findings.append(cut)
        }
        if choice.kept.unstable {
            layout.findings.append(Finding(.warning, "unstable-read", "two reads of \(choice.kept.source.location) differed: the ROM "
                + "may be changing under a driver. Unbind the driver and dump again."))
        }
        return DeviceROM(bytes: bytes, layout: layout, choice: choice)
    }
}

struct DeviceROM {
    var bytes: [UInt8]
    var layout: ROMLayout
    var choice: ROMChooser.Choice

    var sourcesJSON: JSON {
        .array(choice.candidates.map { c in
            .object([("source", .string(c.source.name)), ("location", .string(c.source.location)),
                     ("score", .int(c.score)), ("size", .optional(c.bytes?.count)),
                     ("unstable", .bool(c.unstable)), ("error", .optional(c.error))])
        })
    }
}

extension PCIDevice {
    var idText: String { Hex.string(vendorID, width: 4) + ":" + Hex.string(deviceID, width: 4) }
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
