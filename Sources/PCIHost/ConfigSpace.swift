import OptionROM
// PCI config space, declared once: vbios reads the header libpci gave through these fields
// (`ConfigBAR`, `ROMBARSource`) and the capabilities libpci found (`ResizableBAR`), and the fake
// hosts' writer (TestSupport's `ConfigSpaceImage`) writes every `config` file of Fixtures/hosts
// through them. Offsets are relative to the structure's start; every integer is little-endian.
// Sources: PCI Local Bus 3.0 §6.1-6.2, PCI PM 1.2 §3.2, PCIe base 6.0 §7.5.1, §7.5.3, §7.8.6
// (Linux include/uapi/linux/pci_regs.h, pciutils lib/header.h).

/// The header every function has (its first 64 bytes).
public enum ConfigHeaderFields {
    public static let vendorID = ROMField(0x00, 2)
    public static let deviceID = ROMField(0x02, 2)
    public static let command = ROMField(0x04, 2)
    public static let status = ROMField(0x06, 2)
    public static let revision = ROMField(0x08, 1)
    /// Programming interface, subclass, base class (little-endian 24 bits).
    public static let classCode = ROMField(0x09, 3)
    public static let headerType = ROMField(0x0E, 1)
    /// Base address register `n` (type 0: 0-5, type 1: 0-1).
    public static func bar(_ n: Int) -> ROMField { ROMField(0x10 + 4 * n, 4) }
    public static let capabilitiesPointer = ROMField(0x34, 1)
    public static let interruptPin = ROMField(0x3D, 1)
    /// Bytes of the header; what Linux lets a user without CAP_SYS_ADMIN read of `config`.
    public static let length = 0x40

    /// Command register bit 1: the device decodes its memory BARs (and, with the ROM's enable
    /// bit, its ROM BAR).
    public static let memorySpace: UInt64 = 0x2
    /// Status register bit 4: a capability list starts at `capabilitiesPointer`.
    public static let capabilityList: UInt64 = 0x10
    /// Header type: the layout in bits 0-6, bit 7 a multi-function device.
    public static let layoutMask: UInt64 = 0x7F
    public static let multiFunction: UInt64 = 0x80
    public static let endpointLayout: UInt64 = 0
    public static let bridgeLayout: UInt64 = 1

    /// BARs a header of `layout` has.
    public static func barCount(layout: UInt64) -> Int { layout == endpointLayout ? 6 : layout == bridgeLayout ? 2 : 0 }
    /// The expansion ROM register of a header of `layout`.
    public static func romBAR(layout: UInt64) -> ROMField { layout == bridgeLayout ? BridgeHeaderFields.romBAR : EndpointHeaderFields.romBAR }
}

/// Header type 0 (an endpoint).
public enum EndpointHeaderFields {
    public static let subsystemVendorID = ROMField(0x2C, 2)
    public static let subsystemID = ROMField(0x2E, 2)
    public static let romBAR = ROMField(0x30, 4)
}

/// Header type 1 (a PCI-to-PCI bridge).
public enum BridgeHeaderFields {
    public static let primaryBus = ROMField(0x18, 1)
    public static let secondaryBus = ROMField(0x19, 1)
    public static let subordinateBus = ROMField(0x1A, 1)
    public static let romBAR = ROMField(0x38, 4)
}

/// A BAR register's low bits (PCI 3.0 §6.2.5.1).
public enum BARBits {
    public static let io: UInt64 = 0x1
    public static let ioAddressMask: UInt64 = ~0x3
    public static let memoryAddressMask: UInt64 = ~0xF
    /// Memory type, bits 1-2: 2 is 64-bit (the next register holds the upper half).
    public static let memoryTypeMask: UInt64 = 0x6
    public static let type64: UInt64 = 0x4
    public static let prefetchable: UInt64 = 0x8
}

/// The expansion ROM register (PCI 3.0 §6.2.5.2).
public enum ROMBARBits {
    public static let enable: UInt64 = 0x1
    public static let addressMask: UInt64 = 0xFFFF_F800
}

/// A capability in the list under 256 bytes: ID and next pointer, then its registers.
public enum CapabilityFields {
    public static let id = ROMField(0x00, 1)
    public static let next = ROMField(0x01, 1)
}

/// Power Management (capability ID 0x01).
public enum PowerManagementFields {
    public static let capabilityID: UInt64 = 0x01
    public static let capabilities = ROMField(0x02, 2)
    /// PMCSR: bit 3 No_Soft_Reset (D3hot to D0 keeps the device's state, PCI PM 1.2 §3.2.4).
    public static let controlStatus = ROMField(0x04, 2)
    public static let noSoftReset: UInt64 = 0x8
}

/// PCI Express (capability ID 0x10).
public enum PCIExpressFields {
    public static let capabilityID: UInt64 = 0x10
    /// Version in bits 0-3, device/port type in bits 4-7.
    public static let capabilities = ROMField(0x02, 2)
    /// Device Capabilities: bit 28 Function Level Reset (PCIe base 6.0 §7.5.3.3).
    public static let deviceCapabilities = ROMField(0x04, 4)
    public static let functionLevelReset: UInt64 = 1 << 28
}

/// An extended capability (config space from 256 bytes on): ID in bits 0-15, version in 16-19,
/// the next one's offset in 20-31.
public enum ExtendedCapabilityFields {
    public static let header = ROMField(0x00, 4)
    public static let start = 0x100
    public static func header(id: UInt64, version: UInt64, next: Int) -> UInt64 { id | version << 16 | UInt64(next) << 20 }
}

/// Resizable BAR (extended capability ID 0x15, PCIe base 6.0 §7.8.6): per resizable BAR a
/// capability register (bit k+4: 2^k MiB supported) and a control register (bits 0-2 the BAR's
/// index, 5-7 the count of resizable BARs (first control only), 8-13 the current size as 2^k MiB).
public enum ResizableBARFields {
    public static let capabilityID: UInt64 = 0x15
    public static func capability(_ n: Int) -> ROMField { ROMField(0x04 + 8 * n, 4) }
    public static func control(_ n: Int) -> ROMField { ROMField(0x08 + 8 * n, 4) }
    /// Six BARs at most.
    public static let maximumCount = 6
    public static let length = 0x04 + 8 * maximumCount
    public static func control(index: Int, count: Int?, currentLog2MiB: Int) -> UInt64 {
        UInt64(index & 7) | UInt64((count ?? 0) & 7) << 5 | UInt64(currentLog2MiB & 0x3F) << 8
    }
}

/// An Intel IGD's own registers past the header (i915's `SNB_GMCH_CTRL` and `ASLS`; QEMU's
/// hw/vfio/igd.c reads the same two).
public enum IntelIGDFields {
    /// The GMCH Graphics Control register (GGC), from gen 6 on; before gen 6 it sat at 0x52 in
    /// the host bridge's config space (`I830_GMCH_CTRL`).
    public static let gmch = ROMField(0x50, 2)
    /// ASL Storage: the OpRegion's physical address, written by the system firmware.
    public static let asls = ROMField(0xFC, 4)
}
