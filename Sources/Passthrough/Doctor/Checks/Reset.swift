import OptionROM
import PCIHost
import Core

/// reset: whether the card can be reset between guest boots. vfio resets a device when the
/// guest starts and stops it; the kernel tries the methods in `reset_method` (Linux 5.15+,
/// drivers/pci/pci.c `pci_reset_fn_methods`): device_specific (quirks, vendor-reset), acpi,
/// flr (PCIe DevCap bit 28), af_flr, pm (D3hot->D0, useless with No_Soft_Reset), bus
/// (secondary bus reset: only when nothing else is on the card's bus), cxl_bus.
extension HostDoctor {
    func reset(_ card: Card) -> DoctorCheck {
        let d = card.display
        var evidence: [DoctorCheck.Evidence] = []
        let methodsPath = sysfs.attribute(d.address, "reset_method")
        let methodsText = sysfs.readText(d.address, "reset_method")
        var methods = methodsText.map { $0.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init) }
        // From 5.15 the kernel hides the attribute of a device it has no reset method for
        // (drivers/pci/pci-sysfs.c, reset_method_attr_is_visible); before, there is none at all.
        let since515 = kernelVersion.map { $0 >= (5, 15) }
        if methodsText == nil, since515 == true { methods = [] }
        evidence.append(.init(methodsPath, methodsText.map { t in t.isEmpty ? "(empty: no reset method)" : methods!.joined(separator: " ") }
            ?? (since515 == true ? "(absent: the kernel has no reset method for it)" : "(absent: kernel before 5.15)")))
        evidence.append(.init(sysfs.attribute(d.address, "config") + " (PCIe DevCap bit 28)", d.supportsFLR.map { $0 ? "FLR" : "no FLR" } ?? "not PCI Express"))
        evidence.append(.init(sysfs.attribute(d.address, "config") + " (PMCSR bit 3)", d.noSoftReset.map { $0 ? "No_Soft_Reset set" : "No_Soft_Reset clear" } ?? "no PM capability"))
        let peers = busPeers(card)
        evidence.append(.init(sysfs.devicesDirectory, d.address.bus == 0 ? "on the root bus (no bridge above it)"
                              : peers.isEmpty ? "alone on bus \(Hex.string(d.address.bus, width: 2)) with its functions"
                              : "bus \(Hex.string(d.address.bus, width: 2)) shared with \(peers.map(\.description).joined(separator: ", "))"))
        let busResetPossible = d.address.bus != 0 && peers.isEmpty

