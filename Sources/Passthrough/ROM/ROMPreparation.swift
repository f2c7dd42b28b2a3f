import OptionROM
import Core

/// Turns a card's ROM into the `bios.bin` a target loads. Pure: bytes in, bytes out.
///
/// The steps (`steps`, one function each, returning its bytes and notes): keep the images the
/// target loads (Xen: the legacy x86 image alone; QEMU and libvirt: the whole chain), add an EFI
/// driver, set the card's IDs where the ROM names others, repair checksums, parse the result
/// again and hold it to the target's consumers. What cannot work is refused with the reason,
/// never written.
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
        if igd, GPUVendor(pciVendorID: vendorID) == .intel, GPUVendor(pciVendorID: p.vendorID) == .intel, p.deviceID == 0xFFFF { return nil }
        if p.vendorID == vendorID, layout.images.contains(where: { $0.pcir?.deviceList.contains(deviceID) == true }) { return nil }
        return "the ROM is for \(p.pciIDs)"
            + (p.deviceList.isEmpty ? "" : " (device list " + p.deviceList.map { Hex.string($0, width: 4) }.joined(separator: " ") + ")")
            + ", the card is \(PCIIDs(vendor: vendorID, device: deviceID))"
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
            StepWording.text("\(file) is not a ROM for \(card): \(reason). A VBIOS for another chip can hang the guest; nothing was "
                + "written. Use this card's own ROM (\(NextStep(.dumpDevice, card)), or the vendor's file for this board), or pass "
                + "\(NextStep(.retarget)) to write the card's IDs into it anyway.")
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

    /// Runs `steps` over `rom`, in order: each returns its bytes and notes, and the last one
    /// holds the result to the target's consumers (their verdicts are `Result.acceptance`).
    public static func prepare(_ rom: [UInt8], vendorID: UInt16, deviceID: UInt16, for target: PassthroughTarget,
                               options: Options = .init()) throws(PassthroughError) -> Result {
        var work = try Work(rom, vendorID: vendorID, deviceID: deviceID, for: target, options: options)
        for step in steps {
            let out = try step.run(work)
            work.bytes = out.bytes
            work.notes += out.notes
            if let a = out.acceptance { work.acceptance = a }
            if let l = out.layout { work.result = l }
        }
        return Result(bytes: work.bytes, layout: work.result ?? ROMParser.parse(work.bytes), notes: work.notes,
                      acceptance: work.acceptance)
    }

    static func patch(_ plan: PatchPlan, _ bytes: [UInt8]) throws(PassthroughError) -> [UInt8] {
        do {
            return try ROMPatcher.apply(plan, to: bytes).bytes
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
