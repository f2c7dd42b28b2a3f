import Foundation
import Testing
import TestSupport

/// End-to-end tests of `vbios list`, `bars`, `dump` and `info ADDR` on the built binary: the fake
/// hosts of Fixtures/hosts (never written: a test that needs writes works on a copy) and this
/// machine's real /sys, checked against lspci.
enum HostCLI {
    /// The `vbios` built beside this test bundle.
    static let binary: String = {
        if let env = ProcessInfo.processInfo.environment["VBIOS_BIN"] { return env }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (exe as NSString).deletingLastPathComponent + "/vbios"
    }()

    struct Result { var status: Int32; var out: String; var err: String }

    static func run(_ args: [String], _ tool: String = binary) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        p.standardInput = FileHandle.nullDevice
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        Ledger.note(p)
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, out: String(decoding: o, as: UTF8.self), err: String(decoding: e, as: UTF8.self))
    }

    static func json(_ r: Result) throws -> Any { try JSONSerialization.jsonObject(with: Data(r.out.utf8)) }
}

@Suite(.serialized) struct HostCommandsOnFakeTrees {
    let h = Repository.hosts

    @Test func listEachHost() throws {
        let radeon = try HostCLI.run(["list", "--all", "--json", "--sysfs", h + "/radeon-hd7850"])
        #expect(radeon.status == 0, "\(radeon.err)")
        let devs = try HostCLI.json(radeon) as! [[String: Any]]
        #expect(devs.map { $0["address"] as! String } == ["0000:00:01.0", "0000:01:00.0", "0000:01:00.1"])
        let gpu = devs[1]
        #expect(gpu["vendorID"] as? String == "1002" && gpu["deviceID"] as? String == "6819" && gpu["classCode"] as? String == "030000")
        #expect(gpu["driver"] as? String == "radeon" && gpu["iommuGroup"] as? Int == 1 && gpu["bootVGA"] as? Bool == false)
        #expect((gpu["rom"] as? [String: Any])?["size"] as? Int == 0x20000)
        let bars = gpu["bars"] as! [[String: Any]]
        #expect(bars.map { $0["index"] as! Int } == [0, 2, 4])
        #expect(bars[0]["start"] as? Int == 0xC000_0000 && bars[0]["size"] as? Int == 256 << 20 && bars[0]["prefetchable"] as? Bool == true)

        let igd = try HostCLI.json(try HostCLI.run(["list", "--json", "--sysfs", h + "/intel-igd"])) as! [[String: Any]]
        #expect(igd.count == 1 && igd[0]["bootVGA"] as? Bool == true)
        #expect((igd[0]["rom"] as? [String: Any])?["shadowed"] as? Bool == true)

        let second = try HostCLI.run(["list", "--sysfs", h + "/second-card"])
        #expect(second.out.contains("0000:03:00.0  10de:2503") && second.out.contains("(boot VGA)"))
        #expect(!second.out.contains("02:00.0"), "bridges are not display devices")
    }

    @Test func barsOfTheSecondCard() throws {
        let r = try HostCLI.run(["bars", "03:00.0", "--json", "--sysfs", h + "/second-card"])
        #expect(r.status == 0, "\(r.err)")
        let j = try HostCLI.json(r) as! [String: Any]
        #expect(j["iomem"] as? [String] == ["f8000,1000", "7000000,10000", "7400000,2000"])
        #expect(j["ioports"] as? [String] == ["d000-d07f"])
        let rebar = j["resizableBARs"] as! [[String: Any]]
        #expect(rebar.first?["currentSize"] as? Int == 256 << 20)
        let text = try HostCLI.run(["bars", "0000:01:00.0", "--sysfs", h + "/radeon-hd7850"])
        #expect(text.out.contains("BAR 0: Memory at c0000000 (64-bit, prefetchable) [size=256M]"))
        #expect(text.out.contains("BAR 4: I/O ports at e000 [size=256]"))
        #expect(text.out.contains("iomem = [ \"c0000,10000\", \"fe800,40\" ]"))
    }

