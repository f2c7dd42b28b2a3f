import ArgumentParser
import OptionROM
import PCIHost
import Passthrough
import Core

struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the host and the card for passthrough: IOMMU, interrupt remapping, kernel options, Xen, IOMMU group, host drivers, boot display, framebuffers, reset, BARs, ROM.",
        discussion: ExitStatus.discussion("""
            Each finding is `ok`, `warn`, `fail` or `unknown` with a stable id (the README's table), what it read and where, and the exact next step. Reads only: the ROM is \
            never enabled and no driver is bound. Without ADDR only the host is \
            checked and the display devices are listed.
            """, ExitStatus.doctor))

    @Argument(help: "The card, DDDD:BB:DD.F or BB:DD.F (any function of its slot).", completion: PCICompletion.addresses, transform: PCIAddress.init(parsingArgument:))
    var address: PCIAddress?

    @Option(name: .customLong("for"), help: "The hypervisor: \(PassthroughTarget.allCases.map(\.rawValue).joined(separator: ", ")) (default: xen on a Xen host, else qemu).")
    var target: PassthroughTarget?

    @Option(name: .long, help: ArgumentHelp("The root of the files doctor reads: ROOT/proc/cmdline, ROOT/boot, ROOT/etc/modprobe.d, ROOT/lib/modules, and ROOT/sys unless --sysfs names the sys tree.", valueName: "DIR"),
            completion: .directory)
    var root: String = "/"

    @Option(name: .long, help: ArgumentHelp("The sys tree, as every other command takes it (default: ROOT/sys).", valueName: "SYSFS"),
            completion: .directory)
    var sysfs: String?

    @Option(name: .customLong("dev-mem"), help: ArgumentHelp("The file that stands for /dev/mem (default ROOT/dev/mem), read for the boot display's 0xC0000 copy.", valueName: "PATH"), completion: .file())
    var devMem: String?

    @Option(name: .customLong("dev-mem-base"), help: ArgumentHelp("Physical address of the first byte of --dev-mem, in hex. (default: 0)", valueName: "ADDR"),
            transform: HexAddress.init(parsingArgument:))
    var devMemBase = HexAddress(0)

    @OptionGroup var global: GlobalOptions

    /// A structured next step in the CLI's words.
    static func words(_ s: DoctorCheck.Step) -> String {
        switch s.kind {
        case .command: return "`\(s.value)` (\(s.why))"
        case .kernelParameter:
            return "Add `\(s.value)` to the kernel command line (GRUB_CMDLINE_LINUX_DEFAULT in \(s.file ?? "/etc/default/grub"), then `update-grub`) and reboot: \(s.why)."
        case .modprobeLine: return "Add `\(s.value)` to \(s.file ?? "a file in /etc/modprobe.d"): \(s.why)."
        case .loadModule: return "`modprobe \(s.value)` (\(s.why))"
        case .bind: return "`vbios bind \(s.value) --to \(s.driver ?? "vfio-pci")`: \(s.why)."
        case .readFlash: return "`vbios dump \(s.value) --source rombar -o card.rom`, then `vbios prepare \(s.value) --rom card.rom`: \(s.why)."
        case .romFile: return "`vbios prepare \(s.value) --rom FILE`: \(s.why)."
        case .firmwareSetting: return "In the firmware setup: \(s.value) (\(s.why))."
        case .guest: return "\(s.value) (\(s.why))"
        }
    }

    func run() throws {
        let host = HostRoot(root, sysfs: sysfs)
        try HostVocabulary.check(host, root: root, sysfs: sysfs)
        let chosen = target ?? HostDoctor.defaultTarget(host)
        let doctor = HostDoctor(host: host, target: chosen, memory: PhysicalMemory(path: devMem ?? host.join("/dev/mem"), base: devMemBase.value))
        let parsed = address
        let checks = try doctor.run(address: parsed)
        let displays = parsed == nil ? doctor.displayDevices() : []
        if global.json {
            var pairs: [(String, JSON)] = [("root", .string(host.path)), ("target", .string(chosen.rawValue))]
            if let parsed { pairs.append(("address", .string(parsed.description))) }
            pairs.append(("checks", .array(checks.map { c in
                var o: [(String, JSON)] = [("id", .string(c.id.rawValue)), ("status", .string(c.status.rawValue)), ("message", .string(NextStepWording.text(c.message)))]
                let fixes = c.fixes.map(NextStepWording.text) + c.steps.map(Self.words)
                if !fixes.isEmpty { o.append(("fix", .string(fixes.joined(separator: "\n")))) }
                o.append(("evidence", .array(c.evidence.map { .object([("source", .string($0.source)), ("value", .string($0.value))]) })))
                o.append(("steps", .array(c.steps.map { s in
                    .object([("kind", .string(s.kind.rawValue)), ("value", .string(s.value)), ("file", .optional(s.file)),
                             ("driver", .optional(s.driver)), ("why", .string(s.why)), ("text", .string(Self.words(s)))])
                })))
                return .object(o)
            })))
            if parsed == nil {
                pairs.append(("displayDevices", .array(displays.map { d in
                    .object([("address", .string(d.address.description)), ("vendorID", .hex4(d.vendorID)), ("deviceID", .hex4(d.deviceID)),
                             ("bootVGA", .bool(d.bootVGA)), ("driver", .optional(d.driver)),
                             ("iommuGroup", .optional(d.iommuGroup.flatMap { Int($0) }))])
                })))
            }
            Terminal.out(JSON.object(pairs).rendered())
        } else {
            if target == nil { Terminal.note("checking for \(chosen.rawValue) (name another with --for \(PassthroughTarget.allCases.map(\.rawValue).joined(separator: "|")))") }
            for c in checks {
                let status = c.status.rawValue + String(repeating: " ", count: max(0, 4 - c.status.rawValue.count))
                Terminal.out("\(status)  \(c.id): \(NextStepWording.text(c.message))")
                for e in c.evidence { Terminal.out("      read: \(e.source): \(e.value)") }
                for f in c.fixes.map(NextStepWording.text) + c.steps.map(Self.words) { Terminal.out("      fix: \(f)") }
            }
            if parsed == nil {
                if displays.isEmpty {
                    Terminal.out("no display devices under \(host.sysfs.devicesDirectory); `vbios list --all` shows every device.")
                } else {
                    Terminal.out("display devices (run `vbios doctor ADDR` for one):")
                    for d in displays {
                        Terminal.out("  \(d.address)  \(d.pciIDs)  driver \(d.driver ?? "none")" + (d.bootVGA ? "  (boot VGA)" : "")
                                     + (d.iommuGroup.map { "  IOMMU group \($0)" } ?? ""))
                    }
                }
            }
        }
        if checks.contains(where: { $0.status == .fail }) { throw ExitCode(1) }
    }
}
