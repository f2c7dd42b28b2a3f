import Foundation
import OptionROM
import PCIHost
import Passthrough
import TestSupport
import Testing

/// `Preparation`: the request `prepare` sends, and the plan it gets back without anything
/// written. Judged by the ROM parser on the planned bytes and by the writers' own outputs.
@Suite struct PreparationRequestTests {
    static func request(_ rom: [UInt8], target: PassthroughTarget = .qemu) -> Preparation {
        Preparation(card: Fixture.radeon(), devices: [], rom: .file(path: "/in/card.rom", bytes: rom), target: target, outDir: "/srv/vm")
    }

    @Test func aPlanHoldsTheFilesTheirKindsAndWhereTheROMCameFrom() throws {
        let plan = try Self.request(Fixture.legacyImage(blocks: 4)).plan()
        #expect(plan.files.map(\.name) == ["bios.bin", "qemu-args.txt"])
        #expect(plan.files.map(\.kind) == [.rom, .config])
        #expect(plan.files.allSatisfy { $0.mode == 0o644 })
        #expect(plan.provenance.kind == .file && plan.provenance.path == "/in/card.rom")
        #expect(plan.romPath == "/srv/vm/bios.bin" && plan.firmware == .uefi)
        let rom = ROMParser.parse(plan.files[0].bytes)
        #expect(rom.legacyImage?.pcir?.vendorID == 0x1002 && rom.legacyImage?.checksumValid == true)
        #expect(String(decoding: plan.files[1].bytes, as: UTF8.self).contains("romfile=/srv/vm/bios.bin"))
        #expect(plan.acceptances.isEmpty && plan.noROM == nil)
        #expect(plan.steps == QEMUProfile().nextSteps(Fixture.radeon(), outDir: "/srv/vm", romPath: nil, hasROM: true))
        #expect(!FileManager.default.fileExists(atPath: "/srv/vm/bios.bin"), "a plan writes nothing")
    }

    @Test func anotherChipsROMIsAcceptedOnlyWhenRetargeted() throws {
        let other = Fixture.legacyImage(blocks: 4, vendor: 0x1002, device: 0x1234)
        #expect(throws: ROMPreparation.AnotherChip.self) { try Self.request(other).plan() }
        var p = Self.request(other)
        p.retarget = true
        let plan = try p.plan()
        #expect(plan.acceptances.map(\.kind) == [.anotherChip] && plan.acceptances[0].overridden)
        #expect(plan.notes.map(\.code) == ["another-chip"])
        #expect(ROMParser.parse(plan.files[0].bytes).legacyImage?.pcir?.deviceID == 0x6819, "the card's IDs written")
    }

    @Test func aCardWithNoROMGetsItsConfigsWithTheROMBAROff() throws {
        let host = try FakeHost("radeon-hd7850")
        defer { host.remove() }
        let root = SysfsRoot(host.root)
        let address = PCIAddress(domain: 0, bus: 1, device: 0, function: 0)
        let slot = try PCIBus.scan(root, requiring: [address]).slot(of: address)
        let absent = ROMReader.Failure.nothingToRead(address: address, romPath: host.root + "/rom")
        var p = Preparation(card: try PassthroughCard(slot: slot), devices: slot.functions,
                            rom: .device(slot.named, read: .failure(absent), automatic: true, acpi: nil), target: .qemu, outDir: "/srv/vm")
        let plan = try p.plan()
        #expect(plan.files.map(\.name) == ["qemu-args.txt"] && plan.files[0].kind == .config)
        #expect(String(decoding: plan.files[0].bytes, as: UTF8.self).contains("rombar=0"))
        #expect(plan.noROM != nil && plan.prepared == nil && plan.provenance.kind == .none)
        // Xen keeps only the legacy image and has no ROM BAR to turn off: the failure stands.
        p.target = .xen
        #expect(throws: ROMReader.Failure.self) { try p.plan() }
        // A source asked for by name that reads nothing is an error, not "no ROM".
        p.target = .qemu
        p.rom = .device(slot.named, read: .failure(absent), automatic: false, acpi: nil)
        #expect(throws: ROMReader.Failure.self) { try p.plan() }
    }

