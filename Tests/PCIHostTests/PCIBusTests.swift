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
            // Bases, sizes and flags: the kernel's resource lines (read here, not by vbios), with
            // libpci's low flag bits.
            let lines = try #require(root.readText(a, "resource")).split(separator: "\n").map {
                $0.split(separator: " ").map { UInt64($0.dropFirst(2), radix: 16)! }
            }
            let regions = try #require(e.regions, "\(a)") + [try #require(e.romRegion)]
            for (i, r) in regions.enumerated() {
                let (start, end, flags) = (lines[i][0], lines[i][1], lines[i][2])
                #expect(r.base == start | (flags & 0xF) && r.flags == flags, "\(a) BAR \(i)")
                #expect(r.size == (end > start ? end - start + 1 : 0), "\(a) BAR \(i)")
            }
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
        // A range that ends before it starts: libpci takes it (size 0), vbios refuses a used BAR
        // without a size.
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

    /// A `resource` file cut after the BARs: libpci fills them, and the ROM from config space's
    /// register alone (lib/generic.c, with no size and no kernel flags): no ROM resource.
    @Test func aResourceFileWithoutTheROMLine() throws {
        let tmp = try TempDir()
        try FakeHost.copy("radeon-hd7850", to: tmp.path + "/host")
        let root = SysfsRoot(tmp.path + "/host")
        let gpu = try PCIAddress(parsing: "01:00.0")
        #expect(system("sed -i '7,$d' '\(root.attribute(gpu, "resource"))'") == 0)
        let d = try PCIBus.scan(root).device(at: gpu)
        #expect(d.bars.map(\.index) == [0, 2, 4] && d.bars[0].size == 256 << 20)
        #expect(d.rom == nil && d.resources.count == 7 && !d.resources[6].isUsed)
        #expect(d.romRegister?.address == 0xFE84_0000, "config space still holds the ROM BAR")
    }

    /// lspci (pciutils' own reader of what libpci fills) judges the records: every region, the
    /// expansion ROM and the Resizable BAR capability of every fake host, as `bars` shows them.
    static let hostNames = ((try? directoryEntries(hosts)) ?? []).sorted()

    @Test(arguments: hostNames)
    func barsAsLspciSaysThem(_ name: String) throws {
        try Prerequisite.require(files: ["/usr/bin/lspci"], "Debian's pciutils")
        let root = SysfsRoot(hosts + "/" + name)
        for d in try PCIBus.scan(root).all() {
            let said = try Lspci.run(root, d.address)
            var expected: [String] = d.bars.map { b in
                b.kind == .io ? "Region \(b.index): I/O ports at \(String(b.start, radix: 16)) [size=\(sizeText(b.size))]"
                    : "Region \(b.index): Memory at \(String(b.start, radix: 16)) (\(b.is64Bit ? "64-bit" : "32-bit"), "
                    + "\(b.prefetchable ? "prefetchable" : "non-prefetchable")) [size=\(sizeText(b.size))]"
            }
            if let rom = d.rom {
                let at = String(rom.start, radix: 16)
                expected.append("Expansion ROM at \(String(repeating: "0", count: max(0, 8 - at.count)) + at)"
                                + (rom.shadowed ? " [virtual]" : "") + ((rom.configEnabled ?? false) ? "" : " [disabled]") + " [size=\(sizeText(rom.size))]")
            }
            for r in d.resizableBARs {
                expected.append("BAR \(r.index): current size: \(Lspci.size(r.currentSize)), supported: " + r.supportedSizes.map(Lspci.size).joined(separator: " "))
            }
            #expect(said.filter { $0.hasPrefix("Region") || $0.hasPrefix("Expansion ROM") || $0.hasPrefix("BAR ") } == expected, "\(name) \(d.address)")
            #expect(said.contains { $0.contains("Physical Resizable BAR") } == !d.resizableBARs.isEmpty, "\(name) \(d.address)")
        }
    }
}

struct LspciFailed: Error { var step: String }

/// lspci on a fake tree: libpci's sysfs method pointed at it.
enum Lspci {
    static func run(_ root: SysfsRoot, _ a: PCIAddress) throws -> [String] {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw LspciFailed(step: "pipe") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let args = ["lspci", "-A", "linux-sysfs", "-O", "sysfs.path=\(root.busPCI)", "-vv", "-s", a.description]
        var argv = args.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/usr/bin/lspci", &actions, nil, &argv, environ) == 0 else { throw LspciFailed(step: "posix_spawn /usr/bin/lspci") }
        close(fds[1])
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fds[0], &buf, buf.count)
            if n <= 0 { break }
            out += buf[0..<n]
        }
        close(fds[0])
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return String(decoding: out, as: UTF8.self).split(separator: "\n").map { String($0.drop { $0 == "\t" || $0 == " " }) }
    }

    /// ls-ecaps.c (print_rebar_range_size) prints ReBAR sizes as 1MB .. 512GB, 1TB ...
    static func size(_ bytes: UInt64) -> String {
        bytes >= 1 << 40 ? "\(bytes >> 40)TB" : bytes >= 1 << 30 ? "\(bytes >> 30)GB" : "\(bytes >> 20)MB"
    }
}
