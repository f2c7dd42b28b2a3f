import Foundation
import Testing
import TestSupport
import Core

extension Tag {
    /// Hostile inputs and interruptions (issue 15): `swift test --filter Adversarial` runs the tier.
    @Tag static var adversarial: Self
}

/// The adversarial tier: each test is one class of hostile input or interruption that once
/// crashed, hung, leaked a file or lied, run on the built binary under a hard timeout (a hang
/// shows as status 124, never as a stuck test run).
enum Hostile {
    /// `VBIOS_UNDER_TEST` names another binary (to show a class failing on an older build).
    static let vbios = ProcessInfo.processInfo.environment["VBIOS_UNDER_TEST"] ?? Robust.product("vbios")

    /// Runs vbios under `timeout -s KILL`, so a hang fails the test instead of blocking it.
    static func run(_ args: [String], env: [String: String] = [:], seconds: Int = 30,
                    whileRunning: ((Process) -> Void)? = nil) throws -> Robust.Result {
        let path = try #require(vbios, "vbios not built next to the tests; run `swift build`")
        return try Robust.run(["-s", "KILL", String(seconds), path] + args, tool: "/usr/bin/timeout", env: env,
                              whileRunning: whileRunning)
    }

    /// A fresh directory, removed by the caller.
    static func directory() throws -> String { try FakeHost.temporaryDirectory() }

    static func fifo(_ path: String) { #expect(mkfifo(path, 0o600) == 0, "mkfifo \(path)") }

    /// A copy of a fixture host tree under `d/host`.
    static func host(_ d: String, _ name: String = "radeon-hd7850") throws -> String {
        try FakeHost.copy(name, into: d)
    }

    static let gpu = "/devices/pci0000:00/0000:00:01.0/0000:01:00.0"
}

@Suite(.tags(.adversarial)) struct NotFilesAsInputs {
    /// A FIFO given where a ROM or blob is expected: refused at once, never waited on.
    @Test(arguments: [["info"], ["verify"], ["scan"], ["patch", "--fix-checksum", "-o", "OUT"], ["diff", "FIXTURE"]])
    func fifoInputIsRefused(_ command: [String]) throws {
        let d = try Hostile.directory(); defer { try? FileManager.default.removeItem(atPath: d) }
        Hostile.fifo(d + "/in.rom")
        let args = [command[0], d + "/in.rom"] + command.dropFirst().map {
            $0 == "OUT" ? d + "/out.rom" : $0 == "FIXTURE" ? CLI.fixture("amd") : $0
        }
        let r = try Hostile.run(args, seconds: 20)
        #expect(r.status != 124 && r.status != 9, "\(args) hung on a FIFO")
        #expect(r.status != 0)
        #expect(r.err.contains("FIFO") || r.out.contains("FIFO"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: d + "/out.rom"))
    }

    /// A character device never ends: scan refuses it instead of reading forever.
    @Test(arguments: ["/dev/zero", "/dev/urandom"])
    func characterDeviceIsRefused(_ device: String) throws {
        let r = try Hostile.run(["scan", device], seconds: 20)
        #expect(r.status == 2, "status \(r.status)")
        #expect(r.err.contains("character device"), "\(r.err)")
    }

    /// A FIFO as a ROM attribute of a fake sysfs tree.
    @Test func fifoAsROMAttribute() throws {
        let d = try Hostile.directory(); defer { try? FileManager.default.removeItem(atPath: d) }
        let host = try Hostile.host(d)
        let rom = host + Hostile.gpu + "/rom"
        unlink(rom)
        Hostile.fifo(rom)
        let r = try Hostile.run(["dump", "01:00.0", "-o", d + "/card.rom", "--source", "sysfs", "--sysfs", host], seconds: 20)
        #expect(r.status != 124 && r.status != 9, "dump hung on a FIFO rom attribute")
        #expect(r.status != 0)
        #expect(r.err.contains("not a regular file"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: d + "/card.rom"))
    }

    /// A FIFO as an identity attribute: list (libpci) and doctor must not block on it.
    @Test(arguments: ["vendor", "class", "config", "enable"])
    func fifoAsIdentityAttribute(_ attribute: String) throws {
        let d = try Hostile.directory(); defer { try? FileManager.default.removeItem(atPath: d) }
        let host = try Hostile.host(d)
        unlink(host + Hostile.gpu + "/" + attribute)
        Hostile.fifo(host + Hostile.gpu + "/" + attribute)
        for args in [["list", "--sysfs", host], ["bars", "01:00.0", "--sysfs", host]] {
            let r = try Hostile.run(args, seconds: 20)
            #expect(r.status != 124 && r.status != 9, "\(args) hung on a FIFO \(attribute)")
        }
        // doctor reads ROOT/sys: the tree moved under a fake root.
        let root = d + "/root"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: host, toPath: root + "/sys")
        Hostile.fifo(root + "/proc-cmdline-fifo")
        try FileManager.default.createDirectory(atPath: root + "/proc", withIntermediateDirectories: true)
        Hostile.fifo(root + "/proc/cmdline")
        let r = try Hostile.run(["doctor", "--root", root], seconds: 20)
        #expect(r.status != 124 && r.status != 9, "doctor hung on a FIFO \(attribute)")
    }
}

