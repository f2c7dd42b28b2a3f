import OptionROM
import PCIHost

/// One finding of `vbios doctor`: a stable id, a verdict, what was seen, and the next steps.
public struct DoctorCheck: Sendable, Equatable {
    public enum Status: String, Sendable, Comparable {
        /// `unknown`: the check could not look (an unreadable sysfs entry); never reported as ok.
        case ok, unknown, warn, fail
        var rank: Int { self == .ok ? 0 : self == .unknown ? 1 : self == .warn ? 2 : 3 }
        public static func < (a: Status, b: Status) -> Bool { a.rank < b.rank }
    }

    public var id: String
    public var status: Status
    public var message: String
    /// Exact next steps, in order; empty when there is nothing to do.
    public var fixes: [String]

    public init(_ id: String, _ status: Status, _ message: String, fixes: [String] = []) {
        self.id = id
        self.status = status
        self.message = message
        self.fixes = fixes
    }
}

/// Checks the prerequisites that passthrough guides spend most of their pages on: the IOMMU, the
/// card's IOMMU group, the kernel's options, Xen's dom0 and pciback, the boot display, BAR
/// placement, and whether the ROM can be read. Reads only: it never enables a ROM or binds a driver.
///
/// It lives in Passthrough, not PCIHost, because every verdict depends on the target (xen, qemu,
/// libvirt) and its advice is in the consumers' terms (xl.cfg, QEMU options); PCIHost gives it
/// the device facts (`PCIDevice`, `BAR`, ROM sources).
public struct HostDoctor: Sendable {
    public var host: HostRoot
    public var target: PassthroughTarget
    /// Physical memory for the 0xC0000 shadow of the boot VGA device (read only).
    public var memory: PhysicalMemory

    public init(host: HostRoot, target: PassthroughTarget, memory: PhysicalMemory) {
        self.host = host
        self.target = target
        self.memory = memory
    }

    /// The target when none is named: Xen on a Xen host, else QEMU (vfio-pci, as libvirt).
    public static func defaultTarget(_ host: HostRoot) -> PassthroughTarget {
        host.hypervisorType == "xen" ? .xen : .qemu
    }

    var sysfs: SysfsRoot { host.sysfs }
    var isXenHost: Bool { host.hypervisorType == "xen" }

    /// Host checks, then, with an address, the card's.
    public func run(address: PCIAddress?) throws -> [DoctorCheck] {
        var checks = [iommu(), kernelConfig()]
        let card = try address.map { try Card.load($0, sysfs) }
        if target == .xen { checks.append(xen(card)) }
        guard let card else { return checks }
        checks.append(iommuGroup(card))
        checks.append(bootVGA(card))
        checks.append(barPlacement(card))
        checks.append(romReadable(card))
        return checks
    }

    /// Display-class devices, the candidates to name on the command line.
    public func displayDevices() -> [PCIDevice] {
        Card.addresses(sysfs).compactMap { try? PCIDevice.load($0, root: sysfs, names: (nil, nil)) }.filter(\.isDisplay)
    }

    // MARK: - The card

    /// The addressed function and every function of its slot.
    struct Card {
        var device: PCIDevice
        var functions: [PCIDevice]

        static func addresses(_ sysfs: SysfsRoot) -> [PCIAddress] {
            ((try? directoryEntries(sysfs.devicesDirectory)) ?? []).compactMap { try? PCIAddress(parsing: $0) }.sorted()
        }

        static func load(_ address: PCIAddress, _ sysfs: SysfsRoot) throws -> Card {
            let d = try PCIDevice.load(address, root: sysfs)
            let slot = addresses(sysfs).filter { $0.domain == address.domain && $0.bus == address.bus && $0.device == address.device }
            let functions = slot.compactMap { $0 == address ? d : try? PCIDevice.load($0, root: sysfs, names: (nil, nil)) }
            return Card(device: d, functions: functions.isEmpty ? [d] : functions)
        }

        /// The display function (the ROM's), else the addressed one.
        var display: PCIDevice { functions.first(where: \.isDisplay) ?? device }
        var addressList: String { functions.map(\.address.description).joined(separator: ", ") }
        func contains(_ a: PCIAddress) -> Bool { functions.contains { $0.address == a } }
    }

