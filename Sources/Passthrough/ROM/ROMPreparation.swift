import OptionROM
import Core

/// Turns a card's ROM into the `bios.bin` a target loads. Pure: bytes in, bytes out.
///
/// The steps, each reported: keep the images the target loads (Xen: the legacy x86 image alone;
/// QEMU and libvirt: the whole chain), set the card's IDs where the ROM names others, repair
/// checksums, parse the result again and hold it to the target's consumers. What cannot work is
/// refused with the reason, never written.
public enum ROMPreparation {
    /// The guest's firmware: a legacy BIOS (SeaBIOS, hvmloader) runs the x86 image, UEFI (OVMF)
    /// an X64 EFI image.
    public enum Firmware: String, Sendable, CaseIterable {
        case bios, uefi
        /// The hypervisor profile's (uefi for QEMU-based ones, OVMF guests being today's default;
        /// bios for Xen, whose qemu-dm loads the legacy VGA BIOS for gfx_passthru).
        public static func `default`(for target: PassthroughTarget) -> Firmware { target.profile.defaultFirmware }
    }

    /// Why a ROM file is for another chip than the card, or nil when it is for the card: its
    /// main PCIR (the first legacy or EFI image's) names another vendor, or another device that
    /// its PCIR 3.0 device list does not name either.
    public static func anotherChip(_ layout: ROMLayout, vendorID: UInt16, deviceID: UInt16, igd: Bool = false) -> String? {
        guard let p = layout.images.first(where: { $0.isLegacy || $0.isEFI })?.pcir ?? layout.images.first?.pcir else { return nil }
        if p.vendorID == vendorID, p.deviceID == deviceID { return nil }
        // Intel ships one VBIOS for every IGD of a platform with device ID FFFF (the ROMs people
        // extract from BIOS updates; QEMU docs/igd-assign.txt's romfile): it is the IGD's own.
        if igd, vendorID == 0x8086, p.vendorID == 0x8086, p.deviceID == 0xFFFF { return nil }
        if p.vendorID == vendorID, layout.images.contains(where: { $0.pcir?.deviceList.contains(deviceID) == true }) { return nil }
        return "the ROM is for \(ConsumerProfile.ids(p.vendorID, p.deviceID))"
            + (p.deviceList.isEmpty ? "" : " (device list " + p.deviceList.map { Hex.string($0, width: 4) }.joined(separator: " ") + ")")
            + ", the card is \(ConsumerProfile.ids(vendorID, deviceID))"
    }

    /// A ROM file (`prepare --rom`) made for another chip than the card: a wrong VBIOS can hang
    /// the guest, so it is refused unless the user asked for its IDs to be rewritten.
    public struct AnotherChip: Error, Sendable, CustomStringConvertible {
        /// The ROM file.
        public var file: String
        /// The card's ROM function, as the user named it (`0000:01:00.0`).
        public var card: String
        /// What `anotherChip` found.
        public var reason: String

        public var description: String {
            "\(file) is not a ROM for \(card): \(reason). A VBIOS for another chip can hang the guest; "
                + "nothing was written. Use this card's own ROM (`vbios dump \(card)`, or the vendor's file for this board), "
                + "or pass --retarget to write the card's IDs into it anyway."
        }
    }

    /// Holds a ROM file to the card: nil when it is the card's; with `retarget`, the reason it is
    /// not (its IDs are then rewritten by `prepare`); else throws `AnotherChip`. `igd`: the card is
    /// an Intel IGD (`CardFunction.isIntelIGD`), which takes Intel's all-device (8086:FFFF) ROMs.
    public static func checkChip(_ layout: ROMLayout, file: String, card: String, vendorID: UInt16, deviceID: UInt16,
                                 igd: Bool = false, retarget: Bool) throws(AnotherChip) -> String? {
        guard let why = anotherChip(layout, vendorID: vendorID, deviceID: deviceID, igd: igd) else { return nil }
        guard retarget else { throw AnotherChip(file: file, card: card, reason: why) }
        return why
    }

