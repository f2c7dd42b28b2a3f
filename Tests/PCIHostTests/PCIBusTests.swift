import Testing
import TestSupport
@testable import PCIHost
import OptionROM
import Glibc
import SystemIO

/// One libpci enumeration fills the records: what `pci_fill_info` gave must equal what the
/// kernel's attributes say (the values PCIDevice used to read from sysfs itself).
@Suite struct PCIBusTests {
    @Test(arguments: ["radeon-hd7850", "intel-igd", "second-card"])
    func libpciFillsWhatSysfsSays(_ name: String) throws {
        let root = SysfsRoot(hosts + "/" + name)
        let bus = try PCIBus.scan(root)
        let listed = try directoryEntries(root.devicesDirectory).map { try PCIAddress(parsing: $0) }.sorted()
        #expect(bus.addresses == listed)
        for e in bus.entries {
            let a = e.address
            #expect(UInt64(e.vendorID) == root.readHex(a, "vendor") && UInt64(e.deviceID) == root.readHex(a, "device"), "\(a)")
            #expect(UInt64(e.classCode) == root.readHex(a, "class"), "\(a)")
            #expect(e.revision.map(UInt64.init) == root.readHex(a, "revision"), "\(a)")
            #expect(e.subsystem.map { UInt64($0.vendorID) } == root.readHex(a, "subsystem_vendor"), "\(a)")
            #expect(e.subsystem.map { UInt64($0.deviceID) } == root.readHex(a, "subsystem_device"), "\(a)")
            #expect(e.driver == root.linkName(a, "driver"), "\(a)")
            #expect(e.iommuGroup == root.linkName(a, "iommu_group"), "\(a)")
            // Bases and sizes: the kernel's resource lines, with libpci's low flag bits.
            let lines = try ResourceLine.parseFile(try #require(root.readText(a, "resource")))
            let regions = try #require(e.regions, "\(a)")
            for (i, r) in regions.enumerated() {
                let l = lines[i]
                #expect(r.base == l.start | (l.flags & 0xF), "\(a) BAR \(i)")
                #expect(r.size == (l.end > l.start ? l.end - l.start + 1 : 0), "\(a) BAR \(i)")
            }
            #expect(e.romRegion?.size == (lines[6].end > lines[6].start ? lines[6].end - lines[6].start + 1 : 0), "\(a) ROM")
            // And the record carries them.
            let d = try bus.device(at: a)
            #expect(d.driver == e.driver && d.iommuGroup == e.iommuGroup && d.classCode == e.classCode && d.revision == e.revision)
        }
    }

    @Test func slotOfTheAudioFunctionIsTheCard() throws {
        let slot = try PCIBus.scan(SysfsRoot(hosts + "/radeon-hd7850")).slot(of: PCIAddress(parsing: "01:00.1"))
        #expect(slot.named.address.description == "0000:01:00.1")
        #expect(slot.addresses.map(\.description) == ["0000:01:00.0", "0000:01:00.1"])
        #expect(slot.display?.address.description == "0000:01:00.0")
        #expect(slot.hideList == "(01:00.0)(01:00.1)")
        #expect(slot.peers.isEmpty, "group 1 holds only the card")
    }

    /// The second card's GPU shares group 1 with its root port: a peer, and a bridge.
    @Test func groupPeersTellBridges() throws {
        let bus = try PCIBus.scan(SysfsRoot(hosts + "/second-card"))
        let slot = try bus.slot(of: PCIAddress(parsing: "01:00.0"))
        #expect(slot.peers.map(\.address.description) == ["0000:00:01.0"])
        #expect(slot.peers.first?.isBridge == true && slot.peers.first?.group == "1")
        #expect(slot.endpointPeers.isEmpty)
        let vfio = try bus.slot(of: PCIAddress(parsing: "03:00.0"))
        #expect(vfio.functions.allSatisfy { $0.driver == "vfio-pci" } && vfio.peers.isEmpty)
    }

    @Test func hideListShowsDomainsWhenAnyIsNotZero() throws {
        let a = try ["0001:01:00.0", "0001:01:00.1"].map(PCIAddress.init(parsing:))
        #expect(Slot.hideList(a) == "(0001:01:00.0)(0001:01:00.1)")
        #expect(Slot.hideList([PCIAddress(bus: 1, device: 0, function: 0)]) == "(01:00.0)")
        #expect(Slot.addresses(inHideList: Slot.hideList(a)) == a)
        #expect(Slot.addresses(inHideList: "(01:00.0)(01:00.1)").map(\.description) == ["0000:01:00.0", "0000:01:00.1"])
    }

    /// A fake tree's absolute links give the same driver and group as the kernel's relative ones
    /// (libpci resolves only relative links); a device whose link dangles is left out, not fatal.
    @Test func absoluteLinksAndARemovedDevice() throws {
        let tmp = try TempDir()
        try FakeHost.copy("radeon-hd7850", to: tmp.path + "/host")
        let root = SysfsRoot(tmp.path + "/host")
        let gpu = try PCIAddress(parsing: "01:00.0")
        let dir = root.deviceDirectory(gpu)
        #expect(unlink(dir + "/driver") == 0 && symlink(root.busPCI + "/drivers/radeon", dir + "/driver") == 0)
        #expect(unlink(dir + "/iommu_group") == 0 && symlink(root.path + "/kernel/iommu_groups/1", dir + "/iommu_group") == 0)
        let d = try PCIBus.scan(root).device(at: gpu)
        #expect(d.driver == "radeon" && d.iommuGroup == "1")
        // The audio function removed: its bus link dangles.
        #expect(system("rm -rf '\(tmp.path)/host/devices/pci0000:00/0000:00:01.0/0000:01:00.1'") == 0)
        let bus = try PCIBus.scan(root)
        #expect(bus.addresses.map(\.description) == ["0000:00:01.0", "0000:01:00.0"])
        #expect(try bus.slot(of: gpu).addresses == [gpu])
        #expect(throws: DeviceError.self) { try bus.device(at: PCIAddress(parsing: "01:00.1")) }
    }

    /// A slot function that cannot be read fails the slot, naming the file: binding or passing
    /// part of a card is worse.
    @Test func anUnreadableFunctionFailsTheSlot() throws {
        let tmp = try TempDir()
        try FakeHost.copy("radeon-hd7850", to: tmp.path + "/host")
        let root = SysfsRoot(tmp.path + "/host")
        let audio = try PCIAddress(parsing: "01:00.1")
        let resource = root.attribute(audio, "resource")
        // A range that ends before it starts: libpci takes it (size 0), vbios's parse refuses it.
        #expect(system("sed -i '1s/.*/0xffffffffffffffff 0x0000000000000000 0x0000000000040200/' '\(resource)'") == 0)
        let bus = try PCIBus.scan(root)
        #expect(try bus.device(at: PCIAddress(parsing: "00:01.0")).isBridge, "the rest of the bus reads")
        do {
            _ = try bus.slot(of: PCIAddress(parsing: "01:00.0"))
            Issue.record("the slot was read")
        } catch let e as ResourceLine.Malformed {
            #expect(e.path == resource)
        }
    }
}
