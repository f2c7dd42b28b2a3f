import Foundation
import Testing
import TestSupport

/// What the tool promises when things go wrong (Docs/promises.md), checked on the built binaries:
/// the fuzz regressions replay without a trap; sysfs faults injected through the test-only
/// `VBIOS_TEST_SYSFS_ROM` hook (TestSeams' `RecordingHostIO`) give a clear error, restore the ROM enable
/// and leave no output; SIGINT/SIGTERM mid-dump likewise; outputs never follow a planted symlink
/// and are 0644 whatever the umask; no source runs a shell.
enum Robust {
    /// The rom attribute of 01:00.0 inside a copy of the radeon host, as the tool names it.
    static let romInCopy = "/host/bus/pci/devices/0000:01:00.0/rom"

    /// A product built beside the test bundle (`swift build` builds every product).
    static func product(_ name: String) -> String? {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = (exe as NSString).deletingLastPathComponent
        for _ in 0..<6 {
            let c = dir + "/" + name
            if FileManager.default.isExecutableFile(atPath: c) { return c }
            dir = (dir as NSString).deletingLastPathComponent
        }
        return nil
    }

    struct Result { var status: Int32; var reason: Process.TerminationReason; var out: String; var err: String }

    /// Runs `tool` with `env` added; `whileRunning` gets the process (to signal it) before the wait.
    static func run(_ args: [String], tool: String? = nil, env: [String: String] = [:],
                    whileRunning: ((Process) -> Void)? = nil) throws -> Result {
        let path = try #require(tool ?? product("vbios"), "vbios not built next to the tests; run `swift build`")
        let dir = NSTemporaryDirectory() + "vbios-robust-io-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = FileManager.default.createFile(atPath: dir + "/out", contents: nil)
        _ = FileManager.default.createFile(atPath: dir + "/err", contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/out"))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/err"))
        defer { try? out.close(); try? err.close() }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        var e = ProcessInfo.processInfo.environment
        e["SWIFT_BACKTRACE"] = "enable=no"
        for (k, v) in env { e[k] = v }
        p.environment = e
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = out
        p.standardError = err
        Ledger.note(p)
        try p.run()
        whileRunning?(p)
        p.waitUntilExit()
        return Result(status: p.terminationStatus, reason: p.terminationReason,
                      out: (try? String(contentsOfFile: dir + "/out", encoding: .utf8)) ?? "",
                      err: (try? String(contentsOfFile: dir + "/err", encoding: .utf8)) ?? "")
    }

    /// A temporary directory holding `host/` (a copy of the radeon tree) and an empty `out/`.
    static func hostCopy() throws -> String {
        let d = try FakeHost("radeon-hd7850").dir
        try FileManager.default.createDirectory(atPath: d + "/out", withIntermediateDirectories: true)
        return d
    }

    static func contents(_ dir: String) -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] }
    static func text(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
}

@Suite struct FuzzRegressions {
    /// Every replay tool over every saved input: each must return normally (no trap, exit 0).
    @Test(arguments: ["fuzz-parse", "fuzz-patch", "fuzz-diff", "fuzz-scan", "fuzz-bytes", "fuzz-efi-decompress", "fuzz-firmware", "fuzz-decompress", "fuzz-aml"])
    func replay(_ target: String) throws {
        let tool = try #require(Robust.product(target), "\(target) not built next to the tests; run `swift build`")
        let dir = Repository.root + "/Fuzz/regressions"
        let files = Robust.contents(dir).filter { !$0.hasPrefix(".") }.sorted().map { dir + "/" + $0 }
        #expect(!files.isEmpty)
        for f in files {
            let r = try Robust.run([f], tool: tool)
            #expect(r.reason == .exit && r.status == 0, "\(target) \(f): \(r.err.prefix(2000))")
        }
    }
}

@Suite struct SysfsFaults {
    let addr = "01:00.0"

    func dump(_ d: String, _ hook: String, json: Bool = false, extra: [String] = []) throws -> Robust.Result {
        try Robust.run(["dump", addr, "-o", d + "/out/card.rom", "--source", "sysfs", "--sysfs", d + "/host"]
                       + (json ? ["--json"] : []) + extra,
                       env: ["VBIOS_TEST_SYSFS_ROM": hook])
    }

