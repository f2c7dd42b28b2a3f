import Core
import OptionROM
import PCIHost

extension PassthroughTarget {
    /// QEMU/KVM with `-device vfio-pci`.
    public static let qemu = PassthroughTarget(profile: "qemu")
}

/// QEMU/KVM: `-device vfio-pci` lines; QEMU hands the romfile to the guest as it is (QEMU
/// hw/vfio/pci.c), and the guest's SeaBIOS or OVMF runs it.
public struct QEMUProfile: HypervisorProfile {
    public init() {}
    public var name: String { "qemu" }
    public var consumers: [ConsumerProfile] { [.qemuVFIO, .seabios] }
    public var defaultFirmware: ROMPreparation.Firmware { .uefi }

    public var configNames: [String] { ["qemu-args.txt"] }
    public var primaryDisplaySetting: String { "x-vga=on on the -device vfio-pci line" }

    public func configFiles(_ card: PassthroughCard, options: ConfigFiles.Options) throws(PassthroughError) -> [(name: String, bytes: [UInt8])] {
        var o = QEMUArgs.Options(romPath: options.romPath, xVGA: options.primaryDisplay, romBAR: options.romBAR)
        o.functionROMs = options.functionROMs
        return [("qemu-args.txt", Array(try QEMUArgs.text(card, options: o).utf8))]
    }

    /// QEMU's IGD legacy mode, as docs/igd-assign.txt states its conditions.
    static let igdSteps = [
        "The card is an Intel IGD, written for QEMU's legacy mode: it needs the i440fx machine (`-machine pc`, not q35), the IGD at guest 00:02.0 (addr=02.0, written) with its VBIOS (romfile), and no other VGA device (`-vga none`, written, or -nodefaults); a QEMU whose `-device vfio-pci,help` lists x-igd-legacy-mode can be told x-igd-legacy-mode=on to refuse to start when a condition is not met. If the guest's stolen memory is too small, raise 'DVMT Pre-Allocated' in the host firmware (QEMU's x-igd-gms overrides it only when that cannot be changed).",
    ]

    public func nextSteps(_ card: PassthroughCard, outDir dir: String, romPath: String?, hasROM: Bool) -> [String] {
        let all = card.functions.map { $0.address.description }.joined(separator: " ")
        return [
            StepWording.text("Bind \(all) to vfio-pci (\(NextStep(.bindToVFIO, "ADDR")), or driver_override); every device of the IOMMU "
                + "group must be bound or unused."),
            "Add the lines of \(dir)/qemu-args.txt to the qemu-system-x86_64 command line (they are shell-quoted).",
        ] + (card.isIntelIGD ? Self.igdSteps : []) + (!hasROM ? [] : romPath.map { NextSteps.copy(dir: dir, name: "bios.bin", to: $0) }
             ?? ["Keep bios.bin where the QEMU process can read it (the path in qemu-args.txt is absolute)."]) + [
            card.romFunction.isBootVGA
                ? "The card is the host's boot display: the host loses that screen once vfio-pci takes it; x-vga=on gives the guest the legacy VGA ranges."
                : "For a UEFI (OVMF) guest the EFI image of the ROM drives the display; a SeaBIOS guest needs the legacy image.",
        ]
    }
}
