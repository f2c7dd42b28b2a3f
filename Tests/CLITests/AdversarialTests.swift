import Foundation
import Testing

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
    static func directory() throws -> String {
        let d = NSTemporaryDirectory() + "vbios-hostile-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    static func fifo(_ path: String) { #expect(mkfifo(path, 0o600) == 0, "mkfifo \(path)") }

    /// A copy of a fixture host tree under `d/host`.
    static func host(_ d: String, _ name: String = "radeon-hd7850") throws -> String {
        let r = try Robust.run(["-a", Robust.root + "/Fixtures/hosts/" + name, d + "/host"], tool: "/bin/cp")
        #expect(r.status == 0)
        return d + "/host"
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
