import OptionROM
import Core

/// Reads a device's option ROM: picks the sources for the device and the request, reads each
/// twice, scores what came back, keeps the best and says why (nouveau's shadow code does the same
/// with its PRAMIN, PROM, ACPI and PCI sources), then adds the findings the read itself deserves.
/// `vbios dump`, `info ADDR` and `prepare` read through it, and `vbios doctor` with `.readOnly`.
public struct ROMReader: Sendable {
    /// Which source to read (`--source`): `auto` picks them by the device and keeps the best.
    public enum Request: String, CaseIterable, Sendable {
        case auto, sysfs, shadow, rombar, vfct
        /// The image a laptop's ACPI `_ROM`/`ATRM` serves, read through physical memory.
        case acpiROM = "acpi-rom"
        /// The copy the host's driver loaded (debugfs).
        case driver
    }

    /// Whether the read may change the device for a moment (enable its ROM, put it back).
    public enum Access: Sendable {
        /// `dump`, `info`, `prepare`.
        case mayChange
        /// `doctor`: a disabled ROM is reported as disabled, never enabled; no ROM BAR is touched.
        case readOnly
    }

    public var root: SysfsRoot
    /// `/dev/mem` or the file standing for it, for the 0xC0000 shadow, the ROM BAR and ACPI's
    /// region; nil: off (a fake sysfs tree: the real /dev/mem is never opened for it).
    public var memory: PhysicalMemory?
    public var access: Access
    /// Told at once what a source could not undo (the caller words it; libraries never print).
    public var warn: @Sendable (ROMSourceWarning) -> Void

    public init(root: SysfsRoot, memory: PhysicalMemory? = PhysicalMemory(), access: Access = .mayChange,
                warn: @escaping @Sendable (ROMSourceWarning) -> Void = { _ in }) {
        self.root = root
        self.memory = memory
        self.access = access
        self.warn = warn
    }

    public struct Candidate: Sendable {
        public var source: any ROMSource
        public var bytes: [UInt8]?
        public var layout: ROMLayout?
        public var score: Int
        public var error: ROMReadError?
        /// The two reads differed.
        public var unstable: Bool
        /// `65536 bytes, 2 images, 2 with a valid checksum or none to check`; nil when nothing was read.
        public var contents: String? {
            guard let layout else { return nil }
            let valid = layout.images.filter { $0.checksumValid != false }.count
            return "\(bytes?.count ?? 0) bytes, \(layout.images.count) image\(layout.images.count == 1 ? "" : "s")"
                + ", \(valid) with a valid checksum or none to check"
        }
        public var summary: AdvisedText {
            if let error { return "\(source.name): failed: \(error)" }
            guard let contents else { return "\(source.name): nothing read" }
            return "\(source.name): \(contents), score \(score)" + (unstable ? ", UNSTABLE between reads" : "")
        }
    }

    public struct Choice: Sendable {
        public var kept: Candidate
        public var candidates: [Candidate]
        public var reason: String
    }

    /// A ROM read from a device: the kept bytes, their layout with the read's own findings, and
    /// every source tried.
    public struct DeviceROM: Sendable {
        public var bytes: [UInt8]
        public var layout: ROMLayout
        public var choice: Choice
    }

    /// Why no ROM came back.
    public enum Failure: Error, Advised, Sendable {
        /// Not the boot VGA device, yet its ROM resource is the 0xC0000 shadow: its `rom` is the
        /// boot display's BIOS, not this card's.
        case notBootVGAShadow(address: PCIAddress, romPath: String)
        /// No ROM resource and not the boot VGA device: no source to try.
        case nothingToRead(address: PCIAddress, romPath: String)
        /// Every source failed or held no image.
        case nothingRead(candidates: [Candidate])

        public var advice: AdvisedText {
            switch self {
            case let .notBootVGAShadow(address, romPath):
                return "\(address) is not the boot VGA device (boot_vga 0), yet the kernel gave it the 0xC0000 shadow as its ROM "
                    + "(resource 6 = 0xc0000-0xdffff, ROM_SHADOW; x86 does this to every VGA device that decodes on the root bus): its "
                    + "\(romPath) returns the boot display's BIOS, not this card's, and the card's ROM BAR "
                    + "has no address. Use the card's own ROM file (the vendor's, or one dumped where the card is the boot display; "
                    + "\(NextStep(.prepareWithROMFile))), or put the card in a slot behind a PCIe root port. \(NextStep(.readSource, "shadow")) reads the "
                    + "0xC0000 copy anyway."
            case let .nothingToRead(address, romPath):
                return "\(address) has no ROM resource (no \(romPath)) and is not the boot VGA "
                    + "device, so there is nothing to read. Some cards keep their ROM only in the system firmware: \(NextStep(.scan)) on a "
                    + "firmware image finds it. \(NextStep(.readSource, "rombar")) tries the ROM BAR directly."
            case let .nothingRead(candidates):
                if candidates.count == 1, let e = candidates[0].error { return e.advice }
                var text: AdvisedText = "no source gave a ROM with a valid image:"
                for c in candidates { text += "\n  " + c.summary }
                return text
            }
        }
    }

