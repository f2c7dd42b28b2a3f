import Foundation
import OptionROM
import PCIHost
@testable import Passthrough
import TestSupport
import Testing

/// proxmox.conf held to Proxmox's own schema: qemu-server's `$hostpci_fmt`, `$vga_fmt`,
/// `$machine_fmt` and `bios`, read out of its Perl sources by Tools/oracles/pve-schema.pl into
/// Fixtures/proxmox/qemu-server-schema.json (source and commit named there). How a value is held
/// to a property is pve-common's PVE/JSONSchema.pm: a pattern matches the whole value
/// (`m/^$pattern$/`), an enum lists it, a boolean is one of 1/0 (or on/off, yes/no, true/false).
@Suite struct ProxmoxSchemaTests {
    struct Property { var type: String; var pattern: String?; var enumeration: [String]?; var defaultKey: Bool }
    typealias Format = [String: Property]

    static func schema() throws -> (formats: [String: Format], maxDevices: Int, commit: String) {
        let data = try Data(contentsOf: URL(fileURLWithPath: Repository.root + "/Fixtures/proxmox/qemu-server-schema.json"))
        let j = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var formats: [String: Format] = [:]
        for section in ["hostpci", "vga", "machine", "bios"] {
            let keys = try #require((j[section] as? [String: Any])?["keys"] as? [String: [String: Any]])
            formats[section] = keys.mapValues {
                Property(type: $0["type"] as? String ?? "", pattern: $0["pattern"] as? String,
                         enumeration: $0["enum"] as? [String], defaultKey: $0["defaultKey"] as? Bool ?? false)
            }
        }
        let max = try #require((j["hostpci"] as? [String: Any])?["maxDevices"] as? Int)
        return (formats, max, j["commit"] as? String ?? "")
    }

