import OptionROM
import Core

extension ROMPreparation {
    /// What the steps share: the ROM as given, the target's rules, and what the steps before
    /// left (`bytes`, `notes`). Each step reads it and returns an `Outcome`; none edits it.
    public struct Work: Sendable {
        /// The ROM as given, and its parse.
        public let rom: [UInt8]
        public let layout: ROMLayout
        /// The card's IDs (of the ROM function).
        public let vendorID: UInt16
        public let deviceID: UInt16
        public let target: PassthroughTarget
        public let options: Options
        /// Only the legacy x86 image is kept (`Options.legacyOnly`, else the profile's rule).
        public let legacyOnly: Bool
        /// Where the checksum goes: where qemu-dm itself puts it (the last runtime byte), or at
        /// 0x21 for AMD's ATOM ROMs, whose own tools keep it there.
        public let checksumByte: ChecksumByte
        /// Where the first byte kept lay in `rom`.
        public let base: Int
        /// The bytes so far, and the notes so far, in order.
        public internal(set) var bytes: [UInt8]
        public internal(set) var notes: [Finding] = []
        /// The consumers' verdicts, once held to them.
        public internal(set) var acceptance: [Acceptance] = []
        /// The full parse of the final bytes, once verified.
        public internal(set) var result: ROMLayout?

        public var profile: any HypervisorProfile { target.profile }
        /// The card's IDs as the notes write them.
        var card: String { PCIIDs(vendor: vendorID, device: deviceID).description }

        init(_ rom: [UInt8], vendorID: UInt16, deviceID: UInt16, for target: PassthroughTarget,
             options: Options) throws(PassthroughError) {
            let layout = ROMParser.parse(rom)
            guard let first = layout.images.first else {
                let why = layout.findings.first?.message ?? "no option ROM image found."
                throw PassthroughError("Cannot prepare a bios.bin: \(why)")
            }
            if let cut = layout.findings(.truncated).first {
                throw PassthroughError("Cannot prepare a bios.bin from a truncated ROM: \(cut.message)")
            }
            self.rom = rom
            self.layout = layout
            self.vendorID = vendorID
            self.deviceID = deviceID
            self.target = target
            self.options = options
            legacyOnly = options.legacyOnly ?? (target.profile.legacyOnlyReason != nil)
            checksumByte = if case .amd? = layout.vendorInfo { .offset(ChecksumConvention.amdOffset) } else { .last }
            base = legacyOnly ? (layout.legacyImage?.offset ?? first.offset) : first.offset
            bytes = rom
        }
    }

    /// What one step leaves: the bytes, its notes, and (the consumers' step) the verdicts and
    /// the final parse.
    public struct Outcome: Sendable {
        public var bytes: [UInt8]
        public var notes: [Finding]
        public var acceptance: [Acceptance]?
        public var layout: ROMLayout?
        public init(bytes: [UInt8], notes: [Finding] = [], acceptance: [Acceptance]? = nil, layout: ROMLayout? = nil) {
            self.bytes = bytes
            self.notes = notes
            self.acceptance = acceptance
            self.layout = layout
        }
    }

    /// One step: a name (for reports) and a function from the work so far to its outcome.
    public struct Step: Sendable {
        public var name: String
        public var run: @Sendable (Work) throws(PassthroughError) -> Outcome
        public init(_ name: String, _ run: @escaping @Sendable (Work) throws(PassthroughError) -> Outcome) {
            self.name = name
            self.run = run
        }
    }

    /// The steps, in order. A new kind of preparation (an IGD's VBIOS + GOP + VBT, an APU's
    /// VBIOS and GOP) is a function returning an `Outcome` plus one line here, before
    /// `consumers`, which must see the final bytes. The byte edits are OptionROM's ROMPatcher's;
    /// the steps keep what each edit means for the target.
    public static let steps: [Step] = [
        Step("keep-images", keepImages),
        Step("add-efi", addDriver),
        Step("set-ids", setIDs),
        Step("checksums", repairChecksums),
        Step("consumers", holdToConsumers),
    ]

    // MARK: - 1. The images the target loads, without the bytes around the chain

