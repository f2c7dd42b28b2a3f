import Foundation
import OptionROM
import PCIHost
import TestSupport
@testable import Passthrough
import Testing

/// Synthetic ROMs, real ROMs from Debian, and the example card of the tests.
enum Fixture {
    /// A legacy x86 image of `blocks` × 512 bytes with a PCIR for `vendor:device`, an init entry
    /// that returns (`retf`), checksum valid (none with size byte 0).
    static func legacyImage(blocks: Int, vendor: UInt16 = 0x1002, device: UInt16 = 0x6819, last: Bool = true,
                            sizeByte: UInt8? = nil) -> [UInt8] {
        ROMBuilder.bareLegacy(units: blocks, vendor: vendor, device: device, last: last, sizeByte: sizeByte,
                              entry: [0xCB], checksum: sizeByte != 0).build()
    }

    static func read(_ path: String) throws -> [UInt8] {
        guard let d = FileManager.default.contents(atPath: path) else {
            Issue.record("\(path) is missing: install Debian's seabios and ipxe-qemu packages")
            throw CocoaError(.fileNoSuchFile)
        }
        return [UInt8](d)
    }

    static let stdvga = "/usr/share/seabios/vgabios-stdvga.bin"
    static let efiE1000 = "/usr/lib/ipxe/qemu/efi-e1000.rom"

    /// Radeon HD 7850 (Pitcairn, 1002:6819) at 0000:01:00.0 with its HDMI audio at 01:00.1.
    static func radeon(bootVGA: Bool = true, domain: UInt16 = 0) -> PassthroughCard {
        let gpu = CardFunction(address: PCIAddress(domain: UInt32(domain), bus: 1, device: 0, function: 0),
                               vendorID: 0x1002, deviceID: 0x6819, classCode: 0x030000, isBootVGA: bootVGA)
        let audio = CardFunction(address: PCIAddress(domain: UInt32(domain), bus: 1, device: 0, function: 1),
                                 vendorID: 0x1002, deviceID: 0xAAB0, classCode: 0x040300)
        return try! PassthroughCard(functions: [audio, gpu])
    }

    /// An Intel IGD (HD Graphics 4600, 8086:0412) at 0000:00:02.0, the host's boot display.
    static func igd(bootVGA: Bool = true) -> PassthroughCard {
        try! PassthroughCard(functions: [CardFunction(address: PCIAddress(domain: 0, bus: 0, device: 2, function: 0),
                                                      vendorID: 0x8086, deviceID: 0x0412, classCode: 0x030000, isBootVGA: bootVGA)])
    }
}

/// The real consumers: Xen's libxlutil (through Tools/oracles/xlcfg-check) and libvirt's schema
/// (virt-xml-validate). Missing tools fail the tests with the package to install.
enum Oracle {
    static let repoRoot = URL(fileURLWithPath: Repository.root)

    struct Run { var status: Int32; var stdout: String; var stderr: String }

    static func run(_ exe: String, _ args: [String]) throws -> Run {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        Ledger.note(p)
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    struct Missing: Error, CustomStringConvertible { var description: String }

    /// Built once per test process (static lets initialise once, thread-safely).
    static let xlcfgCheck: Result<String, Missing> = {
        guard FileManager.default.fileExists(atPath: "/usr/include/libxlutil.h") else {
            return .failure(Missing(description: "libxlutil.h not found: install Debian's libxen-dev (apt-get install libxen-dev) to run the xl oracle"))
        }
        let out = repoRoot.appendingPathComponent(".build-oracles")
        let exe = out.appendingPathComponent("xlcfg-check").path
        let src = repoRoot.appendingPathComponent("Tools/oracles/xlcfg-check.c").path
        let fm = FileManager.default
        let built = (try? fm.attributesOfItem(atPath: exe)[.modificationDate] as? Date) ?? nil
        let changed = (try? fm.attributesOfItem(atPath: src)[.modificationDate] as? Date) ?? nil
        if built == nil || (changed != nil && changed! > built!) {
            do {
                let r = try run("/bin/sh", [repoRoot.appendingPathComponent("Tools/oracles/build.sh").path, out.path])
                if r.status != 0 { return .failure(Missing(description: "Tools/oracles/build.sh failed (libxen-dev installed?): \(r.stderr)")) }
            } catch {
                return .failure(Missing(description: "cannot run Tools/oracles/build.sh: \(error)"))
            }
        }
        return .success(exe)
    }()

    /// Parses `text` as xl would; the JSON lines it printed, or the failure.
    static func xl(_ text: String, strings: [String] = []) throws -> (Run, [[String: Any]]) {
        let exe = try xlcfgCheck.get()
        let file = try temp("xen.cfg", text)
        defer { try? FileManager.default.removeItem(at: URL(fileURLWithPath: file).deletingLastPathComponent()) }
        let r = try run(exe, [file] + strings)
        let objects = r.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        return (r, objects)
    }

    static let virtXMLValidate = "/usr/bin/virt-xml-validate"

    /// Validates `hostdev` inside a minimal domain against libvirt's schema.
    static func libvirt(hostdev: String) throws -> Run {
        guard FileManager.default.isExecutableFile(atPath: virtXMLValidate),
              FileManager.default.isExecutableFile(atPath: "/usr/bin/xmllint") else {
            throw Missing(description: "virt-xml-validate or xmllint not found: install Debian's libvirt-clients and libxml2-utils")
        }
        let domain = "<domain type='kvm'><name>t</name><memory>1048576</memory><os><type arch='x86_64'>hvm</type></os><devices>\n"
            + hostdev + "</devices></domain>\n"
        let file = try temp("domain.xml", domain)
        defer { try? FileManager.default.removeItem(at: URL(fileURLWithPath: file).deletingLastPathComponent()) }
        return try run(virtXMLValidate, [file, "domain"])
    }

    static func temp(_ name: String, _ text: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vbios-passthrough-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// The message of the PassthroughError `body` throws; records an issue and returns "" when it
/// does not throw.
func refusal<T>(_ body: () throws -> T, sourceLocation: SourceLocation = #_sourceLocation) -> String {
    do {
        _ = try body()
        Issue.record("expected a refusal, got a result", sourceLocation: sourceLocation)
    } catch let error as PassthroughError {
        return error.message
    } catch {
        Issue.record("expected a PassthroughError, got \(error)", sourceLocation: sourceLocation)
    }
    return ""
}
