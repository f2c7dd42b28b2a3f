import Core
import OptionROM
import PCIHost
import SystemIO

extension HostDoctor {
    /// Addresses named by `xen-pciback.hide=` on the command line and `options xen-pciback hide=` in modprobe.d.
    func pcibackHidden() -> (addresses: [PCIAddress], sources: [String]) {
        var values: [(String, String)] = []
        for t in host.commandLine ?? [] { if let v = Slot.hideValue(inKernelArgument: t) { values.append((v, "kernel command line")) } }
        for f in host.modprobeFiles() {
            for line in f.text.split(separator: "\n") {
                let w = line.split(separator: " ")
                guard w.count >= 3, w[0] == "options", w[1] == "xen-pciback" || w[1] == "xen_pciback" else { continue }
                for p in w.dropFirst(2) where p.hasPrefix("hide=") { values.append((String(p.dropFirst(5)), "modprobe.d/" + f.name)) }
            }
        }
        var out: [PCIAddress] = []
        for (v, _) in values { out += Slot.addresses(inHideList: v) }
        return (out, values.map(\.1))
    }

    func xen(_ card: Card?) -> DoctorCheck {
        var fails: [String] = [], warns: [String] = [], oks: [String] = [], fixes: [AdvisedText] = []
        let type = host.hypervisorType
        if type != "xen" {
            fails.append(type.map { "running under the \($0) hypervisor, not Xen" } ?? "not running under Xen (no \(host.join("/sys/hypervisor/type")))")
            fixes.append("Boot the Xen entry of GRUB (Debian: `apt install xen-system-amd64`, then pick \"Debian GNU/Linux, with Xen hypervisor\"); `xl info` must answer.")
        } else if let caps = host.xenCapabilities, !caps.contains("control_d") {
            fails.append("this is a Xen guest (domU), not dom0 (\(host.join("/proc/xen/capabilities")) lacks control_d)")
            fixes.append("Run vbios in dom0, the domain that owns the hardware.")
        } else {
            oks.append(host.xenCapabilities == nil ? "Xen host (\(host.join("/proc/xen/capabilities")) not mounted, dom0 assumed)" : "running as Xen dom0")
        }
        let driverDir = sysfs.busPCI + "/drivers/pciback"
        if pathKind(driverDir) == .directory {
            oks.append("pciback is loaded")
        } else {
            warns.append("pciback is not loaded (no \(driverDir))")
            fixes.append("Load it: `modprobe xen-pciback` (built in: it appears once Xen runs).")
        }
        if let card {
            let hidden = pcibackHidden()
            let uncovered = card.functions.filter { f in !hidden.addresses.contains(f.address) }
            let line = Slot.hideArgument(card.slot.addresses)
            if uncovered.isEmpty {
                oks.append("every function of the card (\(card.addressList)) is hidden from dom0 by \(Set(hidden.sources).sorted().joined(separator: " and "))")
            } else {
                let boundNow = uncovered.filter { $0.driver == PassthroughDriver.pciback.rawValue }
                let names = uncovered.map { "\($0.address.short) (driver \($0.driver ?? "none"))" }.joined(separator: ", ")
                if boundNow.count == uncovered.count {
                    warns.append("\(names) bound to pciback now but not hidden at boot: the binding is lost on reboot")
                } else {
                    fails.append("not hidden from dom0: \(names); every function of the card must be, or xl refuses the card")
                }
                fixes.append("Add `\(line)` to dom0's kernel command line (GRUB_CMDLINE_LINUX in \(host.join("/etc/default/grub")), then `update-grub`), or run \(NextStep(.persistPciback, card.device.address.description)); until the reboot: `xl pci-assignable-add` for each function.")
            }
        }
        let status: DoctorCheck.Status = !fails.isEmpty ? .fail : !warns.isEmpty ? .warn : .ok
        return DoctorCheck(.xen, status, AdvisedText((fails + warns + oks).joined(separator: "; ")), fixes: fixes)
    }
}
