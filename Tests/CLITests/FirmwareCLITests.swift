import Foundation
import OptionROM
import Testing
import TestSupport

/// What UEFIExtract dumps that is an option ROM: 55 AA and a PCIR at the pointer (PCI Firmware 3.0, 5.1).
enum RealFirmwareROM {
    static func isOptionROM(_ b: [UInt8]) -> Bool {
        guard b.count > 0x1A, b[0] == 0x55, b[1] == 0xAA else { return false }
        let p = Int(b[0x18]) | Int(b[0x19]) << 8
        return p + 4 <= b.count && Array(b[p..<(p + 4)]) == Array("PCIR".utf8)
    }
}

/// `vbios scan` on firmware images, `dump --source vfct` on a fake host with a VFCT table.
@Suite(.serialized) struct FirmwareCLITests {
    static let firmware = Repository.root + "/Fixtures/firmware"
    static let coreboot = Repository.root + "/../shared/roms/fw-coreboot-thinkpad-t60-2MiB.rom"

    /// A VFCT table: the ACPI header, the UUID, the offset of the first entry, then entries.
    static func vfct(_ entries: [(bus: UInt32, dev: UInt32, fn: UInt32, vendor: UInt16, device: UInt16, image: [UInt8])]) -> [UInt8] {
        func u32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        func u16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        var body: [UInt8] = []
        for e in entries {
            body += u32(e.bus) + u32(e.dev) + u32(e.fn) + u16(e.vendor) + u16(e.device) + u16(0x1002) + u16(0x0123)
                + u32(0) + u32(UInt32(e.image.count)) + e.image
        }
        let headerLength = 0x48
        var t = Array("VFCT".utf8) + u32(UInt32(headerLength + body.count)) + [1, 0] + Array("AMD   ".utf8) + Array("TESTVFCT".utf8)
            + u32(1) + Array("AMD ".utf8) + u32(1)
        t += [UInt8](repeating: 0xAB, count: 16) + u32(UInt32(headerLength)) + [UInt8](repeating: 0, count: headerLength - 0x38)
        return t + body
    }

