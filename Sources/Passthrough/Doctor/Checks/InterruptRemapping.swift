import OptionROM
import PCIHost
import Core
import SystemIO

/// interrupt-remapping: vfio's type1 IOMMU driver refuses a device when the IOMMU cannot remap
/// interrupts, unless `allow_unsafe_interrupts` is set (drivers/vfio/vfio_iommu_type1.c: "No
/// interrupt remapping support. Use the module param \"allow_unsafe_interrupts\"...").
/// Intel says so in the DMAR table's flags (VT-d 8.1: bit 0 INTR_REMAP); every AMD-Vi IOMMU
/// (an IVRS table) remaps. `intremap=off` on the command line turns it off either way.
extension HostDoctor {
    func interruptRemapping() -> DoctorCheck {
        let tables = sysfs.path + "/firmware/acpi/tables"
        var evidence: [DoctorCheck.Evidence] = []
        var remaps: Bool?
        if let dmar = try? readSmallFile(tables + "/DMAR", limit: 1 << 20) {
            let flags = dmar.count > 37 ? dmar[37] : nil
            evidence.append(.init(tables + "/DMAR@37 (flags)", flags.map { "0x\(Hex.string($0, width: 2)): INTR_REMAP \($0 & 1 != 0 ? "set" : "clear")" } ?? "table too short (\(dmar.count) bytes)"))
            remaps = flags.map { $0 & 1 != 0 }
        } else if pathKind(tables + "/IVRS") == .file {
            evidence.append(.init(tables + "/IVRS", "present: AMD-Vi remaps interrupts"))
            remaps = true
        } else {
            evidence.append(.init(tables, "no readable DMAR or IVRS table"))
        }
        let cmdline = host.commandLine ?? []
        if cmdline.contains("intremap=off") {
            evidence.append(.init(host.join("/proc/cmdline"), "intremap=off"))
            remaps = false
        }
        let unsafe = unsafeInterruptsAllowed()
        evidence.append(unsafe.evidence)
        let trade = "lets a passed device send interrupts the host cannot tell from its own (MSI injection into the host): only for guests you trust with the host"
        switch remaps {
        case true?:
            return DoctorCheck(.interruptRemapping, .ok, "the IOMMU remaps interrupts, so vfio isolates the device's interrupts" + (unsafe.allowed ? " (allow_unsafe_interrupts is set, and not needed: remove it)" : ""),
                               evidence: evidence)
        case false? where unsafe.allowed:
            return DoctorCheck(.interruptRemapping, .warn, "no interrupt remapping; vfio works because allow_unsafe_interrupts is set, which \(trade)",
                               evidence: evidence,
                               steps: [.init(.firmwareSetting, "enable interrupt remapping (Intel: VT-d with \"Interrupt Remapping\"/x2APIC)", why: "then allow_unsafe_interrupts can go")])
        case false?:
            return DoctorCheck(.interruptRemapping, .fail, "no interrupt remapping: vfio refuses to give the device to a guest (\"No interrupt remapping support\")",
                               evidence: evidence,
                               steps: [.init(.firmwareSetting, "enable interrupt remapping (Intel: VT-d with \"Interrupt Remapping\"/x2APIC)", why: "the safe way; remove intremap=off from the kernel command line if it is there"),
                                       .init(.modprobeLine, "options vfio_iommu_type1 allow_unsafe_interrupts=1", file: host.modprobeDirectory + "/vfio.conf",
                                             why: "the unsafe way: it \(trade)")])
        case nil:
            return DoctorCheck(.interruptRemapping, .unknown, "cannot tell whether the IOMMU remaps interrupts: no DMAR or IVRS table under \(tables)",
                               evidence: evidence,
                               steps: [.init(.command, "dmesg | grep -i -e 'remapping' -e 'AMD-Vi' -e DMAR", why: "the kernel says whether it enabled interrupt remapping")])
        }
    }

    /// vfio_iommu_type1's allow_unsafe_interrupts: its live value, else the command line or modprobe.d.
    func unsafeInterruptsAllowed() -> (allowed: Bool, evidence: DoctorCheck.Evidence) {
        let live = "/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts"
        if let v = host.text(live)?.trimmingBlanks {
            return (v == "Y" || v == "1", .init(host.join(live), v))
        }
        let yes: Set<String> = ["1", "Y", "y"]
        for t in host.commandLine ?? [] {
            for key in ["vfio_iommu_type1.allow_unsafe_interrupts=", "vfio-iommu-type1.allow_unsafe_interrupts="] where t.hasPrefix(key) {
                return (yes.contains(String(t.dropFirst(key.count))), .init(host.join("/proc/cmdline"), t))
            }
        }
        for f in host.modprobeFiles() {
            for line in f.text.split(separator: "\n") {
                let w = line.split(separator: " ")
                guard w.count >= 3, w[0] == "options", Self.sameModule(w[1], "vfio_iommu_type1") else { continue }
                if let p = w.first(where: { $0.hasPrefix("allow_unsafe_interrupts=") }) {
                    return (yes.contains(String(p.dropFirst(24))), .init(host.modprobeDirectory + "/" + f.name, String(line)))
                }
            }
        }
        return (false, .init(host.join(live), "(not set)"))
    }
}
