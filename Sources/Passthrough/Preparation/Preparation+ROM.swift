import Core
import Firmware
import OptionROM
import PCIHost

extension Preparation {
    // MARK: - The ROM: out of a firmware image, a file, or the card

    static func acquireROM(_ p: Preparation, _ plan: inout Plan) throws {
        switch p.rom {
        case let .firmwareImage(path, report): try fromFirmware(p, path: path, report: report, &plan)
        case let .file(path, bytes): try fromFile(p, path: path, bytes: bytes, &plan)
        case let .device(device, read, automatic, acpi): try fromDevice(p, device, read, automatic: automatic, acpi: acpi, &plan)
        }
    }

    /// The card's legacy ROM, chosen in the firmware image by the card's IDs.
    static func fromFirmware(_ p: Preparation, path: String, report: FirmwareReport, _ plan: inout Plan) throws(Failure) {
        let rom = p.card.romFunction
        let chosen: FirmwareROMSelection.Candidate
        // The card's address picks among a raw VFCT table's entries that carry the same IDs.
        let at = (rom.address.bus, rom.address.device, rom.address.function)
        do {
            chosen = try FirmwareROMSelection.choose(report, vendorID: rom.vendorID, deviceID: rom.deviceID, address: at, igd: rom.isIntelIGD,
                                                    pick: p.firmwareCandidate)
        } catch {
            throw .firmwareROM(path: path, error)
        }
        plan.input = chosen.item.bytes
        plan.provenance = Provenance(kind: .firmwareImage, origin: "\(path): \(chosen.summary)")
        plan.provenance.path = path
        plan.provenance.exact = chosen.exact
        if !chosen.alternatives.isEmpty {
            plan.notes.append(.firmwareVariant(firmware: path, alternatives: chosen.alternatives.map(\.summary)))
        }
        if !chosen.exact, chosen.item.rom?.deviceID == 0xFFFF {
            plan.notes.append(.allDeviceVBIOS(firmware: path))
        } else if !chosen.exact {
            plan.notes.append(.inexactFirmwareMatch(firmware: path))
        }
    }

    /// A ROM file: the card's, or (when asked) another chip's given the card's IDs.
    static func fromFile(_ p: Preparation, path: String, bytes: [UInt8], _ plan: inout Plan) throws {
        let rom = p.card.romFunction
        plan.input = bytes
        plan.provenance = Provenance(kind: .file, origin: path)
        plan.provenance.path = path
        if let why = try ROMPreparation.checkChip(ROMParser.parse(bytes), file: path, card: rom.address.description,
                                                  vendorID: rom.vendorID, deviceID: rom.deviceID, igd: rom.isIntelIGD,
                                                  retarget: p.retarget) {
            plan.notes.append(.accepted(Accepted(.anotherChip, reason: why, overridden: true)))
        }
    }

    /// What was read from the card, held to the runtime-copy rule (`RuntimeCopyRule`, as doctor's
    /// rom-readable applies it); a card with nothing to read gets its configs with the ROM BAR off.
    static func fromDevice(_ p: Preparation, _ device: PCIDevice, _ read: Result<ROMReader.DeviceROM, ROMReader.Failure>,
                           automatic: Bool, acpi: [String]?, _ plan: inout Plan) throws {
        let got: ROMReader.DeviceROM
        switch read {
        case .success(let r): got = r
        case .failure(let failure):
            guard automatic, p.target.profile.legacyOnlyReason == nil, MissingROM.isAbsent(failure) else { throw failure }
            plan.noROM = MissingROM.statement(p.card, target: p.target, why: AdvisedText(describing: failure))
            return
        }
        if let accepted = try judgeRuntimeCopy(p, got, device: device) { plan.notes.append(.accepted(accepted)) }
        let kept = got.choice.kept.source
        plan.input = got.bytes
        plan.provenance = Provenance(kind: kept.name == "vfct" ? .vfct : .device,
                                     origin: "\(kept.name) (\(kept.location))" + (acpi.map { ": " + $0.joined(separator: "; ") } ?? ""))
        plan.provenance.source = kept.name
        plan.provenance.location = kept.location
        for f in got.layout.findings(.shadowCopy) + got.layout.findings(.driverCopy) { plan.notes.append(.readFinding(f)) }
        if got.choice.kept.unstable { plan.notes.append(.unstableRead) }
    }

    /// A runtime copy: accepted where the rule says it is usable (or the user overrides it),
    /// else refused with what to use instead; nil when the ROM is not a runtime copy.
    static func judgeRuntimeCopy(_ p: Preparation, _ rom: ROMReader.DeviceROM, device: PCIDevice) throws(Failure) -> Accepted? {
        guard rom.choice.kept.source.isShadowCopy else { return nil }
        let hasROMBAR = (device.romRegister?.address ?? 0) != 0
        switch RuntimeCopyRule.judge(device, for: p.target, hasROMBAR: hasROMBAR) {
        case let .usable(note):
            return Accepted(.runtimeCopy, reason: "\(device.address): \(note)", overridden: false)
        case let .refused(reason, instead):
            guard p.allowBroken else { throw .runtimeCopy(reason: reason, instead: instead) }
            return Accepted(.runtimeCopy, reason: reason, overridden: true)
        }
    }

    // MARK: - An EFI driver for OVMF guests

    /// The driver the user gave, or, for an OVMF guest whose ROM came out of a firmware image,
    /// the GOP driver the same image holds for the card's vendor (an APU's AMDGopDriver).
    static func chooseGOP(_ p: Preparation, _ plan: inout Plan) {
        switch p.gop {
        case .file(_, let bytes):
            plan.driver = bytes
        case .automatic:
            guard case let .firmwareImage(path, report) = p.rom, let input = plan.input,
                  p.target.profile.legacyOnlyReason == nil, plan.firmware == .uefi else { return }
            let outcome = FirmwareGOPSelection.forPreparation(report, rom: input, vendorID: p.card.romFunction.vendorID)
            if case .chosen(let c) = outcome {
                plan.gop = c
                plan.driver = c.item.bytes
            }
            plan.gopAdvice = outcome.advice(firmwarePath: path).map(p.wording)
        }
    }
}