    // MARK: - iommu

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
            return DoctorCheck("iommu", .ok, ([msg] + notes).joined(separator: "; "))
        }
        if target == .xen && isXenHost {
            return DoctorCheck("iommu", .warn,
                "no IOMMU groups, as expected in a Xen dom0: Xen owns the IOMMU and dom0 cannot see it",
                fixes: ["Check Xen's view: `xl dmesg | grep -i -e 'I/O virtualisation' -e iommu` must say enabled; if not, enable VT-d/AMD-Vi in the firmware setup (Xen enables the IOMMU by default; `iommu=1` on Xen's own line in GRUB_CMDLINE_XEN_DEFAULT forces it)."])
        }
        for (key, v) in [("intel_iommu", intel), ("amd_iommu", amd), ("iommu", generic)] where v == "off" {
            return DoctorCheck("iommu", .fail, "no IOMMU groups: the kernel command line turns the IOMMU off (\(key)=off)",
                               fixes: ["Remove \(key)=off from the kernel command line: edit GRUB_CMDLINE_LINUX_DEFAULT in \(host.join("/etc/default/grub")), run `update-grub` and reboot."])
        }
        let firmware = "Enable the IOMMU in the firmware setup (Intel: \"VT-d\"; AMD: \"IOMMU\"/\"AMD-Vi\", with SVM), then check `dmesg | grep -i -e DMAR -e AMD-Vi -e IOMMU`."
        switch vendor {
        case .intel where intel != "on":
            return DoctorCheck("iommu", .fail, "no IOMMU groups: the CPU is Intel and intel_iommu=on is not on the kernel command line",
                               fixes: ["Add `intel_iommu=on iommu=pt` to the kernel command line: \(grub).", firmware])
        case .intel:
            return DoctorCheck("iommu", .fail, "no IOMMU groups although intel_iommu=on is on the command line: VT-d is off in the firmware, or the machine (or this VM) has none",
                               fixes: [firmware])
        case .amd:
            return DoctorCheck("iommu", .fail, "no IOMMU groups: the CPU is AMD (amd_iommu is on by default), so the IOMMU is off in the firmware or missing",
                               fixes: [firmware, "Optionally add `iommu=pt` to the kernel command line: \(grub)."])
        case nil:
            return DoctorCheck("iommu", .fail, "no IOMMU groups under \(sysfs.path)/kernel/iommu_groups: the IOMMU is off or missing",
                               fixes: [firmware, "On Intel add `intel_iommu=on iommu=pt` to the kernel command line: \(grub)."])
        }
    }

    // MARK: - kernel-config

    func kernelConfig() -> DoctorCheck {
        let needed: [String], optional: [String]
        switch target {
        case .qemu, .libvirt: (needed, optional) = (["VFIO", "VFIO_PCI", "VFIO_IOMMU_TYPE1"], [])
        case .xen: (needed, optional) = (["XEN_PCIDEV_BACKEND"], ["PCI_STUB"])
        }
        switch KernelConfig.load(host) {
        case let .unknown(tried, compressed):
            var fixes = ["Check by hand: `grep -E 'CONFIG_(\((needed + optional).joined(separator: "|")))=' /boot/config-$(uname -r)`."]
            if let compressed { fixes.insert("\(compressed) exists but could not be decompressed: `zcat \(compressed) | grep -E 'VFIO|PCI_STUB|XEN_PCIDEV'`.", at: 0) }
            return DoctorCheck("kernel-config", .warn, "cannot tell which options the kernel has: none of \(tried.joined(separator: ", ")) could be read", fixes: fixes)
        case let .found(config):
            let states = (needed + optional).map { ($0, config.state($0)) }
            let said = states.map { "CONFIG_\($0.0) \($0.1.rawValue)" }.joined(separator: ", ")
            let missing = states.filter { $0.1 == .missing && needed.contains($0.0) }.map(\.0)
            let missingOptional = states.filter { $0.1 == .missing && optional.contains($0.0) }.map(\.0)
            if !missing.isEmpty {
                return DoctorCheck("kernel-config", .fail, "\(said) (from \(config.source)): \(target.rawValue) needs \(missing.map { "CONFIG_" + $0 }.joined(separator: ", "))",
                                   fixes: ["Boot a kernel built with \(missing.map { "CONFIG_\($0)=m" }.joined(separator: " ")) (distribution kernels have them: install your distribution's standard kernel package), or rebuild with them set."])
            }
            if !missingOptional.isEmpty {
                return DoctorCheck("kernel-config", .warn, "\(said) (from \(config.source)); CONFIG_\(missingOptional.joined(separator: ", CONFIG_")) is missing, so `--to pci-stub` will not work (pciback will)",
                                   fixes: ["Use pciback (`vbios persist ADDR --to pciback`), or boot a kernel with CONFIG_PCI_STUB."])
            }
            return DoctorCheck("kernel-config", .ok, "\(said) (from \(config.source))")
        }
    }

    // MARK: - xen

    /// Addresses named by `xen-pciback.hide=` on the command line and `options xen-pciback hide=` in modprobe.d.
    func pcibackHidden() -> (addresses: [PCIAddress], sources: [String]) {
        var values: [(String, String)] = []
        for t in host.commandLine ?? [] where t.hasPrefix("xen-pciback.hide=") { values.append((String(t.dropFirst(17)), "kernel command line")) }
        for f in host.modprobeFiles() {
            for line in f.text.split(separator: "\n") {
                let w = line.split(separator: " ")
                guard w.count >= 3, w[0] == "options", w[1] == "xen-pciback" || w[1] == "xen_pciback" else { continue }
                for p in w.dropFirst(2) where p.hasPrefix("hide=") { values.append((String(p.dropFirst(5)), "modprobe.d/" + f.name)) }
            }
        }
        var out: [PCIAddress] = []
        for (v, _) in values {
            for part in v.split(whereSeparator: { $0 == "(" || $0 == ")" }) {
                if let a = try? PCIAddress(parsing: String(part)) { out.append(a) }
            }
        }
        return (out, values.map(\.1))
    }

    func xen(_ card: Card?) -> DoctorCheck {
        var fails: [String] = [], warns: [String] = [], oks: [String] = [], fixes: [String] = []
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
            let short = card.functions.contains { $0.address.domain != 0 }
            let line = "xen-pciback.hide=" + card.functions.map { "(" + (short ? $0.address.description : $0.address.short) + ")" }.joined()
            if uncovered.isEmpty {
                oks.append("every function of the card (\(card.addressList)) is hidden from dom0 by \(Set(hidden.sources).sorted().joined(separator: " and "))")
            } else {
                let boundNow = uncovered.filter { $0.driver == "pciback" }
                let names = uncovered.map { "\($0.address.short) (driver \($0.driver ?? "none"))" }.joined(separator: ", ")
                if boundNow.count == uncovered.count {
                    warns.append("\(names) bound to pciback now but not hidden at boot: the binding is lost on reboot")
                } else {
                    fails.append("not hidden from dom0: \(names); every function of the card must be, or xl refuses the card")
                }
                fixes.append("Add `\(line)` to dom0's kernel command line (GRUB_CMDLINE_LINUX in \(host.join("/etc/default/grub")), then `update-grub`), or run `vbios persist \(card.device.address) --to pciback`; until the reboot: `xl pci-assignable-add` for each function.")
            }
        }
        let status: DoctorCheck.Status = !fails.isEmpty ? .fail : !warns.isEmpty ? .warn : .ok
        return DoctorCheck("xen", status, (fails + warns + oks).joined(separator: "; "), fixes: fixes)
    }

    // MARK: - iommu-group

    func iommuGroup(_ card: Card) -> DoctorCheck {
        let d = card.device
        guard let group = d.iommuGroup else {
            if target == .xen && isXenHost {
                return DoctorCheck("iommu-group", .ok, "\(d.address) has no IOMMU group, as usual in dom0 (Xen isolates devices itself)")
            }
            return DoctorCheck("iommu-group", .fail, "\(d.address) is in no IOMMU group: vfio-pci cannot take it",
                               fixes: ["Turn the IOMMU on first (see the iommu check)."])
        }
        // Listed again, not taken from the device: an unreadable group is "unknown", never "ok".
        let members: [PCIAddress]
        do { members = try sysfs.listIOMMUGroupMembers(group) } catch {
            return DoctorCheck("iommu-group", .unknown, "could not list IOMMU group \(group) (\(error)), so vbios cannot tell which devices share it with \(d.address)",
                               fixes: ["Check `ls \(sysfs.path)/kernel/iommu_groups/\(group)/devices` as root, then run `vbios doctor` again."])
        }
        let others = members.filter { !card.contains($0) }
        if others.isEmpty {
            return DoctorCheck("iommu-group", .ok, "IOMMU group \(group) holds only the card's functions (\(card.addressList))")
        }
        let loaded = others.map { a in (a, try? PCIDevice.load(a, root: sysfs, names: (nil, nil))) }
        let bridges = loaded.filter { ($0.1?.classCode ?? 0) >> 8 == 0x0604 }.map(\.0)
        let endpoints = loaded.filter { ($0.1?.classCode ?? 0) >> 8 != 0x0604 }
        let free: Set<String> = ["vfio-pci", "pci-stub", "pciback"]
        let busy = endpoints.filter { e in e.1?.driver.map { !free.contains($0) } ?? false }
        let idle = endpoints.filter { e in !(e.1?.driver.map { !free.contains($0) } ?? false) }
        func describe(_ l: [(PCIAddress, PCIDevice?)]) -> String {
            l.map { "\($0.0) (\($0.1.map { "[\(Hex.string($0.classCode, width: 6))] driver \($0.driver ?? "none")" } ?? "unreadable"))" }.joined(separator: ", ")
        }
        let bridgeNote = bridges.isEmpty ? "" : "; the bridge\(bridges.count == 1 ? "" : "s") \(bridges.map(\.description).joined(separator: ", ")) may stay (vfio-pci leaves bridges to pcieport)"
        if !busy.isEmpty {
            return DoctorCheck("iommu-group", .fail, "IOMMU group \(group) also holds \(describe(busy)), bound to host drivers\(bridgeNote)",
                               fixes: ["Every endpoint of the group goes to the guest together: bind \(busy.map(\.0.description).joined(separator: " ")) to vfio-pci too (`vbios bind ADDR --to vfio-pci`), or move the card to a slot with its own group (`vbios list` shows the groups); the ACS override patch splits groups without real isolation."])
        }
        if !idle.isEmpty {
            return DoctorCheck("iommu-group", .warn, "IOMMU group \(group) also holds \(describe(idle)), free now but they must stay unused or go to the guest with the card\(bridgeNote)",
                               fixes: ["Keep \(idle.map(\.0.description).joined(separator: " ")) unbound or on vfio-pci, or move the card to a slot with its own group."])
        }
        return DoctorCheck("iommu-group", .ok, "IOMMU group \(group) holds the card's functions (\(card.addressList))\(bridgeNote)")
    }

    // MARK: - boot-vga

    func bootVGA(_ card: Card) -> DoctorCheck {
        let v = card.display
        guard v.bootVGA else {
            let primary = target == .xen ? "gfx_passthru" : "x-vga=on"
            return DoctorCheck("boot-vga", .ok, "\(v.address) is not the boot display: its ROM reads come from the card's own ROM, and the guest gets it as a secondary card (\(primary) only if the guest must boot on it)")
        }
        let passOption = target == .xen ? "gfx_passthru = 1 in xl.cfg" : target == .qemu ? "x-vga=on on the -device vfio-pci line" : "the card as the guest's only display"
        let igd = v.vendorID == 0x8086 && v.address.bus == 0
        var msg = "\(v.address) is the boot display: the firmware ran its VGA BIOS and the host console is on it (lost when it is passed); primary passthrough needs \(passOption)"
        if let rom = v.rom, rom.shadowed {
            msg += "; the kernel's rom attribute gives the runtime copy at \(Hex.prefixed(rom.start)), not the flash"
            let hasROMBAR = (v.config.flatMap { ConfigBAR.romRegister($0) }?.address ?? 0) != 0
            if !hasROMBAR && !igd {
                return DoctorCheck("boot-vga", .fail, msg + ", and config space shows no ROM BAR address, so the flash cannot be read on this host",
                                   fixes: ["Use the vendor's ROM file for this exact card (same subsystem IDs) with `vbios prepare \(v.address) --rom FILE`, or make another GPU the boot display in the firmware setup and dump again."])
            }
            return DoctorCheck("boot-vga", .warn, msg,
                               fixes: [igd ? "An integrated GPU keeps its VGA BIOS only in the system firmware: the shadow copy is what Xen (gfx_passthru = \"igd\") and QEMU use; `vbios dump \(v.address) --source shadow -o igd.rom` saves it."
                                           : "Read the flash instead: `vbios dump \(v.address) --source rombar -o card.rom`, or use the vendor's ROM file, or make another GPU the boot display in the firmware setup."])
        }
        return DoctorCheck("boot-vga", .warn, msg, fixes: ["Make another GPU the boot display in the firmware setup if the host needs its console."])
    }

    // MARK: - bar-above-4g

    func barPlacement(_ card: Card) -> DoctorCheck {
        let bars = card.functions.flatMap { f in f.bars.filter { $0.kind == .memory }.map { (f.address, $0) } }
        let unassigned = bars.filter { $0.1.unset || $0.1.size == 0 }
        if !unassigned.isEmpty {
            return DoctorCheck("bar-above-4g", .fail,
                "the host kernel did not assign \(unassigned.map { "BAR \($0.1.index) of \($0.0)" }.joined(separator: ", ")): a device with an unassigned BAR cannot be passed",
                fixes: ["Enable \"Above 4G decoding\" (and for Resizable BAR cards \"Re-Size BAR support\") in the firmware setup, or add `pci=realloc` to the kernel command line; `dmesg | grep -i 'BAR'` shows why it failed."])
        }
        let high = bars.filter { $0.1.start >= 1 << 32 }
        let large = bars.filter { $0.1.size >= 256 << 20 }
        let total = bars.reduce(UInt64(0)) { $0 + $1.1.size }
        func list(_ l: [(PCIAddress, BAR)]) -> String {
            l.map { "BAR \($0.1.index) of \($0.0.short) (\(sizeText($0.1.size)) at \(Hex.prefixed($0.1.start)))" }.joined(separator: ", ")
        }
        if high.isEmpty && large.isEmpty {
            return DoctorCheck("bar-above-4g", .ok, "memory BARs total \(sizeText(total)), all below 4 GiB and under 256 MiB each: they fit the guest's default MMIO hole")
        }
        var parts: [String] = []
        if !high.isEmpty { parts.append("64-bit BARs above 4 GiB on the host: \(list(high))") }
        if !large.isEmpty { parts.append("large BARs: \(list(large))") }
        parts.append("memory BARs total \(sizeText(total))")
        let fix: [String]
        switch target {
        case .xen:
            let hole = Self.mmioHoleMB(total)
            fix = ["In xl.cfg make the MMIO hole below 4 GiB large enough for the BARs: `mmio_hole = \(hole)` (MB; needs device_model_version = \"qemu-xen\"), or give the domain less than 4 GB (`memory = \(4096 - hole)` or less) so guest RAM never collides with the BARs."]
        case .qemu, .libvirt:
            let gib = Self.hole64GiB(bars.filter { $0.1.is64Bit }.reduce(UInt64(0)) { $0 + $1.1.size })
            let args = "`-global q35-pcihost.pci-hole64-size=\(gib)G` and, for OVMF, `-fw_cfg name=opt/ovmf/X-PciMmio64Mb,string=\(gib * 1024)`"
            fix = [target == .qemu ? "Use -machine q35 and, if the guest firmware cannot place the BARs (OVMF log: \"out of resources\"), add \(args)."
                                  : "Use a q35 machine; if OVMF cannot place the BARs, add \(args) through <qemu:commandline> in the domain XML."]
        }
        return DoctorCheck("bar-above-4g", .warn, parts.joined(separator: "; "), fixes: fix)
    }

    /// xl's `mmio_hole` in MB: the BARs plus room for the emulated devices, rounded up to a power
    /// of two so that each BAR can be aligned; xl takes 256 to 3840.
    static func mmioHoleMB(_ total: UInt64) -> UInt64 {
        let mb = (total + (256 << 20) + (1 << 20) - 1) >> 20
        var p: UInt64 = 512
        while p < mb { p <<= 1 }
        return min(p, 3840)
    }

    /// A 64-bit PCI hole that holds the BARs twice over, in GiB (at least 32, QEMU's and OVMF's usual size).
    static func hole64GiB(_ total: UInt64) -> UInt64 {
        var g: UInt64 = 32
        while g << 30 < total * 2 { g <<= 1 }
        return g
    }

    // MARK: - rom-readable

    func romReadable(_ card: Card) -> DoctorCheck {
        let v = card.display
        // Read only: a disabled ROM is reported, never enabled; the ROM BAR is not touched.
        let reader = ROMReader(root: sysfs, memory: memory, access: .readOnly)
        do {
            let sources = try reader.sources(for: v)
            let choice = try ROMReader.choose(sources)
            let kept = choice.kept
            let layout = kept.layout!
            let valid = layout.images.filter { $0.checksumValid != false }.count
            let what = "\(kept.bytes!.count) bytes, \(layout.images.count) image\(layout.images.count == 1 ? "" : "s"), \(valid) with a valid checksum or none to check"
            if kept.source.isShadowCopy {
                return DoctorCheck("rom-readable", .warn, "readable now only as the runtime copy: \(kept.source.name) (\(kept.source.location)): \(what); `vbios dump` would keep the best of \(sources.map(\.name).joined(separator: ", "))",
                                   fixes: [(v.config.flatMap { ConfigBAR.romRegister($0) }?.address ?? 0) != 0
                                       ? "Prefer the flash: `vbios dump \(v.address) --source rombar -o card.rom`, or the vendor's ROM file."
                                       : "No ROM BAR to read the flash through: use the vendor's ROM file for this card (`vbios prepare \(v.address) --rom FILE`)."])
            }
            return DoctorCheck("rom-readable", .ok, "readable now from \(kept.source.name) (\(kept.source.location)): \(what); `vbios dump \(v.address) -o card.rom` reads the same")
        } catch {
            switch error {
            // Not the boot display, yet its ROM resource is the 0xC0000 shadow (x86 gives it to every
            // decoding VGA on the root bus): `rom` is the boot display's BIOS, not this card's.
            case .notBootVGAShadow:
                return DoctorCheck("rom-readable", .fail, "\(v.address) is not the boot display (boot_vga 0) but the kernel gave it the 0xC0000 shadow as its ROM: \(sysfs.attribute(v.address, "rom")) reads the boot display's BIOS, not this card's, and there is no ROM BAR to read the flash through",
                                   fixes: ["Use the card's own ROM file (the vendor's, or one dumped where the card is the boot display): `vbios prepare \(v.address) --rom FILE`; or move the card to a slot behind a PCIe root port."])
            case .nothingToRead:
                return DoctorCheck("rom-readable", .fail, "\(v.address) has no ROM resource (no \(sysfs.attribute(v.address, "rom"))) and is not the boot display: nothing to read",
                                   fixes: ["Take the ROM from the vendor's file or from a firmware image (`vbios scan FILE --extract DIR`), then `vbios prepare \(v.address) --rom FILE`."])
            case let .nothingRead(candidates):
                let errors = candidates.map { $0.error?.description ?? $0.summary }
                if candidates.allSatisfy({ $0.error?.isDisabledNow == true }) {
                    return DoctorCheck("rom-readable", .ok, "the ROM is disabled now and doctor does not enable it, so it was not read; `vbios dump \(v.address) -o card.rom` enables it through sysfs, reads it and disables it again")
                }
                if candidates.contains(where: { $0.error?.isPermissionDenied == true }) {
                    return DoctorCheck("rom-readable", .warn, "cannot read the ROM as this user: " + errors.joined(separator: "; "),
                                       fixes: ["Run `sudo vbios doctor \(v.address)`."])
                }
                return DoctorCheck("rom-readable", .fail, "no readable ROM: " + errors.joined(separator: "; "),
                                   fixes: ["Try `vbios dump \(v.address) --source rombar -o card.rom` (enables the ROM BAR directly), or use the vendor's ROM file with `vbios prepare \(v.address) --rom FILE`."])
            }
        }
    }
}
