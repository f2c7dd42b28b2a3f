import OptionROM
import PCIHost
import Core

/// Makes a passthrough binding survive a reboot the standard way: one modprobe.d file,
/// `/etc/modprobe.d/vbios-passthrough.conf`, that lists every card vbios persisted.
///
/// One file, not one per card: `options vfio-pci ids=` is one module parameter, and with two
/// files modprobe passes it twice and the kernel keeps the last, silently dropping a card. The
/// file is rewritten whole from its `# card` lines, so persisting twice changes nothing and
/// `--remove` takes one card out; a file without the `# Written by vbios persist` header is not
/// vbios's and is never overwritten or removed.
public enum BindingPersistence {
    /// The order of the drivers' sections in the file.
    static let sections: [PassthroughDriver] = [.vfioPCI, .pciStub, .pciback]

    public static let fileName = "vbios-passthrough.conf"
    public static let marker = "# Written by vbios persist"

    /// One card as the file records it.
    public struct Card: Equatable, Sendable {
        public var driver: PassthroughDriver
        /// Every function of the slot, sorted.
        public var functions: [PCIAddress]
        /// `vvvv:dddd` of the functions, without repeats.
        public var ids: [String]
        /// Host drivers the passthrough driver must load before.
        public var hostDrivers: [String]
        /// Claimed by address (`driver_override`, set by an `install` line before the module
        /// loads) instead of by `ids=`: another device on the host carries the same IDs.
        public var byAddress: Bool

        public init(driver: PassthroughDriver, functions: [PCIAddress], ids: [String], hostDrivers: [String], byAddress: Bool = false) {
            self.driver = driver
            self.functions = functions.sorted()
            self.ids = ids
            self.hostDrivers = hostDrivers
            self.byAddress = byAddress
        }

        public var slot: PCIAddress { functions[0] }

        /// `(01:00.0)(01:00.1)`, with domains when any is not 0.
        public var hideList: String { Slot.hideList(functions) }

        var line: String {
            "# card \(driver.rawValue) functions=\(functions.map(\.description).joined(separator: ",")) ids=\(ids.joined(separator: ","))"
                + " softdep=\(hostDrivers.joined(separator: ","))" + (byAddress ? " by=address" : "")
        }

        static func parse(_ line: Substring) -> Card? {
            let w = line.split(separator: " ")
            guard w.count >= 4, w[0] == "#", w[1] == "card", let driver = PassthroughDriver(rawValue: String(w[2])) else { return nil }
            var f: [String: [String]] = [:]
            for kv in w.dropFirst(3) {
                guard let eq = kv.firstIndex(of: "=") else { continue }
                f[String(kv[..<eq])] = kv[kv.index(after: eq)...].split(separator: ",").map(String.init)
            }
            let functions = (f["functions"] ?? []).compactMap { try? PCIAddress(parsing: $0) }
            guard !functions.isEmpty else { return nil }
            return Card(driver: driver, functions: functions, ids: f["ids"] ?? [], hostDrivers: f["softdep"] ?? [],
                        byAddress: f["by"] == ["address"])
        }
    }

    /// The card of a slot (every function of it) as the host shows it.
    public static func card(_ slot: Slot, driver: PassthroughDriver) -> (card: Card, devices: [PCIDevice]) {
        var ids: [String] = [], drivers: [String] = []
        for d in slot.functions {
            let id = d.pciIDs.description
            if !ids.contains(id) { ids.append(id) }
            for n in hostDrivers(d) where !drivers.contains(n) { drivers.append(n) }
        }
        return (Card(driver: driver, functions: slot.addresses, ids: ids, hostDrivers: drivers.sorted()), slot.functions)
    }

    /// Drivers that are not the host's own: the passthrough drivers (by driver and module name)
    /// and pcieport, which keeps bridges.
    static let passthroughDrivers = Set(PassthroughDriver.allCases.flatMap { [$0.rawValue, $0.module] } + ["pcieport"])

    /// The function's current driver and the ones likely to claim it at boot.
    static func hostDrivers(_ d: PCIDevice) -> [String] {
        var out: [String] = []
        if let cur = d.driver, !passthroughDrivers.contains(cur) { out.append(cur) }
        if d.isDisplay {
            switch GPUVendor(pciVendorID: d.vendorID) {
            case .amd: out += ["amdgpu", "radeon"]
            case .nvidia: out += ["nouveau", "nvidia"]
            case .intel: out += ["i915"]
            case nil: break
            }
        }
        if d.classCode >> 8 == 0x0403 { out.append("snd_hda_intel") }
        var seen: Set<String> = []
        return out.filter { seen.insert($0.replacingDashes).inserted }
    }