    // MARK: - Choosing the sources

    /// The sources to read for `device`, the preferred first. With `.readOnly` access, none that
    /// changes the device (the `rom` attribute is read as it is).
    public func sources(for device: PCIDevice, request: Request = .auto) throws(Failure) -> [any ROMSource] {
        let shadowed = device.rom?.shadowed ?? false
        let sysfs: any ROMSource = access == .readOnly
            ? PassiveSysfsROMSource(root: root, address: device.address, shadowed: shadowed)
            : SysfsROMSource(root: root, address: device.address, shadowed: shadowed, warn: warn)
        let shadow = ShadowROMSource(memory: memory)
        // x86's pci_fixup_video gives the 0xC0000 shadow to every VGA device whose decoding is on and
        // whose path has no bridge without VGA routing (two VGAs on the root bus, seen in the lab),
        // before the VGA arbiter picks one; boot_vga then says 0 for all but the boot display (it says
        // 1 for a shadowed device when the arbiter picked none). Such a device's `rom` is the boot
        // display's BIOS: refuse it rather than hand another card's BIOS on with this card's IDs.
        if request != .shadow, shadowed, root.readText(device.address, "boot_vga") == "0" {
            throw .notBootVGAShadow(address: device.address, romPath: root.attribute(device.address, "rom"))
        }
        let vfct = VFCTROMSource(root: root, address: device.address, vendorID: device.vendorID, deviceID: device.deviceID)
        var list: [any ROMSource]
        switch request {
        case .sysfs: list = [sysfs]
        case .shadow: list = [shadow]
        case .rombar: list = [ROMBARSource(root: root, device: device, memory: memory)]
        case .vfct: list = [vfct]
        case .acpiROM: list = [ACPIROMSource(root: root, address: device.address, memory: memory)]
        case .driver: list = [DriverCopyROMSource(root: root, address: device.address)]
        case .auto:
            list = []
            if device.hasROMFile { list.append(sysfs) }
            // The 0xC0000 copy belongs to the boot VGA device only; without physical memory, not at all.
            if device.bootVGA || shadowed, memory != nil { list.append(shadow) }
            // APUs and laptop GPUs: the firmware's copy in ACPI, when the host has the table.
            if VFCTROMSource.present(root) { list.append(vfct) }
        }
        if access == .readOnly { list.removeAll { $0.changesDevice } }
        if list.isEmpty, fallbackSources(for: device, request: request).isEmpty {
            throw .nothingToRead(address: device.address, romPath: root.attribute(device.address, "rom"))
        }
        return list
    }

    /// What `auto` tries for a display device when the sources above give nothing (a laptop dGPU
    /// whose ROM BAR is empty): the image its ACPI `_ROM`/`ATRM` serves, and the copy its driver loaded.
    public func fallbackSources(for device: PCIDevice, request: Request = .auto) -> [any ROMSource] {
        guard request == .auto, device.isDisplay else { return [] }
        var list: [any ROMSource] = []
        if ACPIROMSource.present(root, device.address) { list.append(ACPIROMSource(root: root, address: device.address, memory: memory)) }
        if DriverCopyROMSource.present(root, device.address) { list.append(DriverCopyROMSource(root: root, address: device.address)) }
        return list
    }

    /// The sources this host offers for `device` beyond its ROM BAR (`vbios doctor` lists them).
    public func offeredFallbacks(for device: PCIDevice) -> [String] {
        fallbackSources(for: device).map(\.name)
    }

    // MARK: - Reading

