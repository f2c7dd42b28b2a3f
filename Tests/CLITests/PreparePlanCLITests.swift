import Foundation
import TestSupport
import Testing

/// `prepare --dry-run --json` is the plan: one object with the files (and each config's text),
/// the ROM's provenance, what was accepted and why, and the steps; a real run then writes exactly
/// those files. Judged against the files the real run leaves on disk.
@Suite(.serialized) struct PreparePlanCLITests {
    /// The keys prepare's JSON had before the plan; they stay, in this order (keys are only added).
    static let keys = ["address", "target", "outDir", "dryRun", "romPath", "romBAR", "noROM", "firmware", "functions",
                       "romSource", "size", "gopDriver", "files", "notes", "acceptance", "nextSteps"]

    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }

    @Test(arguments: ["xen", "qemu", "libvirt", "proxmox"])
    func theDryRunPlanIsWhatTheRunWrites(target: String) throws {
        let host = try FakeHost("radeon-hd7850")
        defer { host.remove() }
        let dir = host.dir + "/vm"
        let args = ["prepare", "01:00.0", "--for", target, "--out-dir", dir, "--sysfs", host.root, "--json"]
        let dry = try CLI.run(args + ["--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir), "--dry-run created \(dir)")
        let plan = try Self.object(dry.stdout)
        let order = dry.stdout.split(separator: "\"").map(String.init)
        let positions = Self.keys.compactMap { k in order.firstIndex(of: k) }
        #expect(positions.count == Self.keys.count && positions == positions.sorted(), "the old keys, in their order")

        let provenance = try #require(plan["romProvenance"] as? [String: Any])
        #expect(provenance["kind"] as? String == "device" && provenance["source"] as? String == "sysfs", "\(provenance)")
        #expect(provenance["origin"] as? String == plan["romSource"] as? String)
        #expect((plan["acceptances"] as? [Any])?.isEmpty == true && (plan["events"] as? [Any]) != nil)
        let steps = try #require(plan["steps"] as? [[String: Any]])
        let numbered = (plan["nextSteps"] as? String ?? "").split(separator: "\n").filter { $0.range(of: #"^  \d+\. "#, options: .regularExpression) != nil }
        #expect(!steps.isEmpty && steps.count == numbered.count, "one step object per numbered step")

        let real = try CLI.run(args)
        #expect(real.status == 0, "\(real.stderr)")
        let files = try #require(plan["files"] as? [[String: Any]])
        #expect(files.first?["kind"] as? String == "rom" && files.dropFirst().allSatisfy { $0["kind"] as? String == "config" })
        for f in files {
            let path = try #require(f["path"] as? String)
            let written = try #require(FileManager.default.contents(atPath: path), "\(path) was planned, not written")
            #expect(written.count == f["size"] as? Int)
            #expect(f["mode"] as? Int == 0o644)
            let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
            #expect(mode == 0o644, "\(path) is written with mode \(String(mode, radix: 8))")
            if let text = f["text"] as? String { #expect(Data(text.utf8) == written, "\(path): the plan's text is what was written") }
        }
    }

    @Test func aRetargetedROMIsAnAcceptanceWithItsReason() throws {
        let host = try FakeHost("radeon-hd7850")
        defer { host.remove() }
        let rom = host.dir + "/other.rom"
        try Data(ROMBuilder.bareLegacy(units: 4, vendor: 0x1002, device: 0x1234, entry: [0xCB]).build()).write(to: URL(fileURLWithPath: rom))
        let args = ["prepare", "01:00.0", "--for", "qemu", "--out-dir", host.dir + "/vm", "--sysfs", host.root, "--rom", rom, "--dry-run", "--json"]
        let refused = try CLI.run(args)
        #expect(refused.status == 1 && refused.stdout.contains("another-chip"), "\(refused.stdout)\(refused.stderr)")
        let r = try CLI.run(args + ["--retarget"])
        #expect(r.status == 0, "\(r.stderr)")
        let plan = try Self.object(r.stdout)
        let accepted = try #require((plan["acceptances"] as? [[String: Any]])?.first)
        #expect(accepted["kind"] as? String == "another-chip" && accepted["overridden"] as? Bool == true)
        #expect((accepted["reason"] as? String)?.contains("1002:1234") == true, "\(accepted)")
        let events = try #require(plan["events"] as? [[String: Any]])
        #expect(events.map { $0["code"] as? String } == ["another-chip"] && events[0]["severity"] as? String == "warning")
        #expect(r.stderr.contains("--retarget: its IDs are set to the card's"), "the person's warning stays: \(r.stderr)")
        let provenance = try #require(plan["romProvenance"] as? [String: Any])
        #expect(provenance["kind"] as? String == "file" && provenance["path"] as? String == rom)
    }
}
