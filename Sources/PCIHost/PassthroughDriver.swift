/// The drivers that hold a device for a guest.
public enum PassthroughDriver: String, CaseIterable, Sendable {
    /// Xen's xen-pciback (the driver directory is `pciback`).
    case pciback
    case pciStub = "pci-stub"
    case vfioPCI = "vfio-pci"

    /// The module that provides it.
    public var module: String {
        switch self {
        case .pciback: return "xen-pciback"
        case .pciStub: return "pci-stub"
        case .vfioPCI: return "vfio-pci"
        }
    }
}