    static func keepImages(_ w: Work) throws(PassthroughError) -> Outcome {
        var plan = PatchPlan()
        plan.checksumByte = w.checksumByte
        var notes: [Finding] = []
        if w.legacyOnly {
            notes += try legacyOnlyPlan(w, &plan)
        } else {
            plan.stripHeader = w.layout.prefixLength > 0
            plan.truncate = w.layout.chainEnd < w.rom.count
            // Anything past the chain's end is not read by the card's consumers, NVIDIA's or not.
            plan.force = true
        }
        if w.layout.prefixLength > 0 {
            notes.append(Finding(.info, .prefixHeader, at: 0,
                "Dropped the \(w.layout.prefixLength) bytes before the first image ("
                + (w.layout.prefix ?? .unknown).name + "): the card never exposes them."))
        }
        if w.layout.chainEnd < w.rom.count {
            notes.append(Finding(.info, .trailingData, at: w.layout.chainEnd,
                "Dropped the \(w.rom.count - w.layout.chainEnd) bytes after the end of the chain at \(Hex.prefixed(w.layout.chainEnd))."))
        }
        guard !plan.isEmpty else { return Outcome(bytes: w.bytes, notes: notes) }
        let bytes = try patch(plan, w.bytes)
        // The chain ends with what is kept (the patcher marks it).
        if w.legacyOnly, let legacy = w.layout.legacyImage, !legacy.isLast,
           let kept = ROMParser.parse(bytes, options: noVendorTables).images.first {
            notes.append(Finding(.info, .noLastImage, at: kept.pcir.map { $0.offset + 0x15 },
                "Marked the legacy image last, so nothing looks for the images that were dropped."))
        }
        return Outcome(bytes: bytes, notes: notes)
    }

    /// The plan that keeps the legacy image alone, and the note naming what it drops.
    static func legacyOnlyPlan(_ w: Work, _ plan: inout PatchPlan) throws(PassthroughError) -> [Finding] {
        guard let legacy = w.layout.legacyImage else {
            throw PassthroughError(
                "The ROM has no legacy x86 image (it holds \(ConsumerProfile.imageKinds(w.layout))), and "
                + (w.profile.legacyOnlyReason.map { $0 + ". Pass the card to a QEMU or libvirt guest with OVMF (UEFI) instead." }
                                    ?? "only a legacy image was asked for. Keep the whole ROM for an OVMF (UEFI) guest."))
        }
        plan.extract = .legacy
        // ROMPatcher refuses to cut NVIDIA's extended images (0xE0, 0x70) without force:
        // nvflash and NVIDIA's driver want them, but qemu-dm and hvmloader load the legacy
        // image alone and never look past it.
        plan.force = true
        let dropped = w.layout.images.filter { $0.offset != legacy.offset }
        guard !dropped.isEmpty else { return [] }
        let nvidia = dropped.contains { $0.codeType == .nvidiaE0 || $0.codeType == .nvidia70 }
        return [Finding(.info, .extraImages,
            "Kept the legacy x86 image (\(legacy.length) bytes at \(Hex.prefixed(legacy.offset))); dropped "
            + dropped.map { "\($0.codeType.name) (\($0.length) bytes at \(Hex.prefixed($0.offset)))" }.joined(separator: ", ")
            + (w.profile.legacyOnlyReason.map { ": " + $0 } ?? "")
            + (nvidia ? " (NVIDIA's extended images matter to nvflash and the host driver, not to the guest's VGA BIOS)." : "."))]
    }

    // MARK: - 2. A driver added as an EFI image (OVMF guests), compressed when the card's BAR needs it

    static func addDriver(_ w: Work) throws(PassthroughError) -> Outcome {
        guard let driver = w.options.addEFI else { return Outcome(bytes: w.bytes) }
        if w.legacyOnly {
            let why = w.profile.legacyOnlyReason.map { $0 + ", which is all bios.bin keeps for \(w.target)." }
                ?? "only the legacy image was asked for."
            throw PassthroughError(advice: "\(NextStep(.patcherOption, "add-efi")) adds an EFI image for UEFI (OVMF) guests, but \(why)")
        }
        var add = PatchPlan()
        add.addEFI = driver
        add.checksumByte = w.checksumByte
        add.allowGOPMismatch = w.options.allowGOPMismatch
        var added = try patch(add, w.bytes)
        var compressed = false
        if let bar = w.options.romBarSize, added.count > bar {
            add.compressEFI = true
            added = try patch(add, w.bytes)
            compressed = true
        }
        let image = ROMParser.parse(added, options: noVendorTables).efiImages.last
        let identity = try? EFIImageBuilder.driver(from: driver)
        let name = identity.flatMap { EFIDriverIdentity.find(in: $0.bytes) }
        var notes = [Finding(.info, .extraImages, at: image?.offset,
            "Added an EFI image (\(identity.map { "\($0.pe.format.rawValue) \($0.pe.machineName)" } ?? "EFI") driver"
            + (name.map { ": \($0.name)" + ($0.version.map { " \($0)" } ?? "") } ?? "")
            + ", \(image?.length ?? 0) bytes" + (compressed ? ", EFI-compressed since the plain ROM would not fit the card's \(w.options.romBarSize ?? 0)-byte ROM BAR" : "")
            + ") for UEFI (OVMF) guests.")]
        if let family = GOPFamilyCheck.finding(driverFile: driver, vendor: w.vendorID, device: w.deviceID) { notes.append(family) }
        if let bar = w.options.romBarSize, added.count > bar {
            notes.append(Finding(.warning, .sizeMismatch,
                "With the EFI image the ROM is \(added.count) bytes, larger than the card's \(bar)-byte ROM BAR: fine as a QEMU/libvirt romfile "
                + "(QEMU sizes the guest's ROM BAR by the file), too large to flash to the card."))
        }
        return Outcome(bytes: added, notes: notes)
    }