    @Test func aRefusedROMPathIsAFailureBeforeAnythingIsRead() {
        var p = Self.request(Fixture.legacyImage(blocks: 4), target: .proxmox)
        p.romPath = "/srv/vm/card.rom"
        #expect {
            try p.plan()
        } throws: { error in
            guard case .romPath? = error as? Preparation.Failure else { return false }
            return true
        }
    }

    @Test func aStageAddedToTheListRunsInItsPlace() throws {
        var p = Self.request(Fixture.legacyImage(blocks: 4))
        #expect(p.stages.map(\.name) == ["rom", "igd-mode", "gop", "gop-rom", "igd-drivers", "prepare-rom", "broken-rom", "files", "next-steps"])
        #expect(ROMPreparation.steps.map(\.name) == ["keep-images", "add-efi", "set-ids", "checksums", "consumers"])
        // What a platform's step does (an APU's GOP for the audio function): a file of its own.
        p.add(Preparation.Stage("extra") { _, plan in
            plan.files.append(Preparation.File(name: "gop-audio.rom", bytes: plan.prepared?.bytes ?? [], kind: .rom))
        }, after: "files")
        #expect(p.stages.map(\.name) == ["rom", "igd-mode", "gop", "gop-rom", "igd-drivers", "prepare-rom", "broken-rom", "files", "extra", "next-steps"])
        let plan = try p.plan()
        #expect(plan.files.map(\.name) == ["bios.bin", "qemu-args.txt", "gop-audio.rom"])
        #expect(plan.files[2].bytes == plan.files[0].bytes)
    }

    /// The platform stages through the request: an APU-style GOP ROM for the audio function
    /// (its own file, the writer naming it on that function, the ROM's no-efi-image note
    /// answered), and an IGD's mode deciding its guest firmware and the writer's legacy settings.
    @Test func platformStagesGiveTheGOPItsOwnROMAndDecideAnIGDsMode() throws {
        var p = Self.request(Fixture.legacyImage(blocks: 4))
        p.gop = .file(path: "/in/gop.efi", bytes: ROMBuilder.peStub(machine: ROMBuilder.x64, subsystem: 11) + [UInt8](repeating: 0, count: 0x200))
        p.gopPlacement = .separate
        p.allowBroken = true
        let plan = try p.plan()
        #expect(plan.files.map(\.name) == ["bios.bin", "qemu-args.txt", "gop.rom"] && plan.files[2].kind == .rom)
        #expect(ROMParser.parse(plan.files[0].bytes).efiImages.isEmpty, "the GOP is not also in the ROM")
        let gop = ROMParser.parse(plan.files[2].bytes).images
        #expect(gop.count == 1 && gop[0].pcir?.deviceID == 0xAAB0 && gop[0].isEFI)
        #expect(String(decoding: plan.files[1].bytes, as: UTF8.self).contains("host=0000:01:00.1,romfile=/srv/vm/gop.rom"))
        #expect(!plan.findings.contains { $0.code == .noEFIImage } && plan.prepared?.notes.contains { $0.code == .noEFIImage } == true)
        #expect(plan.steps.last?.contains("0000:01:00.1") == true)

        let igd = Preparation(card: Fixture.igd(), devices: [], rom: .file(path: "/in/igd.rom", bytes: Fixture.legacyImage(blocks: 4, vendor: 0x8086, device: 0x0412)),
                              target: .qemu, outDir: "/srv/vm")
        var upt = igd
        upt.igdMode = .upt
        let legacyPlan = try igd.plan(), uptPlan = try upt.plan()
        #expect(legacyPlan.firmware == .bios && uptPlan.firmware == .uefi, "SeaBIOS is legacy mode's default")
        #expect(legacyPlan.notes.map(\.code) == ["igd-mode", "igd-firmware-default"], "\(legacyPlan.notes.map(\.code))")
        #expect(uptPlan.notes.map(\.code) == ["igd-mode"], "\(uptPlan.notes.map(\.code))")
        let args = { (plan: Preparation.Plan) in String(decoding: plan.files[1].bytes, as: UTF8.self) }
        #expect(args(legacyPlan).contains("addr=02.0") && !args(uptPlan).contains("addr=02.0"), "\(args(uptPlan))")
    }
}