    @Test func disabledROMIsEnabledThenDisabled() throws {
        let d = try Robust.hostCopy(); defer { try? FileManager.default.removeItem(atPath: d) }
        let r = try dump(d, "disabled,log=\(d)/writes")
        #expect(r.status == 0, "\(r.err)")
        // The chooser reads twice; each read enables and disables again.
        #expect(Robust.text(d + "/writes") == "1\n0\n1\n0\n")
        #expect(Robust.contents(d + "/out") == ["card.rom"])
        // The hook never writes the tree: the fake rom still holds the image.
        #expect(FileManager.default.contents(atPath: d + Robust.romInCopy)?.prefix(2) == Data([0x55, 0xAA]))
    }

    @Test(arguments: [
        ("fail=EIO", ["EIO", "--source shadow", "unbind"]),
        ("fail=EACCES", ["EACCES", "sudo"]),
        ("fail=ENODEV", ["ENODEV", "vbios list"]),
        ("disabled,fail-enabled=EIO", ["EIO", "unbind"]),
        ("disabled,fail-enabled=EINVAL", ["disabled", "--source rombar"]),
        ("disabled,fail-enabled=ENODEV,vanish", ["went away", "vbios list", "could not disable"]),
    ])
    func failedReadSaysWhatAndLeavesNothing(_ hook: String, _ words: [String]) throws {
        let d = try Robust.hostCopy(); defer { try? FileManager.default.removeItem(atPath: d) }
        let r = try dump(d, hook + ",log=\(d)/writes")
        #expect(r.reason == .exit && r.status == 2, "\(hook): \(r.err)")
        #expect(r.err.contains(d + Robust.romInCopy), "\(hook): the path is named: \(r.err)")
        for w in words { #expect(r.err.contains(w), "\(hook): '\(w)' in: \(r.err)") }
        #expect(Robust.contents(d + "/out").isEmpty, "\(hook): no output, no temporary file")
        // Every enable was followed by a disable.
        let writes = Robust.text(d + "/writes").split(separator: "\n")
        #expect(writes.count % 2 == 0 && stride(from: 0, to: writes.count, by: 2).allSatisfy { writes[$0] == "1" && writes[$0 + 1] == "0" },
                "\(hook): \(writes)")
        #expect(hook.hasPrefix("disabled") ? !writes.isEmpty : writes.isEmpty, "\(hook): \(writes)")
    }

