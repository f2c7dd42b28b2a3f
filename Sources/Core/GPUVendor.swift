/// The three vendors whose GPUs vbios knows, decided from a PCI vendor ID in this one place.
///
/// PCI vendor IDs as the kernel's include/linux/pci_ids.h names them: 0x1002 PCI_VENDOR_ID_ATI
/// (every AMD/ATI graphics function, APUs' included), 0x8086 PCI_VENDOR_ID_INTEL, 0x10DE
/// PCI_VENDOR_ID_NVIDIA and 0x12D2 PCI_VENDOR_ID_NVIDIA_SGS (the Riva 128's). 0x1022
/// (PCI_VENDOR_ID_AMD) is AMD's CPU and chipset side: no display function carries it.
public enum GPUVendor: String, Sendable, CaseIterable {
    case amd, intel, nvidia

    public init?(pciVendorID: UInt16) {
        switch pciVendorID {
        case 0x1002: self = .amd
        case 0x8086: self = .intel
        case 0x10DE, 0x12D2: self = .nvidia
        default: return nil
        }
    }

    /// The vendor's name as messages write it.
    public var name: String {
        switch self {
        case .amd: "AMD"
        case .intel: "Intel"
        case .nvidia: "NVIDIA"
        }
    }

    /// The vendor ID a current part of this vendor carries.
    public var pciVendorID: UInt16 {
        switch self {
        case .amd: 0x1002
        case .intel: 0x8086
        case .nvidia: 0x10DE
        }
    }
}
