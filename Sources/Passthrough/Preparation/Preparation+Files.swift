import Core
import Firmware
import OptionROM
import PCIHost

extension Preparation {
    // MARK: - The ROM prepared for the target (ROMPreparation's steps)

    static func prepareROM(_ p: Preparation, _ plan: inout Plan) throws(Failure) {
        guard let input = plan.input else { return }
        let rom = p.card.romFunction
        // The BAR as the kernel sizes it; a shadowed one stands for the 0xC0000 copy, not the flash.
        let bar = (p.romDevice ?? p.devices.first)?.rom.flatMap { $0.shadowed ? nil : Int(exactly: $0.size) }
        var options = ROMPreparation.Options(romPath: plan.romPath, addEFI: plan.driver, romBarSize: bar)
        options.firmware = p.guestFirmware
        options.efiAdvice = plan.gopAdvice
        options.allowGOPMismatch = p.allowBroken
        do {
            plan.prepared = try ROMPreparation.prepare(input, vendorID: rom.vendorID, deviceID: rom.deviceID, for: p.target,
                                                       options: options)
        } catch {
            throw .unprepared(error, gop: plan.gop)
        }
    }

    /// A prepared ROM whose verdict is fail is refused, unless the user accepts it.
    static func checkBroken(_ p: Preparation, _ plan: inout Plan) throws(Failure) {
        guard let prepared = plan.prepared else { return }
        let layout = ROMParser.parse(prepared.bytes)
        guard layout.verdict == .fail else { return }
        let errors = Array(layout.findings.filter { $0.severity == .error }.prefix(3))
        guard p.allowBroken else { throw .broken(errors: errors, origin: plan.provenance.origin, output: plan.romPath) }
        plan.notes.append(.accepted(Accepted(.brokenROM, reason: "\(plan.romPath): verdict fail", overridden: true, errors: errors)))
    }

    // MARK: - The files and the next steps (the hypervisor profile's writers)

    static func makeFiles(_ p: Preparation, _ plan: inout Plan) throws {
        let profile = p.target.profile
        // UPT: the IGD is a secondary display beside the guest's emulated VGA.
        let upt = p.card.romFunction.isIntelIGD && p.card.igdMode == .upt
        var options = ConfigFiles.Options(romPath: plan.romPath, primaryDisplay: p.primaryDisplay ?? (upt ? false : nil),
                                          ranges: p.mapBARs && profile.mapsBARs ? PassthroughCard.ranges(of: p.devices) : nil)
        options.firmware = p.guestFirmware
        options.romBAR = plan.prepared != nil
        if let gop = plan.gopROM, let path = plan.gopROMPath { options.functionROMs[gop.function.address] = path }
        let files = try ConfigFiles.files(p.card, rom: plan.prepared?.bytes, for: p.target, options: options)
        plan.files = files.enumerated().map { i, f in
            File(name: f.name, bytes: f.bytes, kind: i == 0 && plan.prepared != nil ? .rom : .config)
        }
        if let gop = plan.gopROM { plan.files.append(File(name: APUGOPROM.fileName, bytes: gop.bytes, kind: .rom)) }
        if p.mapBARs, !profile.mapsBARs { plan.notes.append(.rangesIgnored) }
    }

    static func addNextSteps(_ p: Preparation, _ plan: inout Plan) {
        plan.steps = p.target.profile.nextSteps(p.card, outDir: p.outDir, romPath: p.romPath, hasROM: plan.prepared != nil)
        if let gop = plan.gopROM, let path = plan.gopROMPath { plan.steps.append(APUGOPROM.nextStep(gop, path: path)) }
    }
}