    /// Reads the device's ROM as asked, with the findings a runtime copy deserves.
    public func read(_ device: PCIDevice, request: Request = .auto) throws(Failure) -> DeviceROM {
        let primary: [Candidate]
        var shadowOfAnother: Failure?
        do throws(Failure) { primary = try sources(for: device, request: request).map(Self.candidate) } catch {
            // A laptop dGPU given the boot display's shadow: its own image may still be behind ACPI.
            guard case .notBootVGAShadow = error, !fallbackSources(for: device, request: request).isEmpty else { throw error }
            primary = []
            shadowOfAnother = error
        }
        let choice: Choice
        do throws(Failure) { choice = try Self.choose(candidates: primary) } catch {
            // Nothing from the ROM BAR and the firmware's copies: a display device may still have one.
            let fallback = fallbackSources(for: device, request: request)
            if fallback.isEmpty { throw error }
            do throws(Failure) { choice = try Self.choose(candidates: primary + fallback.map(Self.candidate)) } catch {
                // The fallbacks were a further try: the reason that matters stays the first one.
                throw shadowOfAnother ?? error
            }
        }
        let kept = choice.kept
        let bytes = kept.bytes!
        var layout = kept.layout!
        if kept.source.isShadowCopy {
            layout.findings.insert(Finding(.warning, .shadowCopy, at: 0,
                "read from the boot VGA shadow (\(kept.source.location)): this is the copy the system firmware placed at 0xC0000 "
                + "and ran, possibly modified at run time, and may not be the flash. For passthrough prefer a ROM from a card that is "
                + "not the boot device (move it to another slot, or boot from another GPU) or the vendor's file."), at: 0)
        }
        // The evidence in the bytes (shrunk size byte, stale checksum, another ROM behind it), with
        // the provenance counted in; the shadow warning above already says where it came from.
        layout.findings += RuntimeEvidence.assess(layout, bytes, isShadow: kept.source.isShadowCopy)
            .filter { $0.code != .shadowCopy }
        if let pcir = layout.images.first?.pcir, pcir.vendorID != device.vendorID || pcir.deviceID != device.deviceID {
            layout.findings.append(Finding(.warning, .idMismatch, at: pcir.offset, advice: "the ROM names \(pcir.pciIDs) but the "
                + "device is \(device.pciIDs); hvmloader skips such a ROM (\(NextStep(.patch, "set-ids")) fixes it)."))
        }
        if kept.source.cutsNVIDIAChains, let cut = SysfsROMSource.cutChainFinding(layout, byteCount: bytes.count) {
            layout.findings.append(cut)
        }
        if let driverCopy = kept.source as? DriverCopyROMSource {
            let driver = (try? driverCopy.find())?.driver ?? "the driver"
            layout.findings.append(Finding(.driverCopy, at: 0, "read from the copy \(driver) loaded and ran (\(kept.source.location)): "
                + (driver == "amdgpu" ? "amdgpu's adev->bios, from ATRM, VFCT, the ROM BAR or the platform, whichever it found first"
                   : "the image nouveau's shadow code scored best among PRAMIN (a runtime copy), PROM (the flash), ACPI and the PCI ROM")
                + "; it may differ from the flash."))
        }
        if kept.unstable {
            layout.findings.append(Finding(.unstableRead, "two reads of \(kept.source.location) differed: the ROM "
                + "may be changing under a driver. Unbind the driver and dump again."))
        }
        return DeviceROM(bytes: bytes, layout: layout, choice: choice)
    }

    /// Higher is better; 0 or less means no usable image. Images and checksums count most, then
    /// size (a truncated read loses the EFI images), and a read that changes between tries loses.
    public static func score(_ layout: ROMLayout) -> Int {
        guard !layout.images.isEmpty else { return 0 }
        var s = 1000 * layout.images.count
        s += 500 * layout.images.filter { $0.checksumValid == true }.count
        s -= 800 * layout.images.filter { $0.checksumValid == false }.count
        s -= 300 * layout.findings.filter { $0.severity == .error }.count
        s -= 50 * layout.findings.filter { $0.severity == .warning }.count
        s += min(layout.chainEnd / 512, 400)
        return max(s, 1)
    }

    /// Reads `source` twice and scores the first read.
    public static func candidate(_ source: any ROMSource) -> Candidate {
        do {
            let first = try source.read()
            let second = try source.read()
            let layout = ROMParser.parse(first)
            var score = score(layout)
            let unstable = first != second
            if unstable { score = max(score / 10, 1) }
            return Candidate(source: source, bytes: first, layout: layout, score: layout.images.isEmpty ? 0 : score,
                             error: layout.images.isEmpty ? ROMReadError(source: source.name, .noImage(location: source.location)) : nil,
                             unstable: unstable)
        } catch {
            let failure = error as? ROMReadError
                ?? ROMReadError(source: source.name, .other(location: source.location, detail: AdvisedText(describing: error)))
            return Candidate(source: source, bytes: nil, layout: nil, score: 0, error: failure, unstable: false)
        }
    }

    /// Reads each source; the first of equal scores wins, so list the preferred source first.
    public static func choose(_ sources: [any ROMSource]) throws(Failure) -> Choice {
        try choose(candidates: sources.map(candidate))
    }

    /// The best of candidates already read; the first of equal scores wins.
    public static func choose(candidates: [Candidate]) throws(Failure) -> Choice {
        guard let best = candidates.enumerated().max(by: { a, b in
            a.element.score != b.element.score ? a.element.score < b.element.score : a.offset > b.offset
        })?.element, best.score > 0 else {
            throw .nothingRead(candidates: candidates)
        }
        var reason: String
        let others = candidates.filter { $0.source.name != best.source.name }
        if others.isEmpty {
            reason = "the only source available"
        } else {
            let beaten = others.map { $0.error != nil ? "\($0.source.name) failed" : "\($0.source.name) scored \($0.score)" }
            reason = "highest score (\(best.score)) among the sources read; " + beaten.joined(separator: ", ")
        }
        if best.unstable { reason += "; WARNING: two reads differed" }
        return Choice(kept: best, candidates: candidates, reason: reason)
    }
}
