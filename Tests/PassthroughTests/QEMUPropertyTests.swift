import Foundation
import OptionROM
import PCIHost
import Passthrough
import TestSupport
import Testing

/// Every QEMU property vbios writes, in every config `Preparation` plans for every display
/// function of every fake host (Fixtures/hosts) and every hypervisor, is one that QEMU itself
/// lists for vfio-pci (`qemu-system-x86_64 -device vfio-pci,help`): QEMUArgs' `-device` lines
/// directly, libvirt's `<hostdev>` and Proxmox's `hostpciN:` through the properties libvirt
/// (src/qemu/qemu_command.c, qemuBuildPCIHostdevDevProps) and qemu-server (PVE/QemuServer/PCI.pm,
/// print_hostpci_devices) turn them into. The same configs are read by libvirt's schema and
/// Xen's libxlutil.
@Suite(.serialized) struct QEMUPropertyTests {
    static let qemu = "/usr/bin/qemu-system-x86_64"

    /// What `-device` itself takes for any device (QEMU system/qdev-monitor.c, qdev_device_add:
    /// the bus to plug into and the id), never listed among a device's properties.
    static let deviceOptions: Set<String> = ["bus", "id"]

    /// The names `-device vfio-pci,help` lists (`  name=<type>  - text`).
    static func known() throws -> Set<String> {
        try Prerequisite.require(FileManager.default.isExecutableFile(atPath: qemu), "\(qemu) (Debian's qemu-system-x86)")
        let run = try Oracle.run(qemu, ["-nodefaults", "-machine", "none", "-device", "vfio-pci,help"])
        #expect(run.status == 0, "\(run.stderr)")
        return Set((run.stdout + run.stderr).split(separator: "\n").compactMap { line in
            let t = line.drop { $0 == " " }
            guard t.count < line.count, let eq = t.firstIndex(of: "=") else { return nil }
            return String(t[..<eq])
        })
    }

    /// The configs of every display function of every fake host, for `targets`, with the
    /// display and ROM path varied; each plan from the card's own (fake) ROM.
    static func plans(_ targets: [PassthroughTarget]) throws -> [(what: String, file: Preparation.File)] {
        var out: [(String, Preparation.File)] = []
        let names = try FileManager.default.contentsOfDirectory(atPath: Repository.hosts).sorted()
        for name in names {
            let host = try FakeHost(name)
            defer { host.remove() }
            let root = SysfsRoot(host.root)
            for entry in try PCIBus.scan(root).entries where entry.classCode >> 16 == 0x03 {
                let slot = try PCIBus.scan(root, requiring: [entry.address]).slot(of: entry.address)
                let card = try PassthroughCard(slot: slot, romAt: entry.address)
                let read = Result { () throws(ROMReader.Failure) in try ROMReader(root: root, memory: nil).read(slot.named) }
                for target in targets {
                    for display in [nil, true, false] as [Bool?] {
                        var p = Preparation(card: card, devices: slot.functions,
                                            rom: .device(slot.named, read: read, automatic: true, acpi: nil), target: target, outDir: "/srv/vm")
                        p.primaryDisplay = display
                        p.allowBroken = true
                        guard let plan = try? p.plan() else { continue }
                        out += plan.files.filter { $0.kind == .config }.map { ("\(name) \(entry.address) \(target) display \(String(describing: display))", $0) }
                    }
                    // A GOP in its own ROM for the HD-audio function (an APU's layout): that function's ROM file too.
                    guard APUGOPROM.audioFunction(of: card) != nil else { continue }
                    var p = Preparation(card: card, devices: slot.functions,
                                        rom: .device(slot.named, read: read, automatic: true, acpi: nil), target: target, outDir: "/srv/vm")
                    p.gop = .file(path: "/in/gop.efi", bytes: Self.gopDriver)
                    p.gopPlacement = .separate
                    p.allowBroken = true
                    guard let plan = try? p.plan(), plan.gopROM != nil else { continue }
                    out += plan.files.filter { $0.kind == .config }.map { ("\(name) \(entry.address) \(target) gop-rom", $0) }
                }
            }
        }
        return out
    }

    /// An X64 EFI driver as far as the GOP ROM's builder reads one (a PE32+ header).
    static let gopDriver = ROMBuilder.peStub(machine: ROMBuilder.x64, subsystem: 11) + [UInt8](repeating: 0, count: 0x200)

    @Test func everyPropertyOfEveryGeneratedConfigIsOneQEMUHas() throws {
        let known = try Self.known()
        #expect(known.contains("romfile") && known.contains("rombar") && known.contains("x-vga"), "\(known.sorted())")
        #expect(!known.contains("vfio-pci options:") && !known.contains("romfiles"), "the list is QEMU's, not everything")
        let plans = try Self.plans([.qemu, .libvirt, .proxmox])
        var checked = 0
        for (what, file) in plans {
            let text = String(decoding: file.bytes, as: UTF8.self)
            let properties: [String]
            switch file.name {
            case "qemu-args.txt": properties = Self.qemuArgs(text)
            case "libvirt-hostdev.xml": properties = try Self.libvirt(text)
            case "proxmox.conf": properties = try Self.proxmox(text)
            default: Issue.record("\(what): \(file.name) has no property reader"); continue
            }
            #expect(!properties.isEmpty, "\(what): \(file.name) names no property")
            for p in properties where !Self.deviceOptions.contains(p) {
                #expect(known.contains(p), "\(what): \(file.name) gives vfio-pci \(p), which QEMU does not list\n\(text)")
            }
            checked += properties.count
        }
        // Every fake host has a display function, each planned for three hypervisors three ways.
        #expect(plans.count >= 3 * 3 * 8, "only \(plans.count) configs planned")
        // The GOP ROMs of the audio functions (amd-apu's among them) were among them, for each hypervisor.
        let gop = plans.filter { $0.what.contains("gop-rom") && String(decoding: $0.file.bytes, as: UTF8.self).contains("gop.rom") }
        #expect(Set(gop.map(\.file.name)) == ["qemu-args.txt", "libvirt-hostdev.xml", "proxmox.conf"], "\(gop.map(\.what))")
        #expect(gop.contains { $0.what.hasPrefix("amd-apu ") }, "\(gop.map(\.what))")
        #expect(checked > 100)
    }