    @Test func dumpShadowedIGDSaysShadowCopy() throws {
        let tmp = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let out = tmp + "/igd.rom"
        let r = try HostCLI.run(["dump", "00:02.0", "-o", out, "--sysfs", h + "/intel-igd",
                                 "--dev-mem", h + "/intel-igd/dev-mem", "--dev-mem-base", "0xc0000"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.contains("SHADOW COPY") && r.out.contains("shadow-copy"))
        #expect(r.out.contains("kept sysfs") && r.out.contains("shadow scored"))
        #expect(FileManager.default.contents(atPath: out)?.count == 0x10000)
        // The shadow alone: a bad checksum (the VGA BIOS wrote into itself), so its verdict is
        // fail: not written (exit 1, broken-rom) unless --allow-broken.
        let shadow = ["dump", "00:02.0", "-o", tmp + "/shadow.rom", "--source", "shadow", "--json",
                      "--dev-mem", h + "/intel-igd/dev-mem", "--dev-mem-base", "0xc0000", "--sysfs", h + "/intel-igd"]
        let refused = try HostCLI.run(shadow)
        let e = try #require(try HostCLI.json(refused) as? [String: Any])["error"] as? [String: Any]
        #expect(refused.status == 1 && e?["code"] as? String == "broken-rom" && e?["path"] as? String == tmp + "/shadow.rom")
        #expect(!FileManager.default.fileExists(atPath: tmp + "/shadow.rom"))
        let s = try HostCLI.run(shadow + ["--allow-broken"])
        #expect(s.status == 0 && s.err.contains("written anyway"), "\(s.err)")
        let j = try #require(try HostCLI.json(s) as? [String: Any])
        let codes = (j["findings"] as! [[String: Any]]).map { $0["code"] as! String }
        #expect(j["source"] as? String == "shadow" && codes.contains("shadow-copy") && codes.contains("checksum-mismatch"))
        // The evidence adds up: read from shadow RAM, and its checksum is stale.
        let evidence = (j["findings"] as! [[String: Any]]).first { $0["code"] as? String == "runtime-modified" }
        #expect((evidence?["message"] as? String)?.contains("shadow") == true, "\(codes)")
    }

    @Test func dumpRefusesToOverwrite() throws {
        let tmp = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let out = tmp + "/card.rom"
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: out))
        let args = ["dump", "01:00.0", "-o", out, "--sysfs", h + "/radeon-hd7850"]
        let r = try HostCLI.run(args)
        #expect(r.status != 0 && r.err.contains("--force"))
        #expect(String(decoding: FileManager.default.contents(atPath: out)!, as: UTF8.self) == "keep me")
        let forced = try HostCLI.run(args + ["--force"])
        #expect(forced.status == 0, "\(forced.err)")
        #expect(FileManager.default.contents(atPath: out)?.prefix(2) == Data([0x55, 0xAA]))
        #expect(forced.out.contains("1002:6819") && forced.out.contains("checksum ok"))
    }

    @Test func dumpFailureLeavesNoFile() throws {
        let tmp = try FakeHost("radeon-hd7850").dir
        defer { try? FileManager.default.removeItem(atPath: tmp) }
                let rom = tmp + "/host/devices/pci0000:00/0000:00:01.0/0000:01:00.0/rom"
        try FileManager.default.removeItem(atPath: rom)
        try FileManager.default.createDirectory(atPath: rom, withIntermediateDirectories: false)
        try FileManager.default.createDirectory(atPath: tmp + "/out", withIntermediateDirectories: false)
        let r = try HostCLI.run(["dump", "01:00.0", "-o", tmp + "/out/card.rom", "--sysfs", tmp + "/host"])
        #expect(r.status == 2 && r.err.contains("is a directory"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp + "/out").isEmpty)
        // A ROM file holding no image.
        try FileManager.default.removeItem(atPath: rom)
        try Data(repeating: 0xFF, count: 4096).write(to: URL(fileURLWithPath: rom))
        let none = try HostCLI.run(["dump", "01:00.0", "-o", tmp + "/out/card.rom", "--sysfs", tmp + "/host"])
        #expect(none.status == 2 && none.err.contains("no option ROM image"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp + "/out").isEmpty)
    }

    @Test func errorsAUserMeets() throws {
        let bad = try HostCLI.run(["bars", "1:00.0", "--sysfs", h + "/radeon-hd7850"])
        // A malformed address is a command-line mistake: the reason, the usage, exit 64 (EX_USAGE).
        #expect(bad.status == 64 && bad.err.contains("not a PCI address") && bad.err.contains("DDDD:BB:DD.F") && bad.err.contains("Usage: vbios bars"),
                "\(bad.err)")
        let missing = try HostCLI.run(["dump", "05:00.0", "-o", "/tmp/never-written.rom", "--sysfs", h + "/radeon-hd7850"])
        #expect(missing.status == 2 && missing.err.contains("no PCI device 0000:05:00.0") && missing.err.contains("vbios list --all"))
        let noROM = try HostCLI.run(["dump", "01:00.1", "-o", "/tmp/never-written.rom", "--sysfs", h + "/radeon-hd7850"])
        #expect(noROM.status == 2 && noROM.err.contains("no ROM resource"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never-written.rom"))
        let infoBad = try HostCLI.run(["info", "01:0.0"])
        #expect(infoBad.status == 2 && infoBad.err.contains("not a PCI address"))
    }

    @Test func infoReadsADevice() throws {
        let r = try HostCLI.run(["info", "01:00.0", "--json", "--sysfs", h + "/radeon-hd7850"])
        #expect(r.status == 0, "\(r.err)")
        let j = try HostCLI.json(r) as! [String: Any]
        #expect(j["file"] as? String == "0000:01:00.0 (sysfs)")
        #expect((j["vendorInfo"] as? [String: Any])?["partNumber"] as? String == "113-C2260100-101")
        let efi = try HostCLI.run(["info", "03:00.0", "--sysfs", h + "/second-card"])
        #expect(efi.out.contains("2 images") && efi.out.contains("EFI"))
    }

    /// Last in this serialized suite: nothing above wrote into the committed trees.
    @Test func fixturesUnchanged() throws {
        let git = try HostCLI.run(["-C", Repository.root, "status", "--porcelain", "--", "Fixtures/hosts"], "/usr/bin/git")
        try #require(git.status == 0, "git unavailable: \(git.err)")
        #expect(git.out.isEmpty, "Fixtures/hosts changed: \(git.out)")
    }
}

