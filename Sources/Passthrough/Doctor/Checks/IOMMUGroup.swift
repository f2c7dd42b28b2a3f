import OptionROM
import PCIHost
import Core

extension HostDoctor {
    func iommuGroup(_ card: Card) -> DoctorCheck {
        let d = card.device
        guard let group = d.iommuGroup else {
            if inIOMMUOwnersDomain {
                return DoctorCheck(.iommuGroup, .ok, "\(d.address) has no IOMMU group, as usual in dom0 (Xen isolates devices itself)")
            }
            return DoctorCheck(.iommuGroup, .fail, "\(d.address) is in no IOMMU group: vfio-pci cannot take it",
                               fixes: ["Turn the IOMMU on first (see the iommu check)."])
        }
        // Listed again, not taken from the device: an unreadable group is "unknown", never "ok".
        let members: [PCIAddress]
        do { members = try sysfs.listIOMMUGroupMembers(group) } catch {
            return DoctorCheck(.iommuGroup, .unknown, "could not list IOMMU group \(group) (\(error)), so vbios cannot tell which devices share it with \(d.address)",
                               fixes: ["Check `ls \(sysfs.path)/kernel/iommu_groups/\(group)/devices` as root, then run \(NextStep(.doctor)) again."])
        }
        let others = members.filter { !card.contains($0) }
        if others.isEmpty {
            return DoctorCheck(.iommuGroup, .ok, "IOMMU group \(group) holds only the card's functions (\(card.addressList))")
        }
        let peers = Dictionary(card.slot.peers.filter { $0.group == group }.map { ($0.address, $0.entry) }, uniquingKeysWith: { a, _ in a })
        let loaded = others.map { a in (a, peers[a] ?? nil) }
        let bridges = loaded.filter { $0.1?.isBridge == true }.map(\.0)
        let endpoints = loaded.filter { $0.1?.isBridge != true }
        let free = Set(PassthroughDriver.allCases.map(\.rawValue))
        let busy = endpoints.filter { e in e.1?.driver.map { !free.contains($0) } ?? false }
        let idle = endpoints.filter { e in !(e.1?.driver.map { !free.contains($0) } ?? false) }
        func describe(_ l: [(PCIAddress, PCIEnumeration.Entry?)]) -> String {
            l.map { "\($0.0) (\($0.1.map { "[\(Hex.string($0.classCode, width: 6))] driver \($0.driver ?? "none")" } ?? "unreadable"))" }.joined(separator: ", ")
        }
        let bridgeNote = bridges.isEmpty ? "" : "; the bridge\(bridges.count == 1 ? "" : "s") \(bridges.map(\.description).joined(separator: ", ")) may stay (vfio-pci leaves bridges to pcieport)"
        if !busy.isEmpty {
            return DoctorCheck(.iommuGroup, .fail, "IOMMU group \(group) also holds \(describe(busy)), bound to host drivers\(bridgeNote)",
                               fixes: ["Every endpoint of the group goes to the guest together: bind \(busy.map(\.0.description).joined(separator: " ")) to vfio-pci too (\(NextStep(.bindToVFIO))), or move the card to a slot with its own group (\(NextStep(.list)) shows the groups); the ACS override patch splits groups without real isolation."])
        }
        if !idle.isEmpty {
            return DoctorCheck(.iommuGroup, .warn, "IOMMU group \(group) also holds \(describe(idle)), free now but they must stay unused or go to the guest with the card\(bridgeNote)",
                               fixes: ["Keep \(idle.map(\.0.description).joined(separator: " ")) unbound or on vfio-pci, or move the card to a slot with its own group."])
        }
        return DoctorCheck(.iommuGroup, .ok, "IOMMU group \(group) holds the card's functions (\(card.addressList))\(bridgeNote)")
    }
}
