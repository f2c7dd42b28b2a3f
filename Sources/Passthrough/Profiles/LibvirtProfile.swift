import OptionROM
import PCIHost

extension PassthroughTarget {
    /// libvirt's `<hostdev>` (QEMU underneath).
    public static let libvirt = PassthroughTarget(profile: "libvirt")
}

/// libvirt: `<hostdev>` elements; QEMU underneath, and the ROM path must be absolute (libvirt's
/// domain schema).
public struct LibvirtProfile: HypervisorProfile {
    public init() {}
    public var name: String { "libvirt" }
    public var consumers: [ConsumerProfile] { [.libvirt, .seabios] }
    public var defaultFirmware: ROMPreparation.Firmware { .uefi }
    public var extraQEMUArguments: String? { "<qemu:commandline> in the domain XML" }

    public var configNames: [String] { ["libvirt-hostdev.xml"] }
    /// A managed hostdev (`managed='yes'`) detaches the host driver itself (libvirt's formatdomain).
    public var detachesHostDrivers: Bool { true }

    public func configFiles(_ card: PassthroughCard, options: ConfigFiles.Options) throws(PassthroughError) -> [(name: String, bytes: [UInt8])] {
        var o = LibvirtHostdev.Options(romPath: options.romPath, romBAR: options.romBAR)
        o.functionROMs = options.functionROMs
        return [("libvirt-hostdev.xml", Array(try LibvirtHostdev.text(card, options: o).utf8))]
    }

    public func nextSteps(_ card: PassthroughCard, outDir dir: String, romPath: String?, hasROM: Bool) -> [String] {
        let all = card.functions.map { $0.address.description }.joined(separator: " ")
        let copy = romPath.map { "Copy \(dir)/bios.bin to \($0), the file= path of \(dir)/libvirt-hostdev.xml (a place QEMU may read under AppArmor/SELinux): `install -D -m 0644 \(dir)/bios.bin \($0)`." }
                ?? "Copy bios.bin to a place QEMU may read under AppArmor/SELinux (for example /var/lib/libvirt/vbios/) and make sure the file= path in \(dir)/libvirt-hostdev.xml names it."
        return [
            "With managed='yes' libvirt binds \(all) to vfio-pci when the guest starts; every device of the IOMMU group must be free.",
        ] + (hasROM ? [copy] : []) + [
        ] + (card.isIntelIGD ? [
            "The card is an Intel IGD, at guest address 00:02.0 in the <hostdev> (its VBIOS and GOP work only there). QEMU's legacy mode also needs an i440fx machine (<type machine='pc'>), no other video device (<video><model type='none'/></video>), and x-igd-opregion=on, which libvirt has no element for: add it with <qemu:override> (QEMU docs/igd-assign.txt).",
        ] : []) + [
            "Insert the <hostdev> elements of \(dir)/libvirt-hostdev.xml into <devices> with `virsh edit GUEST`, or attach them one at a time with `virsh attach-device GUEST FILE --config`.",
            "Start the guest with `virsh start GUEST`; /var/log/libvirt/qemu/GUEST.log shows QEMU's complaints.",
        ]
    }
}
