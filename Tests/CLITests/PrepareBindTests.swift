import Foundation
import OptionROM
import Testing
import TestSupport

/// `vbios prepare`, `bind` and `unbind` end to end on the fake hosts. Anything that writes works
/// on a copy of a host; the committed trees are only read.
enum PrepareFixture {
    static let radeon = Repository.hosts + "/radeon-hd7850"

    /// A copy of a committed host in a fresh temporary folder; returns (folder, copy's root).
    static func copy(_ name: String) throws -> (String, String) {
        let host = try FakeHost(name, as: "sys")
        return (host.dir, host.root)
    }

    static func sh(_ script: String) throws -> HostCLI.Result { try HostCLI.run(["-c", script], "/bin/sh") }

    /// Every path, link target and file content under `dir`, as one string to compare.
    static func fingerprint(_ dir: String) throws -> String {
        let r = try sh("cd '\(dir)' && find . -printf '%p %y %l %s\\n' | sort && find . -type f -exec md5sum {} + | sort")
        return r.out
    }

    /// Tools/oracles/xlcfg-check, built as the Passthrough tests build it (shared output folder).
    static func xl(_ file: String) throws -> (HostCLI.Result, [[String: Any]]) {
        let exe = Repository.root + "/.build-oracles/xlcfg-check"
        if !FileManager.default.isExecutableFile(atPath: exe) {
            let b = try HostCLI.run([Repository.root + "/Tools/oracles/build.sh", Repository.root + "/.build-oracles"], "/bin/sh")
            try #require(b.status == 0, "Tools/oracles/build.sh failed (install libxen-dev): \(b.err)")
        }
        let r = try HostCLI.run([file], exe)
        let objects = r.out.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        return (r, objects)
    }

    static func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "<missing>" }
}

@Suite(.serialized) struct PrepareTests {
    typealias F = PrepareFixture

    @Test func displayChoiceDrivesGfxPassthruAndXVGA() throws {
        let tmp = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let xen = try HostCLI.run(["prepare", "01:00.0", "--for", "xen", "--display", "secondary", "--sysfs", F.radeon, "--out", tmp + "/xen"])
        #expect(xen.status == 0, "\(xen.err)")
        let (run, objects) = try F.xl(tmp + "/xen/xen.cfg")
        #expect(run.status == 0)
        #expect(!objects.contains { $0["key"] as? String == "gfx_passthru" })
        let qemu = try HostCLI.run(["prepare", "01:00.0", "--for", "qemu", "--display", "primary", "--sysfs", F.radeon, "--out", tmp + "/qemu"])
        #expect(qemu.status == 0, "\(qemu.err)")
        #expect(F.read(tmp + "/qemu/qemu-args.txt").contains(",x-vga=on"))
    }

    @Test(arguments: ["xen", "qemu", "libvirt", "proxmox"])
    func prepareWritesTheFullSet(target: String) throws {
        let tmp = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let out = tmp + "/out/" + target // a missing folder two levels down is created
        let r = try HostCLI.run(["prepare", "01:00.0", "--for", target, "--sysfs", F.radeon, "--out", out])
        #expect(r.status == 0, "\(r.err)")
        let expected: [String] = ["xen": ["bios.bin", "kernel-cmdline.txt", "xen.cfg"], "qemu": ["bios.bin", "qemu-args.txt"],
                                  "libvirt": ["bios.bin", "libvirt-hostdev.xml"],
                                  "proxmox": ["proxmox.conf", "vbios-1002-6819.rom"]][target]!
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == expected, "no staging leftovers")
        #expect(r.out.contains("Next steps for 0000:01:00.0"))

        // bios.bin as hvmloader wants it: one legacy image, the card's IDs, checksum zero, a multiple of 512, at most 64 KiB.
        let romName = target == "proxmox" ? "vbios-1002-6819.rom" : "bios.bin"
        let bios = [UInt8](try Data(contentsOf: URL(fileURLWithPath: out + "/" + romName)))
        let layout = ROMParser.parse(bios)
        let image = try #require(layout.images.first)
        #expect(layout.images.count == 1 && image.isLegacy && image.isLast)
        #expect(image.checksumValid == true)
        #expect(image.pcir?.vendorID == 0x1002 && image.pcir?.deviceID == 0x6819)
        #expect(bios.count <= 65536 && bios.count % 512 == 0 && bios.count == image.runtimeLength)

