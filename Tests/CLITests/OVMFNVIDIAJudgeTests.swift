import Foundation
import Testing
import OptionROM
import TestSupport

/// Real OVMF judges `GuestFirmware.ovmf`, vbios's model of which EFI images OVMF loads, on NVIDIA
/// chains: every NVIDIA ROM of ../shared/roms as a card's ROM (the raw dumps' GOPs load; the
/// nvflash files, whose NVGI header hides the chain from a ROM BAR, and the legacy-only dumps load
/// nothing), a 3070 chain to which `patch --add-efi` adds the 4060 Ti's GOP before the 0xE0 images
/// (both GOPs load), and the same chain with the 3070 GOP's PCIR last bit put back (the added one
/// is hidden). The judge is the UEFI shell's `drivers` listing (Tools/oracles/ovmf-drivers.py):
/// the NVIDIA GOPs by the version and name each driver reports, which must also be the version and
/// name `info` reads out of the driver (EFIImageDetails).
@Suite(.serialized) struct OVMFNVIDIAJudgeTests {
    static let script = Repository.root + "/Tools/oracles/ovmf-drivers.py"

    /// The drivers vbios predicts OVMF loads, as `VERSION NAME` (the version in 8 hex digits as the
    /// shell prints it, the name `info` reads out of the driver).
    static func predicted(_ rom: [UInt8]) -> Set<String> {
        let layout = ROMParser.parse(rom).withEFIDetails(rom)
        var out = Set<String>()
        for o in GuestFirmware.ovmf(rom) where o.loaded {
            guard let i = o.image, let d = layout.images[i].efiDetails?.driver, let v = d.version, v.hasPrefix("0x"),
                  let n = UInt32(v.dropFirst(2), radix: 16) else { out.insert("unknown@\(o.offset)"); continue }
            out.insert(String(format: "%08X", n) + " " + d.name)
        }
        return out
    }

    /// Starts the oracle on `roms` (one e1000 each); `wait` gives the NVIDIA driver versions listed.
    static func start(_ roms: [[UInt8]], dir: URL, name: String) throws -> () throws -> Set<String> {
        var files: [String] = []
        for (i, rom) in roms.enumerated() {
            let f = dir.appendingPathComponent("\(name)-\(i).rom")
            try Data(rom).write(to: f)
            files.append(f.path)
        }
        let out = dir.appendingPathComponent("\(name).json")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, "--timeout", "280"] + files
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = try FileHandle(forWritingTo: out)
        Ledger.note(p)
        try p.run()
        return {
            p.waitUntilExit()
            try #require(p.terminationStatus == 0, "\(name): ovmf-drivers.py exited \(p.terminationStatus)")
            let list = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as? [[String: String]])
            // NVIDIA's GOPs by their image name (nvgop-ga1xx, nvgop-ad1xx), not by the name compared.
            return Set(list.filter { $0["image"]?.hasPrefix("nvgop") == true }.compactMap { d in d["version"].map { $0 + " " + (d["name"] ?? "") } })
        }
    }

    @Test("Real OVMF loads the NVIDIA GOPs GuestFirmware.ovmf predicts, on the real ROMs and on a patched chain")
    func ovmfLoadsWhatTheModelSays() throws {
        try Prerequisite.require(files: ["/usr/bin/qemu-system-x86_64", "/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd"],
                                 "Debian's qemu-system-x86 and ovmf")
        let names = try EFIOracleNames.nvidia()
        let roms = try names.map { [UInt8](try Data(contentsOf: URL(fileURLWithPath: Repository.sharedROMs + "/" + $0))) }
        let r3070 = try #require(names.firstIndex(of: "nvidia-rtx3070-ga104-raw.rom"), "\(names)")
        let r4060 = try #require(names.firstIndex(of: "nvidia-rtx4060ti-ad106-headerless-dualcopy.rom"), "\(names)")
        // The 4060 Ti's GOP alone, added to the 3070's chain: it goes before the 0xE0 images.
        let gop = try ROMPatcher.apply({ var p = PatchPlan(); p.extract = .efi; return p }(), to: roms[r4060]).bytes
        let both = try ROMPatcher.apply({ var p = PatchPlan(); p.addEFI = gop; return p }(), to: roms[r3070])
        var hidden = both.bytes
        let nvidiaGOP = try #require(both.layout.images.first { $0.isEFI }?.pcir)
        hidden[nvidiaGOP.offset + 0x15] |= 0x80   // PCIR indicator, PCI Firmware 3.0 5.1.2: last again

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ovmf-nvidia-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let boots: [(name: String, roms: [[UInt8]])] = [("real", roms), ("both", [both.bytes]), ("hidden", [hidden])]
        let waits = try boots.map { try Self.start($0.roms, dir: dir, name: $0.name) }
        for (boot, wait) in zip(boots, waits) {
            let loaded = try wait()
            let model = boot.roms.reduce(into: Set<String>()) { $0.formUnion(Self.predicted($1)) }
            #expect(loaded == model, "\(boot.name): OVMF loaded \(loaded.sorted()), GuestFirmware.ovmf predicts \(model.sorted())")
            switch boot.name {
            case "real": #expect(loaded.count >= 2, "only \(loaded.sorted()) from \(names)")
            case "both": #expect(loaded == ["00060009 NVIDIA GPU UEFI Driver", "00070011 NVIDIA GPU UEFI Driver"], "\(loaded.sorted())")
            default: #expect(loaded == ["00060009 NVIDIA GPU UEFI Driver"], "\(loaded.sorted())")
            }
        }
        // Not every real file loads: the NVGI files' chains start past a header a ROM BAR never shows.
        let none = names.indices.filter { Self.predicted(roms[$0]).isEmpty }.map { names[$0] }
        #expect(none.contains("nvidia-rtx3080-laptop-ga104-razer-nvgi.rom"), "\(none)")
    }
}

enum EFIOracleNames {
    /// The NVIDIA ROMs of ../shared/roms: a failure under CI=true and a skip elsewhere when absent.
    static func nvidia() throws -> [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: Repository.sharedROMs)) ?? [])
            .filter { $0.hasPrefix("nvidia-") && $0.hasSuffix(".rom") }.sorted()
        try Prerequisite.require(names.count >= 6, "the NVIDIA ROMs of \(Repository.sharedROMs)")
        return names
    }
}
