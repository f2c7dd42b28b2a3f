import OptionROM
import PCIHost

// The adapter between what PCIHost reads from the machine and what the Passthrough writers take.

extension CardFunction {
    /// One function as the host reports it.
    public init(_ device: PCIDevice) {
        self.init(address: device.address, vendorID: device.vendorID, deviceID: device.deviceID,
                  classCode: device.classCode, isBootVGA: device.bootVGA)
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
