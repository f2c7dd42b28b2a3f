import OptionROM
import PCIHost

/// Lines for Proxmox VE's /etc/pve/qemu-server/VMID.conf. The keys and values follow
/// qemu-server's schema: `$hostpci_fmt` (PVE/QemuServer/PCI.pm) for `hostpciN`, `bios` and
/// `vga` (PVE/QemuServer.pm), `machine` (PVE/QemuServer/Machine.pm).
public enum ProxmoxConfig {
    /// Where qemu-server looks for a `romfile`.
    public static let romDirectory = "/usr/share/kvm"

    public struct Options: Sendable {
        /// Where the ROM will be: under `romDirectory`; nil: no `romfile`.
        public var romPath: String?
        /// `x-vga=1` and `vga: none`; nil: when the card is the host's boot display.
        public var primaryDisplay: Bool?
        /// false: `rombar=0`.
        public var romBAR = true
        /// `bios: seabios` or `bios: ovmf`.
        public var firmware: ROMPreparation.Firmware = .uefi
        /// ROM files of other functions (`ConfigFiles.Options.functionROMs`), under `romDirectory`:
        /// each such function gets its own `hostpciN` line with its `romfile`.
        public var functionROMs: [PCIAddress: String] = [:]
        public init(romPath: String? = nil) { self.romPath = romPath }
    }

    /// `romfile`'s value for a path under `romDirectory` (qemu-server prefixes it with that
    /// folder; its pattern `[^,;]+` keeps commas and semicolons out), or nil.
    public static func romfile(_ path: String) -> String? {
        let prefix = romDirectory + "/"
        guard path.hasPrefix(prefix) else { return nil }
        let name = String(path.dropFirst(prefix.count))
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard !name.isEmpty, !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }),
              !name.contains(where: { $0 == "," || $0 == ";" || $0 == "=" || $0.isNewline || $0 == " " }) else { return nil }
        return name
    }

    /// The lines, key first (`hostpci0: 0000:01:00,pcie=1,...`).
    public static func lines(_ card: PassthroughCard, options: Options = .init()) throws(PassthroughError) -> [String] {
        var romOptions: [String] = []
        if let path = options.romPath {
            guard let name = romfile(path) else {
                throw PassthroughError("\"\(path)\" is not a file under \(romDirectory)/, where Proxmox looks for a romfile.")
            }
            romOptions.append("romfile=" + name)
        }
        if !options.romBAR { romOptions.append("rombar=0") }
        let primary = options.primaryDisplay ?? card.isPrimaryDisplay
        // The whole slot as `DDDD:BB:DD` when the ROM function comes first: qemu-server gives
        // romfile, rombar and x-vga to the first function it lists (PCI.pm, print_hostpci_devices).
        let rom = card.romFunction.address
        let slot = card.functions.count > 1 && card.functions[0].address == rom && options.functionROMs.isEmpty
        let groups: [[CardFunction]] = slot ? [card.functions]
            : [[card.romFunction]] + card.functions.filter { $0.address != rom }.map { [$0] }
        // An IGD goes in legacy mode (`legacy-igd`): qemu-server then wants the i440fx machine (so
        // no pcie=1, a q35 option) and no other VGA (PCI.pm, `legacy-igd`'s description).
        let igd = card.isIntelIGD
        var out = [igd ? "machine: pc" : "machine: q35", "bios: " + (options.firmware == .uefi ? "ovmf" : "seabios")]
        for (i, g) in groups.enumerated() {
            let host = slot ? slotText(rom) : g[0].address.description
            var opts = igd ? [host] : [host, "pcie=1"]
            if i == 0 {
                if igd { opts.append("legacy-igd=1") }
                if primary { opts.append("x-vga=1") }
                opts += romOptions
            } else if let path = options.functionROMs[g[0].address] {
                guard let name = romfile(path) else {
                    throw PassthroughError("\"\(path)\" is not a file under \(romDirectory)/, where Proxmox looks for a romfile.")
                }
                opts.append("romfile=" + name)
            }
            out.append("hostpci\(i): " + opts.joined(separator: ","))
        }
        if primary || igd { out.append("vga: none") }
        return out
    }

    public static func text(_ card: PassthroughCard, options: Options = .init()) throws(PassthroughError) -> String {
        try lines(card, options: options).joined(separator: "\n") + "\n"
    }

    /// `0000:01:00`: every function of the slot (qemu-server's HOSTPCIID without `.F`).
    static func slotText(_ a: PCIAddress) -> String {
        let full = a.description
        return String(full[..<(full.lastIndex(of: ".") ?? full.endIndex)])
    }
}
