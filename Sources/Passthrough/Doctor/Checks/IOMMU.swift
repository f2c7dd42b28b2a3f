import Core
import OptionROM
import PCIHost
import SystemIO

extension HostDoctor {
    func iommu() -> DoctorCheck {
        let groups = ((try? directoryEntries(sysfs.path + "/kernel/iommu_groups")) ?? []).count
        let cmdline = host.commandLine ?? []
        func value(_ key: String) -> String? {
            cmdline.last { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
        }
        let intel = value("intel_iommu"), amd = value("amd_iommu"), generic = value("iommu")
        let vendor = host.cpuVendor
        var notes: [String] = []
        if generic == "pt" { notes.append("iommu=pt is set (passthrough mode for the host's own devices, as guides advise)") }
        let grub = "add it to GRUB_CMDLINE_LINUX_DEFAULT in \(host.join("/etc/default/grub")), run `update-grub` (or `grub2-mkconfig -o /boot/grub2/grub.cfg`) and reboot"

        if groups > 0 {
            var msg = "\(groups) IOMMU group\(groups == 1 ? "" : "s") under \(sysfs.path)/kernel/iommu_groups"
            if vendor == .intel && intel != "on" {
                msg += "; intel_iommu=on is not on the command line, the kernel enables VT-d by default (CONFIG_INTEL_IOMMU_DEFAULT_ON)"
            }
            return DoctorCheck(.iommu, .ok, AdvisedText(([msg] + notes).joined(separator: "; ")))
        }
        if inIOMMUOwnersDomain {
            return DoctorCheck(.iommu, .warn,
                "no IOMMU groups, as expected in a Xen dom0: Xen owns the IOMMU and dom0 cannot see it",
                fixes: ["Check Xen's view: `xl dmesg | grep -i -e 'I/O virtualisation' -e iommu` must say enabled; if not, enable VT-d/AMD-Vi in the firmware setup (Xen enables the IOMMU by default; `iommu=1` on Xen's own line in GRUB_CMDLINE_XEN_DEFAULT forces it)."])
        }
        for (key, v) in [("intel_iommu", intel), ("amd_iommu", amd), ("iommu", generic)] where v == "off" {
            return DoctorCheck(.iommu, .fail, "no IOMMU groups: the kernel command line turns the IOMMU off (\(key)=off)",
                               fixes: ["Remove \(key)=off from the kernel command line: edit GRUB_CMDLINE_LINUX_DEFAULT in \(host.join("/etc/default/grub")), run `update-grub` and reboot."])
        }
        let firmware: AdvisedText = "Enable the IOMMU in the firmware setup (Intel: \"VT-d\"; AMD: \"IOMMU\"/\"AMD-Vi\", with SVM), then check `dmesg | grep -i -e DMAR -e AMD-Vi -e IOMMU`."
        switch vendor {
        case .intel where intel != "on":
            return DoctorCheck(.iommu, .fail, "no IOMMU groups: the CPU is Intel and intel_iommu=on is not on the kernel command line",
                               fixes: ["Add `intel_iommu=on iommu=pt` to the kernel command line: \(grub).", firmware])
        case .intel:
            return DoctorCheck(.iommu, .fail, "no IOMMU groups although intel_iommu=on is on the command line: VT-d is off in the firmware, or the machine (or this VM) has none",
                               fixes: [firmware])
        case .amd:
            return DoctorCheck(.iommu, .fail, "no IOMMU groups: the CPU is AMD (amd_iommu is on by default), so the IOMMU is off in the firmware or missing",
                               fixes: [firmware, "Optionally add `iommu=pt` to the kernel command line: \(grub)."])
        case nil:
            return DoctorCheck(.iommu, .fail, "no IOMMU groups under \(sysfs.path)/kernel/iommu_groups: the IOMMU is off or missing",
                               fixes: [firmware, "On Intel add `intel_iommu=on iommu=pt` to the kernel command line: \(grub)."])
        }
    }
}