    @Test func dumpFromVFCTTakesTheMatchingEntry() throws {
        let root = try FakeHost("radeon-hd7850", as: "sys").dir
        defer { try? FileManager.default.removeItem(atPath: root) }
                let amd = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Repository.roms + "/amd.rom")))
        let intel = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Repository.roms + "/intel.rom")))
        // Decoys first: the right IDs on another function, the right place with another device ID.
        let table = Self.vfct([(1, 0, 1, 0x1002, 0x6819, intel), (1, 0, 0, 0x1002, 0x6818, intel), (1, 0, 0, 0x1002, 0x6819, amd)])
        try FileManager.default.createDirectory(atPath: root + "/sys/firmware/acpi/tables", withIntermediateDirectories: true)
        try Data(table).write(to: URL(fileURLWithPath: root + "/sys/firmware/acpi/tables/VFCT"))
        let out = root + "/vfct.rom"
        let r = try HostCLI.run(["dump", "01:00.0", "--source", "vfct", "-o", out, "--sysfs", root + "/sys"])
        #expect(r.status == 0, "\(r.err)")
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: out))) == amd)
        // No entry for a device: a message naming what the table has.
        let none = try HostCLI.run(["dump", "01:00.1", "--source", "vfct", "-o", root + "/x.rom", "--sysfs", root + "/sys"])
        #expect(none.status != 0)
        #expect(none.err.contains("holds no image for 0000:01:00.1") && none.err.contains("01:00.0 1002:6819"), "\(none.err)")
        // auto reads sysfs and VFCT and says so.
        let auto = try HostCLI.run(["dump", "01:00.0", "-o", root + "/auto.rom", "--sysfs", root + "/sys", "--json"])
        #expect(auto.status == 0, "\(auto.err)")
        #expect(auto.out.contains("\"vfct\""), "\(auto.out)")
        // A table cut inside an image: the kernel's rule, the entry is not taken.
        try Data(table.prefix(table.count - 100)).write(to: URL(fileURLWithPath: root + "/sys/firmware/acpi/tables/VFCT"))
        let cut = try HostCLI.run(["dump", "01:00.0", "--source", "vfct", "-o", root + "/cut.rom", "--sysfs", root + "/sys"])
        #expect(cut.status != 0)
        #expect(cut.err.contains("cut short"), "\(cut.err)")
    }

    @Test func scanFirmwareExtractsAndReportsPaths() throws {
        let dir = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try HostCLI.run(["scan", Self.firmware + "/everything.fd", "--extract", dir, "--json"])
        #expect(r.status == 0, "\(r.err)")
        let items = try #require(try HostCLI.json(r) as? [[String: Any]])
        let kinds = items.compactMap { $0["kind"] as? String }
        #expect(kinds.filter { $0 == "option-rom" }.count == 4)
        #expect(kinds.filter { $0 == "gop-driver" }.count == 7)
        #expect(kinds.filter { $0 == "vbt" }.count == 1)
        for item in items { #expect((item["path"] as? [String])?.isEmpty == false) }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(files.contains("8086-1912-vbios.rom"))
        #expect(files.contains("LzmaGopDxe.efi"))
        #expect(files.contains("VbtAndRom.vbt"))
        #expect(files.contains("1002-1636-vbios.rom") && files.contains("1002-1636-vbios-2.rom"))
        #expect(files.contains("ArmTeGopDxe.efi"))
        #expect(items.contains { $0["name"] as? String == "ArmTeGopDxe" && $0["format"] as? String == "TE" && $0["machineName"] as? String == "AArch64" })
        #expect(files.count == 12)
    }

    @Test func scanCorebootTextNamesTheCBFSFile() throws {
        try Prerequisite.require(files: [Self.coreboot], "the coreboot image of ../shared/firmware")
        let r = try HostCLI.run(["scan", Self.coreboot])
        #expect(r.status == 0)
        #expect(r.out.contains("option ROM 1002:7145 x86, class 030000, VBIOS"), "\(r.out)")
        #expect(r.out.contains("at 0x00041fac"))
        #expect(r.out.contains("cbfs pci1002,7145.rom"))
    }

    static let apple = Repository.root + "/../shared/firmware/fw-apple-mbp31-0070-07b.fd"

    /// Every `body.bin` UEFIExtract (Debian uefitool-cli, the oracle) dumps from `image`.
    static func uefiExtractBodies(_ image: String) throws -> [[UInt8]] { try uefiExtractDump(image).map(\.body) }

    /// Every `body.bin` UEFIExtract dumps from `image`, with the folder it sits in.
    static func uefiExtractDump(_ image: String) throws -> [(folder: String, body: [UInt8])] {
        let dir = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: image, toPath: dir + "/image.bin")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/UEFIExtract")
        p.arguments = ["image.bin", "all"]
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        let dump = dir + "/image.bin.dump"
        return try (FileManager.default.subpathsOfDirectory(atPath: dump)).filter { $0.hasSuffix("body.bin") }.map {
            ($0, [UInt8](try Data(contentsOf: URL(fileURLWithPath: dump + "/" + $0))))
        }
    }

    /// Issue 22's "Done when", end to end over every image of ../shared/firmware and the coreboot
    /// image of ../shared/roms: every option ROM (55 AA and a PCIR), GOP driver (a PE32 section of
    /// a file UEFIExtract names ...Gop...) and VBT (`$VBT`) UEFIExtract dumps is written by `scan
    /// --out-dir` byte-identical, every file written is an element UEFIExtract dumps, and `prepare
    /// --rom-from` takes, for a card of each legacy ROM's IDs, one of the ROMs scan wrote.
    @Test func everySharedImageGivesWhatUEFIExtractFinds() throws {
        let folder = Repository.root + "/../shared/firmware"
        let images = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".fd") || $0.hasSuffix(".bin") }
            .sorted().map { folder + "/" + $0 } + [Self.coreboot]
        try Prerequisite.require(images.count > 1 && images.allSatisfy { FileManager.default.fileExists(atPath: $0) }, "the images of ../shared/firmware")
        try Prerequisite.require(files: ["/usr/bin/UEFIExtract"], "Debian's uefitool-cli")
        var judged = 0, prepared = 0, compared = 0
        for image in images {
            let dir = try FakeHost.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let r = try HostCLI.run(["scan", image, "--out-dir", dir + "/x"])
            #expect(r.status == 0, "\(image): \(r.err)")
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir + "/x")) ?? []).sorted()
            let written = try names.map { [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/x/" + $0))) }
            let dump = try Self.uefiExtractDump(image)
            // UEFIExtract structures UEFI volumes (named by GUID in its dump); of coreboot's flash it
            // reads only the microcode, of an Award BIOS nothing: those are judged by prepare alone.
            if dump.contains(where: { $0.folder.range(of: "[0-9A-F]{8}-[0-9A-F]{4}-", options: .regularExpression) != nil }) {
                judged += 1
                for (name, bytes) in zip(names, written) {
                    #expect(dump.contains { $0.body == bytes || $0.body.starts(with: bytes) }, "\(image): \(name) is no element UEFIExtract dumps")
                }
                let theirs = dump.filter { d in
                    RealFirmwareROM.isOptionROM(d.body) || d.body.starts(with: Array("$VBT".utf8))
                        || (d.folder.hasSuffix("PE32 image section/body.bin") && d.folder.split(separator: "/").dropLast(2).last?.contains("Gop") == true)
                }
                compared += theirs.count
                for t in theirs { #expect(written.contains { t.body == $0 || t.body.starts(with: $0) }, "\(image): scan did not write UEFIExtract's \(t.folder)") }
            }
            prepared += try Self.prepareEachROM(image, names: names, written: written)
        }
        // The Mac's two VBIOSes, OVMF's IntelGopDriver and VBT; prepare: both Mac VBIOSes, coreboot's.
        #expect(judged >= 2 && compared >= 4 && prepared >= 3, "judged \(judged) images by UEFIExtract (\(compared) elements), prepared \(prepared) ROMs")
    }

    /// prepare --rom-from for a card of each legacy VBIOS's IDs that scan wrote (VVVV-DDDD-vbios[-N].rom):
    /// bios.bin is one of the ROMs of those IDs scan wrote.
    static func prepareEachROM(_ image: String, names: [String], written: [[UInt8]]) throws -> Int {
        var done = 0
        for (name, bytes) in zip(names, written) where name.contains("-vbios") {
            let ids = name.prefix(9)
            let root = try PrepareFromFirmwareTests.host(device: "0x" + ids.suffix(4), vendor: "0x" + ids.prefix(4))
            defer { try? FileManager.default.removeItem(atPath: root) }
            let r = try HostCLI.run(["prepare", "01:00.0", "--for", "qemu", "--display", "secondary", "--sysfs", root + "/sys",
                                     "--out", root + "/out", "--rom-from", image])
            #expect(r.status == 0, "\(image) \(ids): \(r.err)")
            let bios = [UInt8]((try? Data(contentsOf: URL(fileURLWithPath: root + "/out/bios.bin"))) ?? Data())
            let same = zip(names, written).filter { $0.0.hasPrefix(ids) }.map(\.1)
            #expect(same.contains(bios) || bytes.isEmpty, "\(image) \(ids): bios.bin is none of scan's ROMs")
            done += 1
        }
        return done
    }

    /// An Intel Mac's FFS v1 volumes: `scan --extract` writes both NVIDIA VBIOSes and Apple's GOP
    /// driver byte-identical to what UEFIExtract extracts, and every ROM UEFIExtract finds is written.
    @Test func scanAppleImageExtractsWhatUEFIExtractFinds() throws {
        guard FileManager.default.fileExists(atPath: Self.apple) else { Issue.record("\(Self.apple) missing"); return }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/UEFIExtract") else { Issue.record("UEFIExtract missing: Tools/install-deps.sh installs uefitool-cli"); return }
        let dir = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try HostCLI.run(["scan", Self.apple, "--extract", dir])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("2 option ROMs, 1 GOP driver, 0 VBTs"), "\(r.out)")
        #expect(!r.err.contains("bad-container"), "\(r.err)")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(files.filter { $0.hasPrefix("10de-0407-vbios") }.count == 2, "\(files)")
        let written = try files.map { [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/" + $0))) }
        let bodies = try Self.uefiExtractBodies(Self.apple)
        for (name, bytes) in zip(files, written) { #expect(bodies.contains(bytes), "\(name) is not an element UEFIExtract extracts") }
        let theirROMs = bodies.filter { $0.count > 0x1A && $0[0] == 0x55 && $0[1] == 0xAA
            && Array($0[(Int($0[0x18]) | Int($0[0x19]) << 8)...].prefix(4)) == Array("PCIR".utf8) }
        #expect(theirROMs.count == 2)
        for rom in theirROMs { #expect(written.contains(rom), "a ROM UEFIExtract finds was not extracted") }
    }

    /// Issue 22 item 5 through a firmware image: the real ISA Tseng ET4000 BIOS and ATI Mach64 VT
    /// (../shared/roms) as raw files of an FFS v1 volume. scan writes the Mach64 byte for byte and
    /// verify names it a pre-ATOM ATI BIOS; the ISA BIOS (no PCIR: no PCI option ROM) is not listed,
    /// and on its own verify calls it `isa-rom`, a note, never a fail.
    @Test func oldROMsInAFirmwareImage() throws {
        let isa = Repository.root + "/../shared/roms/old-tseng-et4000-isa.rom", ati = Repository.root + "/../shared/roms/old-ati-mach64vt.rom"
        try Prerequisite.require(files: [isa, ati], "the old ROMs of ../shared/roms")
        let (isaBytes, atiBytes) = ([UInt8](try Data(contentsOf: URL(fileURLWithPath: isa))), [UInt8](try Data(contentsOf: URL(fileURLWithPath: ati))))
        let dir = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let image = FirmwareFixtures.v1([FirmwareBuilder.ffsFile(FirmwareFixtures.fileGUID(1), type: 0x01, isaBytes),
                                         FirmwareBuilder.ffsFile(FirmwareFixtures.fileGUID(2), type: 0x01, atiBytes)], name: 0)
        try Data(image).write(to: URL(fileURLWithPath: dir + "/old.fd"))
        let r = try HostCLI.run(["scan", dir + "/old.fd", "--out-dir", dir + "/x"])
        #expect(r.status == 0 && r.out.contains("1 option ROM, 0 GOP drivers, 0 VBTs"), "\(r.out)\(r.err)")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir + "/x")
        #expect(names.count == 1 && (try? Data(contentsOf: URL(fileURLWithPath: dir + "/x/" + names[0]))).map([UInt8].init) == atiBytes, "\(names)")
        let v = try HostCLI.run(["verify", dir + "/x/" + (names.first ?? "")])
        #expect(v.out.contains("ATI BIOS before ATOM") && !v.out.contains("ATOM BIOS,") && v.out.hasPrefix("OK"), "\(v.out)")
        let i = try HostCLI.run(["verify", isa])
        #expect(i.out.hasPrefix("NOTE") && i.out.contains("isa-rom") && !i.out.contains("FAIL"), "\(i.out)")
    }

    /// A plain ROM file keeps the plain scan's output and JSON shape.
    @Test func plainBlobKeepsThePlainScan() throws {
        let r = try HostCLI.run(["scan", Repository.roms + "/amd.rom", "--json"])
        let items = try #require(try HostCLI.json(r) as? [[String: Any]])
        #expect(items.count == 1)
        #expect(items.first?["kind"] == nil && items.first?["offset"] as? Int == 0)
    }
}

/// `prepare --rom-from`: the card's ROM out of a firmware image, by IDs.
@Suite(.serialized) struct PrepareFromFirmwareTests {
    /// A copy of the radeon host whose card says it is `device` (of `vendor`, when given).
    static func host(device: String, vendor: String? = nil) throws -> String {
        let root = try FakeHost("radeon-hd7850", as: "sys").dir
                let real = URL(fileURLWithPath: root + "/sys/bus/pci/devices/0000:01:00.0").resolvingSymlinksInPath().path + "/device"
        try (device + "\n").write(toFile: real, atomically: false, encoding: .utf8)
        if let vendor { try (vendor + "\n").write(toFile: String(real.dropLast(6)) + "vendor", atomically: false, encoding: .utf8) }
        return root
    }

    /// Files with no container: the HP t5720's Award BIOS (the SiS IGD's VGA BIOS at an offset that is
    /// no multiple of 512), three real ACPI VFCT tables, a plain ROM. Every legacy ROM `scan` lists,
    /// `prepare --rom-from` takes for a card with its IDs, byte for byte.
    @Test func whateverScanListsPrepareCanChoose() throws {
        let shared = Repository.root + "/../shared/firmware/"
        let files = ["fw-hp-t5720-legacy-award-sis741.bin", "vfct-asrock-b650pg-navi31-plus-raphael.dat",
                     "vfct-coreboot-x370-raven.dat", "vfct-lenovo-yoga7-14arb7-rembrandt.dat"].map { shared + $0 } + [Repository.roms + "/amd.rom"]
        var chosen = 0
        for file in files {
            guard FileManager.default.fileExists(atPath: file) else { Issue.record("\(file) missing"); continue }
            let image = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
            let scan = try HostCLI.run(["scan", file, "--json"])
            let listed = try #require(try HostCLI.json(scan) as? [[String: Any]], "\(scan.out)")
            #expect(!listed.isEmpty, "scan lists nothing in \(file)")
            for rom in listed where rom["codeType"] as? Int == 0 {
                let offset = try #require(rom["offset"] as? Int), length = try #require(rom["length"] as? Int)
                let vendor = try #require(rom["vendorID"] as? String), device = try #require(rom["deviceID"] as? String)
                let root = try Self.host(device: "0x" + device, vendor: "0x" + vendor)
                defer { try? FileManager.default.removeItem(atPath: root) }
                let r = try HostCLI.run(["prepare", "01:00.0", "--for", "qemu", "--display", "secondary", "--sysfs", root + "/sys",
                                         "--out", root + "/out", "--rom-from", file])
                #expect(r.status == 0, "\(file) \(vendor):\(device): \(r.err)")
                let bios = [UInt8]((try? Data(contentsOf: URL(fileURLWithPath: root + "/out/bios.bin"))) ?? Data())
                #expect(bios == Array(image[offset..<offset + length]), "\(file): bios.bin is not the ROM scan lists at \(offset)")
                chosen += 1
            }
        }
        #expect(chosen == 6)
    }

    /// A raw VFCT table, read here as the kernel's `VFCT_IMAGE_HEADER` lays it out (amdgpu_bios.c):
    /// the image prepare takes for the Raphael iGPU is the one its entry names.
    @Test func vfctTableEntryByTheCardsIDs() throws {
        let file = Repository.root + "/../shared/firmware/vfct-asrock-b650pg-navi31-plus-raphael.dat"
        guard FileManager.default.fileExists(atPath: file) else { Issue.record("\(file) missing"); return }
        let t = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        func u32(_ o: Int) -> Int { Int(t[o]) | Int(t[o + 1]) << 8 | Int(t[o + 2]) << 16 | Int(t[o + 3]) << 24 }
        func u16(_ o: Int) -> Int { Int(t[o]) | Int(t[o + 1]) << 8 }
        var at = u32(0x34), image: [UInt8]?
        while at + 28 <= t.count {
            let length = u32(at + 24)
            if u16(at + 12) == 0x1002 && u16(at + 14) == 0x164e { image = Array(t[(at + 28)..<(at + 28 + length)]) }
            at += 28 + length
        }
        let want = try #require(image)
        let root = try Self.host(device: "0x164e", vendor: "0x1002")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let r = try HostCLI.run(["prepare", "01:00.0", "--for", "qemu", "--display", "secondary", "--sysfs", root + "/sys",
                                 "--out", root + "/out", "--rom-from", file])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("VFCT entry 14:00.0 1002:164e"), "\(r.out)")
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: root + "/out/bios.bin"))) == want)
    }

    @Test func takesTheCardsROMOutOfAFirmwareImage() throws {
        let root = try Self.host(device: "0x7145")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Prerequisite.require(files: [FirmwareCLITests.coreboot], "the coreboot image of ../shared/firmware")
        let r = try HostCLI.run(["prepare", "01:00.0", "--for", "qemu", "--display", "secondary", "--sysfs", root + "/sys",
                                 "--out", root + "/out", "--rom-from", FirmwareCLITests.coreboot])
        #expect(r.status == 0, "\(r.err)")
        let bios = [UInt8](try Data(contentsOf: URL(fileURLWithPath: root + "/out/bios.bin")))
        let image = [UInt8](try Data(contentsOf: URL(fileURLWithPath: FirmwareCLITests.coreboot)))
        #expect(bios.count >= 0x200 && Array(bios.prefix(0x100)) == Array(image[0x41fac..<0x41fac + 0x100]))
    }

    /// The Mac image holds two different VBIOSes for the 8600M GT (10de:0407; they differ in memory
    /// tables, and nothing in them, not even their subsystem IDs, says which board is which): the
    /// first is taken with a warning naming the other and how to take it; `--rom-choice 2` takes
    /// the other; a number past them is refused, listing both. Each bios.bin's legacy image is the
    /// bytes UEFIExtract's body of that file holds.
    @Test func appleImageTakesTheFirstNamesTheOtherAndLetsAPersonChoose() throws {
        guard FileManager.default.fileExists(atPath: FirmwareCLITests.apple) else { Issue.record("\(FirmwareCLITests.apple) missing"); return }
        let root = try Self.host(device: "0x0407", vendor: "0x10de")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let image = [UInt8](try Data(contentsOf: URL(fileURLWithPath: FirmwareCLITests.apple)))
        try Prerequisite.require(files: [UEFIExtractOracle.path], "Debian's uefitool-cli")
        let bodies = try UEFIExtractOracle.bodies(of: image)
        func uefiExtractBody(_ file: String) -> [UInt8]? {
            bodies.first { $0.folder.contains(file) && $0.body.starts(with: [0x55, 0xAA]) }?.body
        }
        let files = ["B0A7CB3B-0049-4069-8445-481437BC2ED3", "F7CFB32E-9C0C-49EC-BD03-BE8AF0E32B6B"]
        for (n, file) in [(nil, files[0]), (1, files[0]), (2, files[1])] as [(Int?, String)] {
            let out = root + "/out\(n ?? 0)"
            let r = try HostCLI.run(["prepare", "01:00.0", "--for", "qemu", "--display", "secondary", "--sysfs", root + "/sys",
                                     "--out", out, "--rom-from", FirmwareCLITests.apple] + (n.map { ["--rom-choice", "\($0)"] } ?? []))
            #expect(r.status == 0, "\(r.err)")
            let bios = [UInt8](try Data(contentsOf: URL(fileURLWithPath: out + "/bios.bin")))
            let want = try #require(uefiExtractBody(file), "UEFIExtract has no ROM body in \(file)")
            #expect(bios.count >= 0x200 && Array(bios.prefix(0x200)) == Array(want.prefix(0x200)), "bios.bin is not \(file)'s VBIOS")
            if n == nil {
                #expect(r.err.contains("holds 2 different ROMs for 10de:0407") && r.err.contains(files[1]) && r.err.contains("--rom-choice N"), "\(r.err)")
            }
        }
        let r = try HostCLI.run(["prepare", "01:00.0", "--for", "qemu", "--display", "secondary", "--sysfs", root + "/sys",
                                 "--out", root + "/out3", "--rom-from", FirmwareCLITests.apple, "--rom-choice", "3"])
        #expect(r.status != 0)
        #expect(r.err.contains("there is no candidate 3") && r.err.contains("1. ") && r.err.contains("2. ") && r.err.contains("--rom-choice"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: root + "/out3/bios.bin"))
    }

    /// A laptop dGPU's VBIOS compiled into AcpiPlatformDxe's PE32 in an OVMF-shaped image (DXE volume
    /// in LZMA; TestSupport's `FirmwareFixtures.romInDriver`, the real Quadro K2100M VBIOS from ../shared):
    /// scan names where it sits and writes it byte for byte, UEFIExtract's PE32 body holds it at that
    /// offset, and prepare --rom-from takes it for the card.
    @Test func romCompiledIntoADriver() throws {
        let vbios = Repository.root + "/../shared/roms/nvidia-quadro-k2100m-gk106-lenovo-w541.rom"
        guard FileManager.default.fileExists(atPath: vbios) else { Issue.record("\(vbios) missing"); return }
        let rom = [UInt8](try Data(contentsOf: URL(fileURLWithPath: vbios)))
        let root = try Self.host(device: "0x11fc", vendor: "0x10de")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let image = root + "/rom-in-driver.fd"
        try Data(FirmwareFixtures.romInDriver(rom)).write(to: URL(fileURLWithPath: image))
        let scan = try HostCLI.run(["scan", image, "--extract", root + "/x", "--json"])
        #expect(scan.status == 0, "\(scan.err)")
        let items = try #require(try HostCLI.json(scan) as? [[String: Any]])
        let found = try #require(items.first { $0["kind"] as? String == "option-rom" }, "\(scan.out)")
        #expect((found["path"] as? [String])?.last == "inside the PE32 of AcpiPlatformDxe, +0x1c40", "\(found)")
        let written = try FileManager.default.contentsOfDirectory(atPath: root + "/x").filter { $0.hasPrefix("10de-11fc") }
        #expect(written.count == 1 && (try? Data(contentsOf: URL(fileURLWithPath: root + "/x/" + written[0]))).map([UInt8].init) == rom, "\(written)")
        let text = try HostCLI.run(["scan", image])
        #expect(text.out.contains("> inside the PE32 of AcpiPlatformDxe, +0x1c40"), "\(text.out)")
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/UEFIExtract") {
            let dir = try FakeHost.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try FileManager.default.copyItem(atPath: image, toPath: dir + "/image.bin")
            _ = try HostCLI.run([dir + "/image.bin", "all"], "/usr/bin/UEFIExtract")
            let dump = dir + "/image.bin.dump"
            let pe = try #require(try FileManager.default.subpathsOfDirectory(atPath: dump).first {
                $0.contains("AcpiPlatformDxe/") && $0.hasSuffix("PE32 image section/body.bin") })
            let body = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dump + "/" + pe)))
            #expect(body.count >= 0x1c40 + rom.count && Array(body[0x1c40..<0x1c40 + rom.count]) == rom,
                    "UEFIExtract's PE32 body of AcpiPlatformDxe does not hold the ROM at +0x1c40")
        } else {
            Issue.record("UEFIExtract missing: Tools/install-deps.sh installs uefitool-cli")
        }
        let r = try HostCLI.run(["prepare", "01:00.0", "--for", "qemu", "--display", "secondary", "--sysfs", root + "/sys",
                                 "--out", root + "/out", "--rom-from", image])
        #expect(r.status == 0, "\(r.err)")
        #expect((try? Data(contentsOf: URL(fileURLWithPath: root + "/out/bios.bin"))).map([UInt8].init) == rom)
    }

    /// `scan --for` lists what fits the card, by the rule prepare chooses by: by IDs or by address
    /// (read from a fake sysfs) alike, in a firmware image and in a file with no container.
    @Test func scanForACard() throws {
        let apu = FirmwareCLITests.firmware + "/apu.fd"
        let all = try #require(try HostCLI.json(try HostCLI.run(["scan", apu, "--json"])) as? [[String: Any]])
        let byIDs = try HostCLI.run(["scan", apu, "--for", "1002:1636", "--json"])
        #expect(byIDs.status == 0, "\(byIDs.err)")
        let fits = try #require(try HostCLI.json(byIDs) as? [[String: Any]])
        let names = Set(fits.compactMap { $0["name"] as? String })
        #expect(fits.count < all.count && names.allSatisfy { $0.hasPrefix("AMD") } && !names.isEmpty, "\(names)")
        #expect(fits.filter { $0["kind"] as? String == "option-rom" }.allSatisfy { $0["vendorID"] as? String == "1002" && $0["deviceID"] as? String == "1636" })
        #expect(fits.contains { $0["kind"] as? String == "option-rom" })
        let root = try Self.host(device: "0x1636")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let byAddress = try HostCLI.run(["scan", apu, "--for", "01:00.0", "--sysfs", root + "/sys", "--json"])
        #expect(byAddress.status == 0 && byAddress.out == byIDs.out, "\(byAddress.err)")
        let none = try HostCLI.run(["scan", apu, "--for", "10de:1c8d", "--json"])
        #expect((try HostCLI.json(none) as? [Any])?.isEmpty == true, "\(none.out)")
        let vfct = Repository.root + "/../shared/firmware/vfct-asrock-b650pg-navi31-plus-raphael.dat"
        if FileManager.default.fileExists(atPath: vfct) {
            let plain = try #require(try HostCLI.json(try HostCLI.run(["scan", vfct, "--for", "1002:164e", "--json"])) as? [[String: Any]])
            #expect(plain.count == 1 && plain.first?["deviceID"] as? String == "164e", "\(plain)")
        } else {
            Issue.record("\(vfct) missing")
        }
        let bad = try HostCLI.run(["scan", apu, "--for", "01:00"])
        #expect(bad.status == 64 && bad.err.contains("VVVV:DDDD"), "\(bad.err)")
    }

    /// `scan --for ADDR` on a raw VFCT table lists only the entry amdgpu gives the card at that
    /// address (`amdgpu_acpi_vfct_bios`: bus, device, function and IDs), judged by
    /// Tools/oracles/vfct-walk.py: two GPUs of one model; and the real two-GPU ASRock table, whose
    /// Raphael entry sits at 14:00.0, not at the fake card's 01:00.0: with no entry at the card's
    /// address, what fits by IDs, as prepare takes it.
    @Test func scanForAnAddressTakesTheVFCTEntryThere() throws {
        let amd = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Repository.roms + "/amd.rom")))
        let root = try Self.host(device: "0x1636")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let table = root + "/two.dat"
        try Data(FirmwareCLITests.vfct([(2, 0, 0, 0x1002, 0x1636, amd), (1, 0, 0, 0x1002, 0x1636, amd)])).write(to: URL(fileURLWithPath: table))
        func oracle(_ file: String) throws -> [[String: Any]] {
            let r = try HostCLI.run([Repository.root + "/Tools/oracles/vfct-walk.py", file], "/usr/bin/python3")
            try #require(r.status == 0, "vfct-walk.py: \(r.err)")
            let o = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
            return try #require(o["entries"] as? [[String: Any]])
        }
        let want = try oracle(table).filter { $0["bus"] as? Int == 1 && $0["device"] as? Int == 0 && $0["function"] as? Int == 0 }
        let byIDs = try #require(try HostCLI.json(try HostCLI.run(["scan", table, "--for", "1002:1636", "--json"])) as? [[String: Any]])
        #expect(byIDs.count == 2, "\(byIDs)")
        let r = try HostCLI.run(["scan", table, "--for", "01:00.0", "--sysfs", root + "/sys", "--json"])
        let listed = try #require(try HostCLI.json(r) as? [[String: Any]], "\(r.err)")
        #expect(want.count == 1 && listed.count == 1 && listed.first?["offset"] as? Int == want.first?["offset"] as? Int, "\(listed) vs \(want)")
        let real = Repository.root + "/../shared/firmware/vfct-asrock-b650pg-navi31-plus-raphael.dat"
        try Prerequisite.require(files: [real], "the two-GPU VFCT table of ../shared/firmware")
        let there = try oracle(real).filter { $0["bus"] as? Int == 1 && $0["device"] as? Int == 0 }
        let raphael = try Self.host(device: "0x164e")
        defer { try? FileManager.default.removeItem(atPath: raphael) }
        // No entry sits at the card's address (the table is another machine's): by IDs, as prepare
        // --rom-from takes it, the Raphael entry the oracle places at 14:00.0.
        let raphaelEntry = try oracle(real).filter { $0["vendorID"] as? Int == 0x1002 && $0["deviceID"] as? Int == 0x164e }
        let byID = try HostCLI.run(["scan", real, "--for", "01:00.0", "--sysfs", raphael + "/sys", "--json"])
        let listedByID = try #require(try HostCLI.json(byID) as? [[String: Any]], "\(byID.err)")
        #expect(there.isEmpty && raphaelEntry.count == 1 && listedByID.map { $0["offset"] as? Int } == raphaelEntry.map { $0["offset"] as? Int }, "\(byID.out) vs \(raphaelEntry)")
    }

    @Test func refusesWhenNoROMFits() throws {
        let root = try Self.host(device: "0x6819")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let r = try HostCLI.run(["prepare", "01:00.0", "--for", "qemu", "--sysfs", root + "/sys", "--out", root + "/out",
                                 "--rom-from", FirmwareCLITests.firmware + "/everything.fd"])
        #expect(r.status != 0)
        #expect(r.err.contains("no legacy option ROM for 1002:6819") && r.err.contains("1002:1636"), "\(r.err)")
        // Firmware's next steps (scan the image, give the ROM), in the CLI's words.
        #expect(r.err.contains(". Run `vbios scan` on it to see everything inside, or pass the ROM itself with --rom."), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: root + "/out/bios.bin"))
    }

    /// The community OVMF with the Gemini Lake IGD's GOP and VBT built in holds no VBIOS: prepare
    /// for an IGD says so, names the GOP driver UEFIExtract also finds there, and says what to do
    /// (extract it and add it to the VBIOS, or boot the guest with such an OVMF).
    @Test func aGuestFirmwareWithTheGOPBuiltInIsSaidToBeOne() throws {
        let image = Repository.root + "/../shared/firmware/fw-ovmf-gk41-glk-intelgop-vbt.fd"
        try Prerequisite.require(files: [image, UEFIExtractOracle.path], "the GK41 OVMF of ../shared/firmware and Debian's uefitool-cli")
        let root = try FakeHost("intel-igd", as: "sys").dir
        defer { try? FileManager.default.removeItem(atPath: root) }
        let r = try HostCLI.run(["prepare", "00:02.0", "--for", "qemu", "--sysfs", root + "/sys", "--out", root + "/out", "--rom-from", image])
        #expect(r.status != 0)
        #expect(r.err.contains("no legacy option ROM for 8086:") && r.err.contains("GOP driver (IntelGopDriver") && r.err.contains("and a VBT"), "\(r.err)")
        #expect(r.err.contains("--add-efi") && r.err.contains("--rom VBIOS"), "\(r.err)")
        let bodies = try UEFIExtractOracle.bodies(of: [UInt8](try Data(contentsOf: URL(fileURLWithPath: image))))
        #expect(bodies.contains { $0.folder.contains("IntelGopDriver") }, "UEFIExtract names no IntelGopDriver")
        #expect(!FileManager.default.fileExists(atPath: root + "/out/bios.bin"))
    }
}

