/// A PCI slot (domain, bus, device) as one enumeration saw it: the functions present, which of
/// them carries the display (and so the ROM), and the other devices of their IOMMU groups. The one
/// place that says what "the functions of a card" and "the rest of its IOMMU group" are; binding,
/// persisting, preparing and the doctor all take it from here.
public struct Slot: Sendable {
    /// Another member of a slot function's IOMMU group.
    public struct GroupPeer: Sendable {
        public var address: PCIAddress
        /// The IOMMU group (the kernel's number).
        public var group: String
        /// The slot function whose group it is.
        public var of: PCIAddress
        /// What libpci filled for it; nil when the enumeration did not see it.
        public var entry: PCIEnumeration.Entry?

        /// A bridge stays with the host when its group goes to a guest (vfio-pci leaves bridges
        /// to pcieport; xl and libvirt do the same).
        public var isBridge: Bool { entry?.isBridge ?? false }
    }

    /// The function the slot was looked up by.
    public let named: PCIDevice
    /// Every function present, sorted by address; `named` among them.
    public let functions: [PCIDevice]
    /// Members of the functions' IOMMU groups outside the slot, each once, in the order found.
    public let peers: [GroupPeer]

    public init(named: PCIDevice, functions: [PCIDevice], peers: [GroupPeer] = []) {
        self.named = named
        let sorted = functions.sorted { $0.address < $1.address }
        self.functions = sorted.isEmpty ? [named] : sorted
        self.peers = peers
    }

    public var addresses: [PCIAddress] { functions.map(\.address) }
    public func contains(_ a: PCIAddress) -> Bool { functions.contains { $0.address == a } }

    /// The display function, whose ROM is the card's; nil when the slot has none.
    public var display: PCIDevice? { functions.first(where: \.isDisplay) }

    /// Group members that must go to the guest with the card (or stay unused): every peer but
    /// bridges.
    public var endpointPeers: [GroupPeer] { peers.filter { !$0.isBridge } }

    /// `(01:00.0)(01:00.1)` for `xen-pciback.hide=`.
    public var hideList: String { Slot.hideList(addresses) }

    /// `xen-pciback.hide=`'s value for these functions: each address in parentheses, with domains
    /// when any is not 0 (xen-pciback reads both forms).
    public static func hideList(_ functions: [PCIAddress]) -> String {
        let full = functions.contains { $0.domain != 0 }
        return functions.map { "(" + (full ? $0.description : $0.short) + ")" }.joined()
    }

    /// The dom0 kernel parameter that hides functions from the host's drivers for xen-pciback.
    public static let hideParameter = "xen-pciback.hide"

    /// `xen-pciback.hide=(01:00.0)(01:00.1)`: the parameter with `hideList(functions)`.
    public static func hideArgument(_ functions: [PCIAddress]) -> String { hideParameter + "=" + hideList(functions) }

    /// The value of `xen-pciback.hide=` in a kernel command line word; nil for other words.
    public static func hideValue(inKernelArgument word: String) -> String? {
        word.hasPrefix(hideParameter + "=") ? String(word.dropFirst(hideParameter.count + 1)) : nil
    }

    /// The addresses a `xen-pciback.hide=` value names: the reverse of `hideList`.
    public static func addresses(inHideList value: String) -> [PCIAddress] {
        value.split(whereSeparator: { $0 == "(" || $0 == ")" }).compactMap { try? PCIAddress(parsing: String($0)) }
    }
}

extension PCIAddress {
    /// The same slot, another function.
    public func with(function f: UInt8) -> PCIAddress? {
        f < 8 ? PCIAddress(domain: domain, bus: bus, device: device, function: f) : nil
    }

    public func sameSlot(as other: PCIAddress) -> Bool {
        domain == other.domain && bus == other.bus && device == other.device
    }
}
