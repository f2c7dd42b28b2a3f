import ArgumentParser
import OptionROM
import PCIHost
import Core

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List display devices (all PCI devices with --all): IDs, names, driver, IOMMU group, ROM.",
        discussion: ExitStatus.discussion("Reads sysfs only; never writes to a device.", ExitStatus.list))

    @Flag(name: .long, help: "List every PCI device, not only display controllers (class 03).")
    var all = false

    @OptionGroup var host: HostOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let devices = try PCIDevice.all(root: host.root).filter { all || $0.isDisplay }
        if global.json {
            Terminal.out(JSON.array(devices.map(json)).rendered())
            return
        }
        if devices.isEmpty {
            Terminal.note(all ? "no PCI devices under \(host.root.devicesDirectory)." : "no display devices; `vbios list --all` shows every device.")
            return
        }
        for d in devices {
            var line = "\(d.address)  \(d.pciIDs)  [\(d.classText)]  \(d.vendorName ?? "(unknown vendor)") \(d.deviceName ?? "(unknown device)")"
            if d.bootVGA { line += "  (boot VGA)" }
            Terminal.out(line)
            var facts: [String] = []
            if let r = d.revision { facts.append("rev \(Hex.string(r, width: 2))") }
            if let sv = d.subsystemVendorID, let sd = d.subsystemDeviceID { facts.append("subsystem \(PCIIDs(vendor: sv, device: sd))") }
            facts.append("driver \(d.driver ?? "none")")
            if let g = d.iommuGroup {
                // A few names help; thousands per line (and a filter per device) would make the
                // listing quadratic in the group's size. A device is a member of its own group.
                let members = d.iommuGroupMembers
                let otherCount = max(0, members.count - 1)
                let named = members.lazy.filter { $0 != d.address }.prefix(8).map(\.description).joined(separator: ", ")
                let more = otherCount > 8 ? " and \(otherCount - 8) more" : ""
                facts.append("IOMMU group \(g)" + (otherCount == 0 ? "" : " with " + named + more))
            } else {
                facts.append("no IOMMU group")
            }
            if let rom = d.rom {
                facts.append("ROM \(sizeText(rom.size))" + (rom.shadowed ? " shadowed at \(Hex.prefixed(rom.start))" : " at \(Hex.prefixed(rom.start))"))
            } else {
                facts.append("no ROM")
            }
            Terminal.out("    " + facts.joined(separator: ", "))
        }
    }

    func json(_ d: PCIDevice) -> JSON {
        .object([
            ("address", .string(d.address.description)),
            ("vendorID", .hex4(d.vendorID)), ("deviceID", .hex4(d.deviceID)),
            ("classCode", .string(d.classText)),
            ("vendorName", .optional(d.vendorName)), ("deviceName", .optional(d.deviceName)),
            ("revision", .optional(d.revision.map { Hex.string($0, width: 2) })),
            ("subsystemVendorID", .optional(d.subsystemVendorID.map { Hex.string($0, width: 4) })),
            ("subsystemDeviceID", .optional(d.subsystemDeviceID.map { Hex.string($0, width: 4) })),
            ("bootVGA", .bool(d.bootVGA)), ("driver", .optional(d.driver)),
            ("iommuGroup", .optional(d.iommuGroup.flatMap { Int($0) })),
            ("iommuGroupMembers", .array(d.iommuGroupMembers.map { .string($0.description) })),
            ("bars", d.barsJSON), ("rom", d.romJSON),
        ])
    }
}