/// `prepare --rom-from` for OVMF guests: the firmware's GOP driver for the card's vendor is added.
@Suite(.serialized) struct PrepareGOPFromFirmwareTests {
    static func prepare(_ fixture: String, _ extra: [String] = [], json: Bool = true) throws -> (HostCLI.Result, root: String) {
        let root = try PrepareFromFirmwareTests.host(device: "0x1636")
        let r = try HostCLI.run(["prepare", "01:00.0", "--for", "qemu", "--display", "secondary", "--sysfs", root + "/sys",
                                 "--out", root + "/out", "--rom-from", FirmwareCLITests.firmware + "/" + fixture] + extra + (json ? ["--json"] : []))
        return (r, root)
    }

    static func notes(_ object: [String: Any], code: String) -> [String] {
        ((object["notes"] as? [[String: Any]]) ?? []).filter { $0["code"] as? String == code }.compactMap { $0["message"] as? String }
    }

    /// An APU: the VBIOS from the firmware plus its AMDGopDriver, one bios.bin with the card's IDs.
    @Test func addsTheAPUsGOPDriver() throws {
        let (r, root) = try Self.prepare("apu.fd")
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(r.status == 0, "\(r.err)")
        let object = try #require(try HostCLI.json(r) as? [String: Any])
        let gop = try #require(object["gopDriver"] as? [String: Any], "\(r.out)")
        #expect(gop["name"] as? String == "AMDGopDriver")
        // No VERSION section: the version iPXE's image states.
        #expect((gop["version"] as? String)?.first?.isNumber == true, "\(gop)")
        #expect(gop["machineName"] as? String == "X64")
        #expect(Self.notes(object, code: "no-efi-image").isEmpty, "\(r.out)")

        let bios = [UInt8](try Data(contentsOf: URL(fileURLWithPath: root + "/out/bios.bin")))
        let amd = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Repository.roms + "/amd.rom")))
        let layout = ROMParser.parse(bios)
        #expect(layout.images.count == 2)
        // The VBIOS itself, but for its last-image bit (now the EFI image's) and its checksum byte.
        #expect(bios.count > amd.count && zip(bios, amd).filter { $0 != $1 }.count <= 2)
        for image in layout.images {
            #expect(image.pcir?.vendorID == 0x1002 && image.pcir?.deviceID == 0x1636)
        }
        let legacy = try #require(layout.images.first)
        #expect(legacy.isLegacy && bios[legacy.offset..<legacy.offset + legacy.length].reduce(UInt8(0), &+) == 0)
        let efi = try #require(layout.images.last)
        #expect(efi.isEFI && efi.efi?.machineType == 0x8664)
        #expect(layout.findings(.checksumMismatch).isEmpty, "\(layout.findings)")

        // info opens the added driver.
        let info = try HostCLI.run(["info", root + "/out/bios.bin", "--json"])
        #expect(info.status == 0, "\(info.err)")
        #expect(info.out.contains("\"iPXE\"") && info.out.contains("\"X64\""), "\(info.out)")

        // The text says which driver and version.
        let text = try HostCLI.run(["prepare", "01:00.0", "--for", "libvirt", "--display", "secondary", "--sysfs", root + "/sys",
                                    "--out", root + "/out", "--force", "--rom-from", FirmwareCLITests.firmware + "/apu.fd"])
        #expect(text.status == 0, "\(text.err)")
        #expect(text.out.contains("GOP driver from") && text.out.contains("\"AMDGopDriver\" version \(gop["version"] as? String ?? "?")"), "\(text.out)")
    }

    /// Real parts (../shared/roms): an AMD Phoenix APU's VBIOS and a real AMDGopDriver in one volume,
    /// written by TestSupport's `FirmwareFixtures.realAPU`; prepare makes one ROM with both, the card's IDs.
    @Test func realAPUVBIOSAndAMDGopDriverBecomeOneROM() throws {
        let shared = Repository.root + "/../shared/roms/"
        try Prerequisite.require(files: [shared + "amd-apu-phoenix-generic-vbios.rom", shared + "amd-apu-8945hs-gop-bogus-pcir-ids.rom"],
                                 "the real APU ROMs of ../shared/roms")
        let root = try PrepareFromFirmwareTests.host(device: "0x15bf")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let vbios = [UInt8](try Data(contentsOf: URL(fileURLWithPath: shared + "amd-apu-phoenix-generic-vbios.rom")))
        let gopROM = [UInt8](try Data(contentsOf: URL(fileURLWithPath: shared + "amd-apu-8945hs-gop-bogus-pcir-ids.rom")))
        let driver = try #require(FirmwareFixtures.efiDriver(inROM: gopROM), "no uncompressed EFI image in the GOP ROM")
        try Data(FirmwareFixtures.realAPU(vbios: vbios, gopDriver: driver)).write(to: URL(fileURLWithPath: root + "/real-apu.fd"))
        let r = try HostCLI.run(["prepare", "01:00.0", "--for", "libvirt", "--display", "secondary", "--sysfs", root + "/sys",
                                 "--out", root + "/out", "--rom-from", root + "/real-apu.fd", "--json"])
        #expect(r.status == 0, "\(r.err)")
        let object = try #require(try HostCLI.json(r) as? [String: Any])
        let gop = try #require(object["gopDriver"] as? [String: Any], "\(r.out)")
        #expect(gop["name"] as? String == "AMDGopDriver" && gop["version"] as? String == "3.8.5", "\(gop)")
        // Both the UI name and the driver's own marker say AMD; the AArch64 decoy of the same name is not taken.
        #expect((gop["evidence"] as? [String])?.count == 2, "\(gop)")
        let bios = [UInt8](try Data(contentsOf: URL(fileURLWithPath: root + "/out/bios.bin")))
        let layout = ROMParser.parse(bios)
        #expect(layout.images.count == 2)
        for image in layout.images { #expect(image.pcir?.vendorID == 0x1002 && image.pcir?.deviceID == 0x15bf) }
        if let legacy = layout.images.first {
            #expect(legacy.isLegacy && bios[legacy.offset..<legacy.offset + legacy.length].reduce(UInt8(0), &+) == 0)
        }
        #expect(layout.images.last?.efi?.machineType == 0x8664)
        #expect(layout.findings(.checksumMismatch).isEmpty, "\(layout.findings)")
        let info = try HostCLI.run(["info", root + "/out/bios.bin"])
        #expect(info.out.contains("AMD GOP") && info.out.contains("3.8.5"), "\(info.out)")
    }

    @Test func severalEqualDriversAddNoneAndListThem() throws {
        let (r, root) = try Self.prepare("apu-ambiguous.fd")
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(r.status == 0, "\(r.err)")
        let object = try #require(try HostCLI.json(r) as? [String: Any])
        #expect(object["gopDriver"] is NSNull)
        let note = try #require(Self.notes(object, code: "no-efi-image").first, "\(r.out)")
        #expect(note.contains("2 different X64 GOP drivers for AMD") && note.contains("\"AMDGopDriver\"") && note.contains("\"AMD GOP Dxe\"")
                && note.contains("--add-efi FILE"), "\(note)")
        let bios = [UInt8](try Data(contentsOf: URL(fileURLWithPath: root + "/out/bios.bin")))
        #expect(ROMParser.parse(bios).images.count == 1)
    }

    @Test func noDriverForTheVendorSaysWhereToLook() throws {
        let (r, root) = try Self.prepare("apu-none.fd")
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(r.status == 0, "\(r.err)")
        let object = try #require(try HostCLI.json(r) as? [String: Any])
        #expect(object["gopDriver"] is NSNull)
        let note = try #require(Self.notes(object, code: "no-efi-image").first, "\(r.out)")
        #expect(note.contains("holds no X64 GOP driver for AMD") && note.contains("vbios scan \(FirmwareCLITests.firmware)/apu-none.fd --out-dir")
                && note.contains("\"IntelGopDriver\" X64") && note.contains("\"AMDGopDriver\" AArch64"), "\(note)")
    }

    /// --add-efi FILE wins over the firmware's driver; --firmware bios adds none.
    @Test func explicitDriverAndBIOSGuestsTakeNoneFromTheFirmware() throws {
        let (r, root) = try Self.prepare("apu.fd", ["--add-efi", "/usr/lib/ipxe/qemu/efi-e1000.rom"])
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(r.status == 0, "\(r.err)")
        let object = try #require(try HostCLI.json(r) as? [String: Any])
        #expect(object["gopDriver"] is NSNull)
        #expect(ROMParser.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: root + "/out/bios.bin")))).images.count == 2)

        let bios = try HostCLI.run(["prepare", "01:00.0", "--for", "qemu", "--display", "secondary", "--sysfs", root + "/sys", "--out", root + "/out",
                                    "--force", "--firmware", "bios", "--rom-from", FirmwareCLITests.firmware + "/apu.fd", "--json"])
        #expect(bios.status == 0, "\(bios.err)")
        let o = try #require(try HostCLI.json(bios) as? [String: Any])
        #expect(o["gopDriver"] is NSNull)
        #expect(ROMParser.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: root + "/out/bios.bin")))).images.count == 1)
    }
}
