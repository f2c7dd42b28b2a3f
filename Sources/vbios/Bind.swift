import ArgumentParser
import OptionROM
import PCIHost
import Core
import SystemIO

/// Options `bind` and `unbind` share.
struct BindingOptions: ParsableArguments {
    @Argument(help: "The devices, DDDD:BB:DD.F or BB:DD.F; every function of each one's slot moves with it.",
              completion: PCICompletion.addresses, transform: PCIAddress.init(parsingArgument:))
    var addresses: [PCIAddress]

    @Flag(help: "Print the exact writes (path and bytes) and write nothing.")
    var dryRun = false

    @Option(name: .customLong("state-dir"), help: ArgumentHelp("Where the previous drivers are recorded (bindings/ADDR).", valueName: "DIR"), completion: .directory)
    var stateDirectory = "/run/vbios"

    func binding(_ host: HostOptions) -> DriverBinding {
        // A fake tree's files do not react to writes, so there is no driver link to check.
        DriverBinding(root: host.root, stateDirectory: stateDirectory, checkDriverLink: host.root.path == "/sys")
    }

    /// `01:00.0: radeon -> vfio-pci`: one function's move.
    static func describe(_ m: DriverBinding.Move) -> String {
        "\(m.address): \(m.previous ?? "no driver") -> \(m.next ?? (m.outcomeKnown ? "no driver" : "the kernel's choice"))"
    }

    /// Prints the plan (dry run) or carries it out.
    func run(_ plan: DriverBinding.Plan, _ binder: DriverBinding, binding: Bool, json: Bool) throws {
        for n in plan.notes { Terminal.warn(NextStepWording.text(n)) }
        if dryRun {
            if json {
                Terminal.out(BindingOptions.json(plan, dryRun: true).rendered())
                return
            }
            for m in plan.moves {
                if let s = m.skipped { Terminal.out("# \(m.address): \(s); nothing to do"); continue }
                Terminal.out("# " + Self.describe(m))
                for w in m.writes { Terminal.out("write \(SysfsWrite.show(w.bytes)) to \(w.path)    # \(w.purpose)") }
            }
            Terminal.note("dry run: nothing written.")
            return
        }
        DeviceStateGuard.installSignalHandlers()
        // A failure here comes after writes (rolled back): `DriverBinding.Failure.afterWrites`, exit status 1.
        let outcome = try binder.execute(plan, binding: binding)
        if json {
            Terminal.out(BindingOptions.json(plan, dryRun: false).rendered())
            return
        }
        for m in plan.moves {
            if let s = m.skipped { Terminal.out("\(m.address): \(s)"); continue }
            Terminal.out(Self.describe(m))
        }
        if outcome.moved.isEmpty { Terminal.note("nothing to do.") }
        if binding, !outcome.moved.isEmpty {
            Terminal.note("previous drivers recorded in \(binder.bindingsDirectory); `vbios unbind \(addresses.map(\.description).joined(separator: " "))` gives them back.")
        }
        if !binder.checkDriverLink {
            Terminal.note("--sysfs \(binder.root.path) is not /sys: the writes were made, but a fake tree does not react, so the driver links were not checked.")
        }
    }

    static func json(_ plan: DriverBinding.Plan, dryRun: Bool) -> JSON {
        .object([
            ("dryRun", .bool(dryRun)),
            ("devices", .array(plan.moves.map { m in
                .object([
                    ("address", .string(m.address.description)), ("previousDriver", .optional(m.previous)),
                    ("driver", .optional(m.outcomeKnown ? m.next : nil)), ("skipped", .optional(m.skipped)),
                    ("writes", .array(m.writes.map { w in
                        .object([("path", .string(w.path)), ("bytes", .string(String(decoding: w.bytes, as: UTF8.self))), ("purpose", .string(w.purpose))])
                    })),
                ])
            })),
            ("notes", .array(plan.notes.map { .string(NextStepWording.text($0)) })),
        ])
    }
}

struct Bind: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bind",
        abstract: "Hand a device (every function of its slot) to pciback, pci-stub or vfio-pci.",
        discussion: ExitStatus.discussion("""
            Uses the kernel's driver_override: the driver's name to driver_override, the address to \
            driver/unbind, then to /sys/bus/pci/drivers_probe. Under Xen without driver_override, pciback's \
            new_slot and bind. The previous driver of each function is recorded under --state-dir for \
            `vbios unbind`. When any step fails, every function already moved is given back. Signals are \
            held back during the sequence, so an interrupt never leaves the slot half moved. Needs root.
            """, ExitStatus.binding))

    @Option(name: .customLong("to"), help: "The driver: pciback (Xen), pci-stub, or vfio-pci (QEMU/KVM, libvirt).")
    var driver: PassthroughDriver

    @OptionGroup var options: BindingOptions
    @OptionGroup var host: HostOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let binder = options.binding(host)
        let plan = try binder.planBind(options.addresses, to: driver)
        try options.run(plan, binder, binding: true, json: global.json)
    }
}

struct Unbind: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unbind",
        abstract: "Give a device (every function of its slot) back to the driver it had before `vbios bind`.",
        discussion: ExitStatus.discussion("""
            Clears driver_override, releases the device from its passthrough driver and binds it to the \
            driver recorded under --state-dir; without a record the kernel picks (drivers_probe). Needs root.
            """, ExitStatus.binding))

    @OptionGroup var options: BindingOptions
    @OptionGroup var host: HostOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let binder = options.binding(host)
        let plan = try binder.planUnbind(options.addresses)
        try options.run(plan, binder, binding: false, json: global.json)
    }
}