    // MARK: - 3. The card's IDs: the patcher writes them into every PCIR that named the ROM's own

    static func setIDs(_ w: Work) throws(PassthroughError) -> Outcome {
        let work = ROMParser.parse(w.bytes, options: noVendorTables)
        // Images naming 0000:0000 (NVIDIA's EFI images on laptops and newer cards) are left unset.
        let named = work.images.indices.filter { i in
            guard let p = work.images[i].pcir, work.images[i].isLegacy || work.images[i].isEFI else { return false }
            return p.vendorID != 0 || p.deviceID != 0
        }
        guard w.options.setIDs,
              named.contains(where: { i in work.images[i].pcir.map { $0.vendorID != w.vendorID || $0.deviceID != w.deviceID } == true })
        else { return Outcome(bytes: w.bytes) }
        var ids = PatchPlan()
        ids.setIDs = PCIIDs(vendor: w.vendorID, device: w.deviceID)
        ids.checksumByte = w.checksumByte
        // Vendor tables of another vendor than the card's are refused here: such a ROM will not run.
        let patched = try patch(ids, w.bytes)
        let after = ROMParser.parse(patched, options: noVendorTables)
        var notes: [Finding] = []
        for (image, new) in zip(work.images, after.images) {
            guard let p = image.pcir, let q = new.pcir, p.vendorID != q.vendorID || p.deviceID != q.deviceID else { continue }
            notes.append(Finding(.warning, .idMismatch, at: p.offset + 4,
                "The \(image.codeType.name) image at \(Hex.prefixed(image.offset)) was built for "
                + "\(p.pciIDs); set it to the card's \(w.card), since "
                + w.profile.idMismatchConsequence
                + ". Make sure the ROM really is for this card."))
        }
        notes += imagesLeftAlone(work, named: named)
        return Outcome(bytes: patched, notes: notes)
    }

    /// The images that matter here (`named`) whose IDs the patcher left alone: those naming
    /// other IDs than the ROM's main PCIR (ROMPatcher's set-ids rule, which notes them too).
    /// Read from the layout, never from the patcher's note text. Seam: once ROMPatcher's notes
    /// carry codes (issue 27), this may read the patcher's "left alone" notes by code instead.
    static func imagesLeftAlone(_ layout: ROMLayout, named: [Int]) -> [Finding] {
        guard let main = layout.images.first(where: { $0.isLegacy || $0.isEFI })?.pcir ?? layout.images.first?.pcir else { return [] }
        let old = PCIIDs(vendor: main.vendorID, device: main.deviceID)
        return named.compactMap { i in
            guard let p = layout.images[i].pcir, p.vendorID != old.vendor || p.deviceID != old.device else { return nil }
            // The patcher's own words for it (ROMPatcher's set-ids), as prepare always said them.
            return Finding(.warning, .idMismatch, advice: "ROMPatcher \(NextStep(.patcherOption, "set-ids")): image \(i) names "
                + "\(p.pciIDs), not the ROM's \(old); left as it is.")
        }
    }

    // MARK: - 4. Checksums, where the bytes no longer sum to zero

    static func repairChecksums(_ w: Work) throws(PassthroughError) -> Outcome {
        let work = ROMParser.parse(w.bytes, options: noVendorTables)
        var bytes = w.bytes
        for image in work.images where image.isLegacy {
            guard image.sizeByte > 0 else {
                throw PassthroughError("The legacy image's size byte (offset 2) is 0: no BIOS will run it, and its checksum covers nothing. The ROM is damaged or a runtime copy that was cut; read it from another source.")
            }
            guard image.offset + image.runtimeLength <= bytes.count else {
                throw PassthroughError("The legacy image's size byte declares \(image.runtimeLength) bytes but only \(bytes.count - image.offset) are there: the ROM is truncated.")
            }
        }
        if work.images.contains(where: { $0.isLegacy && $0.checksumValid == false }) {
            var fix = PatchPlan()
            fix.fixChecksum = true
            fix.checksumByte = w.checksumByte
            bytes = try patch(fix, bytes)
        }
        return Outcome(bytes: bytes, notes: checksumNotes(w, bytes))
    }