    public struct Foreign: Error, CustomStringConvertible {
        public var path: String
        public var description: String {
            "\(path) exists and was not written by vbios (no '\(BindingPersistence.marker)' header); vbios leaves it alone. "
                + "Move it aside or merge its lines by hand."
        }
    }

    /// The cards an existing file records; throws `Foreign` when vbios did not write it.
    public static func cards(in text: String, path: String) throws -> [Card] {
        guard text.hasPrefix(marker) else { throw Foreign(path: path) }
        return text.split(separator: "\n").compactMap { $0.hasPrefix("# card ") ? Card.parse($0) : nil }
    }

    /// The file for `cards`; nil when there are none (the file goes).
    /// `pcibackBuiltIn`: xen-pciback is built into the kernel, so modprobe.d cannot hide devices.
    public static func render(_ cards: [Card], pcibackBuiltIn: Bool) -> String? {
        guard !cards.isEmpty else { return nil }
        let cards = cards.sorted { $0.slot < $1.slot }
        var s = marker + ". Keep this line: vbios rewrites or removes only files that start with it.\n"
        s += StepWording.text("# Rewritten whole from the '# card' lines; change it with \(NextStep(.persistOrRemove)), not by hand.\n")
        for c in cards { s += c.line + "\n" }
        for driver in sections {
            let mine = cards.filter { $0.driver == driver }
            guard !mine.isEmpty else { continue }
            s += "\n"
            switch driver {
            case .vfioPCI, .pciStub:
                var ids: [String] = []
                for c in mine where !c.byAddress { for id in c.ids where !ids.contains(id) { ids.append(id) } }
                if !ids.isEmpty {
                    s += "# \(driver.rawValue) claims every device with these IDs at boot.\n"
                    s += "options \(driver.module) ids=\(ids.joined(separator: ","))\n"
                }
                let addresses = mine.filter(\.byAddress).flatMap(\.functions)
                if !addresses.isEmpty { s += installLine(driver, addresses) }
            case .pciback:
                if pcibackBuiltIn {
                    s += "# xen-pciback is built into this kernel: the hide list must be on the kernel command line:\n"
                    s += "# \(Slot.hideParameter)=\(mine.map(\.hideList).joined())\n"
                } else {
                    s += "# xen-pciback takes these devices when it loads (the kernel command line does it when built in).\n"
                    s += "options \(driver.module) hide=\(mine.map(\.hideList).joined())\n"
                }
            }
        }
        // softdep: for each host driver, the passthrough modules to load before it.
        var order: [String] = []
        var pre: [String: [String]] = [:]
        for c in cards {
            for d in c.hostDrivers {
                if pre[d] == nil { order.append(d); pre[d] = [] }
                if !pre[d]!.contains(c.driver.module) { pre[d]!.append(c.driver.module) }
            }
        }
        if !order.isEmpty {
            s += "\n# Load the passthrough driver before the host drivers, so that it claims the devices first.\n"
            for d in order.sorted() { s += "softdep \(d) pre: \(pre[d]!.joined(separator: " "))\n" }
        }
        return s
    }

    /// The per-address way, as driverctl does it: before the module loads, modprobe's `install`
    /// command writes the driver's name to each function's `driver_override`, so the driver
    /// takes those addresses and no host driver can (Linux 3.16+, drivers/pci/pci-driver.c
    /// `pci_match_device`); devices with the same IDs elsewhere keep their drivers.
    /// `$CMDLINE_OPTS` is modprobe's (modprobe.d(5), "install").
    static func installLine(_ driver: PassthroughDriver, _ addresses: [PCIAddress]) -> String {
        let list = addresses.map(\.description).joined(separator: " ")
        return "# \(driver.rawValue) takes these addresses only (driver_override, set before it loads).\n"
            + "install \(driver.module) for a in \(list); do [ -e /sys/bus/pci/devices/$a ] && echo \(driver.rawValue) > /sys/bus/pci/devices/$a/driver_override; done; "
            + "exec /sbin/modprobe --ignore-install \(driver.module) $CMDLINE_OPTS\n"
    }

    /// `ids=` would take other devices: the devices on the host, outside the card, that carry
    /// one of its IDs. Persisting by IDs is refused then (the host's own GPU would go to the
    /// passthrough driver at the next boot); by address is the way.
    public struct SharedIDs: Error, CustomStringConvertible, Sendable {
        public struct Other: Sendable, Equatable {
            public var address: PCIAddress
            public var ids: String
            public var driver: String?
            public var bootVGA: Bool
        }
        public var card: Card
        public var others: [Other]

