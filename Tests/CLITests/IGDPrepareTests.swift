import Foundation
import OptionROM
import Testing
import TestSupport

/// `vbios prepare` for the Intel IGD of the fake host intel-igd (8086:0412 at 00:02.0, the boot
/// display), with an Intel all-device VBIOS (8086:FFFF) as `--rom`, for every hypervisor; the
/// files are read by xl's libxlutil and virt-xml-validate.
@Suite(.serialized) struct IGDPrepareTests {
    typealias F = PrepareFixture
    static let host = Repository.hosts + "/intel-igd"

    @Test(arguments: ["xen", "qemu", "libvirt", "proxmox"])
    func anIGDTakesAnAllDeviceROMAndGetsLegacyModeConfigs(target: String) throws {
        let tmp = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let romFile = tmp + "/vbios-8086-ffff.rom"
        let rom = ROMBuilder.bareLegacy(units: 0x80, vendor: 0x8086, device: 0xFFFF, entry: [0xCB]).build()
        try Data(rom).write(to: URL(fileURLWithPath: romFile))
        let out = tmp + "/out"
        let r = try HostCLI.run(["prepare", "00:02.0", "--for", target, "--rom", romFile, "--sysfs", Self.host, "--out", out])
        #expect(r.status == 0, "an 8086:FFFF ROM is the IGD's own, not another chip's: \(r.err)")
        #expect(!r.err.contains("another chip") && !r.err.contains("--retarget"), "\(r.err)")
        switch target {
        case "xen":
            let (run, objects) = try F.xl(out + "/xen.cfg")
            #expect(run.status == 0, "xl's parser refused xen.cfg: \(run.err)")
            #expect(objects.contains { $0["key"] as? String == "gfx_passthru" && $0["string"] as? String == "igd" }, "\(objects)")
        case "qemu":
            let args = F.read(out + "/qemu-args.txt")
            #expect(args == "-vga none\n-device vfio-pci,host=0000:00:02.0,romfile=\(out)/bios.bin,x-vga=on,addr=02.0,x-igd-opregion=on\n")
            #expect(r.out.contains("i440fx") && r.out.contains("legacy mode"), "the requirements are next steps: \(r.out)")
        case "proxmox":
            // Legacy mode boots SeaBIOS unless asked: upstream OVMF does not set up the OpRegion and stolen memory.
            #expect(F.read(out + "/proxmox.conf") == "machine: pc\nbios: seabios\nhostpci0: 0000:00:02.0,legacy-igd=1,x-vga=1,romfile=vbios-8086-0412.rom\nvga: none\n")
            #expect(r.out.contains("SeaBIOS (bios), the default for an IGD in legacy mode"), "\(r.out)")
            let uefi = try HostCLI.run(["prepare", "00:02.0", "--for", target, "--rom", romFile, "--sysfs", Self.host, "--out", tmp + "/uefi", "--firmware", "uefi"])
            #expect(uefi.status == 0 && F.read(tmp + "/uefi/proxmox.conf").contains("bios: ovmf\n"), "\(uefi.err)")
            #expect(uefi.out.contains("IgdAssignmentDxe") && !uefi.out.contains("SeaBIOS (bios), the default"), "\(uefi.out)")
        default:
            let xml = F.read(out + "/libvirt-hostdev.xml")
            #expect(xml.contains("<address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>"), "\(xml)")
            let domain = tmp + "/domain.xml"
            try ("<domain type='kvm'><name>t</name><memory>1048576</memory><os><type arch='x86_64'>hvm</type></os><devices>\n"
                 + xml + "</devices></domain>\n").write(toFile: domain, atomically: true, encoding: .utf8)
            let v = try HostCLI.run([domain, "domain"], "/usr/bin/virt-xml-validate")
            #expect(v.status == 0, "virt-xml-validate: \(v.out)\(v.err)")
        }
    }

    /// `--rom-from`: a firmware image (here a plain file, which --rom-from reads as it is) whose
    /// only VBIOS is Intel's all-device one is the IGD's; a card elsewhere is not given it.
    @Test func anAllDeviceROMFromFirmwareIsTheIGDs() throws {
        let tmp = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let image = tmp + "/igd-vbios.bin"
        try Data(ROMBuilder.bareLegacy(units: 0x80, vendor: 0x8086, device: 0xFFFF, entry: [0xCB]).build()).write(to: URL(fileURLWithPath: image))
        let r = try HostCLI.run(["prepare", "00:02.0", "--for", "qemu", "--rom-from", image, "--sysfs", Self.host, "--out", tmp + "/out"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("all-device VBIOS (8086:ffff)") && !r.err.contains("device list"), "\(r.out)\(r.err)")
        let bios = [UInt8](try Data(contentsOf: URL(fileURLWithPath: tmp + "/out/bios.bin")))
        // The card's IDs are written into it, as for --rom.
        #expect(ROMParser.parse(bios).images.first?.pcir.map { ($0.vendorID, $0.deviceID) } ?? (0, 0) == (0x8086, 0x0412))
    }
}
