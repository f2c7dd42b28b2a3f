import Foundation
import Testing
import OptionROM
import TestSupport

/// OVMF, the UEFI guest firmware, judges the EFI images vbios builds (EDK2's PciBusDxe loads them):
/// Debian's legacy-only pxe-e1000.rom given iPXE's EFI driver (taken out of efi-e1000.rom), plain
/// and EFI-compressed, must be started by real OVMF (iPXE's banner on the serial log); a chain
/// whose EFI image comes after an NVIDIA-style 0xE0 image is found too; one whose x86 image is
/// marked last hides its EFI image; the unchanged ROM starts nothing. Each driver's version string
/// is tagged (…-5.P, -5.C, -5.N, -5.X) so the serial log tells them apart (three boots, run side
/// by side), and `GuestFirmware.ovmf` must predict each. SeaBIOS still runs the legacy image of
/// the result (two short SeaBIOS boots).
@Suite(.serialized) struct OVMFJudgeTests {
    static let ipxe = "/usr/lib/ipxe/qemu"
    static let code = "/usr/share/OVMF/OVMF_CODE_4M.fd"
    static let vars = "/usr/share/OVMF/OVMF_VARS_4M.fd"
    static let version = Array("1.0.0+git-20190125.36a4c85-5.1".utf8)