    /// The writer's own options the CLI does not reach (guest slot, multifunction), held to the same list.
    @Test func qemuArgsOptionsAreQEMUProperties() throws {
        let known = try Self.known()
        for card in [Fixture.radeon(), Fixture.radeon(bootVGA: false), Fixture.igd()] {
            for options in [QEMUArgs.Options(romPath: "/vm/rom.bin", xVGA: true, romBAR: false, guestSlot: 5),
                            QEMUArgs.Options(), QEMUArgs.Options(xVGA: false, guestSlot: 31), Self.withFunctionROM(card)] {
                for p in Self.qemuArgs(try QEMUArgs.text(card, options: options)) {
                    #expect(known.contains(p), "\(p) is not a vfio-pci property")
                }
            }
        }
    }

    /// The ROM function's ROM and a ROM for every other function (`ConfigFiles.Options.functionROMs`).
    static func withFunctionROM(_ card: PassthroughCard) -> QEMUArgs.Options {
        var o = QEMUArgs.Options(romPath: "/vm/rom.bin")
        for f in card.functions where f.address != card.romFunction.address { o.functionROMs[f.address] = "/vm/gop.rom" }
        return o
    }

    @Test func everyGeneratedLibvirtAndXenConfigIsReadByItsOwnParser() throws {
        try Prerequisite.require(files: [Oracle.virtXMLValidate, "/usr/include/libxlutil.h"], "libvirt-clients, libxen-dev")
        var xml = 0, xl = 0
        for (what, file) in try Self.plans([.libvirt, .xen]) {
            let text = String(decoding: file.bytes, as: UTF8.self)
            if file.name == "libvirt-hostdev.xml" {
                let r = try Oracle.libvirt(hostdev: text.split(separator: "\n").dropFirst().joined(separator: "\n") + "\n")
                #expect(r.status == 0, "\(what): virt-xml-validate: \(r.stdout)\(r.stderr)\n\(text)")
                xml += 1
            } else if file.name == "xen.cfg" {
                let (r, objects) = try Oracle.xl(text)
                #expect(r.status == 0 && objects.contains { $0["key"] as? String == "pci" }, "\(what): libxlutil: \(r.stderr)\n\(text)")
                xl += 1
            }
        }
        #expect(xml >= 24 && xl >= 24, "\(xml) libvirt, \(xl) xl configs")
    }

    // MARK: - What each config gives vfio-pci

    /// `-device vfio-pci,KEY=VALUE,...` lines (shell-quoted with single quotes).
    static func qemuArgs(_ text: String) -> [String] {
        text.split(separator: "\n").flatMap { line -> [String] in
            let unquoted = line.replacingOccurrences(of: "'", with: "")
            guard unquoted.hasPrefix("-device vfio-pci,") else { return [] }
            return unquoted.dropFirst("-device vfio-pci,".count).split(separator: ",").map { String($0.split(separator: "=")[0]) }
        }
    }

    /// libvirt's elements as the properties libvirt builds from them; an element it has no
    /// reading for fails, so a new one is added here with its source.
    static func libvirt(_ text: String) throws -> [String] {
        var out: [String] = []
        for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("<!--") || line.hasPrefix("<hostdev") || line.hasPrefix("</") || line == "<source>" { continue }
            if line.hasPrefix("<address domain=") { out.append("host"); continue }
            if line.hasPrefix("<address type='pci'") { out += ["bus", "addr"]; continue }
            if line.hasPrefix("<rom ") {
                if line.contains("bar='off'") { out.append("rombar") }
                if line.contains("file=") { out.append("romfile") }
                continue
            }
            if line.hasPrefix("<qemu:property name='") {
                out.append(String(line.dropFirst("<qemu:property name='".count).prefix { $0 != "'" }))
                continue
            }
            Issue.record("no reading of libvirt's \(line) as vfio-pci properties")
        }
        return out
    }

    /// Proxmox's hostpciN keys as the properties qemu-server gives vfio-pci for them.
    static let proxmoxKeys: [String: [String]] = [
        "romfile": ["romfile"], "rombar": ["rombar"], "x-vga": ["x-vga"], "pcie": ["bus", "addr"],
        "legacy-igd": ["bus", "addr"],
    ]

    static func proxmox(_ text: String) throws -> [String] {
        var out: [String] = []
        for line in text.split(separator: "\n") where line.hasPrefix("hostpci") {
            let value = line.drop { $0 != ":" }.dropFirst().trimmingCharacters(in: .whitespaces)
            let parts = value.split(separator: ",")
            out.append("host")
            if parts.first?.contains(".") == false { out.append("multifunction") }   // a whole slot
            for part in parts.dropFirst() {
                let key = String(part.split(separator: "=")[0])
                guard let props = proxmoxKeys[key] else { Issue.record("no reading of Proxmox's \(key)"); continue }
                out += props
            }
        }
        return out
    }
}
