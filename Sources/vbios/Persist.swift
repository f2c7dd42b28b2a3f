import ArgumentParser
import OptionROM
import PCIHost
import Passthrough
import Core
import SystemIO

struct Persist: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "persist",
        abstract: "Make a card's passthrough binding survive a reboot (modprobe.d; the kernel command line for pciback).",
        discussion: ExitStatus.discussion("""
            Writes ROOT/etc/modprobe.d/\(BindingPersistence.fileName), one file for every card vbios persisted \
            (`options vfio-pci ids=...` is a single module parameter, so two files would drop a card), with \
            softdep lines so the passthrough driver loads before the GPU and audio drivers. Running it twice \
            changes nothing; --remove takes the card out and deletes the file when it was the last. A file \
            without vbios's header is never overwritten or removed. Prints what to regenerate and verify. \
            `ids=` takes every device with those IDs, so when another device on the host carries them (an \
            identical second card, the host's own GPU) persist refuses (exit 1) and names it; --by-address \
            then claims only this card's addresses (driver_override, set by an `install` line before the \
            driver loads, as driverctl does).
            """, ExitStatus.persist))

    @Argument(help: "The card, DDDD:BB:DD.F or BB:DD.F; every function of its slot is persisted.", completion: PCICompletion.addresses, transform: PCIAddress.init(parsingArgument:))
    var address: PCIAddress

    @Option(name: .long, help: "The driver that must own the card at boot: vfio-pci, pci-stub or pciback.")
    var to: PassthroughDriver

    @Option(name: .long, help: ArgumentHelp("The root of the files persist writes and reads: ROOT/etc/modprobe.d, ROOT/etc/default/grub, the kernel's configuration, and ROOT/sys unless --sysfs names the sys tree.", valueName: "DIR"),
            completion: .directory)
    var root: String = "/"

    @Option(name: .long, help: ArgumentHelp("The sys tree, as every other command takes it (default: ROOT/sys).", valueName: "SYSFS"),
            completion: .directory)
    var sysfs: String?

    @Flag(name: .long, help: "Show the file and the steps; write nothing.")
    var dryRun = false

    @Flag(name: .long, help: "Take the card out of the file (delete the file when it was the last card).")
    var remove = false

    @Flag(name: .customLong("by-address"), help: "Claim only this card's addresses (driver_override) instead of its IDs: for a host with another device of the same IDs.")
    var byAddress = false

    @OptionGroup var global: GlobalOptions

    /// What persist found and will do: the file, the card, the plan, and what goes with it.
    struct Planned {
        var host: HostRoot
        var path: String
        var slot: Slot
        var card: BindingPersistence.Card
        var plan: BindingPersistence.Plan
        var warnings: [String]
        /// pciback's kernel command line (`xen-pciback.hide=...`), nil otherwise.
        var commandLine: String?
    }

    func run() throws {
        let host = HostRoot(root, sysfs: sysfs)
        try HostVocabulary.check(host, root: root, sysfs: sysfs)
        let planned = try plan(host)
        if !dryRun { try apply(planned.plan, to: planned.path) }
        let verify = verifySteps(planned)
        if global.json {
            Terminal.out(json(planned, verify: verify).rendered())
        } else {
            printText(planned, verify: verify)
        }
    }

    /// Reads the bus, the card and the existing file, and plans the change (refused with a note
    /// when another device carries the card's IDs).
    func plan(_ host: HostRoot) throws -> Planned {
        let driver = to
        let path = host.modprobeDirectory + "/" + BindingPersistence.fileName
        let bus = try PCIBus.scan(host.sysfs, requiring: [address])
        let slot = try bus.slot(of: address)
        var (card, _) = BindingPersistence.card(slot, driver: driver)
        card.byAddress = byAddress && driver != .pciback
        let existing = pathKind(path, followLinks: false) == .missing ? nil : String(decoding: try FileBytes(path: path).bytes, as: UTF8.self)
        var pcibackBuiltIn = false
        if case let .found(config) = KernelConfig.load(host) { pcibackBuiltIn = config.state("XEN_PCIDEV_BACKEND") == .builtIn }
        let plan: BindingPersistence.Plan
        do {
            plan = try BindingPersistence.plan(card: card, existing: existing, path: path, remove: remove, pcibackBuiltIn: pcibackBuiltIn,
                                               sharing: BindingPersistence.sharingIDs(card, bus: bus))
        } catch let e as BindingPersistence.SharedIDs {
            Terminal.note("to take only \(card.functions.map(\.description).joined(separator: ", ")), claim the addresses instead of the IDs: "
                + "`vbios persist \(card.slot) --to \(driver.rawValue) --by-address\(dryRun ? " --dry-run" : "")`.")
            throw e
        }
        return Planned(host: host, path: path, slot: slot, card: card, plan: plan,
                       warnings: BindingPersistence.warnings(for: card, removing: remove, bus: bus, host: host),
                       commandLine: driver == .pciback && !remove ? Slot.hideArgument(card.functions) : nil)
    }

    func apply(_ plan: BindingPersistence.Plan, to path: String) throws {
        switch plan.action {
        case .create, .update:
            try AtomicFile.write(plan.after!, to: path, overwrite: true)
        case .remove:
            try removeFile(path)
        case .unchanged, .nothing:
            break
        }
    }

    /// What to check after the reboot.
    func verifySteps(_ p: Planned) -> [String] {
        let driver = to, card = p.card
        var verify = remove
            ? ["After the reboot `vbios list` shows \(Persist.hostDriverAfterRemoval(p.slot.named, recorded: recordedDriver(p.slot.named, p.host))) on \(card.slot) again."]
            : ["After the reboot `vbios list` shows driver \(driver == .pciback ? "pciback" : driver.rawValue) on \(card.functions.map(\.short).joined(separator: ", ")).",
               "`vbios doctor \(card.slot) --for \(driver == .pciback ? "xen" : "qemu")` checks the rest."]
        if driver == .pciback && !remove { verify.insert("`xl pci-assignable-list` lists \(card.functions.map(\.short).joined(separator: " ")).", at: 1) }
        return verify
    }

    func json(_ p: Planned, verify: [String]) -> JSON {
        var pairs: [(String, JSON)] = [
            ("file", .string(p.path)), ("action", .string(p.plan.action.rawValue)), ("dryRun", .bool(dryRun)),
            ("driver", .string(to.rawValue)), ("functions", .array(p.card.functions.map { .string($0.description) })),
            ("ids", .array(p.card.ids.map { .string($0) })), ("byAddress", .bool(p.card.byAddress)), ("content", .optional(p.plan.after)),
        ]
        if let commandLine = p.commandLine { pairs.append(("kernelCommandLine", .string(commandLine))) }
        pairs.append(("regenerate", .string(p.host.initramfsCommand)))
        pairs.append(("verify", .array(verify.map { .string($0) })))
        pairs.append(("warnings", .array(p.warnings.map { .string($0) })))
        return JSON.object(pairs)
    }

    func printText(_ p: Planned, verify: [String]) {
        let verb: String
        switch p.plan.action {
        case .create: verb = dryRun ? "would write" : "wrote"
        case .update: verb = dryRun ? "would update" : "updated"
        case .remove: verb = dryRun ? "would remove" : "removed"
        case .unchanged: verb = "unchanged:"
        case .nothing: verb = "\(p.card.slot) is not in"
        }
        Terminal.out("\(verb) \(p.path)")
        if let after = p.plan.after, p.plan.action != .nothing, p.plan.action != .remove {
            for line in after.split(separator: "\n", omittingEmptySubsequences: false).dropLast() { Terminal.out("  | " + line) }
        }
        for w in p.warnings { Terminal.warn(w) }
        var steps: [String] = []
        if let commandLine = p.commandLine {
            steps.append("Add `\(commandLine)` to dom0's kernel command line: append it to GRUB_CMDLINE_LINUX in \(p.host.join("/etc/default/grub")) and run `update-grub` (vbios does not edit GRUB files).")
        }
        if p.plan.action != .unchanged && p.plan.action != .nothing || dryRun {
            steps.append("Rebuild the initramfs so the early boot sees the change: `\(p.host.initramfsCommand)`, then reboot.")
        }
        steps += verify
        Terminal.out("next:")
        for (i, s) in steps.enumerated() { Terminal.out("  \(i + 1). \(s)") }
    }

    /// The driver `vbios bind` recorded for the function before it moved it (ROOT/run/vbios,
    /// bind's default state directory), nil without a record or when it had none.
    func recordedDriver(_ d: PCIDevice, _ host: HostRoot) -> String? {
        let binding = DriverBinding(root: host.sysfs, stateDirectory: host.join("/run/vbios"), checkDriverLink: false)
        return binding.recordedDriver(d.address).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// What owns the card once its passthrough binding is gone: its driver now when that is the
    /// host's own, else the one `vbios bind` recorded; no name is guessed from the vendor (an AMD
    /// card may be radeon's or amdgpu's).
    static func hostDriverAfterRemoval(_ d: PCIDevice, recorded: String?) -> String {
        let passthrough = Set(PassthroughDriver.allCases.flatMap { [$0.rawValue, $0.module] })
        if let now = d.driver, !passthrough.contains(now), !passthrough.contains(now.replacing("_", with: "-")) {
            return "its host driver (\(now), which has it now)"
        }
        if let recorded, !passthrough.contains(recorded) {
            return "its host driver (\(recorded), which it had before `vbios bind`)"
        }
        return "the host driver the kernel picks for it (vbios does not know which one it had before"
            + (d.driver.map { " \($0)" } ?? "") + ")"
    }
}