    /// efi-e1000.rom with its driver's version string ending in `tag` instead of "1".
    static func taggedDriverROM(_ tag: Character) throws -> [UInt8] {
        var rom = [UInt8](try Data(contentsOf: URL(fileURLWithPath: ipxe + "/efi-e1000.rom")))
        let at = try #require(rom.withUnsafeBytes { raw -> Int? in
            (0...(raw.count - version.count)).first { i in version.indices.allSatisfy { raw[i + $0] == version[$0] } }
        }, "efi-e1000.rom no longer carries \(String(decoding: version, as: UTF8.self)); update the test")
        rom[at + version.count - 1] = tag.asciiValue!
        return rom
    }

    /// pxe-e1000's legacy image, then an NVIDIA-style 0xE0 image ("VN", NPDS, NPDE), then `efi`.
    static func chainAfterE0(legacy: [UInt8], efi: [UInt8], legacyLast: Bool) throws -> [UInt8] {
        var x86 = legacy
        let layout = ROMParser.parse(x86.withUnsafeBytes { $0 })
        let p = try #require(layout.images.first?.pcir)
        x86[p.offset + PCIRFields.indicator.offset] = legacyLast ? PCIRFields.lastImage : 0x00
        // Keep the x86 checksum: the indicator byte's change goes back through byte 6 (after the entry jump).
        ROMBuilder.fixChecksum(&x86, count: x86.count, at: ImageHeaderFields.entry.end)
        var pcir = ImageSpec.PCIR(vendor: 0x8086, device: 0x100E, codeType: 0xE0)
        pcir.signature = "NPDS"; pcir.classCode = 0x020000; pcir.last = false
        var e0 = ImageSpec(units: 2, pcir: pcir)
        e0.signature = [0x56, 0x4E]
        e0.pcirAt = 0x20
        e0.npde = .init(last: false)
        e0.npde?.length = 0x0C
        return x86 + e0.build() + efi
    }

    @Test func ovmfStartsTheEFIImagesPatchAdds() throws {
        let tools = ["/usr/bin/qemu-system-x86_64", Self.code, Self.vars, Self.ipxe + "/pxe-e1000.rom", Self.ipxe + "/efi-e1000.rom"]
        try Prerequisite.require(files: tools, "Debian's qemu-system-x86, ovmf and ipxe-qemu")
        let pxe = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.ipxe + "/pxe-e1000.rom")))
        var plain = PatchPlan()
        plain.addEFI = try Self.taggedDriverROM("P")
        let plainROM = try ROMPatcher.apply(plain, to: pxe)
        var compressed = PatchPlan()
        compressed.addEFI = try Self.taggedDriverROM("C")
        compressed.compressEFI = true
        let compressedROM = try ROMPatcher.apply(compressed, to: pxe)
        #expect(compressedROM.bytes.count < plainROM.bytes.count)
        #expect(compressedROM.layout.efiImages.first?.efi?.compression == 1)

        // The EFI images alone, to build the NVIDIA-style chains around.
        let efiN = try ROMPatcher.apply({ var p = PatchPlan(); p.addEFI = try Self.taggedDriverROM("N"); return p }(), to: pxe)
        let efiX = try ROMPatcher.apply({ var p = PatchPlan(); p.addEFI = try Self.taggedDriverROM("X"); return p }(), to: pxe)
        let legacy = Array(pxe.prefix(ROMParser.parse(pxe.withUnsafeBytes { $0 }).images[0].length))
        func efiImage(_ r: PatchResult) -> [UInt8] { let im = r.layout.efiImages[0]; return Array(r.bytes[im.offset..<im.end]) }
        let afterE0 = try Self.chainAfterE0(legacy: legacy, efi: efiImage(efiN), legacyLast: false)
        let hidden = try Self.chainAfterE0(legacy: legacy, efi: efiImage(efiX), legacyLast: true)

        let cards: [(tag: Character, rom: [UInt8], loads: Bool)] = [
            ("P", plainROM.bytes, true), ("C", compressedROM.bytes, true), ("N", afterE0, true), ("X", hidden, false), ("-", pxe, false),
        ]
        // The model first: what OVMF should do with each.
        for card in cards {
            let predicted = GuestFirmware.ovmf(card.rom).contains { $0.loaded }
            #expect(predicted == card.loads, "GuestFirmware.ovmf on card \(card.tag): \(GuestFirmware.ovmf(card.rom))")
        }

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ovmf-judge-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Three boots side by side. iPXE prints its banner when OVMF's boot manager tries the card's
        // PXE option, which exists only if OVMF loaded the card's driver; each boot stops at the
        // first banner or at the EFI shell (no PXE option at all). In the third, X's card and the
        // unchanged ROM come first in the boot order: N's banner first means neither had a driver.
        let boots: [(name: String, cards: [(tag: Character, rom: [UInt8])], first: String?)] = [
            ("plain", [("P", plainROM.bytes)], "P"),
            ("compressed", [("C", compressedROM.bytes)], "C"),
            ("chains", [("X", hidden), ("-", pxe), ("N", afterE0)], "N"),
        ]
        var runs: [(qemu: Process, log: URL, done: Bool)] = []
        for boot in boots {
            let vars = dir.appendingPathComponent("\(boot.name)-vars.fd")
            try FileManager.default.copyItem(atPath: Self.vars, toPath: vars.path)
            let log = dir.appendingPathComponent("\(boot.name).log")
            var args = ["-machine", "q35,accel=tcg", "-m", "256", "-nodefaults", "-display", "none", "-no-reboot",
                        "-drive", "if=pflash,format=raw,readonly=on,file=\(Self.code)",
                        "-drive", "if=pflash,format=raw,file=\(vars.path)", "-serial", "file:\(log.path)"]
            for (i, card) in boot.cards.enumerated() {
                let file = dir.appendingPathComponent("\(boot.name)-\(i).rom")
                try Data(card.rom).write(to: file)
                args += ["-netdev", "user,id=n\(i),restrict=on", "-device", "e1000,romfile=\(file.path),netdev=n\(i),bootindex=\(i + 1)"]
            }
            let qemu = Process()
            qemu.executableURL = URL(fileURLWithPath: "/usr/bin/qemu-system-x86_64")
            qemu.arguments = args
            qemu.standardInput = FileHandle.nullDevice
            qemu.standardOutput = FileHandle.nullDevice
            qemu.standardError = FileHandle.nullDevice
            Ledger.note(qemu)
            try qemu.run()
            runs.append((qemu, log, false))
        }
        func read(_ url: URL) -> String { String(decoding: (try? Data(contentsOf: url)) ?? Data(), as: UTF8.self) }
        // About 20 s each under TCG on an idle machine; 300 s at most on a loaded one.
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline, runs.contains(where: { !$0.done }) {
            Thread.sleep(forTimeInterval: 1)
            for i in runs.indices where !runs[i].done {
                let text = read(runs[i].log)
                if text.contains("36a4c85-5.") || text.contains("EFI Internal Shell") || !runs[i].qemu.isRunning {
                    // SIGKILL: a child of the test runner may start with SIGTERM blocked; QEMU would ignore it.
                    if runs[i].qemu.isRunning { kill(runs[i].qemu.processIdentifier, SIGKILL) }
                    runs[i].done = true
                }
            }
        }
        for run in runs {
            if run.qemu.isRunning { kill(run.qemu.processIdentifier, SIGKILL) }
            run.qemu.waitUntilExit()
        }
        for (boot, run) in zip(boots, runs) {
            let text = read(run.log)
            let firstBanner = text.range(of: "36a4c85-5.").map { String(text[$0.upperBound...].prefix(1)) }
            #expect(firstBanner == boot.first,
                    "\(boot.name): the first iPXE banner OVMF showed is \(firstBanner ?? "none"), expected \(boot.first ?? "none"); serial log:\n\(text.suffix(1500))")
        }

        // SeaBIOS still runs the legacy image of the result (iPXE's PnP ROM), as it runs the original.
        #expect(GuestFirmware.seabios(plainROM.bytes, vendor: 0x8086, device: 0x100E).image == 0)
        let none = try seabiosRuns(nil, dir: dir), withROM = try seabiosRuns(plainROM.bytes, dir: dir)
        #expect(withROM == none + 1, "SeaBIOS ran \(withROM) option ROMs with the patched ROM, \(none) without one")
    }

    /// How many option ROMs SeaBIOS runs with an e1000 carrying `rom` (nil: no ROM).
    func seabiosRuns(_ rom: [UInt8]?, dir: URL) throws -> Int {
        let file = dir.appendingPathComponent("seabios.rom")
        if let rom { try Data(rom).write(to: file) }
        let log = dir.appendingPathComponent("seabios.log")
        try? FileManager.default.removeItem(at: log)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        p.arguments = ["-s", "KILL", "6", "qemu-system-x86_64", "-machine", "pc,accel=tcg", "-nodefaults", "-display", "none", "-no-reboot",
                       "-chardev", "file,id=d,path=\(log.path)", "-device", "isa-debugcon,iobase=0x402,chardev=d",
                       "-netdev", "user,id=n,restrict=on", "-device", "e1000,romfile=\(rom == nil ? "" : file.path),netdev=n"]
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        Ledger.note(p)
        try p.run()
        p.waitUntilExit()
        let text = String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self)
        #expect(text.contains("Scan for option roms"), "SeaBIOS wrote no log: \(text.prefix(500))")
        return text.components(separatedBy: "Running option rom at").count - 1
    }
}
