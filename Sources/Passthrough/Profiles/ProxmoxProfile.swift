import OptionROM
import PCIHost
import Core

extension PassthroughTarget {
    /// Proxmox VE: `hostpciN:` lines of /etc/pve/qemu-server/VMID.conf (QEMU underneath).
    public static let proxmox = PassthroughTarget(profile: "proxmox")
}

/// Proxmox VE's qemu-server: the card as one `hostpci0:` line of the VM's config, and the ROM
/// under /usr/share/kvm, where qemu-server looks for `romfile` (it passes
/// `romfile=/usr/share/kvm/NAME` to QEMU: qemu-server PVE/QemuServer/PCI.pm, `$hostpci_fmt`).
public struct ProxmoxProfile: HypervisorProfile {
    public init() {}
    public var name: String { "proxmox" }
    public var consumers: [ConsumerProfile] { [.qemuVFIO, .seabios] }
    public var defaultFirmware: ROMPreparation.Firmware { .uefi }
    public var configNames: [String] { ["proxmox.conf"] }
    public var extraQEMUArguments: String? { "an `args:` line in /etc/pve/qemu-server/VMID.conf" }

    /// `vbios-VVVV-DDDD.rom`: never `bios.bin`, which in /usr/share/kvm is SeaBIOS itself.
    public func defaultROMPath(_ card: PassthroughCard, outDir dir: String) -> String {
        ProxmoxConfig.romDirectory + "/vbios-" + Hex.string(card.romFunction.vendorID, width: 4).lowercased()
            + "-" + Hex.string(card.romFunction.deviceID, width: 4).lowercased() + ".rom"
    }

    public func romFileName(romPath: String) -> String {
        (romPath.split(separator: "/").last).map(String.init) ?? "vbios.rom"
    }

    public func checkROMPath(_ path: String) -> PassthroughError? {
        ProxmoxConfig.romfile(path) == nil
            ? PassthroughError("Proxmox loads a ROM only from \(ProxmoxConfig.romDirectory)/ (qemu-server prefixes `romfile` with it), and \"\(path)\" is not a plain file name there; name a path such as \(ProxmoxConfig.romDirectory)/vbios-card.rom.")
            : nil
    }

    public func configFiles(_ card: PassthroughCard, options: ConfigFiles.Options) throws(PassthroughError) -> [(name: String, bytes: [UInt8])] {
        var o = ProxmoxConfig.Options(romPath: options.romPath)
        o.primaryDisplay = options.primaryDisplay
        o.romBAR = options.romBAR
        o.firmware = options.firmware ?? defaultFirmware
        o.functionROMs = options.functionROMs
        return [("proxmox.conf", Array(try ProxmoxConfig.text(card, options: o).utf8))]
    }

    public func nextSteps(_ card: PassthroughCard, outDir dir: String, romPath: String?, hasROM: Bool) -> [String] {
        let path = romPath ?? defaultROMPath(card, outDir: dir)
        let name = romFileName(romPath: path)
        let install = hasROM ? ["Install the ROM where qemu-server looks for it: `cp \(dir)/\(name) \(path)`."] : []
        return [
            "Turn the IOMMU on (intel_iommu=on or amd_iommu=on in /etc/kernel/cmdline or GRUB_CMDLINE_LINUX, then `proxmox-boot-tool refresh` or `update-grub`) and reboot; Proxmox binds the functions to vfio-pci when the VM starts.",
        ] + install + [
        ] + (card.isIntelIGD ? [
            "The card is an Intel IGD, written for legacy mode (legacy-igd=1): qemu-server then requires machine: pc (i440fx, not q35) and vga: none, both written; the VBIOS in the ROM runs under SeaBIOS (bios: seabios), an OVMF guest needs an Intel GOP in the ROM instead.",
        ] : []) + [
            "Merge the lines of \(dir)/proxmox.conf into /etc/pve/qemu-server/VMID.conf (replace lines with the same key; use another hostpciN if hostpci0 is taken).",
            "For an OVMF guest add an EFI disk if the VM has none (`qm set VMID --efidisk0 STORAGE:1`).",
            "Start the VM with `qm start VMID`; `qm showcmd VMID --pretty` shows the -device vfio-pci lines qemu-server built.",
        ]
    }
}