    /// Why `value` is not one the property takes, or nil.
    static func refusal(_ value: String, _ p: Property) -> String? {
        if let e = p.enumeration, !e.contains(value) { return "\(value) is not one of \(e)" }
        if p.type == "boolean", !["0", "1", "on", "off", "yes", "no", "true", "false"].contains(value) { return "\(value) is not a boolean" }
        if let pattern = p.pattern {
            let anchored = "^(?:" + pattern + ")$"
            guard let re = try? NSRegularExpression(pattern: anchored) else { return "pattern \(pattern) does not compile" }
            if re.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) == nil { return "\(value) does not match \(pattern)" }
        }
        return nil
    }

    /// Every `key: value` line held to the schema; a property string (`a,b=c`) key by key.
    static func problems(_ text: String) throws -> [String] {
        let (formats, maxDevices, _) = try schema()
        var out: [String] = []
        for line in text.split(separator: "\n").map(String.init) {
            guard let colon = line.range(of: ": ") else { out.append("not a `key: value` line: \(line)"); continue }
            let key = String(line[..<colon.lowerBound]), value = String(line[colon.upperBound...])
            let section: String
            if key.hasPrefix("hostpci"), let n = Int(key.dropFirst(7)), n >= 0, n < maxDevices { section = "hostpci" }
            else if ["vga", "machine", "bios"].contains(key) { section = key }
            else { out.append("\(key) is not a key vbios holds to the schema"); continue }
            let format = formats[section]!
            // `bios` is a plain property of the VM config, not a property string.
            if let plain = format[key], format.count == 1 {
                if let why = refusal(value, plain) { out.append("\(key): \(why)") }
                continue
            }
            for (i, part) in value.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
                let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
                let name: String, v: String
                if kv.count == 2 { (name, v) = (kv[0], kv[1]) } else if i == 0, let d = format.first(where: { $0.value.defaultKey }) { (name, v) = (d.key, kv.first ?? "") }
                else { out.append("\(key): \(part) has no key"); continue }
                guard let p = format[name] else { out.append("\(key): \(name) is not in the schema"); continue }
                if let why = refusal(v, p) { out.append("\(key): \(name): \(why)") }
            }
        }
        return out
    }

    @Test func theSchemaIsTheRealOne() throws {
        let (formats, max, commit) = try Self.schema()
        #expect(commit.count == 40)
        #expect(max == 16)
        #expect(Set(formats["hostpci"]!.keys).isSuperset(of: ["host", "romfile", "rombar", "pcie", "x-vga", "legacy-igd"]))
        // The checker can fail: a key and values the schema refuses.
        #expect(try Self.problems("hostpci0: 01:00.0,romfile=a,b\nhostpci0: 1:0.0\nbios: uefi\nhostpci16: 01:00\nvga: vesa\nmachine: i440fx\nfoo: 1").count == 7)
    }

    static let cards: [(String, PassthroughCard)] = {
        let one = try! PassthroughCard(functions: [CardFunction(address: PCIAddress(domain: 0, bus: 0x2b, device: 0, function: 0),
                                                                vendorID: 0x10DE, deviceID: 0x1B80, classCode: 0x030000)])
        let audioFirst = try! PassthroughCard(functions: Fixture.radeon().functions, romAt: PCIAddress(domain: 0, bus: 1, device: 0, function: 1))
        return [("radeon", Fixture.radeon()), ("secondary", Fixture.radeon(bootVGA: false)), ("one function", one),
                ("ROM on .1", audioFirst), ("domain 1", Fixture.radeon(domain: 1)), ("igd", Fixture.igd())]
    }()

    @Test(arguments: 0..<cards.count)
    func everyLineIsOneQemuServerAccepts(card index: Int) throws {
        let (name, card) = Self.cards[index]
        for firmware in ROMPreparation.Firmware.allCases {
            for romBAR in [true, false] {
                for path in ["/usr/share/kvm/vbios-1002-6819.rom", "/usr/share/kvm/gpu/rx-7850_(2).rom"] {
                    var o = ProxmoxConfig.Options(romPath: path)
                    o.firmware = firmware
                    o.romBAR = romBAR
                    let text = try ProxmoxConfig.text(card, options: o)
                    let problems = try Self.problems(text)
                    #expect(problems == [], "\(name), \(firmware), rombar \(romBAR), \(path):\n\(text)")
                }
            }
        }
    }

    @Test func theLinesForARadeon() throws {
        var o = ProxmoxConfig.Options(romPath: "/usr/share/kvm/vbios-1002-6819.rom")
        o.firmware = .uefi
        #expect(try ProxmoxConfig.text(Fixture.radeon(), options: o) == """
            machine: q35
            bios: ovmf
            hostpci0: 0000:01:00,pcie=1,x-vga=1,romfile=vbios-1002-6819.rom
            vga: none

            """)
        o.primaryDisplay = false
        o.firmware = .bios
        #expect(try ProxmoxConfig.lines(Fixture.radeon(), options: o) == [
            "machine: q35", "bios: seabios", "hostpci0: 0000:01:00,pcie=1,romfile=vbios-1002-6819.rom"])
        // The ROM on function 1: qemu-server gives romfile to the first function of a line only.
        let card = try PassthroughCard(functions: Fixture.radeon().functions, romAt: PCIAddress(domain: 0, bus: 1, device: 0, function: 1))
        #expect(try ProxmoxConfig.lines(card, options: o).dropFirst(2) == [
            "hostpci0: 0000:01:00.1,pcie=1,romfile=vbios-1002-6819.rom", "hostpci1: 0000:01:00.0,pcie=1"])
    }

    @Test(arguments: ["/var/lib/vbios/a.rom", "/usr/share/kvm/", "/usr/share/kvm/../a.rom", "/usr/share/kvm/a,b.rom",
                      "/usr/share/kvm//a.rom", "/usr/share/kvmx/a.rom", "relative.rom"])
    func aROMOutsideUsrShareKVMIsRefused(path: String) throws {
        let refused = try #require(ProxmoxProfile().checkROMPath(path))
        #expect(refused.message.contains("/usr/share/kvm/"))
        #expect(throws: PassthroughError.self) { try ProxmoxConfig.lines(Fixture.radeon(), options: .init(romPath: path)) }
    }
}
