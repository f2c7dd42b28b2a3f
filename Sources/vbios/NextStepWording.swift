import Core

/// The CLI's words for each `NextStep` a library returns: the flags and commands that take the
/// step. One case each, exhaustive, so a new action is worded here or the build fails. A library's
/// `AdvisedText` reaches the user through `NextStepWording.text`.
enum NextStepWording {
    static func words(_ step: NextStep) -> String {
        switch step.action {
        case .allowBroken: return "`--allow-broken`"
        case .runAsRoot: return "run vbios as root"
        case .romFile: return "`--rom \(step.value ?? "FILE")`"
        case .romFromFirmware: return "`--rom-from \(step.value ?? "FIRMWARE")`"
        case .choose: return step.value ?? ""
        case .command: return "`\(step.value ?? "")`"
        case .readSource: return "`--source \(step.value ?? "auto")`"
        case .unbind: return "`vbios unbind`"
        case .scan: return step.value.map { "`vbios scan \($0)`" } ?? "`vbios scan`"
        case .list: return "`vbios list`"
        case .listAll: return "`vbios list --all" + (step.value.map { " --sysfs \($0)" } ?? "") + "`"
        case .dump: return step.value.map { "`vbios dump \($0) -o card.rom`" } ?? "`vbios dump`"
        case .dumpToFile: return "`vbios dump \(step.value ?? "ADDR") -o FILE`"
        case .checkSysfsTree: return "--sysfs"
        case .prepareWithROMFile: return "`vbios prepare \(step.value.map { $0 + " " } ?? "")--rom FILE`"
        case .replace: return "--force"
        case .bindWith: return "`--to \(step.value ?? "DRIVER")`"
        case .bindToVFIO: return "`vbios bind \(step.value ?? "ADDR") --to vfio-pci`"
        case .doctor: return "`vbios doctor\(step.value.map { " " + $0 } ?? "")`"
        case .doctorAsRoot: return "`sudo vbios doctor\(step.value.map { " " + $0 } ?? "")`"
        case .dumpFromROMBAR: return "`vbios dump \(step.value ?? "ADDR") --source rombar -o card.rom`"
        case .extractROMs: return "`vbios scan FILE --out-dir DIR`"
        case .prepare: return "`vbios prepare \(step.value ?? "ADDR")`"
        case .persistPciback: return "`vbios persist \(step.value ?? "ADDR") --to pciback`"
        case .scanFirmware: return "`vbios scan \(step.value ?? "FILE") --out-dir DIR`"
        case .addEFIDriver: return "--add-efi FILE"
        case .patch: return "`vbios patch --\(step.value ?? "help")`"
        case .prepareWithROM: return "`vbios prepare --rom`"
        case .prepareFor: return "`vbios prepare --for \(step.value ?? "TARGET")`"
        case .dumpFromROMBARSource: return "`vbios dump --source rombar`"
        case .patchCommand: return "vbios patch --\(step.value ?? "help")"
        case .with: return "--with \(step.value ?? "ADDR")"
        case .retarget: return "--retarget"
        case .dumpDevice: return "`vbios dump \(step.value ?? "ADDR")`"
        case .patcherOption: return "--\(step.value ?? "")"
        case .firmware: return "--firmware \(step.value ?? "bios")"
        case .persistOrRemove: return "`vbios persist ADDR [--remove]`"
        case .bindEachTo: return "`vbios bind ADDR --to \(step.value ?? "DRIVER")`"
        case .firmwareCandidate: return "--rom-candidate \(step.value ?? "N")"
        }
    }

    /// A library's text with its steps in the CLI's words.
    static func text(_ advice: AdvisedText) -> String { advice.worded(words) }

    /// What `value` says to a person: an `Advised` value's text worded here, anything else as it
    /// describes itself.
    static func text(of value: Any) -> String {
        if let advised = value as? any Advised { return text(advised.advice) }
        return String(describing: value)
    }
}