    /// One note per repaired image, whichever step repaired it: the byte that absorbs the sum
    /// changed from what the ROM held there by exactly what the image summed to before.
    static func checksumNotes(_ w: Work, _ bytes: [UInt8]) -> [Finding] {
        let originalLegacyBad = w.layout.images.contains { $0.isLegacy && $0.checksumValid == false }
        var notes: [Finding] = []
        for image in ROMParser.parse(bytes, options: noVendorTables).images where image.isLegacy && image.runtimeLength > 0 {
            let rel = ChecksumConvention.locate(bytes, image: image.offset, runtime: image.runtimeLength, choice: w.checksumByte).offset
            let at = image.offset + rel
            guard w.base + at < w.rom.count, at < bytes.count else { continue }
            let sum = w.rom[w.base + at] &- bytes[at]
            guard sum != 0 else { continue }
            notes.append(Finding(originalLegacyBad ? .warning : .info, .checksumMismatch, at: at,
                "Repaired the legacy image's checksum (its \(image.runtimeLength) bytes summed to \(Hex.prefixed(sum, width: 2))) "
                + "by adjusting the byte at \(Hex.prefixed(at))"
                + (originalLegacyBad ? ". The ROM as read already failed its checksum: if it is a runtime copy, its code may have been modified while it ran." : ".")))
        }
        return notes
    }

    // MARK: - 5. Verify, and hold it to the target's consumers

    static func holdToConsumers(_ w: Work) throws(PassthroughError) -> Outcome {
        let result = ROMParser.parse(w.bytes)
        for image in result.images where image.isLegacy && image.checksumValid != true {
            throw PassthroughError("Internal check failed: the legacy image at \(Hex.prefixed(image.offset)) still does not sum to zero after repair. Please report this ROM.")
        }
        if w.legacyOnly, result.images.count != 1 || result.images.first?.isLast != true {
            throw PassthroughError("Internal check failed: the prepared ROM does not parse as one image marked last. Please report this ROM.")
        }
        let input = ConsumerProfile.Input(bytes: w.bytes, layout: result, vendorID: w.vendorID, deviceID: w.deviceID,
                                          romPath: w.options.romPath, romBAR: w.options.romBAR)
        let verdicts = w.profile.consumers.map { $0.check(input) }
        // The target's own consumer decides; SeaBIOS is advice for QEMU/libvirt (OVMF guests
        // need no legacy image).
        if let main = verdicts.first, !main.ok {
            throw PassthroughError("The prepared ROM would not work with \(main.profile.displayName): "
                + main.errors.map(\.message).joined(separator: " "))
        }
        let firmware = w.options.firmware ?? w.profile.defaultFirmware
        if firmware == .bios, let seabios = verdicts.dropFirst().first(where: { !$0.ok }) {
            throw PassthroughError(advice: "The prepared ROM would not work with \(seabios.profile.displayName), the guest firmware asked "
                + "for (\(NextStep(.firmware, "bios"))): " + seabios.errors.map(\.message).joined(separator: " ")
                + " Use an OVMF (UEFI) guest, or a ROM with a legacy x86 image.")
        }
        var notes: [Finding] = []
        if firmware == .uefi, !result.efiImages.contains(where: { $0.efi?.machineType == 0x8664 }) {
            let more = w.options.efiAdvice.map { " " + $0 } ?? ""
            notes.append(Finding(.noEFIImage, advice: "The ROM holds no X64 EFI image (it holds \(ConsumerProfile.imageKinds(result))): "
                + "an OVMF (UEFI) guest gets no display from the card until its driver loads. Add the card's GOP driver "
                + "(\(NextStep(.patch, "add-efi"))), use the vendor's full ROM or a dump of the ROM BAR (\(NextStep(.dumpFromROMBARSource))) "
                + "that has it, or give the guest SeaBIOS (\(NextStep(.firmware, "bios")))." + more))
        }
        for v in verdicts.dropFirst() where !v.ok {
            notes.append(contentsOf: v.errors.map {
                Finding(.warning, $0.code, at: $0.offset, "For a SeaBIOS (legacy BIOS) guest: " + $0.message)
            })
        }
        return Outcome(bytes: w.bytes, notes: notes, acceptance: verdicts, layout: result)
    }
}
