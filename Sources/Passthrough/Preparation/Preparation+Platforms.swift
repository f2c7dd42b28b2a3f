import Core
import OptionROM
import PCIHost

extension Preparation {
    // MARK: - An Intel IGD: its mode, its guest firmware, its OVMF helper drivers

    /// The guest firmware an Intel IGD in legacy mode gets when none is asked: SeaBIOS
    /// (`IGDMode.defaultFirmware`), where the hypervisor has a choice; nil otherwise.
    var igdDefaultFirmware: ROMPreparation.Firmware? {
        guard firmware == nil, card.isIntelIGD, target.profile.legacyOnlyReason == nil else { return nil }
        return IGDMode.defaultFirmware(card.igdMode)
    }

    /// The guest firmware asked for, else an IGD's default; nil: the hypervisor's default.
    var guestFirmware: ROMPreparation.Firmware? { firmware ?? igdDefaultFirmware }

    /// What was decided for an IGD and why: its mode, the guest firmware it defaulted to, and
    /// what an OVMF guest of a legacy-mode IGD needs beyond Intel's GOP.
    static func igdMode(_ p: Preparation, _ plan: inout Plan) {
        guard p.card.romFunction.isIntelIGD else { return }
        plan.notes.append(.igdMode(p.card.igdMode, deviceID: p.card.romFunction.deviceID, asked: p.igdMode != nil))
        if p.igdDefaultFirmware != nil { plan.notes.append(.igdFirmwareDefault) }
        if p.card.isIntelIGD, plan.firmware == .uefi { plan.notes.append(.igdOVMFNeedsDrivers) }
    }

    /// The EDK2 drivers an IGD's OVMF guest needs ahead of Intel's GOP (`igdDrivers`), added to
    /// the ROM in order before its preparation adds the GOP (`IGDUEFIROM`).
    static func addIGDDrivers(_ p: Preparation, _ plan: inout Plan) throws(Failure) {
        guard !p.igdDrivers.isEmpty, let input = plan.input else { return }
        guard p.card.isIntelIGD, plan.firmware == .uefi, p.target.profile.legacyOnlyReason == nil else {
            throw .igdDriversNotApplicable
        }
        do {
            let r = try IGDUEFIROM.withDrivers(input, drivers: p.igdDrivers.map(\.bytes), names: p.igdDrivers.map(\.path))
            plan.input = r.bytes
            plan.assembly += r.notes
        } catch {
            throw .igdDrivers(error)
        }
    }

    // MARK: - An AMD APU: the GOP as its own ROM for the HD-audio function

    /// The GOP driver as its own ROM for the card's HD-audio function when that is the placement
    /// (asked, or `APUGOPROM.defaultPlacement`: a VBIOS from VFCT on a card with audio); the
    /// driver is then no longer added to the ROM.
    static func separateGOP(_ p: Preparation, _ plan: inout Plan) throws(Failure) {
        guard let driver = plan.driver else { return }
        let fromVFCT = plan.provenance.kind == .vfct
        guard (p.gopPlacement ?? APUGOPROM.defaultPlacement(p.card, vbiosFromVFCT: fromVFCT)) == .separate else { return }
        guard let audio = APUGOPROM.audioFunction(of: p.card) else { throw .noAudioFunction(p.card.romFunction.address) }
        let rom = p.card.romFunction
        do {
            plan.gopROM = try APUGOPROM.build(driverFile: driver, audio: audio, gpuVendor: rom.vendorID, gpuDevice: rom.deviceID,
                                              allowMismatch: p.allowBroken)
        } catch {
            throw .gopROM(error)
        }
        plan.gopROMPath = gopROMPath(plan.romPath)
        plan.driver = nil
    }

    /// Where the GOP ROM lives on the VM host: next to the ROM.
    public static func gopROMPath(_ romPath: String) -> String {
        (romPath.lastIndex(of: "/").map { String(romPath[..<$0]) } ?? ".") + "/" + APUGOPROM.fileName
    }
}
