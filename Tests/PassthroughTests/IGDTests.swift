import Foundation
import OptionROM
import PCIHost
@testable import Passthrough
import TestSupport
import Testing

/// An Intel IGD (8086, class 0300, at 00:02.0): recognised once, on the card; its all-device
/// ROMs; and what each writer says for it, read by the real consumers (QEMU's own list of
/// vfio-pci properties, libvirt's schema; xl and Proxmox in OracleTests and ProxmoxSchemaTests).
@Suite struct IGDTests {
    static let rom = "/srv/vm/igd/vbios.rom"

    @Test func anIGDIsIntelVGAAt00_02_0Only() throws {
        #expect(Fixture.igd().isIntelIGD)
        #expect(Fixture.igd(bootVGA: false).isIntelIGD, "the boot display or not, the IGD is at 00:02.0")
        let at = { (a: PCIAddress, v: UInt16, c: UInt32) in
            CardFunction(address: a, vendorID: v, deviceID: 0x0412, classCode: c).isIntelIGD
        }
        let igd = PCIAddress(domain: 0, bus: 0, device: 2, function: 0)
        #expect(!at(PCIAddress(domain: 0, bus: 1, device: 0, function: 0), 0x8086, 0x030000), "an Intel Arc card on a port")
        #expect(!at(igd, 0x8086, 0x038000), "display class 0380 (an IGD that is not the VGA)")
        #expect(!at(igd, 0x1002, 0x030000), "not Intel")
        #expect(!at(PCIAddress(domain: 1, bus: 0, device: 2, function: 0), 0x8086, 0x030000), "another domain")
        #expect(!Fixture.radeon().isIntelIGD)
    }

    @Test func anAllDeviceIntelROMIsTheIGDsOwn() throws {
        let all = ROMParser.parse(Fixture.legacyImage(blocks: 4, vendor: 0x8086, device: 0xFFFF))
        #expect(ROMPreparation.anotherChip(all, vendorID: 0x8086, deviceID: 0x0412, igd: true) == nil)
        #expect(try ROMPreparation.checkChip(all, file: "vbios.rom", card: "0000:00:02.0", vendorID: 0x8086, deviceID: 0x0412,
                                             igd: true, retarget: false) == nil)
        // Not an IGD (an Intel card elsewhere), or FFFF from another vendor: still another chip.
        #expect(ROMPreparation.anotherChip(all, vendorID: 0x8086, deviceID: 0x56A0) != nil)
        #expect(throws: ROMPreparation.AnotherChip.self) {
            try ROMPreparation.checkChip(all, file: "vbios.rom", card: "0000:03:00.0", vendorID: 0x8086, deviceID: 0x56A0, retarget: false)
        }
        let amd = ROMParser.parse(Fixture.legacyImage(blocks: 4, vendor: 0x1002, device: 0xFFFF))
        #expect(ROMPreparation.anotherChip(amd, vendorID: 0x8086, deviceID: 0x0412, igd: true) != nil)
    }

    @Test func qemuGetsLegacyModeWithPropertiesQEMUHas() throws {
        let args = try QEMUArgs.arguments(Fixture.igd(), options: .init(romPath: Self.rom))
        #expect(args == ["-vga", "none", "-device",
                         "vfio-pci,host=0000:00:02.0,romfile=\(Self.rom),x-vga=on,addr=02.0,x-igd-opregion=on"])
        // Not the boot display: no x-vga, but still legacy mode's address, OpRegion and no other VGA.
        let second = try QEMUArgs.arguments(Fixture.igd(bootVGA: false), options: .init(romPath: Self.rom, guestSlot: 5))
        #expect(second == ["-vga", "none", "-device", "vfio-pci,host=0000:00:02.0,romfile=\(Self.rom),addr=02.0,x-igd-opregion=on"])

        let known = try Self.vfioPCIProperties()
        #expect(known.contains("x-igd-opregion") && known.contains("addr"), "\(known.sorted())")
        #expect(!known.contains("x-igd-opregions") && !known.contains("vfio-pci options:"), "the list is QEMU's, not everything")
        for variant in [args, second] {
            for device in zip(variant, variant.dropFirst()).filter({ $0.0 == "-device" }).map(\.1) {
                let parts = device.split(separator: ",").dropFirst()   // the driver name first
                for key in parts.map({ String($0.split(separator: "=")[0]) }) {
                    #expect(known.contains(key), "\(key) is not a property `qemu-system-x86_64 -device vfio-pci,help` lists")
                }
            }
        }
    }

    /// The property names QEMU's vfio-pci takes, as `-device vfio-pci,help` lists them
    /// (`  name=<type>  - text`).
    static func vfioPCIProperties() throws -> Set<String> {
        let exe = "/usr/bin/qemu-system-x86_64"
        guard FileManager.default.isExecutableFile(atPath: exe) else {
            throw Oracle.Missing(description: "\(exe) not found: install Debian's qemu-system-x86")
        }
        let run = try Oracle.run(exe, ["-nodefaults", "-machine", "none", "-device", "vfio-pci,help"])
        #expect(run.status == 0, "\(run.stderr)")
        return Set((run.stdout + run.stderr).split(separator: "\n").compactMap { line in
            let t = line.drop { $0 == " " }
            guard t.count < line.count, let eq = t.firstIndex(of: "=") else { return nil }
            return String(t[..<eq])
        })
    }

    @Test func libvirtPutsTheIGDAtGuest00_02_0AndValidates() throws {
        let xml = try LibvirtHostdev.text(Fixture.igd(), options: .init(romPath: Self.rom))
        #expect(xml.contains("<address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>"))
        #expect(!(try LibvirtHostdev.text(Fixture.radeon(), options: .init(romPath: Self.rom))).contains("<address type"))
        let run = try Oracle.libvirt(hostdev: xml.split(separator: "\n").dropFirst().joined(separator: "\n") + "\n")
        #expect(run.status == 0, "virt-xml-validate: \(run.stdout)\(run.stderr)\n\(xml)")
    }

    @Test func proxmoxUsesLegacyIGDOnI440fx() throws {
        var o = ProxmoxConfig.Options(romPath: "/usr/share/kvm/vbios-8086-0412.rom")
        o.firmware = .bios
        let text = try ProxmoxConfig.text(Fixture.igd(), options: o)
        #expect(text == "machine: pc\nbios: seabios\nhostpci0: 0000:00:02.0,legacy-igd=1,x-vga=1,romfile=vbios-8086-0412.rom\nvga: none\n")
        #expect(try ProxmoxSchemaTests.problems(text) == [])
    }

    @Test func xenNamesTheIGDDeviceModel() throws {
        let text = try XenConfig.fragment(Fixture.igd())
        #expect(text.contains("gfx_passthru = \"igd\"\n"))
        let (run, objects) = try Oracle.xl(text)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(objects.contains { $0["key"] as? String == "gfx_passthru" && $0["string"] as? String == "igd" })
    }
}
