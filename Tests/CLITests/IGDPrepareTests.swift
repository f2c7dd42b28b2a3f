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
            #expect(r.err.contains("SeaBIOS (bios), the default for an IGD in legacy mode"), "a note on stderr: \(r.err)")
            let uefi = try HostCLI.run(["prepare", "00:02.0", "--for", target, "--rom", romFile, "--sysfs", Self.host, "--out", tmp + "/uefi", "--firmware", "uefi"])
            #expect(uefi.status == 0 && F.read(tmp + "/uefi/proxmox.conf").contains("bios: ovmf\n"), "\(uefi.err)")
            #expect(uefi.err.contains("IgdAssignmentDxe") && !uefi.err.contains("SeaBIOS (bios), the default"), "\(uefi.err)")
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
        #expect(r.err.contains("all-device VBIOS (8086:ffff)") && !r.err.contains("device list"), "a note on stderr: \(r.out)\(r.err)")
        let bios = [UInt8](try Data(contentsOf: URL(fileURLWithPath: tmp + "/out/bios.bin")))
        // The card's IDs are written into it, as for --rom.
        #expect(ROMParser.parse(bios).images.first?.pcir.map { ($0.vendorID, $0.deviceID) } ?? (0, 0) == (0x8086, 0x0412))
    }
}

/// `--igd-efi`: the IGD's OVMF ROM built as docs/igd-assign.txt's EfiRom line does: the VBIOS, the
/// helper driver(s), then Intel's GOP, in that order. The parts are real: the ThinkPad W541's
/// Haswell VBIOS and the two EFI drivers of a Raptor Lake "2-in-1" IGD ROM (a helper, then Intel's
/// GOP) from ../shared/roms. Judge: Tools/oracles/pci-rom-walk.py (the chain) and the drivers'
/// bytes against their sources.
@Suite(.serialized) struct IGDUEFIROMTests {
    static let vbios = Repository.root + "/../shared/roms/intel-haswell-vbios-0406-w541.rom"
    static let rpl = Repository.root + "/../shared/roms/intel-rpl-igd-plus-gop-2efi.rom"

    @Test func vbiosThenHelperThenGOP() throws {
        try Prerequisite.require(files: [Self.vbios, Self.rpl], "the Haswell VBIOS and the Raptor Lake 2-in-1 ROM of ../shared/roms")
        let tmp = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        // The two drivers as plain PE files, cut out of the 2-in-1 ROM as its PCIR lengths give them.
        let rom = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.rpl)))
        let images = ROMParser.parse(rom).images
        try #require(images.count == 2)
        func pe(_ i: Int) -> [UInt8] {
            let im = images[i], off = Int(rom[im.offset + 0x16]) | Int(rom[im.offset + 0x17]) << 8
            return Array(rom[(im.offset + off)..<im.end])
        }
        #expect(images.allSatisfy { $0.efi?.compression == 0 }, "the test cuts uncompressed drivers")
        try Data(pe(0)).write(to: URL(fileURLWithPath: tmp + "/helper.efi"))
        try Data(pe(1)).write(to: URL(fileURLWithPath: tmp + "/gop.efi"))
        let r = try HostCLI.run(["prepare", "00:02.0", "--for", "qemu", "--firmware", "uefi", "--rom", Self.vbios, "--retarget",
                                 "--igd-efi", tmp + "/helper.efi", "--add-efi", tmp + "/gop.efi", "--sysfs", IGDPrepareTests.host, "--out", tmp + "/out"])
        #expect(r.status == 0, "\(r.err)")
        let walk = try HostCLI.run([Repository.root + "/Tools/oracles/pci-rom-walk.py", tmp + "/out/bios.bin"], "/usr/bin/python3")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(walk.out.utf8)) as? [String: Any])
        let chain = try #require(object["chain"] as? [[String: Any]])
        #expect(chain.map { $0["codeType"] as? Int } == [0, 3, 3], "\(chain)")
        #expect(chain.allSatisfy { $0["vendorID"] as? String == "8086" && $0["deviceID"] as? String == "0412" }, "\(chain)")
        #expect(chain.last?["last"] as? Bool == true && chain.dropLast().allSatisfy { $0["lastBit"] as? Bool == false })
        let bios = [UInt8](try Data(contentsOf: URL(fileURLWithPath: tmp + "/out/bios.bin")))
        let out = ROMParser.parse(bios).images
        for (i, want) in [(1, pe(0)), (2, pe(1))] {
            let im = out[i], off = Int(bios[im.offset + 0x16]) | Int(bios[im.offset + 0x17]) << 8
            #expect(Array(bios[(im.offset + off)..<(im.offset + off + want.count)]) == want, "image \(i) is not its driver")
        }
        // Not an IGD in legacy mode with an OVMF guest: refused before anything is written.
        let bios2 = try HostCLI.run(["prepare", "00:02.0", "--for", "qemu", "--firmware", "bios", "--rom", Self.vbios, "--retarget",
                                     "--igd-efi", tmp + "/helper.efi", "--sysfs", IGDPrepareTests.host, "--out", tmp + "/out2"])
        #expect(bios2.status == 64 && bios2.err.contains("--igd-efi"), "\(bios2.err)")
    }
}