    public struct Options: Sendable {
        /// Keep only the legacy x86 image. nil: the target's default (Xen yes, QEMU/libvirt no).
        public var legacyOnly: Bool?
        /// Write the card's IDs into images that name other IDs.
        public var setIDs: Bool = true
        /// Where bios.bin will lie (libvirt checks it is absolute).
        public var romPath: String?
        /// QEMU's `rombar` (false: SeaBIOS does not match IDs).
        public var romBAR: Bool = true
        /// The guest's firmware; nil: the target's default (`Firmware.default(for:)`).
        public var firmware: Firmware?
        /// `--add-efi FILE`: a driver (PE32+/TE, or an EFI option ROM) to add as an EFI image.
        public var addEFI: [UInt8]?
        /// The card's ROM BAR size when known: the added driver is EFI-compressed when the ROM would not fit it.
        public var romBarSize: Int?
        /// Said at the end of the `no-efi-image` note: where else a GOP driver was looked for and
        /// what that found (`prepare --rom-from`: the firmware image's GOP drivers).
        public var efiAdvice: String?
        /// Add a GOP driver that `GOPFamilyCheck` finds is not for the chip (refused otherwise).
        public var allowGOPMismatch = false
        public init(legacyOnly: Bool? = nil, setIDs: Bool = true, romPath: String? = nil, romBAR: Bool = true,
                    addEFI: [UInt8]? = nil, romBarSize: Int? = nil) {
            self.legacyOnly = legacyOnly
            self.setIDs = setIDs
            self.romPath = romPath
            self.romBAR = romBAR
            self.addEFI = addEFI
            self.romBarSize = romBarSize
        }
    }

    public struct Result: Sendable {
        /// The bytes of bios.bin.
        public var bytes: [UInt8]
        public var layout: ROMLayout
        /// What was changed and what to know, in order.
        public var notes: [Finding]
        /// The verdicts of the target's consumers on `bytes` (all `ok` for the target's own).
        public var acceptance: [Acceptance]
    }

