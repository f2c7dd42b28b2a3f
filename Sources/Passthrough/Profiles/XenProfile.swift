import Core
import OptionROM
import PCIHost

extension PassthroughTarget {
    /// Xen HVM: xl, qemu-dm (qemu-xen-traditional or qemu-xen), hvmloader.
    public static let xen = PassthroughTarget(profile: "xen")
}

/// Xen HVM with `gfx_passthru`: qemu-dm and hvmloader load the legacy VGA BIOS alone (Xen
/// tools/firmware/hvmloader), so bios.bin keeps only that image; the card goes to pciback.
public struct XenProfile: HypervisorProfile {
    public init() {}
    public var name: String { "xen" }
    public var consumers: [ConsumerProfile] { [.hvmloader] }
    public var defaultFirmware: ROMPreparation.Firmware { .bios }
    public var legacyOnlyReason: String? {
        "Xen's qemu-dm and hvmloader run only a legacy VGA BIOS"
    }
    public var idMismatchConsequence: String { "hvmloader skips a ROM whose IDs differ" }
    public var driver: PassthroughDriver { .pciback }
    public var kernelOptions: (needed: [String], optional: [String]) { (["XEN_PCIDEV_BACKEND"], ["PCI_STUB"]) }
    public var mapsBARs: Bool { true }
    /// qemu-xen's graphics passthrough loads the host's shadowed VGA BIOS when the card is the
    /// boot display (QEMU hw/xen/xen_pt_graphics.c, `xen_pt_setup_vga`).
    public var loadsHostRuntimeCopy: String? { "qemu-xen's gfx_passthru loads this same copy from the host's boot display" }

    public var configNames: [String] { ["xen.cfg", "kernel-cmdline.txt"] }

    // Doctor. Xen owns the IOMMU and remaps interrupts itself (its own iommu= options), so dom0
    // sees no IOMMU groups and vfio's interrupt-remapping refusal does not apply.
    public var ownsIOMMU: Bool { true }
    public var checksInterruptRemapping: Bool { false }
    public var doctorChecks: [DoctorCheck.ID] { [.xen] }
    public var primaryDisplayOption: String { "gfx_passthru" }
    public var primaryDisplaySetting: String { "gfx_passthru = 1 in xl.cfg" }

    /// hvmloader places the BARs below 4 GiB in the MMIO hole that xl sizes (xl.cfg(5) `mmio_hole`).
    public func barPlacementAdvice(totalBytes: UInt64, hole64GiB: UInt64) -> String {
        let hole = HostDoctor.mmioHoleMB(totalBytes)
        return "In xl.cfg make the MMIO hole below 4 GiB large enough for the BARs: `mmio_hole = \(hole)` (MB; needs device_model_version = \"qemu-xen\"), or give the domain less than 4 GB (`memory = \(4096 - hole)` or less) so guest RAM never collides with the BARs."
    }

    public func largeBARGuest(hole64GiB: UInt64, largest: UInt64) -> DoctorCheck.Step {
        .init(.guest, "a UEFI (OVMF) HVM guest, or the BAR shrunk with Re-Size BAR off in the firmware setup",
              why: "hvmloader relocates 64-bit BARs above 4 GiB (tools/firmware/hvmloader/pci.c), but a legacy guest's VGA BIOS needs them low")
    }

    public func configFiles(_ card: PassthroughCard, options: ConfigFiles.Options) throws(PassthroughError) -> [(name: String, bytes: [UInt8])] {
        var o = XenConfig.Options()
        o.romPath = options.romPath
        o.gfxPassthru = options.primaryDisplay ?? true
        if let ranges = options.ranges { o.ranges = ranges }
        return [("xen.cfg", Array(try XenConfig.fragment(card, options: o).utf8)),
                ("kernel-cmdline.txt", Array(XenConfig.kernelCommandLine(card).utf8))]
    }

    public func nextSteps(_ card: PassthroughCard, outDir dir: String, romPath: String?, hasROM: Bool) -> [String] {
        let all = card.functions.map { $0.address.description }.joined(separator: " ")
        return [
            StepWording.text("Hand \(all) to pciback: add the line of \(dir)/kernel-cmdline.txt to dom0's kernel command line and reboot, "
                + "or run `xl pci-assignable-add` for each function (or \(NextStep(.bindEachTo, "pciback")))."),
            "Check with `xl pci-assignable-list` that every function of the slot is listed.",
            "Merge \(dir)/xen.cfg into the guest's xl config (`pci`, and `gfx_passthru` for the primary display).",
        ] + NextSteps.copy(dir: dir, name: romFileName(romPath: romPath ?? ""), to: romPath) + [
            "bios.bin is the card's legacy VGA BIOS checked for hvmloader (one image, the card's IDs, checksum zero, at most 64 KiB); xl takes no ROM file, so it serves a qemu-dm or hvmloader built to load the VGA BIOS from a file, or as the reference to compare the host's copy with (`vbios diff`).",
            "Start the guest with `xl create`, and read `xl dmesg` and /var/log/xen/qemu-dm-GUEST.log if the screen stays dark.",
        ]
    }
}