        switch target {
        case "xen":
            let (run, objects) = try F.xl(out + "/xen.cfg")
            #expect(run.status == 0, "xl's parser refused xen.cfg: \(run.err)")
            let pci = objects.filter { $0["key"] as? String == "pci" }
            #expect(pci.map { "\($0["bus"] ?? -1):\($0["dev"] ?? -1).\($0["func"] ?? -1)" } == ["1:0.0", "1:0.1"])
            // Xen defaults to the primary display: gfx_passthru is what makes qemu-dm load a VGA BIOS.
            #expect(objects.contains { $0["key"] as? String == "gfx_passthru" && $0["value"] as? Int == 1 })
            #expect(F.read(out + "/xen.cfg").contains("is NOT the host's boot display"), "the HD 7850 is not the boot display: say what that means")
            #expect(F.read(out + "/kernel-cmdline.txt") == "xen-pciback.hide=(01:00.0)(01:00.1)\n")
        case "qemu":
            let args = F.read(out + "/qemu-args.txt")
            #expect(args.contains("-device vfio-pci,host=0000:01:00.0,romfile=\(out)/bios.bin"))
            #expect(args.contains("-device vfio-pci,host=0000:01:00.1\n"))
            #expect(!args.contains("x-vga"))
        case "proxmox":
            // Not bios.bin: /usr/share/kvm/bios.bin is Proxmox's SeaBIOS.
            #expect(F.read(out + "/proxmox.conf") == "machine: q35\nbios: ovmf\nhostpci0: 0000:01:00,pcie=1,romfile=vbios-1002-6819.rom\n")
            #expect(r.out.contains("cp \(out)/vbios-1002-6819.rom /usr/share/kvm/vbios-1002-6819.rom"))
        default:
            let xml = F.read(out + "/libvirt-hostdev.xml")
            #expect(xml.contains("<rom bar='on' file='\(out)/bios.bin'/>") && out.hasPrefix("/"))
            #expect(xml.contains("function='0x0'") && xml.contains("function='0x1'"))
            let domain = tmp + "/domain.xml"
            try ("<domain type='kvm'><name>t</name><memory>1048576</memory><os><type arch='x86_64'>hvm</type></os><devices>\n"
                 + xml + "</devices></domain>\n").write(toFile: domain, atomically: true, encoding: .utf8)
            let v = try HostCLI.run([domain, "domain"], "/usr/bin/virt-xml-validate")
            #expect(v.status == 0, "virt-xml-validate: \(v.out)\(v.err)")
        }
    }

    /// --rom-path: every config names where the ROM will live on the VM host, and still parses
    /// (xl's libxlutil, virt-xml-validate); the next steps say how to put the ROM there.
    @Test(arguments: ["xen", "qemu", "libvirt", "proxmox"])
    func romPathIsNamedByEveryConfig(target: String) throws {
        let tmp = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let path = target == "proxmox" ? "/usr/share/kvm/gpu/hd7850.rom" : "/srv/vm/gpu/hd7850.rom"
        let r = try HostCLI.run(["prepare", "01:00.0", "--for", target, "--sysfs", F.radeon, "--out-dir", tmp, "--rom-path", path, "--json"])
        #expect(r.status == 0, "\(r.err)")
        let j = try #require(try HostCLI.json(r) as? [String: Any])
        #expect(j["romPath"] as? String == path)
        let files = try #require(j["files"] as? [[String: Any]]).compactMap { $0["name"] as? String }
        let romName = target == "proxmox" ? "hd7850.rom" : "bios.bin"
        #expect(files.first == romName)
        for name in files.dropFirst() where name != "kernel-cmdline.txt" {
            let text = F.read(tmp + "/" + name)
            #expect(text.contains(target == "proxmox" ? "romfile=gpu/hd7850.rom" : path), "\(name) does not name the ROM path:\n\(text)")
        }
        #expect((j["nextSteps"] as? String)?.contains(target == "proxmox" ? "cp \(tmp)/hd7850.rom \(path)" : "\(tmp)/bios.bin \(path)") == true)
        switch target {
        case "xen":
            let (run, _) = try F.xl(tmp + "/xen.cfg")
            #expect(run.status == 0, "xl's parser refused xen.cfg: \(run.err)")
        case "libvirt":
            let domain = tmp + "/domain.xml"
            try ("<domain type='kvm'><name>t</name><memory>1048576</memory><os><type arch='x86_64'>hvm</type></os><devices>\n"
                 + F.read(tmp + "/libvirt-hostdev.xml") + "</devices></domain>\n").write(toFile: domain, atomically: true, encoding: .utf8)
            let v = try HostCLI.run([domain, "domain"], "/usr/bin/virt-xml-validate")
            #expect(v.status == 0, "virt-xml-validate: \(v.out)\(v.err)")
        default: break
        }
    }

    /// A card with no ROM resource: the configs still go out with the ROM BAR off, and say why;
    /// Xen, whose gfx_passthru is the VGA BIOS, still refuses.
    @Test func aCardWithNoROMGetsConfigsWithTheROMBAROff() throws {
        let host = try FakeHost("radeon-hd7850")
        defer { try? FileManager.default.removeItem(atPath: host.dir) }
        try FileManager.default.removeItem(atPath: host.dir + "/host/devices/pci0000:00/0000:00:01.0/0000:01:00.0/rom")
        let out = host.dir + "/out"
        for target in ["qemu", "libvirt", "proxmox"] {
            let r = try HostCLI.run(["prepare", "01:00.0", "--for", target, "--sysfs", host.dir + "/host", "--out-dir", out + "/" + target, "--json"])
            #expect(r.status == 0, "\(target): \(r.err)")
            let j = try #require(try HostCLI.json(r) as? [String: Any])
            #expect(j["romBAR"] as? Bool == false)
            #expect((j["noROM"] as? String)?.contains("no ROM resource") == true)
            let names = try #require(j["files"] as? [[String: Any]]).compactMap { $0["name"] as? String }
            #expect(try FileManager.default.contentsOfDirectory(atPath: out + "/" + target).sorted() == names.sorted())
            #expect(!names.contains { $0.hasSuffix(".bin") || $0.hasSuffix(".rom") }, "no ROM file: \(names)")
            let text = F.read(out + "/" + target + "/" + names[0])
            #expect(!text.contains("romfile") && !text.contains("file="), "\(text)")
            switch target {
            case "qemu": #expect(text.contains("host=0000:01:00.0,rombar=0"), "\(text)")
            case "proxmox": #expect(text.contains("hostpci0: 0000:01:00,pcie=1,rombar=0\n"), "\(text)")
            default:
                #expect(text.contains("<rom bar='off'/>"), "\(text)")
                let domain = host.dir + "/domain.xml"
                try ("<domain type='kvm'><name>t</name><memory>1048576</memory><os><type arch='x86_64'>hvm</type></os><devices>\n"
                     + text + "</devices></domain>\n").write(toFile: domain, atomically: true, encoding: .utf8)
                let v = try HostCLI.run([domain, "domain"], "/usr/bin/virt-xml-validate")
                #expect(v.status == 0, "virt-xml-validate: \(v.out)\(v.err)")
            }
        }
        let text = try HostCLI.run(["prepare", "01:00.0", "--for", "qemu", "--sysfs", host.dir + "/host", "--out-dir", out + "/text"])
        #expect(text.status == 0 && text.err.contains("ROM BAR off") && text.err.contains("--rom FILE"), "\(text.err)")
        let xen = try HostCLI.run(["prepare", "01:00.0", "--for", "xen", "--sysfs", host.dir + "/host", "--out-dir", out + "/xen"])
        #expect(xen.status == 2 && xen.err.contains("no ROM resource"), "\(xen.err)")
        #expect(!FileManager.default.fileExists(atPath: out + "/xen"))
    }

    @Test func aRelativeROMPathOrOneProxmoxCannotLoadIsRefused() throws {
        let tmp = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let rel = try HostCLI.run(["prepare", "01:00.0", "--for", "qemu", "--sysfs", F.radeon, "--out-dir", tmp + "/a", "--rom-path", "gpu.rom"])
        #expect(rel.status == 64 && rel.err.contains("absolute"), "\(rel.err)")
        let pve = try HostCLI.run(["prepare", "01:00.0", "--for", "proxmox", "--sysfs", F.radeon, "--out-dir", tmp + "/b", "--rom-path", "/var/lib/gpu.rom"])
        #expect(pve.status != 0 && pve.err.contains("/usr/share/kvm/"), "\(pve.err)")
        #expect(!FileManager.default.fileExists(atPath: tmp + "/b/gpu.rom"), "nothing written")
    }

    @Test func relativeOutIsMadeAbsoluteAndIOMemIsWritten() throws {
        let tmp = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let r = try F.sh("cd '\(tmp)' && '\(HostCLI.binary)' prepare 01:00.0 --for xen --iomem --sysfs '\(F.radeon)' --out rel --json")
        #expect(r.status == 0, "\(r.err)")
        let j = try HostCLI.json(r) as! [String: Any]
        #expect((j["outDir"] as? String)?.hasPrefix("/") == true)
        #expect(j["functions"] as? [String] == ["0000:01:00.0", "0000:01:00.1"])
        let (run, objects) = try F.xl(tmp + "/rel/xen.cfg")
        #expect(run.status == 0)
        #expect(objects.filter { $0["key"] as? String == "iomem" }.count == 3, "BAR0, BAR2 and the audio BAR0")
        #expect(objects.filter { $0["key"] as? String == "ioports" }.count == 1)
    }

    @Test func existingFilesAreKeptWithoutForce() throws {
        let out = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: out) }
        try "keep me\n".write(toFile: out + "/xen.cfg", atomically: true, encoding: .utf8)
        let r = try HostCLI.run(["prepare", "01:00.0", "--for", "xen", "--sysfs", F.radeon, "--out", out])
        #expect(r.status != 0)
        #expect(r.err.contains("xen.cfg") && r.err.contains("--force"), "\(r.err)")
        #expect(F.read(out + "/xen.cfg") == "keep me\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out) == ["xen.cfg"], "nothing else written")
        let again = try HostCLI.run(["prepare", "01:00.0", "--for", "xen", "--sysfs", F.radeon, "--out", out, "--force"])
        #expect(again.status == 0, "\(again.err)")
        #expect(F.read(out + "/xen.cfg").hasPrefix("# xl.cfg fragment"))
    }

    @Test func aFailureLeavesNoPartialSet() throws {
        let tmp = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        // iPXE's legacy image is 75264 bytes: over qemu-dm's 64 KiB, refused after the ROM is read.
        let big = "/usr/lib/ipxe/qemu/efi-e1000.rom"
        let r = try HostCLI.run(["prepare", "01:00.0", "--for", "xen", "--rom", big, "--retarget", "--sysfs", F.radeon, "--out", tmp + "/new"])
        #expect(r.status == 1)
        #expect(r.err.contains("64 KiB"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: tmp + "/new"), "the folder it would have created is not left behind")
        // Into an existing folder: it stays empty.
        try FileManager.default.createDirectory(atPath: tmp + "/old", withIntermediateDirectories: false)
        _ = try HostCLI.run(["prepare", "01:00.0", "--for", "xen", "--rom", big, "--retarget", "--sysfs", F.radeon, "--out", tmp + "/old"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp + "/old") == [])
        // A target name that is a folder: refused before anything is written, even with --force.
        try FileManager.default.createDirectory(atPath: tmp + "/old/kernel-cmdline.txt", withIntermediateDirectories: false)
        let d = try HostCLI.run(["prepare", "01:00.0", "--for", "xen", "--sysfs", F.radeon, "--out", tmp + "/old", "--force"])
        #expect(d.status != 0 && d.err.contains("kernel-cmdline.txt"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp + "/old") == ["kernel-cmdline.txt"])
    }

    @Test func aUserROMForAnotherChipIsRefusedNamingBothUnlessRetargeted() throws {
        let out = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let args = ["prepare", "01:00.0", "--for", "xen", "--rom", "/usr/share/seabios/vgabios-stdvga.bin", "--sysfs", F.radeon, "--out", out + "/x"]
        let refused = try HostCLI.run(args)
        #expect(refused.status == 1 && refused.err.contains("1234:1111") && refused.err.contains("1002:6819")
                && refused.err.contains("--retarget"), "\(refused.err)")
        #expect(!FileManager.default.fileExists(atPath: out + "/x"), "nothing written")
        let r = try HostCLI.run(args + ["--retarget"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.contains("warning") && r.err.contains("1234:1111") && r.err.contains("1002:6819"), "\(r.err)")
        let layout = ROMParser.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: out + "/x/bios.bin"))))
        #expect(layout.images.first?.pcir?.vendorID == 0x1002 && layout.images.first?.checksumValid == true)
    }

    @Test func anIOMMUGroupWithAForeignDeviceIsRefused() throws {
        let (dir, root) = try F.copy("radeon-hd7850")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let group = root + "/kernel/iommu_groups/1/devices"
        // A bridge in the group is fine.
        #expect(try F.sh("ln -s ../../../../devices/pci0000:00/0000:00:01.0 '\(group)/0000:00:01.0'").status == 0)
        let ok = try HostCLI.run(["prepare", "01:00.0", "--for", "qemu", "--sysfs", root, "--out", dir + "/ok"])
        #expect(ok.status == 0, "\(ok.err)")
        // Another device is not: a copy of the audio function at 02:00.0, class network.
        #expect(try F.sh("""
            cd '\(root)' && cp -a devices/pci0000:00/0000:00:01.0/0000:01:00.1 devices/pci0000:00/0000:02:00.0 && \
            rm devices/pci0000:00/0000:02:00.0/driver && echo 0x020000 > devices/pci0000:00/0000:02:00.0/class && \
            ln -s ../../../devices/pci0000:00/0000:02:00.0 bus/pci/devices/0000:02:00.0 && \
            ln -s ../../../../devices/pci0000:00/0000:02:00.0 '\(group)/0000:02:00.0'
            """).status == 0)
        let r = try HostCLI.run(["prepare", "01:00.0", "--for", "qemu", "--sysfs", root, "--out", dir + "/no"])
        #expect(r.status == 1)
        #expect(r.err.contains("0000:02:00.0") && r.err.contains("020000") && r.err.contains("ACS override") && r.err.contains("--with 0000:02:00.0"), "\(r.err)")
        #expect(!r.err.contains("0000:00:01.0"), "bridges are not named")
        let j = try HostCLI.run(["prepare", "01:00.0", "--for", "qemu", "--sysfs", root, "--out", dir + "/no", "--json"])
        let error = (try JSONSerialization.jsonObject(with: Data(j.out.utf8)) as? [String: Any])?["error"] as? [String: Any]
        #expect(j.status == 1 && error?["code"] as? String == "group-not-isolated", "\(j.out)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/no"))
        let named = try HostCLI.run(["prepare", "01:00.0", "--for", "qemu", "--sysfs", root, "--out", dir + "/named", "--with", "02:00.0"])
        #expect(named.status == 0, "\(named.err)")
    }
}

@Suite(.serialized) struct BindCLITests {
    typealias F = PrepareFixture

    @Test func dryRunPrintsTheExactWritesAndWritesNothing() throws {
        let (dir, root) = try F.copy("radeon-hd7850")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try F.sh("mkdir '\(root)/bus/pci/drivers/vfio-pci' && touch '\(root)/bus/pci/drivers/vfio-pci/bind' '\(root)/bus/pci/drivers/vfio-pci/unbind'").status == 0)
        let before = try F.fingerprint(dir)
        let r = try HostCLI.run(["bind", "01:00.1", "--to", "vfio-pci", "--dry-run", "--sysfs", root, "--state-dir", dir + "/run"])
        #expect(r.status == 0, "\(r.err)")
        #expect(try F.fingerprint(dir) == before, "a dry run writes nothing")
        let lines = r.out.split(separator: "\n").filter { $0.hasPrefix("write") }.map { $0.split(separator: "#")[0].trimmingCharacters(in: .whitespaces) }
        #expect(lines == [
            "write \"vfio-pci\" to \(root)/bus/pci/devices/0000:01:00.0/driver_override",
            "write \"0000:01:00.0\" to \(root)/bus/pci/devices/0000:01:00.0/driver/unbind",
            "write \"0000:01:00.0\" to \(root)/bus/pci/drivers_probe",
            "write \"vfio-pci\" to \(root)/bus/pci/devices/0000:01:00.1/driver_override",
            "write \"0000:01:00.1\" to \(root)/bus/pci/devices/0000:01:00.1/driver/unbind",
            "write \"0000:01:00.1\" to \(root)/bus/pci/drivers_probe",
        ])
        let j = try HostCLI.run(["bind", "01:00.0", "--to", "vfio-pci", "--dry-run", "--json", "--sysfs", root])
        let devices = (try HostCLI.json(j) as! [String: Any])["devices"] as! [[String: Any]]
        #expect(devices.map { $0["previousDriver"] as? String } == ["radeon", "snd_hda_intel"])
    }

    @Test func bindAndUnbindOnACopyRecordAndRestore() throws {
        let (dir, root) = try F.copy("radeon-hd7850")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try F.sh("mkdir '\(root)/bus/pci/drivers/vfio-pci' && touch '\(root)/bus/pci/drivers/vfio-pci/bind' '\(root)/bus/pci/drivers/vfio-pci/unbind'").status == 0)
        let state = dir + "/run"
        let b = try HostCLI.run(["bind", "01:00.0", "--to", "vfio-pci", "--sysfs", root, "--state-dir", state])
        #expect(b.status == 0, "\(b.err)")
        // The fake files hold the last bytes written to them.
        #expect(F.read(root + "/bus/pci/devices/0000:01:00.0/driver_override") == "vfio-pci")
        #expect(F.read(root + "/bus/pci/drivers/radeon/unbind") == "0000:01:00.0")
        #expect(F.read(root + "/bus/pci/drivers/snd_hda_intel/unbind") == "0000:01:00.1")
        #expect(F.read(root + "/bus/pci/drivers_probe") == "0000:01:00.1")
        #expect(F.read(state + "/bindings/0000:01:00.0") == "radeon\n")
        #expect(F.read(state + "/bindings/0000:01:00.1") == "snd_hda_intel\n")

        let u = try HostCLI.run(["unbind", "01:00.0", "--sysfs", root, "--state-dir", state])
        #expect(u.status == 0, "\(u.err)")
        #expect(F.read(root + "/bus/pci/devices/0000:01:00.0/driver_override") == "\n", "override cleared")
        #expect(try FileManager.default.contentsOfDirectory(atPath: state + "/bindings") == [], "records dropped")
        // Committed tree untouched.
        #expect(F.read(F.radeon + "/bus/pci/drivers_probe") == "")
    }

    @Test func missingDriverIsExplained() throws {
        let r = try HostCLI.run(["bind", "01:00.0", "--to", "vfio-pci", "--dry-run", "--sysfs", F.radeon])
        #expect(r.status == 2)
        #expect(r.err.contains("modprobe vfio-pci"), "\(r.err)")
        let x = try HostCLI.run(["bind", "01:00.0", "--to", "pci-stub", "--dry-run", "--sysfs", F.radeon])
        #expect(x.err.contains("modprobe pci-stub"))
    }
}