    public static func prepare(_ rom: [UInt8], vendorID: UInt16, deviceID: UInt16, for target: PassthroughTarget,
                               options: Options = .init()) throws(PassthroughError) -> Result {
        let card = ConsumerProfile.ids(vendorID, deviceID)
        let layout = ROMParser.parse(rom)
        guard let first = layout.images.first else {
            let why = layout.findings.first?.message ?? "no option ROM image found."
            throw PassthroughError("Cannot prepare a bios.bin: \(why)")
        }
        if let cut = layout.findings(.truncated).first {
            throw PassthroughError("Cannot prepare a bios.bin from a truncated ROM: \(cut.message)")
        }
        var notes: [Finding] = []
        let profile = target.profile
        let legacyOnly = options.legacyOnly ?? (profile.legacyOnlyReason != nil)

        // The byte edits are OptionROM's ROMPatcher's; this keeps what each step means for the
        // target. The checksum goes where qemu-dm itself puts it (the last runtime byte), or at
        // 0x21 for AMD's ATOM ROMs, whose own tools keep it there.
        let checksumByte: ChecksumByte = if case .amd? = layout.vendorInfo { .offset(ChecksumConvention.amdOffset) } else { .last }

        // 1. The images the target loads, without the bytes around the chain. `base` is where
        //    the first byte kept lay in `rom`.
        var plan = PatchPlan()
        plan.checksumByte = checksumByte
        let base: Int
        let legacy = layout.legacyImage
        if legacyOnly {
            guard let legacy else {
                throw PassthroughError(
                    "The ROM has no legacy x86 image (it holds \(ConsumerProfile.imageKinds(layout))), and "
                    + (profile.legacyOnlyReason.map { $0 + ". Pass the card to a QEMU or libvirt guest with OVMF (UEFI) instead." }
                                      ?? "only a legacy image was asked for. Keep the whole ROM for an OVMF (UEFI) guest."))
            }
            plan.extract = .legacy
            // ROMPatcher refuses to cut NVIDIA's extended images (0xE0, 0x70) without force:
            // nvflash and NVIDIA's driver want them, but qemu-dm and hvmloader load the legacy
            // image alone and never look past it.
            plan.force = true
            base = legacy.offset
            let dropped = layout.images.filter { $0.offset != legacy.offset }
            if !dropped.isEmpty {
                let nvidia = dropped.contains { $0.codeType == .nvidiaE0 || $0.codeType == .nvidia70 }
                notes.append(Finding(.info, .extraImages,
                    "Kept the legacy x86 image (\(legacy.length) bytes at \(Hex.prefixed(legacy.offset))); dropped "
                    + dropped.map { "\($0.codeType.name) (\($0.length) bytes at \(Hex.prefixed($0.offset)))" }.joined(separator: ", ")
                    + (profile.legacyOnlyReason.map { ": " + $0 } ?? "")
                    + (nvidia ? " (NVIDIA's extended images matter to nvflash and the host driver, not to the guest's VGA BIOS)." : ".")))
            }
        } else {
            plan.stripHeader = layout.prefixLength > 0
            plan.truncate = layout.chainEnd < rom.count
            // Anything past the chain's end is not read by the card's consumers, NVIDIA's or not.
            plan.force = true
            base = first.offset
        }
        if layout.prefixLength > 0 {
            notes.append(Finding(.info, .prefixHeader, at: 0,
                "Dropped the \(layout.prefixLength) bytes before the first image ("
                + (layout.prefix ?? .unknown).name + "): the card never exposes them."))
        }
        if layout.chainEnd < rom.count {
            notes.append(Finding(.info, .trailingData, at: layout.chainEnd,
                "Dropped the \(rom.count - layout.chainEnd) bytes after the end of the chain at \(Hex.prefixed(layout.chainEnd))."))
        }
        var bytes = rom
        if !plan.isEmpty {
            bytes = try patch(plan, bytes)
            // 2. The chain ends with what is kept (the patcher marks it).
            if legacyOnly, let legacy, !legacy.isLast, let kept = ROMParser.parse(bytes, options: noVendorTables).images.first {
                notes.append(Finding(.info, .noLastImage, at: kept.pcir.map { $0.offset + 0x15 },
                    "Marked the legacy image last, so nothing looks for the images that were dropped."))
            }
        }

        // 2b. A driver added as an EFI image (OVMF guests), compressed when the card's BAR needs it.
        if let driver = options.addEFI {
            if legacyOnly {
                throw PassthroughError("--add-efi adds an EFI image for UEFI (OVMF) guests, but "
                    + (profile.legacyOnlyReason.map { $0 + ", which is all bios.bin keeps for \(target)." }
                                      ?? "only the legacy image was asked for."))
            }
            var add = PatchPlan()
            add.addEFI = driver
            add.checksumByte = checksumByte
            add.allowGOPMismatch = options.allowGOPMismatch
            var added = try patchWithNotes(add, bytes).0
            var compressed = false
            if let bar = options.romBarSize, added.count > bar {
                add.compressEFI = true
                added = try patchWithNotes(add, bytes).0
                compressed = true
            }
            let image = ROMParser.parse(added, options: noVendorTables).efiImages.last
            let identity = try? EFIImageBuilder.driver(from: driver)
            let name = identity.flatMap { EFIDriverIdentity.find(in: $0.bytes) }
            notes.append(Finding(.info, .extraImages, at: image?.offset,
                "Added an EFI image (\(identity.map { "\($0.pe.format.rawValue) \($0.pe.machineName)" } ?? "EFI") driver"
                + (name.map { ": \($0.name)" + ($0.version.map { " \($0)" } ?? "") } ?? "")
                + ", \(image?.length ?? 0) bytes" + (compressed ? ", EFI-compressed since the plain ROM would not fit the card's \(options.romBarSize ?? 0)-byte ROM BAR" : "")
                + ") for UEFI (OVMF) guests."))
            if let family = GOPFamilyCheck.finding(driverFile: driver, vendor: vendorID, device: deviceID) { notes.append(family) }
            if let bar = options.romBarSize, added.count > bar {
                notes.append(Finding(.warning, .sizeMismatch,
                    "With the EFI image the ROM is \(added.count) bytes, larger than the card's \(bar)-byte ROM BAR: fine as a QEMU/libvirt romfile "
                    + "(QEMU sizes the guest's ROM BAR by the file), too large to flash to the card."))
            }
            bytes = added
        }

        // 3. The card's IDs: the patcher writes them into every PCIR that named the ROM's own.
        var work = ROMParser.parse(bytes, options: noVendorTables)
        // Images naming 0000:0000 (NVIDIA's EFI images on laptops and newer cards) are left unset.
        let named = work.images.indices.filter { i in
            guard let p = work.images[i].pcir, work.images[i].isLegacy || work.images[i].isEFI else { return false }
            return p.vendorID != 0 || p.deviceID != 0
        }
        if options.setIDs, named.contains(where: { i in work.images[i].pcir.map { $0.vendorID != vendorID || $0.deviceID != deviceID } == true }) {
            var ids = PatchPlan()
            ids.setIDs = PCIIDs(vendor: vendorID, device: deviceID)
            ids.checksumByte = checksumByte
            // Vendor tables of another vendor than the card's are refused here: such a ROM will not run.
            let (patched, patchNotes) = try patchWithNotes(ids, bytes)
            let after = ROMParser.parse(patched, options: noVendorTables)
            for (image, new) in zip(work.images, after.images) {
                guard let p = image.pcir, let q = new.pcir, p.vendorID != q.vendorID || p.deviceID != q.deviceID else { continue }
                notes.append(Finding(.warning, .idMismatch, at: p.offset + 4,
                    "The \(image.codeType.name) image at \(Hex.prefixed(image.offset)) was built for "
                    + "\(ConsumerProfile.ids(p.vendorID, p.deviceID)); set it to the card's \(card), since "
                    + profile.idMismatchConsequence
                    + ". Make sure the ROM really is for this card."))
            }
            // The patcher's word on images it left alone, for the images that matter here only.
            for n in patchNotes where n.hasPrefix("--set-ids") && named.contains(where: { n.contains("image \($0) names") }) {
                notes.append(Finding(.warning, .idMismatch, "ROMPatcher " + n))
            }
            bytes = patched
            work = after
        }

        // 4. Checksums, where the bytes no longer sum to zero.
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
            fix.checksumByte = checksumByte
            bytes = try patch(fix, bytes)
        }
        // One note per repaired image, whichever step repaired it: the byte that absorbs the sum
        // changed from what `rom` held there by exactly what the image summed to before.
        let originalLegacyBad = layout.images.contains { $0.isLegacy && $0.checksumValid == false }
        for image in ROMParser.parse(bytes, options: noVendorTables).images where image.isLegacy && image.runtimeLength > 0 {
            let rel = ChecksumConvention.locate(bytes, image: image.offset, runtime: image.runtimeLength, choice: checksumByte).offset
            let at = image.offset + rel
            guard base + at < rom.count, at < bytes.count else { continue }
            let sum = rom[base + at] &- bytes[at]
            guard sum != 0 else { continue }
            notes.append(Finding(originalLegacyBad ? .warning : .info, .checksumMismatch, at: at,
                "Repaired the legacy image's checksum (its \(image.runtimeLength) bytes summed to \(Hex.prefixed(sum, width: 2))) "
                + "by adjusting the byte at \(Hex.prefixed(at))"
                + (originalLegacyBad ? ". The ROM as read already failed its checksum: if it is a runtime copy, its code may have been modified while it ran." : ".")))
        }
        // 5. Verify, and hold it to the target's consumers.
        let result = ROMParser.parse(bytes)
        for image in result.images where image.isLegacy && image.checksumValid != true {
            throw PassthroughError("Internal check failed: the legacy image at \(Hex.prefixed(image.offset)) still does not sum to zero after repair. Please report this ROM.")
        }
        if legacyOnly, result.images.count != 1 || result.images.first?.isLast != true {
            throw PassthroughError("Internal check failed: the prepared ROM does not parse as one image marked last. Please report this ROM.")
        }
        let input = ConsumerProfile.Input(bytes: bytes, layout: result, vendorID: vendorID, deviceID: deviceID,
                                          romPath: options.romPath, romBAR: options.romBAR)
        let profiles = profile.consumers
        let verdicts = profiles.map { $0.check(input) }
        // The target's own consumer decides; SeaBIOS is advice for QEMU/libvirt (OVMF guests
        // need no legacy image).
        if let main = verdicts.first, !main.ok {
            throw PassthroughError("The prepared ROM would not work with \(main.profile.displayName): "
                + main.errors.map(\.message).joined(separator: " "))
        }
        let firmware = options.firmware ?? profile.defaultFirmware
        if firmware == .bios, let seabios = verdicts.dropFirst().first(where: { !$0.ok }) {
            throw PassthroughError("The prepared ROM would not work with \(seabios.profile.displayName), the guest firmware asked for (--firmware bios): "
                + seabios.errors.map(\.message).joined(separator: " ") + " Use an OVMF (UEFI) guest, or a ROM with a legacy x86 image.")
        }
        if firmware == .uefi, !result.efiImages.contains(where: { $0.efi?.machineType == 0x8664 }) {
            notes.append(Finding(.noEFIImage,
                "The ROM holds no X64 EFI image (it holds \(ConsumerProfile.imageKinds(result))): an OVMF (UEFI) guest gets no "
                + "display from the card until its driver loads. Add the card's GOP driver (`vbios patch --add-efi`), use the "
                + "vendor's full ROM or a dump of the ROM BAR (`vbios dump --source rombar`) that has it, or give the guest SeaBIOS (--firmware bios)."
                + (options.efiAdvice.map { " " + $0 } ?? "")))
        }
        for v in verdicts.dropFirst() where !v.ok {
            notes.append(contentsOf: v.errors.map {
                Finding(.warning, $0.code, at: $0.offset, "For a SeaBIOS (legacy BIOS) guest: " + $0.message)
            })
        }
        return Result(bytes: bytes, layout: result, notes: notes, acceptance: verdicts)
    }

    static func patch(_ plan: PatchPlan, _ bytes: [UInt8]) throws(PassthroughError) -> [UInt8] {
        try patchWithNotes(plan, bytes).0
    }

    static func patchWithNotes(_ plan: PatchPlan, _ bytes: [UInt8]) throws(PassthroughError) -> ([UInt8], [String]) {
        do {
            let r = try ROMPatcher.apply(plan, to: bytes)
            return (r.bytes, r.notes)
        } catch {
            throw PassthroughError("Cannot prepare a bios.bin: \(error.description)")
        }
    }

    static var noVendorTables: ROMParser.Options {
        var o = ROMParser.Options()
        o.decodeVendorTables = false
        return o
    }
}
