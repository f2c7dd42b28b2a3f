import Foundation
import Testing
import TestSupport

/// The README's examples are run, so the README cannot drift from the tool: every line of the
/// ```sh block after the `readme-examples` marker in its "Use" section runs in a fresh workspace
/// (a copy of Fixtures/hosts/radeon-hd7850 given as `--sysfs`, the files the line names made
/// from fixtures), with the exit status the line's comment states (`exit N`), else 0. `sudo` is
/// dropped; what would touch this machine is pointed at the workspace (`--state-dir`, `--root`).
/// A line the test cannot run must be listed in `notRun` with the reason; one that is neither
/// run nor listed fails the test.
@Suite(.serialized) struct ReadmeExamplesTests {
    /// Lines (by their command, as written) that cannot run here, and why. Empty today.
    static let notRun: [String: String] = [:]

    /// The commands of the marked block: (command as written, expected exit status).
    static func examples() throws -> [(line: String, status: Int32)] {
        let readme = try String(contentsOfFile: Repository.root + "/README.md", encoding: .utf8)
        let use = try #require(readme.components(separatedBy: "\n## Use\n").dropFirst().first?.components(separatedBy: "\n## ").first,
                               "README.md has no Use section")
        let marked = try #require(use.components(separatedBy: "readme-examples").dropFirst().first, "no readme-examples marker in Use")
        let block = try #require(marked.components(separatedBy: "```sh\n").dropFirst().first?.components(separatedBy: "\n```").first)
        return block.split(separator: "\n").map { raw in
            let parts = raw.components(separatedBy: " # ")
            let comment = parts.dropFirst().joined(separator: " # ")
            var status: Int32 = 0
            if let r = comment.range(of: "exit "), let n = Int32(comment[r.upperBound...].prefix { $0.isNumber }) { status = n }
            return (parts[0].trimmingCharacters(in: .whitespaces), status)
        }
    }

    /// A workspace for one line: the host copy, a root for persist, and the files the examples name.
    static func workspace() throws -> FakeHost {
        let host = try FakeHost("radeon-hd7850")
        try host.addDriver("vfio-pci")
        let d = host.dir
        let fm = FileManager.default
        func copy(_ fixture: String, _ name: String) throws { try fm.copyItem(atPath: CLI.fixture(fixture), toPath: d + "/" + name) }
        try copy("amd", "card.rom")
        try copy("legacy-vga", "other.rom")
        try copy("amd", "old-radeon.rom")
        try copy("amd", "flash.rom")
        var shadow = try Data(contentsOf: URL(fileURLWithPath: CLI.fixture("amd")))
        shadow[0x1000] ^= 0xFF
        try shadow.write(to: URL(fileURLWithPath: d + "/shadow.rom"))
        try fm.createDirectory(atPath: d + "/roms", withIntermediateDirectories: true)
        for name in ["amd", "intel", "legacy-efi"] { try copy(name, "roms/" + name + ".rom") }
        try "file\tsha256\n".write(toFile: d + "/roms/MANIFEST.tsv", atomically: false, encoding: .utf8)
        // An EFI driver to add: iPXE's EFI option ROM (its driver is taken out), as Debian ships it.
        try fm.copyItem(atPath: "/usr/lib/ipxe/qemu/efi-e1000.rom", toPath: d + "/GOP.efi")
        try fm.copyItem(atPath: Repository.root + "/Fixtures/firmware/everything.fd", toPath: d + "/firmware.bin")
        try fm.copyItem(atPath: Repository.root + "/Fixtures/firmware/everything.fd", toPath: d + "/update.bin")
        try fm.createDirectory(atPath: d + "/root/etc/modprobe.d", withIntermediateDirectories: true)
        return host
    }

    /// The line as it runs here: no sudo; after the subcommand, the flags that point it at the workspace.
    static func adapted(_ line: String, _ host: FakeHost) -> String {
        var words = line.components(separatedBy: " ")
        if words.first == "sudo" { words.removeFirst() }
        guard words.first == "vbios", words.count > 1 else { return words.joined(separator: " ") }
        var extra: [String] = []
        switch words[1] {
        case "list", "bars", "dump", "prepare", "doctor": extra = ["--sysfs", host.root]
        case "info", "verify": if words.contains(where: { $0.contains(":") }) { extra = ["--sysfs", host.root] }
        case "bind", "unbind": extra = ["--sysfs", host.root, "--state-dir", host.state]
        case "persist": extra = ["--sysfs", host.root, "--root", host.dir + "/root"]
        default: break
        }
        words.insert(contentsOf: extra.map { "'\($0)'" }, at: 2)
        return words.joined(separator: " ")
    }

    @Test func everyExampleOfTheUseSectionRunsWithItsExitStatus() throws {
        let examples = try Self.examples()
        #expect(examples.count >= 15, "\(examples.count) examples")
        let bin = try #require(CLI.binary)
        let binDir = (bin as NSString).deletingLastPathComponent
        for (line, status) in examples {
            if let why = Self.notRun[line] { print("README example not run: \(line): \(why)"); continue }
            let host = try Self.workspace()
            defer { host.remove() }
            // The card of `--rom-from update.bin`: everything.fd holds a ROM for 1002:1636.
            if line.contains("--rom-from") {
                let dev = URL(fileURLWithPath: host.root + "/bus/pci/devices/0000:01:00.0").resolvingSymlinksInPath().path
                try "0x1636\n".write(toFile: dev + "/device", atomically: false, encoding: .utf8)
            }
            // What the line writes with -o is its output, not an input that is in the way.
            let words = line.components(separatedBy: " ")
            if let o = words.firstIndex(of: "-o"), o + 1 < words.count, words[o + 1] != "-" {
                try? FileManager.default.removeItem(atPath: host.dir + "/" + words[o + 1])
            }
            let command = Self.adapted(line, host)
            let r = try HostCLI.run(["-c", "cd '\(host.dir)' && PATH='\(binDir)':$PATH && set -o pipefail 2>/dev/null; " + command], "/bin/bash")
            #expect(r.status == status, "README: \(line)\n  ran: \(command)\n  exit \(r.status), expected \(status)\n\(r.err.prefix(1500))")
        }
    }

    @Test func theBlockIsFoundAndEveryLineIsACommand() throws {
        let examples = try Self.examples()
        for (line, _) in examples { #expect(line.hasPrefix("vbios ") || line.hasPrefix("sudo vbios "), "\(line)") }
        for line in Self.notRun.keys { #expect(examples.contains { $0.line == line }, "notRun lists \(line), which the README no longer has") }
    }
}