        if let family = ResetBugs.family(vendorID: d.vendorID, deviceID: d.deviceID) {
            return resetBug(d, family, methods: methods, evidence: evidence)
        }
        var usable: [String] = []
        if let methods {
            usable = methods.filter { $0 != "pm" || d.noSoftReset != true }
        } else {
            if d.supportsFLR == true { usable.append("flr") }
            if d.noSoftReset == false { usable.append("pm") }
            if busResetPossible { usable.append("bus") }
        }
        if usable.contains("flr") || usable.contains("device_specific") || usable.contains("acpi") {
            return DoctorCheck(.reset, .ok, "\(d.address) resets cleanly: \(usable.joined(separator: ", "))\(methods == nil ? " (inferred: no reset_method file)" : "")",
                               evidence: evidence)
        }
        if usable.isEmpty, busResetPossible {
            // vfio resets a slot it owns whole with a secondary bus reset (VFIO_DEVICE_PCI_HOT_RESET,
            // which QEMU uses for multi-function cards), even where the kernel lists no method.
            return DoctorCheck(.reset, .ok, "\(d.address) has no reset of its own; vfio resets it with a secondary bus reset of bus \(Hex.string(d.address.bus, width: 2)), which holds only the card's functions (all go to the guest together)",
                               evidence: evidence)
        }
        if usable.contains("bus") || usable.contains("pm") {
            return DoctorCheck(.reset, .ok, "\(d.address) has no FLR; the kernel resets it with \(usable.joined(separator: ", "))", evidence: evidence)
        }
        var why = "\(d.address) has no reset the kernel can use"
        if d.supportsFLR != true { why += ": no FLR" }
        if d.noSoftReset == true { why += ", a PM reset keeps its state (No_Soft_Reset)" }
        if !busResetPossible { why += d.address.bus == 0 ? ", and a device on the root bus has no bus reset" : ", and a bus reset would reset \(peers.map(\.description).joined(separator: ", ")) too" }
        return DoctorCheck(.reset, .warn, AdvisedText(why) + ": the guest finds the card as the last one left it",
                           evidence: evidence,
                           steps: [.init(.guest, busResetPossible ? "" : "Move the card to a slot of its own (a root port with nothing else behind it)", why: "a secondary bus reset is then possible"),
                                   .init(.guest, "Shut the guest down rather than rebooting it, and suspend and resume the host before starting it again", why: "a suspend powers the card off, the one reset left")]
                               .filter { !$0.value.isEmpty })
    }

    /// Devices on the card's bus that are not its functions (a bus reset would reset them too).
    func busPeers(_ card: Card) -> [PCIAddress] {
        let bus = card.device.address
        return ((try? PCIBus.scan(sysfs))?.entries ?? []).map(\.address)
            .filter { $0.domain == bus.domain && $0.bus == bus.bus && !card.contains($0) }
    }

    /// `vendor_reset` in /proc/modules (or /sys/module/vendor_reset).
    var vendorResetLoaded: (loaded: Bool, evidence: DoctorCheck.Evidence) {
        if let modules = host.text("/proc/modules") {
            let loaded = modules.split(separator: "\n").contains { $0.split(separator: " ").first == "vendor_reset" }
            return (loaded, .init(host.join("/proc/modules"), loaded ? "vendor_reset loaded" : "no vendor_reset"))
        }
        let loaded = host.exists("/sys/module/vendor_reset")
        return (loaded, .init(host.join("/sys/module/vendor_reset"), loaded ? "present" : "absent"))
    }

    func resetBug(_ d: PCIDevice, _ family: ResetBugs.Family, methods: [String]?, evidence: [DoctorCheck.Evidence]) -> DoctorCheck {
        let module = vendorResetLoaded
        let evidence = evidence + [module.evidence]
        let methodFile = "/sys/bus/pci/devices/\(d.address)/reset_method"
        let known = "\(d.address) (\(d.pciIDs)) is AMD \(family.name), a reset-bug family (\(ResetBugs.source))"
        let guest = DoctorCheck.Step(.guest, "Until then: shut the guest down rather than rebooting it, and suspend and resume the host before starting it again",
                                     why: "the card hangs after the kernel's reset; a host suspend powers it off")
        if module.loaded {
            // Since 5.15 vendor-reset's reset is used only when device_specific is chosen (its README).
            if methods == nil || methods?.first == "device_specific" {
                return DoctorCheck(.reset, .ok, "\(known); vendor_reset is loaded and device_specific is \(methods == nil ? "the kernel's only way (no reset_method file)" : "first in reset_method")",
                                   evidence: evidence)
            }
            return DoctorCheck(.reset, .warn, "\(known); vendor_reset is loaded, but reset_method is \(methods!.joined(separator: " ").nonEmpty ?? "empty"), so its reset is not used",
                               evidence: evidence,
                               steps: [.init(.command, "echo device_specific > \(methodFile)", why: "use vendor-reset's reset (again after each boot, e.g. from a udev rule)"), guest])
        }
        return DoctorCheck(.reset, .warn, "\(known) and vendor_reset is not loaded: the card comes up once, then hangs when the guest restarts",
                           evidence: evidence,
                           steps: [.init(.loadModule, "vendor_reset", why: "build and install gnif/vendor-reset (DKMS), load it (add vendor-reset to /etc/modules), then rebuild the initramfs"),
                                   .init(.command, "echo device_specific > \(methodFile)", why: "on kernels 5.15 and later, choose vendor-reset's reset"),
                                   guest])
    }
}
