import OptionROM
import PCIHost
import Core

/// host-driver: who holds the slot's functions now, whether the passthrough driver will win at
/// boot (softdep), and vfio-pci's VGA arbitration (`disable_vga`).
extension HostDoctor {
    /// The driver that holds a device for this target's guest.
    var passthroughDriver: PassthroughDriver { target.profile.driver }

    func hostDriver(_ card: Card) -> DoctorCheck {
        var status = DoctorCheck.Status.ok
        var said: [String] = [], evidence: [DoctorCheck.Evidence] = [], steps: [DoctorCheck.Step] = []
        func raise(_ s: DoctorCheck.Status) { if status < s { status = s } }
        let mine = passthroughDriver
        let pass = Set(PassthroughDriver.allCases.map(\.rawValue))

        // 1. Bound now: any function of the slot, not only the addressed one.
        var held: [PCIDevice] = []
        for f in card.functions {
            evidence.append(.init(sysfs.attribute(f.address, "driver"), f.driver ?? "(none)"))
            guard let d = f.driver, d != mine.rawValue else { continue }
            if pass.contains(d) {
                raise(.warn)
                said.append("\(f.address) is held by \(d), not \(mine.rawValue) which \(target.rawValue) uses")
            } else {
                held.append(f)
            }
        }
        if !held.isEmpty {
            // A hypervisor that detaches the host driver itself (libvirt's managed hostdev) only warns.
            let detaches = target.profile.detachesHostDrivers
            raise(detaches ? .warn : .fail)
            let console = held.contains { $0.bootVGA && $0.isDisplay }
            said.append("host driver\(held.count == 1 ? "" : "s") bound: " + held.map { "\($0.address) to \($0.driver!)" }.joined(separator: ", ")
                + (detaches ? " (\(target.rawValue) detaches them for a managed hostdev)" : "; the guest cannot have the card until they let go")
                + (console ? "; the host's console is on this card and goes when it is released" : ""))
            for f in held {
                steps.append(.init(.bind, f.address.description, driver: mine.rawValue, why: "release \(f.address) from \(f.driver!) and give it to \(mine.rawValue) now"))
            }
        }

        // 2. Load order: vfio-pci must load before the host drivers it races (pciback is Xen's
        // own business: its hide option, checked by the xen check).
        let vfio = mine == .vfioPCI
        if vfio { loadOrder(card, &said, &evidence, &steps, raise) }

        // 3. vfio-pci and the VGA arbiter.
        if vfio { vgaArbitration(card, &said, &evidence, &steps, raise) }

        if said.isEmpty {
            said.append("every function of the slot (\(card.addressList)) is on \(mine.rawValue) or unbound")
        }
        return DoctorCheck(.hostDriver, status, AdvisedText(said.joined(separator: "; ")), evidence: evidence, steps: steps)
    }

    /// modprobe.d's words for a module, with - and _ alike.
    static func sameModule(_ a: Substring, _ b: String) -> Bool { String(a).replacingDashes == b.replacingDashes }

