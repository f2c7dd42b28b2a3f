import OptionROM
import Core

/// An AMD APU's ROMs for a UEFI guest, as the passthrough guides build them: the VBIOS the
/// firmware ran (ACPI VFCT) on the GPU function, and the GOP driver (`AMDGopDriver`) as an option
/// ROM of its own on the GPU's HD-audio function. OVMF's PCI bus driver loads the EFI images of
/// every function's ROM (EDK2 `PciBusDxe/PciOptionRomSupport.c` `ProcessOpRomImage` matches no IDs),
/// and the GOP then binds the GPU it drives (its Driver Binding `Supported` picks the device), so
/// the VBIOS stays as the firmware ran it. Merging both into one ROM is the other layout.
public enum APUGOPROM {
    public enum Placement: String, Sendable, CaseIterable {
        /// The GOP in its own ROM for the HD-audio function (the guides' recipe).
        case separate
        /// The GOP added to the VBIOS as an EFI image.
        case merged
    }

    /// The file the GOP ROM is written to, next to bios.bin.
    public static let fileName = "gop.rom"

    /// The next step (one of `Preparation.Plan.steps`) for the audio function's ROM, in the hypervisor's own words
    /// for a function's ROM file (`romfile=`, `<rom file=…/>`; Proxmox's relative to /usr/share/kvm).
    public static func nextStep(_ result: Result, path: String) -> String {
        "The HD-audio function \(result.function.address) (\(result.function.pciIDs)) takes the GOP ROM \(path) as its ROM file "
            + "(the configs name it: romfile= on its -device vfio-pci, <rom file='\(path)'/> in its <hostdev>, or Proxmox's own "
            + "hostpci line for it with romfile=; copy the file there). "
            + "OVMF runs the GOP from there and it drives the GPU; bios.bin keeps the VBIOS alone."
    }

    /// The function that carries the GOP: the card's HD-audio function (class 0403).
    public static func audioFunction(of card: PassthroughCard) -> CardFunction? {
        card.functions.first { $0.classCode >> 8 == 0x0403 && $0.address != card.romFunction.address }
    }

    /// Where the GOP goes when nothing is asked: separate when the VBIOS came from VFCT (an APU)
    /// and the card has an HD-audio function to carry it, merged otherwise.
    public static func defaultPlacement(_ card: PassthroughCard, vbiosFromVFCT: Bool) -> Placement {
        vbiosFromVFCT && audioFunction(of: card) != nil ? .separate : .merged
    }

    public struct Result: Sendable {
        /// The option ROM: one EFI image around the driver, naming the audio function's IDs and class.
        public var bytes: [UInt8]
        public var function: CardFunction
        /// The family check's verdict and what was built.
        public var notes: [Finding]
    }

    /// The GOP ROM for `audio`, around `driverFile` (a PE32+/TE driver or an EFI option ROM such as
    /// a guide's `AMDGopDriver.rom`), checked against the GPU's chip (`gpuVendor`:`gpuDevice`, the
    /// VBIOS's): a GOP for another family is refused unless `allowMismatch`.
    public static func build(driverFile: [UInt8], audio: CardFunction, gpuVendor: UInt16, gpuDevice: UInt16,
                             allowMismatch: Bool) throws(PassthroughError) -> Result {
        let driver: EFIDriverInput
        do { driver = try EFIImageBuilder.driver(from: driverFile) } catch {
            throw PassthroughError("Cannot build the GOP ROM for \(audio.address): \(error.description)")
        }
        guard EFIImageBuilder.x64GuestMachines.contains(driver.pe.machine) else {
            throw PassthroughError("Cannot build the GOP ROM for \(audio.address): \(driver.origin) is "
                + "\(English.withArticle(driver.pe.machineName)) driver, which an x86-64 UEFI guest (OVMF) does not run.")
        }
        let verdict = GOPFamilyCheck.verdict(driver: driver.bytes, vendor: gpuVendor, device: gpuDevice)
        if case .mismatch(let why) = verdict, !allowMismatch {
            throw PassthroughError("The GOP driver does not match the GPU's chip: \(why). A guest would get no display from it; "
                + "take the GOP from this machine's own firmware image, or force the pairing if you know better.")
        }
        var notes: [Finding] = []
        if let f = GOPFamilyCheck.finding(driverFile: driverFile, vendor: gpuVendor, device: gpuDevice) { notes.append(f) }
        let image = EFIImageBuilder.build(driver, vendor: audio.vendorID, device: audio.deviceID, classCode: audio.classCode,
                                          compress: false, nvidia: false, last: true, npdeLast: true)
        notes.append(Finding(.info, .extraImages, at: 0,
            "Built the GOP ROM for the HD-audio function \(audio.address) (\(audio.pciIDs)): one EFI image around \(driver.origin) "
            + "(\(driver.pe.format.rawValue) \(driver.pe.machineName), \(image.count) bytes); OVMF loads it from that function "
            + "and the driver binds the GPU."))
        return Result(bytes: image, function: audio, notes: notes)
    }
}
