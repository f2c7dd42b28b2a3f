import Foundation
import OptionROM
import Testing
import TestSupport

/// `vbios prepare` for the AMD APU of the fake host amd-apu (Phoenix 1002:15bf at c6:00.0, HD audio
/// 1002:1640 at c6:00.1, no ROM BAR, the VBIOS in ACPI VFCT) with the real AMDGopDriver.rom of a
/// Proxmox guide (../shared/roms). Judges: Tools/oracles/vfct-walk.py (amdgpu's VFCT walk) for
/// the VBIOS bios.bin must hold, Tools/oracles/pci-rom-walk.py (an independent PCI ROM reader) for
/// the GOP ROM's header, and the driver's bytes against the source ROM's.
@Suite(.serialized) struct APUPrepareTests {
    static let gop = Repository.root + "/../shared/roms/amd-apu-8945hs-gop-bogus-pcir-ids.rom"
    static let nvidia = Repository.root + "/../shared/roms/nvidia-rtx3070-ga104-raw.rom"
    static let tahiti = Repository.root + "/../shared/roms/amd-hd7970-tahiti.rom"

    static func python(_ script: String, _ path: String) throws -> [String: Any] {
        let r = try HostCLI.run([Repository.root + "/Tools/oracles/" + script, path], "/usr/bin/python3")
        try #require(r.status == 0, "\(script): \(r.err)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
    }

    static func prepare(_ extra: [String]) throws -> (HostCLI.Result, String) {
        let tmp = try FakeHost.temporaryDirectory()
        let host = try FakeHost.copy("amd-apu", into: tmp)
        let r = try HostCLI.run(["prepare", "c6:00.0", "--for", "qemu", "--sysfs", host, "--out-dir", tmp + "/out", "--json"] + extra)
        return (r, tmp)
    }

    static func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