    /// softdep: when the card is claimed by vfio-pci at boot through modprobe.d (`ids=` or an
    /// `install` line on its addresses), every host driver of its functions needs
    /// `softdep DRIVER pre: vfio-pci`, or the one that loads first takes the card (modprobe.d(5)).
    func loadOrder(_ card: Card, _ said: inout [String], _ evidence: inout [DoctorCheck.Evidence],
                   _ steps: inout [DoctorCheck.Step], _ raise: (DoctorCheck.Status) -> Void) {
        let module = passthroughDriver.module
        let ids = Set(card.functions.map { $0.pciIDs.description })
        let addresses = Set(card.functions.map(\.address.description))
        var claimedBy: String?
        var pre: [String: [String]] = [:]
        for f in host.modprobeFiles() {
            for line in f.text.split(separator: "\n") {
                let w = line.split(separator: " ")
                guard w.count >= 3 else { continue }
                if w[0] == "options", Self.sameModule(w[1], module),
                   w.contains(where: { $0.hasPrefix("ids=") && $0.dropFirst(4).split(separator: ",").contains { ids.contains(String($0.prefix(9)).lowercased()) } }) {
                    claimedBy = claimedBy ?? "modprobe.d/\(f.name): \(line)"
                }
                if w[0] == "install", Self.sameModule(w[1], module), w.contains(where: { addresses.contains(String($0)) }) {
                    claimedBy = claimedBy ?? "modprobe.d/\(f.name): install \(module) (driver_override)"
                }
                if w[0] == "softdep", let p = w.firstIndex(of: "pre:") {
                    pre[String(w[1]).replacingDashes, default: []] += w[(p + 1)...].map { String($0).replacingDashes }
                }
            }
        }
        guard let claimedBy else { return }
        evidence.append(.init(host.modprobeDirectory, claimedBy))
        let drivers = card.functions.flatMap(BindingPersistence.hostDrivers)
        // A driver built into the kernel binds during boot, before modprobe loads anything:
        // no softdep orders it (modprobe.d(5) speaks of modules only).
        if case let .found(config) = KernelConfig.load(host) {
            let builtIn = Array(Set(drivers.filter { d in KernelConfig.option(building: d).map { config.state($0) == .builtIn } ?? false })).sorted()
            if !builtIn.isEmpty {
                raise(.warn)
                evidence.append(.init(config.source, builtIn.map { "CONFIG_\(KernelConfig.option(building: $0)!)=y" }.joined(separator: ", ")))
                said.append("\(builtIn.joined(separator: ", ")) \(builtIn.count == 1 ? "is" : "are") built into the kernel and bind\(builtIn.count == 1 ? "s" : "") during boot, before \(module) loads: no softdep can put it first")
                for f in card.functions {
                    steps.append(.init(.bind, f.address.description, driver: passthroughDriver.rawValue,
                                       why: "from a boot service after the host driver took \(f.address), move it to \(passthroughDriver.rawValue)"))
                }
            }
        }
        var seen: Set<String> = []
        let missing = drivers.filter { seen.insert($0.replacingDashes).inserted && !(pre[$0.replacingDashes] ?? []).contains(module.replacingDashes) }
        guard !missing.isEmpty else {
            said.append("\(module) is set to claim the card at boot and loads before \(Array(seen).sorted().joined(separator: ", ")) (softdep)")
            return
        }
        raise(.warn)
        said.append("\(module) is set to claim the card at boot (\(claimedBy)), but nothing makes it load before \(missing.joined(separator: ", ")): whichever loads first takes the card")
        for d in missing {
            steps.append(.init(.modprobeLine, "softdep \(d) pre: \(module)", file: host.modprobeDirectory + "/vfio.conf",
                               why: "load \(module) before \(d), then rebuild the initramfs (\(host.initramfsCommand))"))
        }
    }

    /// A VGA card given to a guest while another VGA device keeps the host's console: unless the
    /// guest boots on the card (x-vga=on), vfio-pci should opt it out of VGA arbitration
    /// (`disable_vga`, drivers/vfio/pci/vfio_pci.c), or the arbiter moves the legacy VGA ranges
    /// to it and away from the host's display whenever the device is used.
    func vgaArbitration(_ card: Card, _ said: inout [String], _ evidence: inout [DoctorCheck.Evidence],
                        _ steps: inout [DoctorCheck.Step], _ raise: (DoctorCheck.Status) -> Void) {
        let v = card.display
        guard v.classCode >> 8 == 0x0300, !v.bootVGA else { return }
        let others = ((try? PCIBus.scan(sysfs))?.entries ?? []).filter { $0.classCode >> 8 == 0x0300 && !card.contains($0.address) }
        guard !others.isEmpty else { return }
        let parameter = host.join("/sys/module/vfio_pci/parameters/disable_vga")
        let live = host.text("/sys/module/vfio_pci/parameters/disable_vga")?.trimmingBlanks
        let onCommandLine = (host.commandLine ?? []).contains { $0 == "vfio-pci.disable_vga=1" || $0 == "vfio_pci.disable_vga=1" || $0 == "vfio-pci.disable_vga=Y" }
        let inModprobe = host.modprobeFiles().contains { f in
            f.text.split(separator: "\n").contains { l in
                let w = l.split(separator: " ")
                return w.count >= 3 && w[0] == "options" && Self.sameModule(w[1], "vfio-pci") && w.contains { $0 == "disable_vga=1" || $0 == "disable_vga=Y" }
            }
        }
        evidence.append(.init(parameter, live ?? "(vfio-pci not loaded)"))
        if live == "Y" || (live == nil && (onCommandLine || inModprobe)) {
            said.append("vfio-pci.disable_vga is on: the card stays out of VGA arbitration (the host's console on \(others.map(\.address.short).joined(separator: ", ")) keeps the VGA ranges)")
            return
        }
        raise(.warn)
        said.append("\(v.address) is a VGA device beside \(others.map(\.address.description).joined(separator: ", ")) and vfio-pci.disable_vga is off: the VGA arbiter may route the legacy VGA ranges to the guest's card, away from the host's display")
        steps.append(.init(.modprobeLine, "options vfio-pci disable_vga=1", file: host.modprobeDirectory + "/vfio.conf",
                           why: "keep the card out of VGA arbitration (for a UEFI guest, or any guest not booting on it with x-vga=on)"))
    }
}