    @Test func readsThatDifferAreFlagged() throws {
        let d = try Robust.hostCopy(); defer { try? FileManager.default.removeItem(atPath: d) }
        // The hook changes bytes, so the kept read's checksum fails: refused without --allow-broken.
        #expect(try dump(d, "change", json: true).status == 1)
        let r = try dump(d, "change", json: true, extra: ["--allow-broken"])
        #expect(r.status == 0, "\(r.err)")
        let j = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: Any]
        let codes = (j["findings"] as! [[String: Any]]).map { $0["code"] as! String }
        #expect(codes.contains("unstable-read"))
        #expect((j["reason"] as? String)?.contains("two reads differed") == true)
    }

    @Test func shortReadIsReportedNotHidden() throws {
        let d = try Robust.hostCopy(); defer { try? FileManager.default.removeItem(atPath: d) }
        let full = try dump(d, "", json: true)
        let fullSize = (try? FileManager.default.attributesOfItem(atPath: d + "/out/card.rom")[.size] as? Int) ?? nil
        // Half a ROM fails verification: it is refused (exit 1, code broken-rom) and nothing is
        // written, unless --allow-broken, which writes it and says what is wrong with it.
        let refused = try dump(d, "short", json: true, extra: ["--force"])
        #expect(refused.status == 1 && refused.out.contains("\"broken-rom\""), "\(refused.out)")
        let keptSize = (try? FileManager.default.attributesOfItem(atPath: d + "/out/card.rom")[.size] as? Int) ?? nil
        #expect(fullSize != nil && keptSize == fullSize, "the refused read replaced the earlier file")
        let r = try dump(d, "short", json: true, extra: ["--force", "--allow-broken"])
        #expect(full.status == 0 && r.status == 0, "\(r.err)")
        let j = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: Any]
        let codes = (j["findings"] as! [[String: Any]]).map { $0["code"] as! String }
        // Half a ROM: the parser says the image runs past the end.
        #expect(codes.contains("truncated"), "\(codes)")
        let size = (try FileManager.default.attributesOfItem(atPath: d + "/out/card.rom")[.size] as? Int) ?? 0
        #expect(size == (j["size"] as? Int))
    }

    @Test func infoOnAFailingDevice() throws {
        let d = try Robust.hostCopy(); defer { try? FileManager.default.removeItem(atPath: d) }
        let r = try Robust.run(["info", addr, "--source", "sysfs", "--sysfs", d + "/host"], env: ["VBIOS_TEST_SYSFS_ROM": "fail=EIO"])
        #expect(r.status == 2 && r.err.contains("EIO") && r.err.contains(d + Robust.romInCopy), "\(r.err)")
    }

    /// list and bars read config, resource and links, not the rom: damage those in a copy.
    @Test func brokenAttributesOfListAndBars() throws {
        let d = try Robust.hostCopy(); defer { try? FileManager.default.removeItem(atPath: d) }
        let dev = d + "/host/devices/pci0000:00/0000:00:01.0/0000:01:00.0"
        // resource is a directory (EISDIR), config is cut short.
        try FileManager.default.removeItem(atPath: dev + "/resource")
        try FileManager.default.createDirectory(atPath: dev + "/resource", withIntermediateDirectories: false)
        let config = try #require(FileManager.default.contents(atPath: dev + "/config"))
        try config.prefix(10).write(to: URL(fileURLWithPath: dev + "/config"))
        for args in [["list", "--all"], ["list", "--all", "--json"], ["bars", addr], ["bars", addr, "--json"]] {
            let r = try Robust.run(args + ["--sysfs", d + "/host"])
            #expect(r.reason == .exit && (r.status == 0 || r.status == 2), "\(args): \(r.err)")
            if r.status == 2 { #expect(r.err.contains(d + "/host"), "\(args): the path is named: \(r.err)") }
        }
        // The device vanished (its directory gone, the bus link dangling).
        try FileManager.default.removeItem(atPath: dev)
        let gone = try Robust.run(["bars", addr, "--sysfs", d + "/host"])
        #expect(gone.status == 2 && gone.err.contains("0000:01:00.0") && gone.err.contains("vbios list"), "\(gone.err)")
        let dumpGone = try Robust.run(["dump", addr, "-o", d + "/out/x.rom", "--sysfs", d + "/host"])
        #expect(dumpGone.status == 2 && Robust.contents(d + "/out").isEmpty)
        // A device removed during `vbios bind`: DriverBindingTests.aDeviceRemovedMidBindRollsBackAndSaysSo.
    }
}

@Suite(.serialized) struct Interrupts {
    /// SIGINT or SIGTERM while the enabled ROM is being read: the read finishes (signals are
    /// held while the device is changed), the ROM is disabled again, then the process dies of the
    /// signal with no output and no temporary file.
    @Test(arguments: [SIGINT, SIGTERM])
    func signalMidDump(_ sig: Int32) throws {
        let d = try Robust.hostCopy(); defer { try? FileManager.default.removeItem(atPath: d) }
        let log = d + "/writes"
        let r = try Robust.run(["dump", "01:00.0", "-o", d + "/out/card.rom", "--source", "sysfs", "--sysfs", d + "/host"],
                               env: ["VBIOS_TEST_SYSFS_ROM": "disabled,delay-ms=700,log=\(log)"]) { p in
            // Wait for the enable, then signal during the slow enabled read.
            for _ in 0..<300 where !Robust.text(log).hasPrefix("1") { usleep(20_000) }
            usleep(200_000)
            kill(p.processIdentifier, sig)
        }
        #expect(Robust.text(log) == "1\n0\n", "enable, then disable, and nothing after the signal")
        let died = (r.reason == .uncaughtSignal && r.status == sig) || (r.reason == .exit && r.status == 128 + sig)
        #expect(died, "reason \(r.reason) status \(r.status): \(r.err)")
        #expect(Robust.contents(d + "/out").isEmpty, "no output and no .vbios-* temporary file")
    }
}

