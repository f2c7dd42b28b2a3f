import Core
import Firmware
import OptionROM
import PCIHost
import Passthrough

/// `prepare`'s words: the plan's notes, refusals, the report and `--json`'s object. The library
/// returns values (`Preparation.Plan`, `Preparation.Failure`); the flags are named only here.
extension Prepare {
    /// What happened on the way, on stderr, in the order it happened.
    func renderNotes(_ plan: Preparation.Plan, card: PassthroughCard) {
        for note in plan.notes {
            let (warning, text) = words(note, plan: plan, card: card)
            if warning { Terminal.warn(text) } else { Terminal.note(text) }
        }
    }

    /// A note in words, and whether it is a warning (else a note for a person).
    func words(_ note: Preparation.Note, plan: Preparation.Plan, card: PassthroughCard) -> (warning: Bool, text: String) {
        switch note {
        case .inexactFirmwareMatch(let firmware):
            return (true, "\(firmware) has no ROM naming \(card.romFunction.pciIDs) itself; using one whose device list includes it.")
        case .accepted(let a):
            return words(a, file: plan.provenance.path ?? "", romPath: plan.romPath)
        case .readFinding(let f):
            return (true, f.message)
        case .unstableRead:
            return (true, "two reads of the ROM differed: unbind the card's driver and run prepare again.")
        case .rangesIgnored:
            return (true, "--iomem is for Xen's xl.cfg; ignored for \(target.rawValue).")
        case .allDeviceVBIOS(let firmware):
            return (false, "\(firmware) has no ROM naming \(card.romFunction.pciIDs) itself; using Intel's all-device VBIOS (8086:ffff), the IGD's own.")
        case let .igdMode(mode, deviceID, asked):
            return (false, IGDMode.statement(mode, deviceID: deviceID, asked: asked))
        case .igdFirmwareDefault:
            return (false, IGDMode.firmwareStatement + " --firmware uefi asks for OVMF.")
        case .igdOVMFNeedsDrivers:
            return (false, IGDMode.uefiStatement)
        case let .firmwareVariant(firmware, others):
            return (true, "\(firmware) holds \(others.count + 1) variants of \(card.romFunction.pciIDs)'s ROM (the same IDs and length, "
                + "a few bytes apart: a table the firmware picks at run time); took the first by address. If the card's own ROM "
                + "can be read, compare it; to take another, pass --rom-candidate N: "
                + others.enumerated().map { "\($0.offset + 2): \($0.element)" }.joined(separator: "; ") + ".")
        }
    }

    func words(_ a: Preparation.Accepted, file: String, romPath: String) -> (warning: Bool, text: String) {
        switch (a.kind, a.overridden) {
        case (.anotherChip, _):
            return (true, "\(file): \(a.reason); --retarget: its IDs are set to the card's. Make sure it really is this card's ROM (same board, same memory).")
        case (.runtimeCopy, false):
            return (false, "\(a.reason).")
        case (.runtimeCopy, true):
            return (true, "\(a.reason); used anyway (--allow-broken).")
        case (.brokenROM, _):
            return (true, "\(romPath): verdict fail, written anyway (--allow-broken): " + Self.errorList(a.errors))
        }
    }

    static func errorList(_ errors: [Finding]) -> String {
        errors.map { "\($0.code): \($0.message)" }.joined(separator: "; ")
    }

