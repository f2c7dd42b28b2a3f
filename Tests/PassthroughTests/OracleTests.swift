import Foundation
@testable import Passthrough
import Testing

/// What vbios writes, read by the real consumers: Xen's libxlutil and libvirt's schema.
/// A missing tool fails these tests (with the Debian package to install); it never skips them.
@Suite struct OracleTests {
    let card = Fixture.radeon()

    /// Every xen.cfg variant the writer produces.
    static var xenVariants: [(String, PassthroughCard, XenConfig.Options)] {
        var withROM = XenConfig.Options()
        withROM.romPath = "/srv/my vms/radeon's/bios.bin"
        var minimal = XenConfig.Options()
        minimal.gfxPassthru = false
        var all = WriterTests.secondaryOptions
        all.msiTranslate = true
        all.powerManagement = false
        all.rdmPolicy = .strict
        all.gfxPassthru = true
        let single = try! PassthroughCard(functions: [Fixture.radeon().functions[0]])
        return [
            ("primary", Fixture.radeon(), withROM),
            ("secondary", Fixture.radeon(bootVGA: false), WriterTests.secondaryOptions),
            ("everything", Fixture.radeon(domain: 2), all),
            ("single", single, minimal),
            ("igd", Fixture.igd(), withROM),
        ]
    }

    @Test func everyGeneratedXenConfigParsesAsXLReadsIt() throws {
        for (name, card, options) in Self.xenVariants {
            let text = try XenConfig.fragment(card, options: options)
            let (run, objects) = try Oracle.xl(text)
            #expect(run.status == 0, "\(name): xlcfg-check exited \(run.status): \(run.stderr)")
            let pci = objects.filter { $0["key"] as? String == "pci" }
            #expect(pci.count == card.functions.count, "\(name)")
            for (entry, f) in zip(pci, card.functions) {
                #expect(entry["error"] == nil, "\(name): \(entry)")
                #expect(entry["domain"] as? Int == Int(f.address.domain), "\(name)")
                #expect(entry["bus"] as? Int == Int(f.address.bus), "\(name)")
                #expect(entry["dev"] as? Int == Int(f.address.device), "\(name)")
                #expect(entry["func"] as? Int == Int(f.address.function), "\(name)")
                #expect(entry["permissive"] as? Int == (options.permissive ? 1 : 0), "\(name)")
                #expect(entry["seize"] as? Int == (options.seize ? 1 : 0), "\(name)")
                if let m = options.msiTranslate { #expect(entry["msitranslate"] as? Int == (m ? 1 : 0), "\(name)") }
                if let r = options.rdmPolicy { #expect(entry["rdmPolicy"] as? String == r.rawValue, "\(name)") }
            }
            let gfx = objects.first { $0["key"] as? String == "gfx_passthru" }
            let wantGfx = options.gfxPassthru ?? card.isPrimaryDisplay
            // An Intel IGD gets xl's IGD device model by name; any other card `1`.
            let igd = wantGfx && card.isIntelIGD
            #expect((gfx?["value"] as? Int) == (wantGfx && !igd ? 1 : nil), "\(name): \(String(describing: gfx))")
            #expect((gfx?["string"] as? String) == (igd ? "igd" : nil), "\(name): \(String(describing: gfx))")

            let iomem = objects.filter { $0["key"] as? String == "iomem" }
            let mem = options.ranges.filter { $0.kind == .memory }
            #expect(iomem.count == mem.count, "\(name)")
            for (entry, r) in zip(iomem, mem) {
                // xl maps pages [start, start + number): they must cover the range exactly.
                let start = UInt64(entry["start"] as? Int ?? -1), number = UInt64(entry["number"] as? Int ?? -1)
                #expect(start * 4096 <= r.start && (start + number) * 4096 >= r.start + r.size, "\(name): \(entry)")
                #expect((start + number - 1) * 4096 < r.start + r.size, "\(name): no page past the range")
            }
            let ioports = objects.filter { $0["key"] as? String == "ioports" }
            let io = options.ranges.filter { $0.kind == .io }
            #expect(ioports.count == io.count, "\(name)")
            for (entry, r) in zip(ioports, io) {
                #expect(entry["first"] as? Int == Int(r.start) && entry["number"] as? Int == Int(r.size), "\(name): \(entry)")
            }
        }
    }

    @Test func theXLOracleRejectsBrokenConfigs() throws {
        // Syntax xl cannot read at all: an unterminated list.
        let (syntax, _) = try Oracle.xl("pci = [ \"0000:01:00.0\"\n")
        #expect(syntax.status == 2, "\(syntax.stdout) \(syntax.stderr)")
        // A PCI spec libxlutil refuses, iomem and ioports xl refuses.
        for bad in ["pci = [ \"0000:01:00.g\" ]", "iomem = [ \"e0000\" ]", "iomem = [ \"e0000,10 junk\" ]",
                    "ioports = [ \"e0ff-e000\" ]", "pci = [ \"01:00.0,rdm_policy=sloppy\" ]"] {
            let (run, objects) = try Oracle.xl(bad + "\n")
            #expect(run.status == 1, "\(bad): \(run.stdout) \(run.stderr)")
            #expect(objects.contains { $0["error"] != nil }, "\(bad)")
        }
    }

    @Test func libxlutilDequotesBackslashEscapes() throws {
        // Recorded because the first reading of xl's grammar was that its strings have no escapes: Xen
        // 4.17's lexer does take \" and \\. vbios still keeps paths out of xl strings.
        let (run, objects) = try Oracle.xl(#"s = "a\"b\\c""# + "\n", strings: ["s"])
        #expect(run.status == 0)
        #expect(objects.first { $0["key"] as? String == "s" }?["string"] as? String == #"a"b\c"#)
    }

    @Test func everyLibvirtFragmentIsValid() throws {
        let paths: [String?] = [nil, "/srv/vm/radeon/bios.bin", #"/srv/my vms/<a>&"b"/it's.bin"#]
        for path in paths {
            for romBAR in [true, false] {
                for c in [card, Fixture.radeon(domain: 0x1F)] {
                    for element in try LibvirtHostdev.elements(c, options: .init(romPath: path, romBAR: romBAR)) {
                        let r = try Oracle.libvirt(hostdev: element)
                        #expect(r.status == 0, "virt-xml-validate refused:\n\(element)\n\(r.stdout)\(r.stderr)")
                    }
                }
            }
        }
        // The whole file, comment included, as one <devices> body.
        let whole = try Oracle.libvirt(hostdev: try LibvirtHostdev.text(card, options: .init(romPath: "/srv/vm/bios.bin")))
        #expect(whole.status == 0, "\(whole.stdout)\(whole.stderr)")
    }

    @Test func theLibvirtOracleRejectsBrokenFragments() throws {
        let broken = [
            // A relative ROM path: libvirt's schema wants an absolute one.
            "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source><rom bar='on' file='bios.bin'/></hostdev>",
            // A slot past 31.
            "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x01' slot='0x20' function='0x0'/></source></hostdev>",
            // An unescaped ampersand: not even XML.
            "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source><rom file='/a&b'/></hostdev>",
        ]
        for fragment in broken {
            let r = try Oracle.libvirt(hostdev: fragment)
            #expect(r.status != 0, "virt-xml-validate accepted:\n\(fragment)")
        }
    }
}
