import OptionROM
import PCIHost
import Core

extension HostDoctor {
    func romReadable(_ card: Card) -> DoctorCheck {
        let v = card.display
        // Read only: a disabled ROM is reported, never enabled; the ROM BAR is not touched.
        let reader = ROMReader(root: sysfs, memory: memory, access: .readOnly)
        do throws(ROMReader.Failure) {
            let sources = try reader.sources(for: v)
            // A laptop dGPU: the ACPI _ROM/ATRM image and the driver's copy, when the ROM BAR gives nothing.
            let fallbacks = reader.fallbackSources(for: v)
            let choice: ROMReader.Choice
            do throws(ROMReader.Failure) { choice = try ROMReader.choose(sources) } catch {
                if fallbacks.isEmpty { throw error }
                choice = try ROMReader.choose(sources + fallbacks)
            }
            let kept = choice.kept
            let what = kept.contents ?? ""
            let offered = fallbacks.isEmpty ? "" : "; beyond the ROM BAR, this host offers " + fallbacks.map(\.name).joined(separator: " and ")
            if kept.source.isShadowCopy {
                return runtimeCopy(v, seen: "readable now only as the runtime copy: \(kept.source.name) (\(kept.source.location)): \(what) (the best of \(sources.map(\.name).joined(separator: ", ")))" + offered,
                                   location: kept.source.location, what: what)
            }
            return DoctorCheck(.romReadable, .ok, "readable now from \(kept.source.name) (\(kept.source.location)): \(what); \(NextStep(.dump, v.address.description)) reads the same" + offered)
        } catch {
            switch error {
            // Not the boot display, yet its ROM resource is the 0xC0000 shadow (x86 gives it to every
            // decoding VGA on the root bus): `rom` is the boot display's BIOS, not this card's.
            case .notBootVGAShadow:
                if let kept = try? ROMReader.choose(reader.fallbackSources(for: v)).kept {
                    return DoctorCheck(.romReadable, .ok, "readable now from \(kept.source.name) (\(kept.source.location)): \(kept.contents ?? "") "
                        + "(its `rom` is the boot display's shadow, not this card's)")
                }
                return DoctorCheck(.romReadable, .fail, "\(v.address) is not the boot display (boot_vga 0) but the kernel gave it the 0xC0000 shadow as its ROM: \(sysfs.attribute(v.address, "rom")) reads the boot display's BIOS, not this card's, and there is no ROM BAR to read the flash through",
                                   fixes: ["Use the card's own ROM file (the vendor's, or one dumped where the card is the boot display): \(NextStep(.prepareWithROMFile, v.address.description)); or move the card to a slot behind a PCIe root port."])
            case .nothingToRead:
                return DoctorCheck(.romReadable, .fail, "\(v.address) has no ROM resource (no \(sysfs.attribute(v.address, "rom"))) and is not the boot display: nothing to read",
                                   fixes: ["Take the ROM from the vendor's file or from a firmware image (\(NextStep(.extractROMs))), then \(NextStep(.prepareWithROMFile, v.address.description))."])
            case let .nothingRead(candidates):
                let errors = candidates.map { $0.error?.advice ?? $0.summary }
                if candidates.allSatisfy({ $0.error?.isDisabledNow == true }) {
                    return DoctorCheck(.romReadable, .ok, "the ROM is disabled now and doctor does not enable it, so it was not read; \(NextStep(.dump, v.address.description)) enables it through sysfs, reads it and disables it again")
                }
                if candidates.contains(where: { $0.error?.isPermissionDenied == true }) {
                    return DoctorCheck(.romReadable, .warn, "cannot read the ROM as this user: " + joined(errors),
                                       fixes: ["Run \(NextStep(.doctorAsRoot, v.address.description))."])
                }
                return DoctorCheck(.romReadable, .fail, "no readable ROM: " + joined(errors),
                                   fixes: ["Try \(NextStep(.dumpFromROMBAR, v.address.description)) (enables the ROM BAR directly), or use the vendor's ROM file with \(NextStep(.prepareWithROMFile, v.address.description))."])
            }
        }
    }

    /// The sources' failures, one after another.
    private func joined(_ errors: [AdvisedText]) -> AdvisedText {
        var text = AdvisedText()
        for (i, e) in errors.enumerated() { text += (i == 0 ? "" : "; ") + e }
        return text
    }

    /// Only a runtime copy can be read: the one rule prepare and dump apply too (RuntimeCopyRule).
    func runtimeCopy(_ v: PCIDevice, seen: String, location: String, what: String) -> DoctorCheck {
        let hasROMBAR = (v.romRegister?.address ?? 0) != 0
        let evidence = [DoctorCheck.Evidence(location, what),
                        DoctorCheck.Evidence(sysfs.attribute(v.address, "config") + "@0x30", hasROMBAR ? "ROM BAR set" : "no ROM BAR address")]
        switch RuntimeCopyRule.judge(v, for: target, hasROMBAR: hasROMBAR) {
        case let .usable(note):
            return DoctorCheck(.romReadable, .warn, "\(seen); for \(target.rawValue) it is usable: \(note)", evidence: evidence)
        case let .refused(reason, instead):
            return DoctorCheck(.romReadable, .fail, "\(seen); \(target.rawValue) cannot use it: \(reason)", evidence: evidence,
                               steps: [instead == .readFlash
                                   ? .init(.readFlash, v.address.description, why: "the card has a ROM BAR: the flash holds the pristine image")
                                   : .init(.romFile, v.address.description, why: "no ROM BAR to read the flash through: use the vendor's file for this exact card (same subsystem IDs), or make another GPU the boot display and read it again")])
        }
    }
}
