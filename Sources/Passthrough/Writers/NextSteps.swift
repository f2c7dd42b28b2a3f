/// What to do with the files `prepare` wrote, in order, for a person at a root shell.
public enum NextSteps {
    /// `outDir`: where the files lie (named in the text); nil says "the output folder".
    public static func text(target: PassthroughTarget, card: PassthroughCard, outDir: String? = nil) -> String {
        let dir = outDir ?? "the output folder"
        let rom = card.romFunction
        let all = card.functions.map { $0.address.description }.joined(separator: " ")
        var s: [String] = []
        switch target {
        case .xen:
            s.append("Hand \(all) to pciback: add the line of \(dir)/kernel-cmdline.txt to dom0's kernel command line and reboot, or run `xl pci-assignable-add` for each function (or `vbios bind ADDR --to pciback`).")
            s.append("Check with `xl pci-assignable-list` that every function of the slot is listed.")
            s.append("Merge \(dir)/xen.cfg into the guest's xl config (`pci`, and `gfx_passthru` for the primary display).")
            s.append("bios.bin is the card's legacy VGA BIOS checked for hvmloader (one image, the card's IDs, checksum zero, at most 64 KiB); xl takes no ROM file, so it serves a qemu-dm or hvmloader built to load the VGA BIOS from a file, or as the reference to compare the host's copy with (`vbios diff`).")
            s.append("Start the guest with `xl create`, and read `xl dmesg` and /var/log/xen/qemu-dm-GUEST.log if the screen stays dark.")
        case .qemu:
            s.append("Bind \(all) to vfio-pci (`vbios bind ADDR --to vfio-pci`, or driver_override); every device of the IOMMU group must be bound or unused.")
            s.append("Add the lines of \(dir)/qemu-args.txt to the qemu-system-x86_64 command line (they are shell-quoted).")
            s.append("Keep bios.bin where the QEMU process can read it (the path in qemu-args.txt is absolute).")
            s.append(rom.isBootVGA
                ? "The card is the host's boot display: the host loses that screen once vfio-pci takes it; x-vga=on gives the guest the legacy VGA ranges."
                : "For a UEFI (OVMF) guest the EFI image of the ROM drives the display; a SeaBIOS guest needs the legacy image.")
        case .libvirt:
            s.append("With managed='yes' libvirt binds \(all) to vfio-pci when the guest starts; every device of the IOMMU group must be free.")
            s.append("Copy bios.bin to a place QEMU may read under AppArmor/SELinux (for example /var/lib/libvirt/vbios/) and make sure the file= path in \(dir)/libvirt-hostdev.xml names it.")
            s.append("Insert the <hostdev> elements of \(dir)/libvirt-hostdev.xml into <devices> with `virsh edit GUEST`, or attach them one at a time with `virsh attach-device GUEST FILE --config`.")
            s.append("Start the guest with `virsh start GUEST`; /var/log/libvirt/qemu/GUEST.log shows QEMU's complaints.")
        }
        var out = "Next steps for \(rom.address) (\(rom.ids)) with \(target.rawValue):\n"
        for (i, step) in s.enumerated() { out += "  \(i + 1). \(step)\n" }
        return out
    }
}
