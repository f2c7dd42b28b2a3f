import OptionROM
import Core

/// What one consumer of a ROM requires of it, from its source (Xen tools/firmware/hvmloader,
/// SeaBIOS src/optionroms.c, QEMU hw/vfio/pci.c, EDK2 PciBusDxe):
/// - `hvmloader`: Xen's hvmloader and qemu-dm. A legacy x86 image at the start, checksum zero,
///   PCIR IDs equal to the card's (hvmloader skips others silently), at most 64 KiB (qemu-dm
///   refuses more; above 32 KiB the other option ROMs between 0xC8000 and 0xEA000 get crowded),
///   a length in 512-byte blocks (and of 4 for `mkhex`), size byte not 0.
/// - `seabios`: a legacy image with a valid checksum; IDs must match unless `rombar=0`.
/// - `qemuVFIO`: QEMU takes any file; it rounds the ROM BAR to a power of two, never patches the
///   IDs of a user romfile, and does not check the checksum (the guest firmware does).
/// - `libvirt`: as QEMU, and the path must be absolute (libvirt's schema).
public enum ConsumerProfile: String, CaseIterable, Sendable {
    case hvmloader
    case seabios
    case qemuVFIO = "qemu-vfio"
    case libvirt

    /// The consumers a target's bios.bin meets: its profile's.
    public static func profiles(for target: PassthroughTarget) -> [ConsumerProfile] { target.profile.consumers }

    public var displayName: String {
        switch self {
        case .hvmloader: return "Xen qemu-dm/hvmloader"
        case .seabios: return "SeaBIOS"
        case .qemuVFIO: return "QEMU vfio-pci"
        case .libvirt: return "libvirt"
        }
    }

    /// hvmloader's and qemu-dm's ceiling, in bytes.
    public static let xenMaximum = 64 * 1024
    /// Above this, hvmloader has little room left for other option ROMs.
    public static let xenComfortable = 32 * 1024

    /// What the consumer will be handed.
    public struct Input: Sendable {
        public var bytes: [UInt8]
        public var layout: ROMLayout
        /// The card's IDs (of the ROM function).
        public var vendorID: UInt16
        public var deviceID: UInt16
        /// Where the file will lie (libvirt needs it absolute). nil: not known yet.
        public var romPath: String?
        /// QEMU's `rombar`; false (`rombar=0`) lets SeaBIOS skip the ID match.
        public var romBAR: Bool

        public init(bytes: [UInt8], layout: ROMLayout? = nil, vendorID: UInt16, deviceID: UInt16,
                    romPath: String? = nil, romBAR: Bool = true) {
            self.bytes = bytes
            self.layout = layout ?? ROMParser.parse(bytes)
            self.vendorID = vendorID
            self.deviceID = deviceID
            self.romPath = romPath
            self.romBAR = romBAR
        }
    }

    public func check(_ input: Input) -> Acceptance {
        var problems: [Finding] = []
        switch self {
        case .hvmloader: Self.checkXen(input, &problems)
        case .seabios: Self.checkSeaBIOS(input, &problems)
        case .qemuVFIO: Self.checkQEMU(input, &problems)
        case .libvirt:
            Self.checkQEMU(input, &problems)
            Self.checkPath(input, &problems)
        }
        return Acceptance(profile: self, problems: problems)
    }

    // MARK: - The checks

