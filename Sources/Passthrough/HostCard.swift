import OptionROM
import PCIHost
import Core

// The adapter between what PCIHost reads from the machine and what the Passthrough writers take.

extension CardFunction {
    /// One function as the host reports it.
    public init(_ device: PCIDevice) {
        self.init(address: device.address, vendorID: device.vendorID, deviceID: device.deviceID,
                  classCode: device.classCode, isBootVGA: device.bootVGA)
        if let v = device.subsystemVendorID, let d = device.subsystemDeviceID { subsystem = PCIIDs(vendor: v, device: d) }
    }
}

extension MemoryRange {
    /// A BAR's span; nil for BARs the kernel did not size (nothing to map).
    public init?(_ bar: BAR) {
        guard bar.size > 0, !bar.unset else { return nil }
        self.init(start: bar.start, size: bar.size, kind: bar.kind == .io ? .io : .memory)
    }
}

extension PassthroughCard {
    /// A card is a slot plus its ROM: every function of the slot, the ROM on `romAt` (default:
    /// the display function, as in `init(functions:romAt:)`).
    public init(slot: Slot, romAt: PCIAddress? = nil) throws(PassthroughError) {
        try self.init(functions: slot.functions.map(CardFunction.init), romAt: romAt)
    }

    /// Every BAR of every function, for xl's `iomem` and `ioports`.
    public static func ranges(of devices: [PCIDevice]) -> [MemoryRange] {
        devices.sorted { $0.address < $1.address }.flatMap { $0.bars.compactMap(MemoryRange.init) }
    }
}

/// The card's IOMMU group holds devices the guest does not get. vfio (and Xen's pciback with an
/// IOMMU) isolate per group: such a member, other than a bridge, stops the guest from starting
/// or must be handed over too.
public struct GroupNotIsolated: Error, Sendable, CustomStringConvertible {
    /// The members left out, each once, in the order found.
    public var peers: [Slot.GroupPeer]

    public var description: String {
        let listed = peers.map { p in
            let e = p.entry
            let what = (e?.pciIDs.description ?? "????:????") + ", class " + Hex.string(e?.classCode ?? 0, width: 6)
                + (e?.driver.map { ", driver \($0)" } ?? "")
            return "\(p.address) (\(what)) in group \(p.group)"
        }
        var text = AdvisedText("the card's IOMMU group also holds " + listed.joined(separator: "; ")
            + ". A guest gets a whole group or nothing: pass these devices too (bind them as well and name them with ")
        for (i, p) in peers.enumerated() {
            if i > 0 { text += " " }
            text.append(NextStep(.with, p.address.description))
        }
        text += "), move the card to another slot with its own group, or, at your own risk, split the group with the "
            + "ACS override patch (pcie_acs_override=downstream), which removes the isolation the IOMMU gives."
        return StepWording.text(text)
    }

    /// Throws when a member of the slot's IOMMU groups other than a bridge is neither in the
    /// slot nor among `also` (the devices handed over with the card).
    public static func check(_ slot: Slot, also: [PCIAddress]) throws(GroupNotIsolated) {
        var seen = Set(slot.addresses + also)
        let left = slot.endpointPeers.filter { seen.insert($0.address).inserted }
        guard left.isEmpty else { throw GroupNotIsolated(peers: left) }
    }
}
