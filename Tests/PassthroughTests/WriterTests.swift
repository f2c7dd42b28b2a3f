@testable import Passthrough
import Testing

/// The writers' exact output for a Radeon HD 7850 at 0000:01:00.0 with its HDMI audio at 01:00.1.
@Suite struct WriterTests {
    let card = Fixture.radeon()
    let rom = "/srv/vm/radeon/bios.bin"

    @Test func xenConfigForThePrimaryDisplay() throws {
        var o = XenConfig.Options()
        o.romPath = rom
        #expect(try XenConfig.fragment(card, options: o) == """
        # xl.cfg fragment written by vbios for 0000:01:00.0 (1002:6819) and the other functions of its slot.
        # Merge these lines into the guest's config file; see xl.cfg(5) and xl-pci-configuration(5).

        # Every function of the slot goes to the guest: 01:00.0 (VGA), 01:00.1 (HD audio).
        # They share the slot's reset, so the host cannot keep one of them.
        pci = [ "0000:01:00.0", "0000:01:00.1" ]

        # The card is the guest's primary display: the device model gives it the legacy VGA ranges
        # and the card's VGA BIOS, which hvmloader runs at 0xC0000.
        gfx_passthru = 1

        # About bios.bin: xl has no option that names a ROM file. With gfx_passthru = 1 the device
        # model copies the VGA BIOS from the host (qemu-xen-traditional from the legacy shadow at
        # 0xC0000, qemu-xen from the card's sysfs rom) and hvmloader runs it only if it is a legacy
        # x86 image with the card's IDs, a zero checksum and at most 64 KiB. bios.bin is that image,
        # checked and repaired: give it to a qemu-dm or hvmloader built to load the VGA BIOS from a
        # file, or compare it with what the host exposes (vbios diff) to see why a guest stays dark.
        # bios.bin: /srv/vm/radeon/bios.bin

        """)
    }

    static let secondaryOptions: XenConfig.Options = {
        var o = XenConfig.Options()
        o.permissive = true
        o.seize = true
        o.rdmPolicy = .relaxed
        o.ranges = [MemoryRange(start: 0xE000_0000, size: 0x1000_0000, kind: .memory),
                    MemoryRange(start: 0xFE8C_0000, size: 0x40000, kind: .memory),
                    MemoryRange(start: 0xE000, size: 0x100, kind: .io)]
        return o
    }()

    @Test func xenConfigWithOptionsAndRanges() throws {
        let text = try XenConfig.fragment(Fixture.radeon(bootVGA: false), options: Self.secondaryOptions)
        let lines = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines == [
            #"pci = [ "0000:01:00.0,permissive=1,seize=1,rdm_policy=relaxed", "0000:01:00.1,permissive=1,seize=1,rdm_policy=relaxed" ]"#,
            #"iomem = [ "e0000,10000", "fe8c0,40" ]"#,
            #"ioports = [ "e000-e0ff" ]"#,
        ])
        #expect(text.contains("#   0xe0000000-0xefffffff (256 MiB) -> page 0xe0000, 0x10000 pages\n"))
        #expect(text.contains("# No gfx_passthru: 0000:01:00.0 is not the host's boot display"))
    }

    @Test func iomemCoversUnalignedRanges() {
        // 256 bytes straddling nothing: one page; 8 KiB starting mid-page: three pages.
        #expect(XenConfig.pages(MemoryRange(start: 0xFE9F_0100, size: 0x100, kind: .memory)) == (0xFE9F0, 1))
        #expect(XenConfig.pages(MemoryRange(start: 0x1000_0800, size: 0x2000, kind: .memory)) == (0x10000, 3))
    }

    @Test func ioportsPastTheEndAreRefused() {
        var o = XenConfig.Options()
        o.ranges = [MemoryRange(start: 0xFF00, size: 0x200, kind: .io)]
        #expect(refusal { try XenConfig.fragment(card, options: o) }.contains("0xffff"))
    }

    @Test func kernelCommandLine() {
        #expect(XenConfig.kernelCommandLine(card) == "xen-pciback.hide=(01:00.0)(01:00.1)\n")
        #expect(XenConfig.kernelCommandLine(Fixture.radeon(domain: 1)) == "xen-pciback.hide=(0001:01:00.0)(0001:01:00.1)\n")
    }

    @Test func qemuArguments() throws {
        #expect(try QEMUArgs.text(card, options: .init(romPath: rom)) == """
        -vga none
        -device vfio-pci,host=0000:01:00.0,romfile=/srv/vm/radeon/bios.bin,x-vga=on,multifunction=on
        -device vfio-pci,host=0000:01:00.1

        """)
        #expect(try QEMUArgs.arguments(Fixture.radeon(bootVGA: false), options: .init(romBAR: false, guestSlot: 5)) == [
            "-device", "vfio-pci,host=0000:01:00.0,rombar=0,multifunction=on,addr=0x5.0",
            "-device", "vfio-pci,host=0000:01:00.1,addr=0x5.1",
        ])
    }

    @Test func qemuPathsAreEscapedForQEMUAndTheShell() throws {
        let args = try QEMUArgs.arguments(card, options: .init(romPath: "/srv/my vms/a,b/it's.bin", xVGA: false))
        #expect(args[1] == "vfio-pci,host=0000:01:00.0,romfile=/srv/my vms/a,,b/it's.bin,multifunction=on")
        let text = try QEMUArgs.text(card, options: .init(romPath: "/srv/my vms/a,b/it's.bin", xVGA: false))
        #expect(text.hasPrefix(#"-device 'vfio-pci,host=0000:01:00.0,romfile=/srv/my vms/a,,b/it'\''s.bin,multifunction=on'"#))
    }

    @Test func libvirtHostdev() throws {
        #expect(try LibvirtHostdev.text(card, options: .init(romPath: rom)) == """
        <!-- libvirt hostdev elements written by vbios for 0000:01:00.0 (1002:6819): put them in the domain's <devices>. -->
        <hostdev mode='subsystem' type='pci' managed='yes'>
          <source>
            <address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
          </source>
          <rom bar='on' file='/srv/vm/radeon/bios.bin'/>
        </hostdev>
        <hostdev mode='subsystem' type='pci' managed='yes'>
          <source>
            <address domain='0x0000' bus='0x01' slot='0x00' function='0x1'/>
          </source>
        </hostdev>

        """)
        let escaped = try LibvirtHostdev.elements(card, options: .init(romPath: #"/vm/<a>&"b"/it's.bin"#))[0]
        #expect(escaped.contains("file='/vm/&lt;a&gt;&amp;&quot;b&quot;/it&apos;s.bin'"))
        #expect(try LibvirtHostdev.elements(card, options: .init(romBAR: false))[0].contains("<rom bar='off'/>"))
    }

    @Test(arguments: ["bios.bin", "./out/bios.bin", "", "/vm/a\nb.bin", "/vm/a\rb.bin", "/vm/\u{1B}[31m.bin"])
    func hostilePathsAreRefusedByQEMUAndLibvirt(path: String) {
        let q = refusal { try QEMUArgs.text(card, options: .init(romPath: path)) }
        let l = refusal { try LibvirtHostdev.text(card, options: .init(romPath: path)) }
        #expect(!q.isEmpty && !l.isEmpty)
        if !path.hasPrefix("/") { #expect(q.contains("absolute") || q.contains("empty")) }
    }

    @Test(arguments: ["/vm/a\"b.bin", "/vm/a\nb.bin", "/vm/a\u{7F}.bin"])
    func hostilePathsAreRefusedInXLComments(path: String) {
        var o = XenConfig.Options()
        o.romPath = path
        let m = refusal { try XenConfig.fragment(card, options: o) }
        #expect(m.contains("xl config"))
    }

    @Test func nextStepsNameTheFiles() {
        #expect(NextSteps.text(target: .xen, card: card, outDir: "out").contains("out/kernel-cmdline.txt"))
        #expect(NextSteps.text(target: .qemu, card: card, outDir: "out").contains("out/qemu-args.txt"))
        #expect(NextSteps.text(target: .libvirt, card: card, outDir: "out").contains("out/libvirt-hostdev.xml"))
    }
}
