import OptionROM
import PCIHost
import Passthrough

/// A ROM about to be written whose verdict is `fail`, or a runtime copy the target cannot use
/// (`RuntimeCopyRule`): refused, exit 1, nothing written, unless `--allow-broken`. Every command
/// that writes a ROM from a device (`dump`, `prepare`) goes through here.
struct BrokenROM: Error, CustomStringConvertible {
    var description: String
    var path: String?
    /// The `--json` error code: `broken-rom` (verdict fail) or `runtime-copy` (the rule refused it).
    var code = "broken-rom"

    /// Refuses `layout` (what would be written to `output`) when its verdict is fail.
    static func check(_ layout: ROMLayout, writing output: String, from origin: String, allowBroken: Bool,
                      instead: String = "read it from another source (--source), or use the vendor's ROM file") throws {
        guard layout.verdict == .fail else { return }
        let errors = layout.findings.filter { $0.severity == .error }.prefix(3).map { "\($0.code): \($0.message)" }
        if allowBroken {
            Terminal.warn("\(output): verdict fail, written anyway (--allow-broken): " + errors.joined(separator: "; "))
            return
        }
        throw BrokenROM(description: "the ROM from \(origin) has the verdict fail (" + errors.joined(separator: "; ")
            + "); nothing was written to \(output). To fix it, \(instead); or pass --allow-broken to write it anyway.",
            path: output)
    }

    /// Applies the runtime-copy rule to what was read from `device` for `target` (nil: kept as a file).
    static func checkRuntimeCopy(_ rom: ROMReader.DeviceROM, device: PCIDevice, for target: PassthroughTarget?, allowBroken: Bool) throws {
        guard rom.choice.kept.source.isShadowCopy else { return }
        let hasROMBAR = (device.romRegister?.address ?? 0) != 0
        switch RuntimeCopyRule.judge(device, for: target, hasROMBAR: hasROMBAR) {
        case let .usable(note):
            Terminal.note("\(device.address): \(note).")
        case let .refused(reason, instead):
            let next = instead == .readFlash
                ? "read the flash with --source rombar, or use the vendor's ROM file with --rom FILE"
                : "use the vendor's ROM file for this exact card with --rom FILE, or make another GPU the boot display and read it again"
            if allowBroken {
                Terminal.warn("\(reason); used anyway (--allow-broken).")
                return
            }
            throw BrokenROM(description: "\(reason). Nothing was written: \(next), or pass --allow-broken to use the copy anyway.", path: nil, code: "runtime-copy")
        }
    }
}
