/// A PCI function's vendor and device ID: the identity vbios matches ROMs, drivers and
/// devices by, written `vvvv:dddd` (lowercase hex) everywhere.
public struct PCIIDs: Sendable, Equatable, CustomStringConvertible {
    public var vendor: UInt16
    public var device: UInt16
    public init(vendor: UInt16, device: UInt16) { self.vendor = vendor; self.device = device }

    /// `VVVV:DDDD`, hex.
    public init?(parsing s: String) {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ (1...4).contains($0.count) }),
              let v = UInt16(parts[0], radix: 16), let d = UInt16(parts[1], radix: 16) else { return nil }
        vendor = v
        device = d
    }

    public var description: String { Hex.string(vendor, width: 4) + ":" + Hex.string(device, width: 4) }
}

/// A thing that carries a PCI vendor and device ID (a device, a PCIR, a VFCT entry, a ROM found
/// in a blob): its `pciIDs` is the one `PCIIDs`, so `vvvv:dddd` is written by `PCIIDs` alone.
public protocol PCIIdentified {
    var vendorID: UInt16 { get }
    var deviceID: UInt16 { get }
}

extension PCIIdentified {
    public var pciIDs: PCIIDs { PCIIDs(vendor: vendorID, device: deviceID) }
}
