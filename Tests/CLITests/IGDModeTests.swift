import Foundation
import Testing
import TestSupport

/// `prepare --igd-mode`: a Meteor Lake IGD (fake host intel-igd-meteor-lake, 8086:7d55, a
/// generation QEMU's legacy mode does not know) is written for UPT mode by default, the Haswell
/// IGD (intel-igd) when asked; legacy mode's settings are left out of every config. Judges:
/// `qemu-system-x86_64 -device vfio-pci,help` for every property, xl's libxlutil, virt-xml-validate,
/// Proxmox's schema (Tools/oracles/pve-schema.pl through ProxmoxSchema in PassthroughTests is not
/// reachable from here, so its keys are checked by the text).
@Suite(.serialized) struct IGDModeTests {
    typealias F = PrepareFixture

    static func prepare(_ host: String, _ target: String, _ extra: [String] = []) throws -> (HostCLI.Result, String) {
        let tmp = try FakeHost.temporaryDirectory()
        let sys = try FakeHost.copy(host, into: tmp)
        let r = try HostCLI.run(["prepare", "00:02.0", "--for", target, "--sysfs", sys, "--out-dir", tmp + "/out"] + extra)
        return (r, tmp)
    }

    static func vfioProperties() throws -> Set<String> {
        let r = try HostCLI.run(["-nodefaults", "-machine", "none", "-device", "vfio-pci,help"], "/usr/bin/qemu-system-x86_64")
        return Set((r.out + r.err).split(separator: "\n").compactMap { line in
            let t = line.drop { $0 == " " }
            guard t.count < line.count, let eq = t.firstIndex(of: "=") else { return nil }
            return String(t[..<eq])
        })
    }

    @Test("QEMU: Meteor Lake goes UPT by default, Haswell when asked; no legacy-mode settings")
    func qemuUPT() throws {
        try Prerequisite.require(files: ["/usr/bin/qemu-system-x86_64"], "QEMU (qemu-system-x86)")
        let known = try Self.vfioProperties()
        for (host, extra) in [("intel-igd-meteor-lake", [String]()), ("intel-igd", ["--igd-mode", "upt"])] {
            let (r, tmp) = try Self.prepare(host, "qemu", extra)
            defer { try? FileManager.default.removeItem(atPath: tmp) }
            #expect(r.status == 0, "\(host): \(r.err)")
            let args = F.read(tmp + "/out/qemu-args.txt")
            #expect(!args.contains("addr=02.0") && !args.contains("x-igd-opregion") && !args.contains("-vga none") && !args.contains("x-vga"), "\(host): \(args)")
            #expect(args.contains("-device vfio-pci,host=0000:00:02.0"), "\(args)")
            #expect(r.err.contains("UPT mode") && r.err.contains("-vga std"), "a note on stderr: \(host): \(r.err)")
            for line in args.split(separator: "\n") where line.hasPrefix("-device ") {
                for key in line.dropFirst(8).split(separator: ",").dropFirst().map({ String($0.split(separator: "=")[0]) }) {
                    #expect(known.contains(key), "\(key) is not a property qemu's vfio-pci lists")
                }
            }
        }
        // Legacy mode asked for a generation QEMU does not know: written, and said plainly.
        let (legacy, tmp) = try Self.prepare("intel-igd-meteor-lake", "qemu", ["--igd-mode", "legacy"])
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        #expect(legacy.status == 0 && F.read(tmp + "/out/qemu-args.txt").contains("addr=02.0,x-igd-opregion=on"))
        #expect(legacy.err.contains("does not know this IGD's generation"), "\(legacy.err)")
        // The default for Haswell stays legacy mode.
        let (haswell, tmp2) = try Self.prepare("intel-igd", "qemu")
        defer { try? FileManager.default.removeItem(atPath: tmp2) }
        #expect(F.read(tmp2 + "/out/qemu-args.txt").contains("addr=02.0") && haswell.err.contains("gen 7 (Haswell)"), "\(haswell.err)")

        // --json: the mode, and what was decided as typed events (the note's words in each message).
        let (j, tmp3) = try Self.prepare("intel-igd", "qemu", ["--json", "--dry-run"])
        defer { try? FileManager.default.removeItem(atPath: tmp3) }
        let object = try #require(try HostCLI.json(j) as? [String: Any], "\(j.out)\(j.err)")
        #expect(object["igdMode"] as? String == "legacy" && object["firmware"] as? String == "bios", "\(object)")
        let events = ((object["events"] as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String }
        #expect(events.contains("igd-mode") && events.contains("igd-firmware-default") && !events.contains("igd-ovmf-drivers"), "\(events)")
    }

    @Test("xl, libvirt and Proxmox in UPT mode: no gfx_passthru=igd, no guest address, no legacy-igd; read by xl and virt-xml-validate")
    func otherTargets() throws {
        let (x, tx) = try Self.prepare("intel-igd", "xen", ["--igd-mode", "upt", "--display", "secondary"])
        defer { try? FileManager.default.removeItem(atPath: tx) }
        #expect(x.status == 0, "\(x.err)")
        let (run, objects) = try F.xl(tx + "/out/xen.cfg")
        #expect(run.status == 0, "xl: \(run.err)")
        #expect(!objects.contains { $0["key"] as? String == "gfx_passthru" && $0["string"] as? String == "igd" }, "\(objects)")

        let (l, tl) = try Self.prepare("intel-igd-meteor-lake", "libvirt")
        defer { try? FileManager.default.removeItem(atPath: tl) }
        #expect(l.status == 0, "\(l.err)")
        let xml = F.read(tl + "/out/libvirt-hostdev.xml")
        #expect(!xml.contains("<address type='pci'"), "no guest address: \(xml)")
        let domain = tl + "/domain.xml"
        try ("<domain type='kvm'><name>t</name><memory>1048576</memory><os><type arch='x86_64'>hvm</type></os><devices>\n"
             + xml + "</devices></domain>\n").write(toFile: domain, atomically: true, encoding: .utf8)
        let v = try HostCLI.run([domain, "domain"], "/usr/bin/virt-xml-validate")
        #expect(v.status == 0, "virt-xml-validate: \(v.out)\(v.err)")

        let (p, tp) = try Self.prepare("intel-igd-meteor-lake", "proxmox")
        defer { try? FileManager.default.removeItem(atPath: tp) }
        #expect(p.status == 0, "\(p.err)")
        let conf = F.read(tp + "/out/proxmox.conf")
        #expect(!conf.contains("legacy-igd") && !conf.contains("vga: none") && conf.contains("hostpci0: 0000:00:02.0"), "\(conf)")
    }
}