@Suite struct HostCommandsOnThisMachine {
    /// `vbios list --all --json` on the real /sys agrees with the directory and with lspci.
    @Test func listAgreesWithSysfsAndLspci() throws {
        let r = try HostCLI.run(["list", "--all", "--json"])
        #expect(r.status == 0, "\(r.err)")
        let devs = try HostCLI.json(r) as! [[String: Any]]
        let byAddress = Dictionary(uniqueKeysWithValues: devs.map { ($0["address"] as! String, $0) })
        let dir = ((try? FileManager.default.contentsOfDirectory(atPath: "/sys/bus/pci/devices")) ?? []).sorted()
        // No device, nothing compared: a failure under CI=true, a skip elsewhere.
        try Prerequisite.require(!dir.isEmpty, "PCI devices in /sys/bus/pci/devices (a container without /sys?)")
        #expect(devs.map { $0["address"] as! String } == dir)
        func attr(_ a: String, _ n: String) -> String {
            let s = (try? String(contentsOfFile: "/sys/bus/pci/devices/\(a)/\(n)", encoding: .utf8)) ?? ""
            return String(s.trimmingCharacters(in: .whitespacesAndNewlines).dropFirst(2))
        }
        for a in dir {
            let d = try #require(byAddress[a])
            #expect(d["vendorID"] as? String == attr(a, "vendor"))
            #expect(d["deviceID"] as? String == attr(a, "device"))
            #expect(d["classCode"] as? String == attr(a, "class"))
        }

        // lspci -vmmnn: IDs, class and names per device.
        try Prerequisite.require(files: ["/usr/bin/lspci"], "Debian's pciutils")
        let mm = try HostCLI.run(["-vmmnn", "-D"], "/usr/bin/lspci")
        var named = 0
        for block in mm.out.components(separatedBy: "\n\n") where !block.isEmpty {
            named += 1
            var f: [String: String] = [:]
            for line in block.split(separator: "\n") {
                let kv = line.split(separator: "\t", maxSplits: 1)
                if kv.count == 2 { f[String(kv[0].dropLast())] = String(kv[1]) }
            }
            let d = try #require(byAddress[f["Slot"] ?? ""], "lspci lists \(f["Slot"] ?? "?") which vbios did not")
            func split(_ s: String?) -> (name: String, id: String) {
                guard let s, let open = s.lastIndex(of: "[") else { return ("", "") }
                return (String(s[..<open]).trimmingCharacters(in: .whitespaces), String(s[s.index(after: open)...].dropLast()))
            }
            let vendor = split(f["Vendor"]), device = split(f["Device"]), cls = split(f["Class"])
            #expect(d["vendorID"] as? String == vendor.id && d["deviceID"] as? String == device.id)
            #expect((d["classCode"] as? String)?.hasPrefix(cls.id) == true)
            #expect((d["vendorName"] as? String ?? "Vendor") == vendor.name)
            #expect((d["deviceName"] as? String ?? "Device") == device.name)
        }

        // lspci -vv: every Region line's start and size.
        let vv = try HostCLI.run(["-vv", "-D"], "/usr/bin/lspci")
        var current: String?
        var checked = 0
        for line in vv.out.split(separator: "\n").map(String.init) {
            if !line.hasPrefix("\t") && !line.isEmpty { current = String(line.prefix { $0 != " " }); continue }
            guard let a = current, let range = line.range(of: "Region ") else { continue }
            let rest = line[range.upperBound...]
            let index = Int(rest.prefix { $0.isNumber })!
            let bar = (byAddress[a]?["bars"] as? [[String: Any]])?.first { $0["index"] as? Int == index }
            let b = try #require(bar, "\(a) BAR \(index) is in lspci but not in vbios list")
            let start = rest.range(of: " at ").map { rest[$0.upperBound...].prefix { $0.isHexDigit } }.map(String.init)
            let size = rest.range(of: "[size=").map { rest[$0.upperBound...].prefix { $0 != "]" } }.map(String.init)
            #expect(start.flatMap { Int($0, radix: 16) } == b["start"] as? Int, "\(a): \(line)")
            #expect(size == lspciSize(b["size"] as! Int), "\(a): \(line)")
            #expect(line.contains("I/O ports") == (b["kind"] as? String == "io"))
            if line.contains("Memory") { #expect(line.contains("64-bit") == (b["is64Bit"] as? Bool == true)) }
            checked += 1
        }
        #expect(named == dir.count, "lspci described \(named) devices, /sys has \(dir.count)")
        #expect(checked == devs.reduce(0) { $0 + ($1["bars"] as! [Any]).count })
        #expect(checked > 0, "no BAR compared with lspci on \(dir.count) devices")
    }

    func lspciSize(_ n: Int) -> String {
        for (u, s) in [(1 << 30, "G"), (1 << 20, "M"), (1 << 10, "K")] where n >= u && n % u == 0 { return "\(n / u)\(s)" }
        return "\(n)"
    }
}
