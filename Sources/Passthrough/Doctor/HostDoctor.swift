import OptionROM
import PCIHost

/// Checks the prerequisites that passthrough guides spend most of their pages on, and what breaks
/// passthrough most often: the IOMMU and interrupt remapping, the card's IOMMU group, the
/// kernel's options, Xen's dom0 and pciback, host drivers and their load order, the boot display
/// and the framebuffer on it, reset, BAR placement and Resizable BAR, and whether the ROM can be
/// read. One check per file in Checks/, its id in `DoctorCheck.ID.all`. Reads only: it never
/// enables a ROM or binds a driver.
///
/// It lives in Passthrough, not PCIHost, because every verdict depends on the target (xen, qemu,
/// libvirt) and its advice is in the consumers' terms (xl.cfg, QEMU options); PCIHost gives it
/// the device facts (`PCIDevice`, `BAR`, ROM sources).
public struct HostDoctor: Sendable {
    public var host: HostRoot
    public var target: PassthroughTarget
    /// Physical memory for the 0xC0000 shadow of the boot VGA device (read only).
    public var memory: PhysicalMemory

    public init(host: HostRoot, target: PassthroughTarget, memory: PhysicalMemory) {
        self.host = host
        self.target = target
        self.memory = memory
    }

    /// The target when none is named: Xen on a Xen host, else QEMU (vfio-pci, as libvirt).
    public static func defaultTarget(_ host: HostRoot) -> PassthroughTarget {
        host.hypervisorType == "xen" ? .xen : .qemu
    }

    var sysfs: SysfsRoot { host.sysfs }
    var isXenHost: Bool { host.hypervisorType == "xen" }
    /// The target owns the IOMMU and this is its control domain: no IOMMU groups are expected.
    var inIOMMUOwnersDomain: Bool { target.profile.ownsIOMMU && isXenHost }

    /// Host checks, then, with an address, the card's. One check per file in Checks/.
    public func run(address: PCIAddress?) throws -> [DoctorCheck] {
        var checks = [iommu(), kernelConfig()]
        if target.profile.checksInterruptRemapping { checks.append(interruptRemapping()) }
        let card = try address.map { try Card.load($0, sysfs) }
        checks += target.profile.doctorChecks.map { ownCheck($0, card) }
        guard let card else { return checks }
        checks.append(iommuGroup(card))
        checks.append(hostDriver(card))
        checks.append(bootVGA(card))
        checks.append(framebuffer(card))
        checks.append(reset(card))
        checks.append(barPlacement(card))
        checks.append(resizableBAR(card))
        checks.append(romReadable(card))
        let d = card.display
        if CardFunction(address: d.address, vendorID: d.vendorID, deviceID: d.deviceID, classCode: d.classCode).isIntelIGD { checks += igdChecks(card) }
        return checks
    }

    /// A check a profile asks for (`HypervisorProfile.doctorChecks`), by its id.
    func ownCheck(_ id: DoctorCheck.ID, _ card: Card?) -> DoctorCheck {
        switch id {
        case .xen: return xen(card)
        default: preconditionFailure("\(id) is not a check a profile can ask for")
        }
    }

    /// An Intel IGD's own checks (Checks/IGD*.swift).
    func igdChecks(_ card: Card) -> [DoctorCheck] {
        [igdOpRegion(card), igdStolenMemory(card), igdHostDriver(card), igdLegacyMode(card)]
    }

    /// Display-class devices, the candidates to name on the command line.
    public func displayDevices() -> [PCIDevice] {
        (try? PCIBus.scan(sysfs))?.readable(\.isDisplay) ?? []
    }

    // MARK: - The card

    /// The card as the checks see it: the named function's slot, whose display function carries
    /// the ROM.
    struct Card {
        var slot: Slot

        static func load(_ address: PCIAddress, _ sysfs: SysfsRoot) throws -> Card {
            Card(slot: try PCIBus.scan(sysfs, requiring: [address]).slot(of: address))
        }

        /// The addressed function.
        var device: PCIDevice { slot.named }
        var functions: [PCIDevice] { slot.functions }
        /// The display function (the ROM's), else the addressed one.
        var display: PCIDevice { slot.display ?? slot.named }
        var addressList: String { functions.map(\.address.description).joined(separator: ", ") }
        func contains(_ a: PCIAddress) -> Bool { slot.contains(a) }
    }
}