    static func checkXen(_ input: Input, _ problems: inout [Finding]) {
        let layout = input.layout
        let name = "hvmloader/qemu-dm"
        guard let image = layout.legacyImage else {
            problems.append(Finding(.error, .noLegacyImage,
                "\(name) runs only a legacy x86 VGA BIOS, and this ROM has none (\(imageKinds(layout))). "
                + "Use QEMU/libvirt with OVMF for a UEFI-only card."))
            return
        }
        if image.offset != 0 {
            problems.append(Finding(.error, .notAtStart, at: image.offset, advice: "The legacy image starts at "
                + "\(Hex.prefixed(image.offset)), not at 0: \(name) expects 55 AA at the first byte. "
                + "\(NextStep(.patch, "extract legacy")) cuts it out."))
        }
        if image.sizeByte == 0 {
            problems.append(Finding(.error, .sizeMismatch, at: image.offset + 2,
                "The size byte (offset 2) is 0: qemu-dm refuses a ROM of size 0 and hvmloader has nothing to copy."))
        }
        checkChecksum(image, name, &problems)
        checkIDs(input, name, &problems, consequence: "hvmloader skips a ROM whose PCIR IDs differ from the card's, silently")
        let size = input.bytes.count
        let runtime = image.runtimeLength
        let loaded = max(size, runtime)
        if loaded > xenMaximum {
            let instead: AdvisedText = layout.images.count > 1
                ? "Keep only the legacy image (\(NextStep(.prepareFor, "xen")) does)." : "This ROM cannot be used with Xen's VGA passthrough."
            problems.append(Finding(.error, .tooLarge, advice: "The ROM is \(loaded) bytes; qemu-dm and hvmloader take at most "
                + "\(xenMaximum) (64 KiB) for the VGA BIOS. " + instead))
        } else if loaded > xenComfortable {
            problems.append(Finding(.warning, .crowded,
                "The ROM is \(loaded) bytes, over 32 KiB: hvmloader places other option ROMs (network, storage) "
                + "between 0xC8000 and 0xEA000, and a large VGA BIOS leaves them less room."))
        }
        if size % 512 != 0 {
            problems.append(Finding(.error, .misaligned,
                "The ROM is \(size) bytes, not a multiple of 512: option ROM sizes count in 512-byte blocks"
                + (size % 4 != 0 ? ", and `mkhex`, which compiles a VGA BIOS into hvmloader, needs a multiple of 4." : ".")))
        }
        if layout.images.count > 1 {
            problems.append(Finding(.warning, .extraImages, advice: "The ROM holds \(layout.images.count) images "
                + "(\(imageKinds(layout))); hvmloader and qemu-dm use only the legacy one. \(NextStep(.prepareFor, "xen")) keeps only that one."))
        }
    }

    /// SeaBIOS's rule for a ROM BAR is `GuestFirmware.seabios` (its map_pcirom walk, the one
    /// model of it): when it runs an image the ROM is accepted; when not, the findings say why in
    /// the rule's terms (size byte, checksum, IDs), or its own reason when none of those is it.
    static func checkSeaBIOS(_ input: Input, _ problems: inout [Finding]) {
        guard let image = input.layout.legacyImage else {
            problems.append(Finding(.error, .noLegacyImage,
                "SeaBIOS runs only legacy x86 option ROMs, and this ROM has none (\(imageKinds(input.layout))). "
                + "Boot the guest with OVMF instead."))
            return
        }
        // Through the ROM BAR SeaBIOS walks the chain for the card's IDs (map_pcirom, modelled by
        // GuestFirmware). With rombar=0 QEMU hands the file over fw_cfg instead (QEMU hw/pci/pci.c
        // pci_add_option_rom), run after the signature, size and checksum checks alone.
        var verdict: GuestFirmware.SeaBIOSVerdict?
        if input.romBAR {
            verdict = GuestFirmware.seabios(input.bytes, vendor: input.vendorID, device: input.deviceID)
            if verdict?.image != nil { return }
        }
        let before = problems.count
        if image.sizeByte == 0 {
            problems.append(Finding(.error, .sizeMismatch, at: image.offset + 2,
                "The legacy image's size byte is 0: SeaBIOS will not run it."))
        }
        checkChecksum(image, "SeaBIOS", &problems)
        if input.romBAR {
            checkIDs(input, "SeaBIOS", &problems,
                     consequence: "SeaBIOS skips a ROM BAR whose PCIR IDs differ from the device's (unless rombar=0)")
        }
        if let verdict, problems.count == before {
            problems.append(Finding(.error, .noLegacyImage, at: verdict.offset, "SeaBIOS would run no image: \(verdict.reason)."))
        }
    }