/// One signal policy for every command that writes (issue 15): SIGINT, SIGTERM, SIGHUP and
/// SIGQUIT during a write remove the temporary file and end the process by the signal, even when
/// the parent handed the signals down blocked. `VBIOS_TEST_PAUSE` (debug builds only) holds the
/// process at a known point: `write` once the temporary file exists, `read` once an input is read.
@Suite(.serialized, .tags(.adversarial)) struct SignalPolicy {
    static func died(_ r: Robust.Result, of sig: Int32) -> Bool {
        (r.reason == .uncaughtSignal && r.status == sig) || (r.reason == .exit && r.status == 128 + sig)
    }

    /// Runs `args` (OUT and HOST replaced), pauses at `stage`, sends `sig`; returns the result and the out dir's entries.
    static func interrupt(_ args: [String], stage: String, sig: Int32, blockedByParent: Bool = false,
                          backtracer: Bool = false, pause: Int = 30) throws -> (Robust.Result, [String]) {
        let d = try Hostile.directory(); defer { try? FileManager.default.removeItem(atPath: d) }
        let out = d + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let host = try Hostile.host(d)
        let marker = d + "/paused"
        let vbios = try #require(Hostile.vbios)
        let expanded = args.map { $0.replacingOccurrences(of: "OUT", with: out).replacingOccurrences(of: "HOST", with: host) }
        var env = ["VBIOS_TEST_PAUSE": stage + ":" + marker + ":" + String(pause)]
        if backtracer { env["SWIFT_BACKTRACE"] = "enable=yes,interactive=no" }
        // python3 blocks the signals and execs vbios (same pid), as a parent with a blocked mask would.
        let block = "import os, signal, sys; signal.pthread_sigmask(signal.SIG_BLOCK, {1, 2, 3, 15}); os.execv(sys.argv[1], sys.argv[1:])"
        let r = try Robust.run(blockedByParent ? ["-c", block, vbios] + expanded : expanded,
                               tool: blockedByParent ? "/usr/bin/python3" : vbios, env: env) { p in
            for _ in 0..<1000 where !FileManager.default.fileExists(atPath: marker) { usleep(10_000) }
            kill(p.processIdentifier, sig)
        }
        #expect(FileManager.default.fileExists(atPath: marker), "the command never reached \(stage)")
        return (r, Robust.contents(out))
    }

    static let writers: [[String]] = [
        ["patch", CLI.fixture("amd"), "--fix-checksum", "-o", "OUT/patched.rom"],
        ["scan", CLI.fixture("amd"), "--extract", "OUT"],
        ["dump", "01:00.0", "--source", "sysfs", "--sysfs", "HOST", "-o", "OUT/card.rom"],
    ]

    @Test(arguments: writers, [SIGINT, SIGTERM, SIGHUP, SIGQUIT])
    func signalMidWriteLeavesNothing(_ args: [String], _ sig: Int32) throws {
        let (r, left) = try Self.interrupt(args, stage: "write", sig: sig)
        #expect(Self.died(r, of: sig), "\(args[0]): reason \(r.reason) status \(r.status): \(r.err)")
        #expect(left.isEmpty, "\(args[0]) left \(left)")
    }

    /// prepare holds the signals while it places its set (all or nothing): the signal takes
    /// effect once the set is whole, with no staging folder or temporary file left.
    @Test(arguments: [SIGINT, SIGTERM, SIGHUP, SIGQUIT])
    func signalMidPrepareLeavesAWholeSet(_ sig: Int32) throws {
        let args = ["prepare", "01:00.0", "--for", "qemu", "--out", "OUT", "--rom", CLI.fixture("amd"), "--retarget", "--sysfs", "HOST"]
        let (r, left) = try Self.interrupt(args, stage: "write", sig: sig, pause: 1)
        #expect(Self.died(r, of: sig), "reason \(r.reason) status \(r.status): \(r.err)")
        #expect(left.allSatisfy { !$0.hasPrefix(".") }, "left \(left)")
        #expect(left.contains("bios.bin"), "\(left)")
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func signalsBlockedByTheParentAreUnblocked(_ sig: Int32) throws {
        let (r, left) = try Self.interrupt(Self.writers[0], stage: "write", sig: sig, blockedByParent: true)
        #expect(Self.died(r, of: sig), "reason \(r.reason) status \(r.status): \(r.err)")
        #expect(left.isEmpty, "left \(left)")
    }

    /// With Swift's backtracer on (the default outside tests), SIGQUIT used to print a backtrace
    /// and let the command go on.
    @Test(arguments: [["scan", CLI.fixture("amd")], ["verify", CLI.fixture("amd")],
                      ["patch", CLI.fixture("amd"), "--fix-checksum", "-o", "OUT/patched.rom"]])
    func sigquitStopsReaders(_ args: [String]) throws {
        let (r, left) = try Self.interrupt(args, stage: "read", sig: SIGQUIT, backtracer: true)
        #expect(Self.died(r, of: SIGQUIT), "\(args[0]): reason \(r.reason) status \(r.status)")
        #expect(left.isEmpty)
    }
}

/// The test seams exist only in debug builds: the release binary (built by Tools/test.sh before
/// the tests) neither reads `VBIOS_TEST_SYSFS_ROM` nor contains its name. A release binary older
/// than any source (the release build failed, or was never rerun) would judge old code: missing
/// or stale is a failure under CI=true and a skip elsewhere, never a pass.
@Suite(.tags(.adversarial)) struct ReleaseHasNoSeams {
    static let release = Repository.root + "/.build/release/vbios"

    /// Files under Sources/ that are not the project's sources: `Tools/install.sh` (the package
    /// tier, which runs before `swift test` in Tools/test.sh) writes the git-ignored version file.
    static let generated: Set<String> = ["vbios/BuildVersion.swift"]

    /// The newest modification time of Package.swift and every source file under Sources/ and
    /// Tests/TestSeams (compiled into the release binary too, empty there) (files only: a folder's
    /// time moves when a generated file appears in it).
    static func newestSource() -> Date {
        let fm = FileManager.default
        var newest = (try? fm.attributesOfItem(atPath: Repository.root + "/Package.swift")[.modificationDate] as? Date) ?? .distantFuture
        for folder in ["Sources", "Tests/TestSeams"] {
            let sources = Repository.root + "/" + folder
            for case let file as String in fm.enumerator(atPath: sources) ?? NSEnumerator() where !generated.contains(file) {
                guard let a = try? fm.attributesOfItem(atPath: sources + "/" + file), a[.type] as? FileAttributeType == .typeRegular,
                      let d = a[.modificationDate] as? Date else { continue }
                if d > newest { newest = d }
            }
        }
        return newest
    }

    @Test func releaseBinaryIgnoresTheTestVariable() throws {
        let built = (try? FileManager.default.attributesOfItem(atPath: Self.release)[.modificationDate] as? Date) ?? nil
        try Prerequisite.require(built != nil, "\(Self.release) (swift build -c release --static-swift-stdlib --product vbios; Tools/test.sh builds it first)")
        let newest = Self.newestSource()
        try Prerequisite.require(built! >= newest,
                                 "an up-to-date \(Self.release): built \(built!), a source changed \(newest) (swift build -c release --static-swift-stdlib --product vbios)")
        let binary = try Data(contentsOf: URL(fileURLWithPath: Self.release))
        for name in ["VBIOS_TEST_SYSFS_ROM", "VBIOS_TEST_PAUSE", "VBIOS_TEST_FAIL"] {
            #expect(binary.range(of: Data(name.utf8)) == nil, "the release binary contains \(name)")
        }
        // Nor the fake: no symbol of TestSeams' class (its mangled name; the empty module's file
        // name may stay in the debug information). The debug binary holds it (checked below).
        let fake = Data("9TestSeams15RecordingHostIOC".utf8)
        #expect(binary.range(of: fake) == nil, "the release binary contains TestSeams' RecordingHostIO")
        let d = try Hostile.directory(); defer { try? FileManager.default.removeItem(atPath: d) }
        let host = try Hostile.host(d)
        let log = d + "/log"
        let r = try Robust.run(["bars", "01:00.0", "--sysfs", host], tool: Self.release,
                               env: ["VBIOS_TEST_SYSFS_ROM": "fail=EIO,log=\(log)"])
        #expect(r.status == 0, "\(r.err)")
        let dump = try Robust.run(["dump", "01:00.0", "--source", "sysfs", "--sysfs", host, "-o", d + "/card.rom"],
                                  tool: Self.release, env: ["VBIOS_TEST_SYSFS_ROM": "fail=EIO,log=\(log)"])
        #expect(!dump.err.contains("EIO"), "the release binary obeyed fail=EIO: \(dump.err)")
        #expect(!FileManager.default.fileExists(atPath: log), "the release binary wrote the log= file")
        // The debug binary does obey it (so the test above could fail).
        let debug = try Hostile.run(["dump", "01:00.0", "--source", "sysfs", "--sysfs", host, "-o", d + "/debug.rom"],
                                    env: ["VBIOS_TEST_SYSFS_ROM": "fail=EIO"])
        #expect(debug.err.contains("EIO"))
        if let path = Hostile.vbios, let debugBinary = try? Data(contentsOf: URL(fileURLWithPath: path)) {
            #expect(debugBinary.range(of: fake) != nil, "the debug binary lacks the fake: the symbol check above proves nothing")
        }
    }
}

/// `--json` errors and what reaches a terminal.
@Suite(.tags(.adversarial)) struct ErrorsAndTerminal {
    @Test(arguments: [["info", "/nonexistent/x.rom"], ["scan", "/nonexistent/x.rom"], ["diff", "/nonexistent/x.rom", "/nonexistent/y.rom"],
                      ["patch", "/nonexistent/x.rom", "--fix-checksum", "-o", "/tmp/never.rom"], ["bars", "01:00.0", "--sysfs", "/nonexistent"],
                      ["info", "--bogus-option"], ["dump", "zz:00.0"]])
    func jsonErrorsAreJSONOnStdout(_ args: [String]) throws {
        let plain = try Hostile.run(args)
        let r = try Hostile.run(args + ["--json"])
        #expect(r.status == plain.status && r.status != 0, "\(args): \(r.status) vs \(plain.status)")
        let object = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any]
        let error = try #require(object?["error"] as? [String: Any], "\(args): stdout \(r.out) stderr \(r.err)")
        #expect(error["code"] is String && error["message"] is String)
        #expect(Set(error.keys).isSubset(of: ["code", "message", "path"]))
        if args[1].hasPrefix("/nonexistent") { #expect((error["path"] as? String)?.hasPrefix("/nonexistent") == true, "\(error)") }
        #expect(!r.err.contains("vbios:"), "\(args): the error went to stderr too: \(r.err)")
    }

    @Test func controlCharactersAreEscaped() throws {
        let r = try Hostile.run(["info", "/nonexistent/\u{1B}[2J\u{1B}]0;owned\u{07}\u{202E}x.rom"])
        #expect(r.status == 2)
        #expect(!r.err.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x202E }, "\(r.err.debugDescription)")
        #expect(r.err.contains("\\u{1b}[2J"), "\(r.err)")
    }
}

/// Paths are bytes: non-UTF-8 names are found, named and verified; entries that cannot be read
/// are reported and make the exit status 2.
@Suite(.tags(.adversarial)) struct PathsAsBytes {
    /// Creates `dir/NAME` where NAME is raw bytes, with `contents`.
    static func create(_ dir: String, _ name: [UInt8], contents: Data) {
        let path = Array(dir.utf8) + [0x2F] + name + [0]
        let fd = path.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT, 0o644) } }
        _ = contents.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    @Test func nonUTF8NamesAreVerifiedAndNamed() throws {
        let d = try Hostile.directory(); defer { try? FileManager.default.removeItem(atPath: d) }
        let rom = try Data(contentsOf: URL(fileURLWithPath: CLI.fixture("amd")))
        Self.create(d, [0xFF, 0x2E, 0x72, 0x6F, 0x6D], contents: rom)            // "\xff.rom"
        Self.create(d, [0xEF, 0xBF, 0xBD, 0x2E, 0x72, 0x6F, 0x6D], contents: Data([1, 2, 3]))  // "\u{FFFD}.rom", a decoy
        let r = try Hostile.run(["verify", d])
        #expect(r.out.contains("\\xff.rom"), "\(r.out)")
        #expect(r.out.contains("2 files"), "\(r.out)")
        // An argument that is not UTF-8 names that file, not the U+FFFD one.
        let sh = try Robust.run(["-c", "exec \"$0\" info \"$(printf '%s/\\377.rom' \"$1\")\"", try #require(Hostile.vbios), d], tool: "/bin/sh")
        #expect(sh.status == 0, "\(sh.err)")
        #expect(sh.out.contains("\\xff.rom"), "\(sh.out)")
    }

    @Test func unreadableEntriesAreReported() throws {
        let d = try Hostile.directory(); defer { try? FileManager.default.removeItem(atPath: d) }
        try FileManager.default.copyItem(atPath: CLI.fixture("amd"), toPath: d + "/good.rom")
        try FileManager.default.createSymbolicLink(atPath: d + "/dangling.rom", withDestinationPath: d + "/missing")
        try FileManager.default.createSymbolicLink(atPath: d + "/loop.rom", withDestinationPath: d + "/loop.rom")
        Hostile.fifo(d + "/fifo.rom")
        // A path longer than PATH_MAX: nested folders made with mkdirat (no path is ever that long here).
        var fd = open(d, O_RDONLY | O_DIRECTORY)
        let segment = String(repeating: "d", count: 200)
        for _ in 0..<22 {
            mkdirat(fd, segment, 0o755)
            let next = openat(fd, segment, O_RDONLY | O_DIRECTORY)
            close(fd)
            fd = next
        }
        _ = openat(fd, "deep.rom", O_WRONLY | O_CREAT, 0o644)
        close(fd)
        defer { _ = try? Robust.run(["-rf", d], tool: "/bin/rm") }
        let r = try Hostile.run(["verify", d])
        #expect(r.status == 2, "\(r.out)")
        for name in ["dangling.rom", "loop.rom", "fifo.rom"] {
            #expect(r.out.contains("ERROR \(d)/\(name)"), "\(name) not reported: \(r.out)")
        }
        #expect(r.out.contains("ENAMETOOLONG"), "\(r.out)")
        #expect(r.out.contains("OK    \(d)/good.rom"))
    }
}

/// Numbers from sysfs and the command line are checked; outputs are bounded.
@Suite(.tags(.adversarial)) struct HostileNumbers {
    /// A BAR spanning all of 2^64 (its size does not fit in 64 bits) and one ending at the top.
    @Test(arguments: ["0x0000000000000000 0xffffffffffffffff 0x0000000000040200",
                      "0xfffffffffffff000 0xffffffffffffffff 0x0000000000040200",
                      "0xffffffffffffffff 0x0000000000000000 0x0000000000040200"])
    func barsAtTheTopOfTheAddressSpace(_ line: String) throws {
        let d = try Hostile.directory(); defer { try? FileManager.default.removeItem(atPath: d) }
        let host = try Hostile.host(d)
        let resource = host + Hostile.gpu + "/resource"
        var lines = try String(contentsOfFile: resource, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[0] = line
        try (lines.joined(separator: "\n") + "\n").write(toFile: resource, atomically: false, encoding: .utf8)
        for args in [["bars", "01:00.0"], ["bars", "01:00.0", "--json"], ["list"], ["list", "--json"],
                     ["prepare", "01:00.0", "--for", "xen", "--out", d + "/set", "--rom", CLI.fixture("amd"), "--retarget", "--iomem"]] {
            let r = try Hostile.run(args + ["--sysfs", host])
            #expect(r.reason == .exit && r.status != 124 && r.status != 9, "\(args): \(r.reason) \(r.status)")
            #expect(r.status == 0 || r.status == 2, "\(args) \(r.status): \(r.err)")
            #expect(!r.err.contains("Fatal error"), "\(args): \(r.err)")
        }
    }

    @Test(arguments: ["1G", "17M", "0x7fffffffffffffff", "9223372036854775807", "99999999999999999999M"])
    func padToIsBounded(_ size: String) throws {
        let d = try Hostile.directory(); defer { try? FileManager.default.removeItem(atPath: d) }
        let r = try Hostile.run(["patch", CLI.fixture("amd"), "--pad-to", size, "-o", d + "/out.rom"])
        #expect(r.reason == .exit && r.status == 64, "\(r.reason) \(r.status): \(r.err)")
        #expect(r.err.contains("--pad-to"), "\(r.err)")
        #expect(Robust.contents(d).isEmpty)
    }

    /// Two 4 MiB files differing in every other byte: 2 million ranges, but the JSON is bounded.
    @Test func diffJSONIsBoundedAndSaysSo() throws {
        let d = try Hostile.directory(); defer { try? FileManager.default.removeItem(atPath: d) }
        let n = 4 << 20
        let a = Data(count: n)
        var b = Data(count: n)
        for i in stride(from: 0, to: n, by: 2) { b[i] = 1 }
        try a.write(to: URL(fileURLWithPath: d + "/a.rom"))
        try b.write(to: URL(fileURLWithPath: d + "/b.rom"))
        let r = try Hostile.run(["diff", d + "/a.rom", d + "/b.rom", "--json", "--merge-gap", "0"], seconds: 120)
        #expect(r.status == 1)
        #expect(r.out.utf8.count < 4 << 20, "\(r.out.utf8.count) bytes of JSON")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        #expect(object["truncated"] as? Bool == true)
        #expect(object["rangeCount"] as? Int == n / 2)
        #expect((object["ranges"] as? [Any])?.count == 10_000)
        #expect(object["changedBytes"] as? Int == n / 2)
    }
}

/// A blob of decoys: once thousands of times slower than reading it (every decoy walked a long
/// chain and summed its images again). Now it ends in the time of a plain scan; a generous
/// timeout separates linear from quadratic without timing anything (Tools/bench.sh measures).
@Suite(.tags(.adversarial)) struct DecoyBlob {
    @Test func scanOfADecoyBlobEnds() throws {
        let d = try Hostile.directory(); defer { try? FileManager.default.removeItem(atPath: d) }
        // One block long, x86, not last, PCIR at 0x1C; size byte 0xFF: 127.5 KiB to sum.
        let decoy = ROMBuilder.bareLegacy(units: 1, vendor: 0x9090, device: 0x9090, last: false, sizeByte: 0xFF,
                                          pcirAt: 0x1C, fill: .byte(0x90), checksum: false).build()
        var blob = [UInt8](repeating: 0x90, count: 16 << 20)
        var at = 0
        while at + 512 <= blob.count {
            blob.replaceSubrange(at..<at + 512, with: decoy)
            at += 512
        }
        try Data(blob).write(to: URL(fileURLWithPath: d + "/decoys.bin"))
        let r = try Hostile.run(["scan", d + "/decoys.bin"], seconds: 60)
        #expect(r.status == 0, "status \(r.status) (124/9: it did not end in 60 s)")
        #expect(r.out.contains("No option ROM"), "\(r.out)")
    }

    /// Issue 28's shape: headers every 512 bytes whose images all end at one shared tail of 60
    /// images and a zero-length one (each header walked the tail again: 18x a plain blob).
    /// Against a plain blob of the same size and `55 AA` density, in the same run, best of three
    /// each: a ratio, generous (linear measures about 2), never an absolute time.
    @Test func sharedTailScansLikeAPlainBlob() throws {
        let d = try Hostile.directory(); defer { try? FileManager.default.removeItem(atPath: d) }
        let size = 16 << 20, region = 15 << 20
        var plain = [UInt8](repeating: 0x90, count: size)
        for at in stride(from: 0, to: size, by: 512) { plain[at] = 0x55; plain[at + 1] = 0xAA; plain[at + 0x18] = 0; plain[at + 0x19] = 0 }
        var shape = [UInt8](repeating: 0x90, count: size)
        func header(_ at: Int, units: Int, codeType: UInt8, sizeByte: UInt8) {
            let h = ROMBuilder.bareLegacy(units: 1, vendor: 0x9090, device: 0x9090, last: false, sizeByte: sizeByte,
                                          codeType: codeType, pcirAt: 0x1C, fill: .byte(0x90), checksum: false).build()
            shape.replaceSubrange(at..<at + 0x40, with: h[0..<0x40])
            shape[at + 0x1C + 0x10] = UInt8(truncatingIfNeeded: units); shape[at + 0x1C + 0x11] = UInt8(truncatingIfNeeded: units >> 8)
        }
        for at in stride(from: 0, to: region, by: 512) { header(at, units: (region - at) / 512, codeType: 0, sizeByte: 0xFF) }
        for i in 0..<60 { header(region + i * 512, units: 1, codeType: 3, sizeByte: 1) }
        header(region + 60 * 512, units: 0, codeType: 3, sizeByte: 1)
        try Data(plain).write(to: URL(fileURLWithPath: d + "/plain.bin"))
        try Data(shape).write(to: URL(fileURLWithPath: d + "/tail.bin"))
        var best = ["plain.bin": Double.infinity, "tail.bin": Double.infinity]
        for _ in 0..<3 {
            for name in ["plain.bin", "tail.bin"] {
                let start = Date()
                let r = try Hostile.run(["scan", d + "/" + name], seconds: 120)
                #expect(r.status == 0, "\(name): status \(r.status)")
                best[name] = min(best[name]!, Date().timeIntervalSince(start))
            }
        }
        #expect(best["tail.bin"]! <= 6 * best["plain.bin"]!, "\(best)")
    }
}

/// Checks that could not look say so; sets are whole or absent; named devices exist.
@Suite(.tags(.adversarial)) struct HonestVerdicts {
    @Test func doctorSaysUnknownWhenTheGroupCannotBeListed() throws {
        let root = try DoctorPersistTests.fakeRoot("radeon-hd7850")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let devices = root + "/sys/kernel/iommu_groups/1/devices"
        try FileManager.default.removeItem(atPath: devices)
        try "not a folder\n".write(toFile: devices, atomically: false, encoding: .utf8)
        let r = try Hostile.run(["doctor", "01:00.0", "--for", "qemu", "--root", root, "--json"])
        let checks = try #require((try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])?["checks"] as? [[String: Any]], "\(r.out)\(r.err)")
        let group = try #require(checks.first { $0["id"] as? String == "iommu-group" })
        #expect(group["status"] as? String == "unknown", "\(group)")
        let text = try Hostile.run(["doctor", "01:00.0", "--for", "qemu", "--root", root])
        #expect(text.out.contains("unknown  iommu-group: could not list IOMMU group 1"), "\(text.out)")
    }

    @Test func prepareWithRefusesADeviceThatDoesNotExist() throws {
        let d = try Hostile.directory(); defer { try? FileManager.default.removeItem(atPath: d) }
        let host = try Hostile.host(d)
        let r = try Hostile.run(["prepare", "01:00.0", "--for", "qemu", "--out", d + "/set", "--rom", CLI.fixture("amd"), "--retarget",
                                 "--with", "07:00.0", "--sysfs", host])
        #expect(r.status == 2, "\(r.out)\(r.err)")
        #expect(r.err.contains("07:00.0"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: d + "/set/bios.bin"))
    }

    /// --force replaces a set; when one move fails (the second, injected with the debug-only
    /// `VBIOS_TEST_FAIL`), the file already moved is put back: the old set, not a mix.
    @Test func prepareForceRollsBackWhenAMoveFails() throws {
        let d = try Hostile.directory(); defer { try? FileManager.default.removeItem(atPath: d) }
        let host = try Hostile.host(d)
        let set = d + "/set"
        try FileManager.default.createDirectory(atPath: set, withIntermediateDirectories: true)
        try "old bios\n".write(toFile: set + "/bios.bin", atomically: false, encoding: .utf8)
        try "old args\n".write(toFile: set + "/qemu-args.txt", atomically: false, encoding: .utf8)
        let r = try Hostile.run(["prepare", "01:00.0", "--for", "qemu", "--out", set, "--rom", CLI.fixture("amd"), "--retarget", "--force", "--sysfs", host],
                                env: ["VBIOS_TEST_FAIL": "move:1"])
        #expect(r.status == 2, "\(r.out)\(r.err)")
        #expect(Robust.text(set + "/bios.bin") == "old bios\n", "bios.bin was replaced although the set failed")
        #expect(Robust.text(set + "/qemu-args.txt") == "old args\n")
        #expect(Robust.contents(set).sorted() == ["bios.bin", "qemu-args.txt"], "\(Robust.contents(set))")
        #expect(r.err.contains("nothing was written"), "\(r.err)")
    }
}