    @Test("VBIOS from VFCT in bios.bin, the GOP in gop.rom for the audio function")
    func separate() throws {
        try Prerequisite.require(files: [Self.gop], "AMDGopDriver.rom of ../shared/roms")
        let (r, tmp) = try Self.prepare(["--add-efi", Self.gop])
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        #expect(r.status == 0, "\(r.err)")
        // bios.bin: the VFCT entry's image, as amdgpu's walk finds it, unchanged.
        let vfct = try Self.python("vfct-walk.py", Repository.hosts + "/amd-apu/firmware/acpi/tables/VFCT")
        let entry = try #require((vfct["entries"] as? [[String: Any]])?.first)
        let table = try Self.bytes(Repository.hosts + "/amd-apu/firmware/acpi/tables/VFCT")
        let offset = try #require(entry["offset"] as? Int), length = try #require(entry["length"] as? Int)
        #expect(try Self.bytes(tmp + "/out/bios.bin") == Array(table[offset..<offset + length]))
        // gop.rom: one EFI image for the audio function, last, around the guide's driver as it is.
        let walk = try Self.python("pci-rom-walk.py", tmp + "/out/gop.rom")
        let chain = try #require(walk["chain"] as? [[String: Any]])
        #expect(chain.count == 1)
        #expect(chain.first?["vendorID"] as? String == "1002" && chain.first?["deviceID"] as? String == "1640", "\(chain)")
        #expect(chain.first?["classCode"] as? String == "040300" && chain.first?["codeType"] as? Int == 3 && chain.first?["last"] as? Bool == true)
        let source = try Self.bytes(Self.gop), built = try Self.bytes(tmp + "/out/gop.rom")
        let srcPE = Int(source[0x16]) | Int(source[0x17]) << 8, newPE = Int(built[0x16]) | Int(built[0x17]) << 8
        let srcDriver = ROMParser.parse(source).images[0]
        #expect(Array(built[newPE..<newPE + (srcDriver.length - srcPE)]) == Array(source[srcPE..<srcDriver.length]))
        let object = try #require(try HostCLI.json(r) as? [String: Any])
        // The plan says where the ROM came from: the host's VFCT table (the card has no ROM BAR).
        let provenance = try #require(object["romProvenance"] as? [String: Any], "\(object)")
        #expect(provenance["kind"] as? String == "vfct" && provenance["source"] as? String == "vfct", "\(provenance)")
        let notes = (object["notes"] as? [[String: Any]]) ?? []
        #expect(notes.contains { $0["code"] as? String == "gop-family" }, "\(notes)")
        #expect(!notes.contains { $0["code"] as? String == "no-efi-image" }, "\(notes)")
        let files = ((object["files"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }
        #expect(files.contains("gop.rom") && files.contains("bios.bin"), "\(files)")
        let gopROM = try #require(object["gopROM"] as? [String: Any], "\(object)")
        #expect(gopROM["function"] as? String == "0000:c6:00.1" && gopROM["path"] as? String == tmp + "/out/gop.rom" && gopROM["size"] as? Int == built.count)
        #expect((object["nextSteps"] as? String)?.contains("0000:c6:00.1") == true)
        // The audio function's -device line names the GOP ROM; every property is one QEMU's vfio-pci lists.
        let args = (try? String(contentsOfFile: tmp + "/out/qemu-args.txt", encoding: .utf8)) ?? ""
        #expect(args.contains("-device vfio-pci,host=0000:c6:00.1,romfile=\(tmp)/out/gop.rom"), "\(args)")
        #expect(args.contains("-device vfio-pci,host=0000:c6:00.0,romfile=\(tmp)/out/bios.bin"), "\(args)")
        let known = try IGDModeTests.vfioProperties()
        for line in args.split(separator: "\n") where line.hasPrefix("-device ") {
            for key in line.dropFirst(8).split(separator: ",").dropFirst().map({ String($0.split(separator: "=")[0]) }) {
                #expect(known.contains(key), "\(key) is not a property qemu's vfio-pci lists")
            }
        }
    }

    @Test("--gop-rom merged: one ROM, the VBIOS then the GOP")
    func merged() throws {
        try Prerequisite.require(files: [Self.gop], "AMDGopDriver.rom of ../shared/roms")
        let (r, tmp) = try Self.prepare(["--add-efi", Self.gop, "--gop-rom", "merged"])
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        #expect(r.status == 0, "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: tmp + "/out/gop.rom"))
        let chain = try #require(try Self.python("pci-rom-walk.py", tmp + "/out/bios.bin")["chain"] as? [[String: Any]])
        #expect(chain.map { $0["codeType"] as? Int } == [0, 3], "\(chain)")
        #expect(chain.allSatisfy { $0["deviceID"] as? String == "15bf" }, "\(chain)")
    }

    @Test("A GOP for another vendor's chip is refused, nothing written; --allow-broken keeps it with a warning")
    func mismatchRefused() throws {
        try Prerequisite.require(files: [Self.nvidia], "the RTX 3070 ROM of ../shared/roms")
        let (r, tmp) = try Self.prepare(["--add-efi", Self.nvidia])
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        #expect(r.status == 1, "\(r.out)")
        let said = r.out + r.err   // --json: the error object on stdout
        #expect(said.contains("does not match") && said.contains("NVIDIA") && said.contains("1002:15bf") && said.contains("--allow-broken"), "\(said)")
        #expect(!FileManager.default.fileExists(atPath: tmp + "/out/gop.rom") && !FileManager.default.fileExists(atPath: tmp + "/out/bios.bin"))
        let host = tmp + "/host"
        let forced = try HostCLI.run(["prepare", "c6:00.0", "--for", "qemu", "--sysfs", host, "--out-dir", tmp + "/out2", "--json",
                                      "--add-efi", Self.nvidia, "--allow-broken"])
        #expect(forced.status == 0, "\(forced.err)")
        let notes = ((try HostCLI.json(forced) as? [String: Any])?["notes"] as? [[String: Any]]) ?? []
        #expect(notes.contains { $0["code"] as? String == "gop-family-mismatch" && $0["severity"] as? String == "warning" }, "\(notes)")
    }

    @Test("patch --replace-efi: the Hawk Point GOP on a Tahiti ROM is refused; --allow-broken writes it")
    func patchRefuses() throws {
        try Prerequisite.require(files: [Self.gop, Self.tahiti], "the Tahiti ROM and AMDGopDriver.rom of ../shared/roms")
        let tmp = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let r = try HostCLI.run(["patch", Self.tahiti, "--replace-efi", Self.gop, "-o", tmp + "/out.rom"])
        #expect(r.status != 0 && r.err.contains("does not match") && r.err.contains("Tahiti"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: tmp + "/out.rom"))
        let forced = try HostCLI.run(["patch", Self.tahiti, "--replace-efi", Self.gop, "-o", tmp + "/out.rom", "--allow-broken"])
        #expect(forced.status == 0, "\(forced.err)")
        #expect(forced.out.contains("mismatch accepted") || forced.err.contains("mismatch accepted"), "\(forced.out)\(forced.err)")
    }

    @Test("libvirt: the audio function's <hostdev> names gop.rom; virt-xml-validate accepts the domain")
    func libvirt() throws {
        try Prerequisite.require(files: [Self.gop, "/usr/bin/virt-xml-validate"], "AMDGopDriver.rom and virt-xml-validate")
        let tmp = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let host = try FakeHost.copy("amd-apu", into: tmp)
        let r = try HostCLI.run(["prepare", "c6:00.0", "--for", "libvirt", "--sysfs", host, "--out-dir", tmp + "/out", "--add-efi", Self.gop])
        #expect(r.status == 0, "\(r.err)")
        let xml = (try? String(contentsOfFile: tmp + "/out/libvirt-hostdev.xml", encoding: .utf8)) ?? ""
        #expect(xml.contains("<rom file='\(tmp)/out/gop.rom'/>") && xml.contains("file='\(tmp)/out/bios.bin'"), "\(xml)")
        let domain = tmp + "/domain.xml"
        try ("<domain type='kvm'><name>t</name><memory>1048576</memory><os><type arch='x86_64'>hvm</type></os><devices>\n"
             + xml + "</devices></domain>\n").write(toFile: domain, atomically: true, encoding: .utf8)
        let v = try HostCLI.run([domain, "domain"], "/usr/bin/virt-xml-validate")
        #expect(v.status == 0, "virt-xml-validate: \(v.out)\(v.err)")
    }

    @Test("Proxmox: the GPU and its audio function on their own hostpci lines, each with its ROM under /usr/share/kvm")
    func proxmox() throws {
        try Prerequisite.require(files: [Self.gop], "AMDGopDriver.rom of ../shared/roms")
        let tmp = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let host = try FakeHost.copy("amd-apu", into: tmp)
        let r = try HostCLI.run(["prepare", "c6:00.0", "--for", "proxmox", "--sysfs", host, "--out-dir", tmp + "/out", "--add-efi", Self.gop])
        #expect(r.status == 0, "\(r.err)")
        let conf = (try? String(contentsOfFile: tmp + "/out/proxmox.conf", encoding: .utf8)) ?? ""
        #expect(conf.contains("hostpci0: 0000:c6:00.0,") && conf.contains("romfile=vbios-1002-15bf.rom")
                && conf.contains("hostpci1: 0000:c6:00.1,pcie=1,romfile=gop.rom"), "\(conf)")
        #expect(FileManager.default.fileExists(atPath: tmp + "/out/gop.rom"))
    }
}
