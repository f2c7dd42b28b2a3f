import Foundation
import Testing
import TestSupport
import OptionROM
import Core

/// SeaBIOS, a real ROM consumer, judges what `ROMPatcher` writes (src/optionroms.c): its VGA BIOS,
/// corrupted, is refused; repaired by fix-checksum, it runs; re-targeted away from QEMU's VGA
/// (1234:1111) by set-ids it is not run through the ROM BAR; re-targeted back, it runs.
/// Four QEMU runs of about 6 s each.
@Suite(.serialized) struct SeaBIOSJudgeTests {
    static let repoRoot = URL(fileURLWithPath: Repository.root)
    static let judge = repoRoot.appendingPathComponent("Tools/seabios-judge.sh").path
    static let vgabios = "/usr/share/seabios/vgabios-stdvga.bin"

    static func qemuPath() -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/qemu-system-x86_64"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    /// Writes `bytes` to a temporary file and asks SeaBIOS what it makes of them.
    func verdict(_ bytes: [UInt8], rombar: Int = 1, name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seabios-judge-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent(name)
        try Data(bytes).write(to: file)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        p.arguments = ["60", "/bin/sh", Self.judge, file.path, "rombar=\(rombar)"]
        p.standardInput = FileHandle.nullDevice
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        Ledger.note(p)
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(p.terminationStatus == 0, "seabios-judge.sh failed: \(String(decoding: errData, as: UTF8.self))")
        return text
    }

    @Test func seabiosRunsWhatFixChecksumAndSetIDsWrite() throws {
        // Fail, not skip: without QEMU this tier tests nothing.
        try #require(Self.qemuPath() != nil,
            "qemu-system-x86_64 is missing: install Debian's qemu-system-x86 (and seabios) packages")
        let original = try #require(FileManager.default.contents(atPath: Self.vgabios).map { [UInt8]($0) },
            "\(Self.vgabios) is missing: install Debian's seabios package")

        var corrupted = original
        corrupted[0x1000] ^= 0x01
        #expect(try verdict(corrupted, name: "corrupted.bin") == "bad-checksum")

        var fix = PatchPlan()
        fix.fixChecksum = true
        let repaired = try ROMPatcher.apply(fix, to: corrupted)
        #expect(repaired.changes.count == 1)
        #expect(try verdict(repaired.bytes, name: "repaired.bin") == "ran")

        var away = PatchPlan()
        away.setIDs = PCIIDs(vendor: 0x1234, device: 0x2222)
        let retargeted = try ROMPatcher.apply(away, to: original)
        #expect(retargeted.layout.images[0].checksumValid == true)
        #expect(try verdict(retargeted.bytes, name: "retargeted.bin") == "not-run")

        var back = PatchPlan()
        back.setIDs = PCIIDs(vendor: 0x1234, device: 0x1111)
        let restored = try ROMPatcher.apply(back, to: retargeted.bytes)
        #expect(restored.bytes == original)
        #expect(try verdict(restored.bytes, name: "restored.bin") == "ran")
    }
}