    /// A refusal in the CLI's words (the flags that help); other errors as they are.
    func words(_ error: any Error, card: PassthroughCard) -> any Error {
        guard let failure = error as? Preparation.Failure else { return error }
        switch failure {
        case .romPath(let refused):
            return UserError("--rom-path: \(refused.message)")
        case let .firmwareROM(path, why):
            return UserError("\(path): \(why.worded)", path: path)
        case let .runtimeCopy(reason, instead):
            let next = instead == .readFlash
                ? "read the flash with --source rombar, or use the vendor's ROM file with --rom FILE"
                : "use the vendor's ROM file for this exact card with --rom FILE, or make another GPU the boot display and read it again"
            return BrokenROM(description: "\(reason). Nothing was written: \(next), or pass --allow-broken to use the copy anyway.",
                             path: nil, code: "runtime-copy")
        case let .unprepared(why, gop):
            let from = gop.map { " (adding the GOP driver \($0.summary) from \(romFrom ?? "the firmware"); pass --add-efi FILE to pick another)" } ?? ""
            return UserError("\(card.romFunction.address): \(why.message)\(from)", exitCode: 1)
        case let .broken(errors, origin, output):
            return BrokenROM(description: "the ROM from \(origin) has the verdict fail (" + Self.errorList(errors)
                + "); nothing was written to \(output). To fix it, use another ROM (--rom FILE, --rom-from FIRMWARE); "
                + "or pass --allow-broken to write it anyway.", path: output)
        case .noAudioFunction, .gopROM, .igdDriversNotApplicable, .igdDrivers:
            return platformWords(failure, card: card)
        }
    }

    /// A platform stage's refusal (an APU's GOP ROM, an IGD's helper drivers) in the CLI's words.
    func platformWords(_ failure: Preparation.Failure, card: PassthroughCard) -> any Error {
        switch failure {
        case .noAudioFunction(let address):
            return UserError("--gop-rom separate: \(address)'s slot has no HD-audio function to carry the GOP ROM; use --gop-rom merged.", exitCode: 64)
        case .gopROM(let why):
            return UserError("\(card.romFunction.address): \(why.message)" + (allowBroken ? "" : " (--allow-broken pairs them anyway)"), exitCode: 1)
        case .igdDriversNotApplicable:
            return UserError("--igd-efi is for an Intel IGD in legacy mode with an OVMF guest (--firmware uefi).", exitCode: 64)
        case .igdDrivers(let why):
            return UserError("\(card.romFunction.address): \(why.message)", exitCode: 1)
        default:
            return failure
        }
    }

    /// Why there is no ROM, with the options that would give one.
    static func noROM(_ plan: Preparation.Plan) -> String? {
        plan.noROM.map { NextStepWording.text($0) + " (--rom FILE, --rom-from FIRMWARE)" }
    }

    /// The report for a person: the ROM, what was done to it, who accepts it, the files, the next steps.
    func render(_ plan: Preparation.Plan, card: PassthroughCard, dir: String) {
        let rom = card.romFunction
        if let input = plan.input { Terminal.out("ROM of \(rom.address) (\(rom.pciIDs)) from \(plan.provenance.origin): \(input.count) bytes") }
        if let noROM = Self.noROM(plan) { Terminal.warn(noROM) }
        if let gop = plan.gop, let romFrom {
            Terminal.out("GOP driver from \(romFrom): \(gop.summary), added as an EFI image (chosen by its "
                + gop.evidence.joined(separator: " and ") + "); pass --add-efi FILE to use another.")
        }
        // Warnings first, then the acceptance of what was chosen: the hypervisor, and SeaBIOS
        // only for a BIOS guest (an OVMF guest never runs the legacy image).
        let notes = plan.findings
        for n in notes where n.severity != .info { Terminal.warn(n.message) }
        for n in notes where n.severity == .info { Terminal.out("  " + n.message) }
        for a in plan.prepared?.acceptance ?? [] where a.profile != .seabios || plan.firmware == .bios {
            let w = a.problems.filter { $0.severity != .info }
            Terminal.out("\(a.profile.displayName): " + (a.ok ? "accepts " : "would refuse ") + (plan.files.first?.name ?? "bios.bin")
                + (w.isEmpty ? "" : " (\(w.count) warning\(w.count == 1 ? "" : "s"))"))
            for p in w { Terminal.out("  \(p.severity == .error ? "error" : "warning"): \(p.message)") }
        }
        Terminal.out(dryRun ? "dry run: would write into \(dir) (nothing written):" : "wrote into \(dir):")
        for f in plan.files { Terminal.out("  \(f.name) (\(f.bytes.count) bytes)") }
        Terminal.out("")
        Terminal.write(1, NextSteps.text(plan.steps, target: target, card: card))
    }
}