    static func checkQEMU(_ input: Input, _ problems: inout [Finding]) {
        let size = input.bytes.count
        if input.layout.images.isEmpty {
            problems.append(Finding(.error, .noImage,
                "The file holds no option ROM image: the guest firmware would find nothing in the ROM BAR."))
        }
        if size > 0, size & (size - 1) != 0 {
            var bar = 1
            while bar < size { bar <<= 1 }
            problems.append(Finding(.info, .barRounding,
                "QEMU rounds the ROM BAR up to a power of two: \(size) bytes become \(English.withArticle("\(bar)-byte")) BAR, padded with zeros."))
        }
        if let romIDs = mismatchedIDs(input) {
            problems.append(Finding(.warning, .idMismatch, advice: "The ROM is for \(romIDs), the card is \(card(input)): QEMU never "
                + "patches the IDs of a romfile, so the guest firmware may skip it. \(NextStep(.patch, "set-ids \(card(input))")) sets them."))
        }
        if let image = input.layout.legacyImage, image.checksumValid == false {
            problems.append(Finding(.warning, .checksumMismatch, at: image.offset,
                "QEMU does not check the checksum, but the guest's SeaBIOS will skip the legacy image: it sums to "
                + "\(Hex.prefixed(image.checksum ?? 0, width: 2)), not 0."))
        }
    }

    static func checkPath(_ input: Input, _ problems: inout [Finding]) {
        guard let path = input.romPath else { return }
        if !path.hasPrefix("/") {
            problems.append(Finding(.error, .relativePath,
                "libvirt needs an absolute ROM path, and \"\(path)\" is relative: libvirt resolves nothing against your working directory."))
        }
    }

    // MARK: - Shared pieces

    static func checkChecksum(_ image: ROMImage, _ name: String, _ problems: inout [Finding]) {
        // A size byte of 0 is reported on its own; there is nothing to sum.
        guard image.sizeByte > 0 else { return }
        switch image.checksumValid {
        case true?: break
        case false?:
            problems.append(Finding(.error, .checksumMismatch, at: image.offset, advice: "The legacy image's \(image.runtimeLength) bytes "
                + "sum to \(Hex.prefixed(image.checksum ?? 0, width: 2)), not 0: \(name) skips it. \(NextStep(.patch, "fix-checksum")) repairs it."))
        case nil:
            problems.append(Finding(.error, .truncated, at: image.offset,
                "The legacy image's checksum cannot be checked: its \(image.runtimeLength) runtime bytes are not all in the file."))
        }
    }

    static func checkIDs(_ input: Input, _ name: String, _ problems: inout [Finding], consequence: String) {
        guard let image = input.layout.legacyImage else { return }
        guard let pcir = image.pcir else {
            problems.append(Finding(.error, .noPCIR, at: image.offset + 0x18,
                "The legacy image has no PCI data structure, so \(name) cannot match it to the card \(card(input))."))
            return
        }
        if pcir.vendorID != input.vendorID || pcir.deviceID != input.deviceID {
            problems.append(Finding(.error, .idMismatch, at: pcir.offset + 4, advice: "The ROM's PCIR names \(pcir.pciIDs), the card is "
                + "\(card(input)): \(consequence). \(NextStep(.patch, "set-ids \(card(input))")) sets them."))
        }
    }

    /// The first legacy/EFI image whose IDs differ from the card's.
    static func mismatchedIDs(_ input: Input) -> String? {
        for image in input.layout.images where image.isLegacy || image.isEFI {
            // 0000:0000 is unset (NVIDIA's EFI images on laptops and newer cards), not another card.
            guard let p = image.pcir, p.vendorID != 0 || p.deviceID != 0 else { continue }
            if p.vendorID != input.vendorID || p.deviceID != input.deviceID { return p.pciIDs.description }
        }
        return nil
    }

    static func card(_ input: Input) -> String { PCIIDs(vendor: input.vendorID, device: input.deviceID).description }

    static func imageKinds(_ layout: ROMLayout) -> String {
        if layout.images.isEmpty { return "no image" }
        return layout.images.map { $0.codeType.name }.joined(separator: ", ")
    }
}

/// A consumer's verdict: acceptable when nothing it finds is an error.
public struct Acceptance: Sendable, Equatable {
    public var profile: ConsumerProfile
    public var problems: [Finding]
    public var ok: Bool { !problems.contains { $0.severity == .error } }
    public var errors: [Finding] { problems.filter { $0.severity == .error } }
    public var warnings: [Finding] { problems.filter { $0.severity == .warning } }

    public init(profile: ConsumerProfile, problems: [Finding]) {
        self.profile = profile
        self.problems = problems
    }
}
