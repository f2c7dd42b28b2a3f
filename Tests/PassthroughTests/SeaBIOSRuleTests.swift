import Core
import Foundation
import OptionROM
import Passthrough
import TestSupport
import Testing

/// ConsumerProfile's SeaBIOS rule is GuestFirmware's model of SeaBIOS, and both agree with
/// SeaBIOS itself (Tools/seabios-judge.sh runs the ROM as the VGA BIOS of QEMU's emulated VGA,
/// 1234:1111): accepted exactly when SeaBIOS runs it, through the ROM BAR or (rombar=0) fw_cfg.
/// About 6 s of QEMU per case.
@Suite(.serialized) struct SeaBIOSRuleTests {
    static let judge = Repository.root + "/Tools/seabios-judge.sh"
    static let vgabios = "/usr/share/seabios/vgabios-stdvga.bin"

    static func seabios(_ bytes: [UInt8], rombar: Bool) throws -> String {
        let file = try Oracle.temp("rom.bin", "")
        defer { try? FileManager.default.removeItem(atPath: (file as NSString).deletingLastPathComponent) }
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let r = try Oracle.run("/usr/bin/timeout", ["60", "/bin/sh", judge, file, "rombar=\(rombar ? 1 : 0)"])
        #expect(r.status == 0, "seabios-judge.sh: \(r.stderr)")
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func theRuleAcceptsExactlyWhatSeaBIOSRuns() throws {
        try Prerequisite.require(files: ["/usr/bin/qemu-system-x86_64", Self.vgabios], "Debian's qemu-system-x86 and seabios")
        let stdvga = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.vgabios)))
        var other = PatchPlan()
        other.setIDs = PCIIDs(vendor: 0x1234, device: 0x2222)
        let retargeted = try ROMPatcher.apply(other, to: stdvga).bytes
        var bad = stdvga
        bad[0x1000] ^= 1
        let cases: [(String, [UInt8], Bool)] = [
            ("the VGA BIOS", stdvga, true),
            // The parser finds the image past the 512 bytes before it; SeaBIOS's walk starts at 0.
            ("the VGA BIOS after 512 bytes", [UInt8](repeating: 0, count: 512) + stdvga, true),
            ("another device's IDs", retargeted, true),
            ("another device's IDs, rombar=0", retargeted, false),
            ("a bad checksum", bad, true),
        ]
        for (what, bytes, rombar) in cases {
            let input = ConsumerProfile.Input(bytes: bytes, vendorID: 0x1234, deviceID: 0x1111, romBAR: rombar)
            let accepted = ConsumerProfile.seabios.check(input).ok
            let model = GuestFirmware.seabios(bytes, vendor: 0x1234, device: 0x1111).image != nil
            let real = try Self.seabios(bytes, rombar: rombar)
            #expect(accepted == (real == "ran"), "\(what): the rule says \(accepted ? "accepted" : "refused"), SeaBIOS \(real)")
            if rombar { #expect(model == accepted, "\(what): GuestFirmware and the rule disagree") }
        }
    }
}