        public var description: String {
            let list = others.map { o in
                "\(o.address) (\(o.ids), driver \(o.driver ?? "none")\(o.bootVGA ? ", the boot display" : ""))"
            }.joined(separator: ", ")
            return "\(card.driver.module) ids=\(card.ids.joined(separator: ",")) would take every device with these IDs at boot: "
                + "\(list) would go to \(card.driver.rawValue) with \(card.slot), and the host would lose \(others.count == 1 ? "it" : "them"). Nothing was written."
        }
    }

    /// The devices outside `card` that carry one of its IDs (nothing for pciback, which hides by address).
    public static func sharingIDs(_ card: Card, bus: PCIBus) -> [SharedIDs.Other] {
        guard card.driver != .pciback, !card.byAddress else { return [] }
        return bus.entries.filter { !card.functions.contains($0.address) && card.ids.contains($0.pciIDs.description) }.map { e in
            let boot = (try? bus.device(at: e.address))?.bootVGA ?? false
            return SharedIDs.Other(address: e.address, ids: e.pciIDs.description, driver: e.driver, bootVGA: boot)
        }
    }

    public enum Action: String, Sendable { case create, update, unchanged, remove, nothing }

    public struct Plan: Sendable {
        public var path: String
        public var before: String?
        /// nil: the file is (or stays) absent.
        public var after: String?
        public var action: Action
        public var card: Card
    }

    /// What persisting (or removing) `card` does to the file at `path` holding `existing`.
    /// `others`: the devices sharing the card's IDs (`sharingIDs`); persisting by IDs is refused when there are any.
    public static func plan(card: Card, existing: String?, path: String, remove: Bool, pcibackBuiltIn: Bool,
                            sharing others: [SharedIDs.Other] = []) throws -> Plan {
        if !remove, !card.byAddress, !others.isEmpty { throw SharedIDs(card: card, others: others) }
        var cards = try existing.map { try Self.cards(in: $0, path: path) } ?? []
        let had = cards.contains { $0.slot.sameSlot(as: card.slot) }
        cards.removeAll { $0.slot.sameSlot(as: card.slot) }
        if !remove { cards.append(card) }
        let after = render(cards, pcibackBuiltIn: pcibackBuiltIn)
        let action: Action
        if remove && !had { action = .nothing } else if after == existing { action = .unchanged } else if after == nil { action = .remove } else if existing == nil { action = .create } else { action = .update }
        return Plan(path: path, before: existing, after: remove && !had ? existing : after, action: action, card: card)
    }
}

extension BindingPersistence {
    /// What persisting (or removing) `card` does beyond it: another modprobe.d file setting the
    /// same module's options competes with vbios's. (`ids=` over another device is refused: `SharedIDs`.)
    public static func warnings(for card: Card, removing: Bool, bus: PCIBus, host: HostRoot) -> [String] {
        var warnings: [String] = []
        let driver = card.driver
        // A built-in driver is never loaded by modprobe, so its install line never runs.
        if !removing, card.byAddress, case let .found(config) = KernelConfig.load(host),
           config.state(driver == .vfioPCI ? "VFIO_PCI" : "PCI_STUB") == .builtIn {
            warnings.append("\(driver.module) is built into this kernel (\(config.source)): modprobe never loads it, so the install line that sets driver_override on \(card.functions.map(\.description).joined(separator: ", ")) never runs. "
                + "Set driver_override before the host driver binds instead, from a udev rule such as `ACTION==\"add\", SUBSYSTEM==\"pci\", KERNEL==\"\(card.slot)\", ATTR{driver_override}=\"\(driver.rawValue)\"` (one per function).")
        }
        // modprobe treats - and _ in module names alike.
        func module(_ s: Substring) -> String { String(s.map { $0 == "-" ? "_" : $0 }) }
        for f in host.modprobeFiles() where f.name != fileName {
            if f.text.split(separator: "\n").contains(where: { l in
                let w = l.split(separator: " ")
                return w.count >= 2 && w[0] == "options" && module(w[1]) == module(Substring(driver.module))
            }) {
                warnings.append("\(host.modprobeDirectory)/\(f.name) also sets options for \(driver.module); modprobe applies both and the last `ids=`/`hide=` wins. Merge them by hand.")
            }
        }
        return warnings
    }
}