@Suite struct OutputSafety {
    let rom = Repository.roms + "/bad-checksum.rom"

    @Test func plantedSymlinkIsNeverWrittenThrough() throws {
        let d = try Robust.hostCopy(); defer { try? FileManager.default.removeItem(atPath: d) }
        let victim = d + "/victim"
        try Data("precious".utf8).write(to: URL(fileURLWithPath: victim))
        let out = d + "/out/fixed.rom"
        try FileManager.default.createSymbolicLink(atPath: out, withDestinationPath: victim)
        let refused = try Robust.run(["patch", rom, "-o", out, "--fix-checksum"])
        #expect(refused.status != 0 && refused.err.contains("--force"), "\(refused.err)")
        #expect(Robust.text(victim) == "precious")
        let forced = try Robust.run(["patch", rom, "-o", out, "--fix-checksum", "--force"])
        #expect(forced.status == 0, "\(forced.err)")
        #expect(Robust.text(victim) == "precious", "the link's target is untouched")
        let attrs = try FileManager.default.attributesOfItem(atPath: out)
        #expect(attrs[.type] as? FileAttributeType == .typeRegular, "the link itself was replaced")
        #expect(Robust.contents(d + "/out") == ["fixed.rom"])
        // dump too, with a dangling link at the output.
        let dumped = d + "/out/dump.rom"
        try FileManager.default.createSymbolicLink(atPath: dumped, withDestinationPath: d + "/elsewhere")
        let r = try Robust.run(["dump", "01:00.0", "-o", dumped, "--sysfs", d + "/host"])
        #expect(r.status != 0 && !FileManager.default.fileExists(atPath: d + "/elsewhere"))
    }

    @Test func outputsAre0644WhateverTheUmask() throws {
        let d = try Robust.hostCopy(); defer { try? FileManager.default.removeItem(atPath: d) }
        let vbios = try #require(Robust.product("vbios"))
        for mask in ["022", "077", "000"] {
            let out = d + "/out/m\(mask).rom"
            let r = try Robust.run(["-c", "umask \(mask); exec \"$0\" \"$@\"", vbios, "patch", rom, "-o", out, "--fix-checksum"], tool: "/bin/sh")
            #expect(r.status == 0, "\(r.err)")
            let perms = try FileManager.default.attributesOfItem(atPath: out)[.posixPermissions] as? Int
            #expect(perms == 0o644, "umask \(mask): \(String(perms ?? 0, radix: 8))")
        }
    }

    @Test(arguments: ["../01:00.0", "01:00.0/../..", "0000:01:00.0/", String(repeating: "0", count: 5000) + ":01:00.0",
                      "０１:00.0", "٠١:00.0", "01:00.0\u{200B}", "01:00.0 ; rm -rf /", "$(id):00.0", "-01:00.0"])
    func hostileAddressesAreRefused(_ address: String) throws {
        let r = try Robust.run(["bars", "--sysfs", (Repository.hosts + "/radeon-hd7850"), "--", address])
        #expect(r.status == 64 && r.err.contains("not a PCI address"), "\(address.prefix(40)): \(r.err.prefix(300))")
        #expect(r.err.count < 2000, "the error does not echo a huge input back whole")
    }

    /// No source runs a shell: nothing a user types can become a command.
    @Test func noShellInSources() throws {
        let e = FileManager.default.enumerator(atPath: Repository.root + "/Sources")!
        var hits: [String] = []
        while let f = e.nextObject() as? String {
            guard f.hasSuffix(".swift") || f.hasSuffix(".c") || f.hasSuffix(".h") else { continue }
            let text = Robust.text(Repository.root + "/Sources/" + f)
            // A call, not a name that ends in one (`statedSubsystem(` is no `system(`).
            for needle in ["system(", "popen(", "/bin/sh", "\"sh\"", "execvp", "execl(", "posix_spawn", "Process()"] {
                let pattern = "(?<![A-Za-z0-9_])" + NSRegularExpression.escapedPattern(for: needle)
                if text.range(of: pattern, options: .regularExpression) != nil { hits.append("\(f): \(needle)") }
            }
        }
        #expect(hits.isEmpty, "\(hits)")
    }
}
