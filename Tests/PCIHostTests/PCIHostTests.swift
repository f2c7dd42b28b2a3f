import Core
import Testing
import TestSupport
@testable import PCIHost
@testable import SystemIO
import OptionROM
import TestSeams
import Glibc

/// The committed fake hosts, only read here (tests that write use `FakeHost` copies).
let hosts = Repository.hosts

@Suite struct AddressParsing {
    @Test func acceptsBothForms() throws {
        #expect(try PCIAddress(parsing: "0000:01:00.0") == PCIAddress(domain: 0, bus: 1, device: 0, function: 0))
        #expect(try PCIAddress(parsing: "03:1f.7") == PCIAddress(bus: 3, device: 0x1f, function: 7))
        #expect(try PCIAddress(parsing: "10000:00:00.0".dropFirst().description).domain == 0)
        #expect(try PCIAddress(parsing: "ABCD:Ef:01.2").description == "abcd:ef:01.2")
        #expect(try PCIAddress(parsing: "01:00.1").short == "01:00.1")
    }

    @Test(arguments: ["1:00.0", "01:0.0", "01:00", "01:00.8", "01:20.0", "0000:01:00:0", "g0:00.0", "", "000:01:00.0",
                      "0000:01:00.0 ", "01:00.00", "00000:01:00.0", "01.00.0", "0000:01:00.-1"])
    func rejectsMalformed(_ text: String) {
        #expect(throws: PCIAddress.Malformed.self) { try PCIAddress(parsing: text) }
    }

    @Test func errorSaysWhatToWrite() {
        do { _ = try PCIAddress(parsing: "01:20.0"); Issue.record("accepted") } catch {
            let s = String(describing: error)
            #expect(s.contains("01:20.0") && s.contains("DDDD:BB:DD.F") && s.contains("above 1f"))
        }
    }
}

@Suite struct ResourcesAndBARs {
    /// radeon-hd7850's 01:00.0 as libpci fills it from the `resource` file (lib/sysfs.c): the start
    /// with the flags' low four bits, the size, the kernel's flags.
    static let radeonRegions: [PCIEnumeration.Entry.Region] = [
        .init(base: 0xC000_000C, size: 256 << 20, flags: 0x14220C), .init(base: 0, size: 0, flags: 0),
        .init(base: 0xFE80_0004, size: 256 << 10, flags: 0x140204), .init(base: 0, size: 0, flags: 0),
        .init(base: 0xE001, size: 0x100, flags: 0x40101), .init(base: 0, size: 0, flags: 0),
        .init(base: 0xFE84_0000, size: 0x20000, flags: 0x46200),
    ]

    @Test func resourcesFromLibpcisValues() throws {
        let lines = try ResourceLine.fromLibpci(Self.radeonRegions, path: "resource")
        #expect(lines.count == 7)
        #expect(lines[0] == ResourceLine(start: 0xC000_0000, end: 0xCFFF_FFFF, flags: 0x14220C))
        #expect(lines[0].size == 256 << 20 && lines[0].flags & ResourceLine.prefetch != 0)
        #expect(lines[1].size == 0 && !lines[1].isUsed)
        #expect(lines[4].start == 0xE000 && lines[4].flags & ResourceLine.io != 0 && lines[4].size == 0x100)
        // A used line libpci gave no size (END not above START): no device decodes it.
        do {
            _ = try ResourceLine.fromLibpci([.init(base: 0xFFFF_FFFF_FFFF_FFFF, size: 0, flags: 0x40200)], path: "resource")
            Issue.record("accepted")
        } catch let e as ResourceLine.Malformed {
            #expect(e.path == "resource" && e.line == 0)
        }
        #expect(try ResourceLine.fromLibpci([.init(base: 0, size: 0, flags: 0x40200)], path: "r")[0].isUsed == false)
    }

    func config(bars: [UInt32], rom: UInt32 = 0, header: UInt8 = 0) -> [UInt8] {
        var c = [UInt8](repeating: 0, count: 256)
        c[0x0E] = header
        for (i, v) in bars.enumerated() { for k in 0..<4 { c[0x10 + 4 * i + k] = UInt8(truncatingIfNeeded: v >> (8 * k)) } }
        for k in 0..<4 { c[0x30 + k] = UInt8(truncatingIfNeeded: rom >> (8 * k)) }
        return c
    }

    @Test func decodesConfigBARs() {
        let c = config(bars: [0xC000_000C, 0, 0xFE80_0004, 0, 0xE001, 0], rom: 0xFE84_0001)
        let bars = ConfigBAR.decode(c)
        #expect(bars.map(\.index) == [0, 2, 4])
        #expect(bars[0].is64Bit && bars[0].prefetchable && bars[0].address == 0xC000_0000)
        #expect(bars[2].isIO && bars[2].address == 0xE000)
        let rom = ConfigBAR.romRegister(c)
        #expect(rom?.address == 0xFE84_0000 && rom?.enabled == true && rom?.offset == 0x30)
        // 64-bit BAR above 4 GiB.
        let high = ConfigBAR.decode(config(bars: [0x0000_000C, 0x70]))
        #expect(high[0].address == 0x70_0000_0000)
    }

    @Test func reconcilesWithConfigSpace() throws {
        let res = try ResourceLine.fromLibpci(Self.radeonRegions, path: "resource")
        let agree = BAR.reconcile(resources: res, config: config(bars: [0xC000_000C, 0, 0xFE80_0004, 0, 0xE001, 0]))
        #expect(agree.map(\.index) == [0, 2, 4])
        #expect(agree.allSatisfy { $0.note == nil })
        #expect(agree[0].kind == .memory && agree[0].is64Bit && agree[0].prefetchable && agree[0].size == 256 << 20)
        #expect(agree[2].kind == .io && !agree[2].is64Bit)
        // Config space moved BAR 2: noted, kernel's view kept.
        let moved = BAR.reconcile(resources: res, config: config(bars: [0xC000_000C, 0, 0xFD00_0004, 0, 0xE001, 0]))
        #expect(moved[1].start == 0xFE80_0000 && moved[1].note?.contains("0xfd000000") == true)
        // A BAR in config space the kernel did not assign.
        let unassigned = BAR.reconcile(resources: [], config: config(bars: [0xF000_0000]))
        #expect(unassigned.count == 1 && unassigned[0].unset && unassigned[0].size == 0)
        // Disabled flag.
        var dis = res
        dis[0].flags |= ResourceLine.disabled
        #expect(BAR.reconcile(resources: dis, config: nil)[0].disabled)
        // ROM resource.
        let rom = ROMResource.from(resources: res, config: nil)
        #expect(rom == ROMResource(start: 0xFE84_0000, size: 0x20000, shadowed: false))
        let shadow = ROMResource.from(resources: res.prefix(6) + [ResourceLine(start: 0xC0000, end: 0xDFFFF, flags: 0x212)], config: nil)
        #expect(shadow?.shadowed == true)
    }

    @Test func xlLines() {
        let mem = BAR(index: 0, kind: .memory, start: 0xC000_0000, size: 256 << 20, is64Bit: true, prefetchable: true, disabled: false, unset: false)
        #expect(mem.xlIOMem == "c0000,10000")
        #expect(mem.xlIOPorts == nil)
        // A BAR smaller than a page still needs the whole page; one straddling two pages needs two.
        let small = BAR(index: 2, kind: .memory, start: 0xFE86_0000, size: 0x100, is64Bit: false, prefetchable: false, disabled: false, unset: false)
        #expect(small.xlIOMem == "fe860,1")
        let straddle = BAR(index: 2, kind: .memory, start: 0xFE86_0F00, size: 0x200, is64Bit: false, prefetchable: false, disabled: false, unset: false)
        #expect(straddle.xlIOMem == "fe860,2")
        let io = BAR(index: 4, kind: .io, start: 0xE000, size: 0x100, is64Bit: false, prefetchable: false, disabled: false, unset: false)
        #expect(io.xlIOPorts == "e000-e0ff" && io.xlIOMem == nil)
    }

    @Test func resizableBAR() throws {
        // The capability's registers from its header on, as the shim copies them.
        var c = [UInt8](repeating: 0, count: ResizableBARFields.length)
        c.put(ExtendedCapabilityFields.header, ExtendedCapabilityFields.header(id: 0x15, version: 1, next: 0))
        c.put(ResizableBARFields.capability(0), 0x3FC0 << 4)                                  // 64 MiB .. 8 GiB
        c.put(ResizableBARFields.control(0), ResizableBARFields.control(index: 1, count: 2, currentLog2MiB: 8))
        c.put(ResizableBARFields.capability(1), 0x20 << 4)                                    // 32 MiB
        c.put(ResizableBARFields.control(1), ResizableBARFields.control(index: 3, count: nil, currentLog2MiB: 5))
        let r = ResizableBAR.decode(capability: c)
        #expect(r.count == 2)
        #expect(r[0].index == 1 && r[0].currentSize == 256 << 20 && r[0].supportedSizes.first == 64 << 20 && r[0].supportedSizes.last == 8 << 30)
        #expect(r[1].index == 3 && r[1].supportedSizes == [32 << 20])
        // Cut short (the capability at the end of config space): what fits.
        #expect(ResizableBAR.decode(capability: Array(c.prefix(12))).map(\.index) == [1])
        #expect(ResizableBAR.decode(capability: []).isEmpty)
    }
}

@Suite struct FakeHosts {
    @Test func enumeratesWithLibpci() throws {
        let radeon = try PCIEnumeration.scan(SysfsRoot(hosts + "/radeon-hd7850"))
        #expect(radeon.map(\.address.description) == ["0000:00:01.0", "0000:01:00.0", "0000:01:00.1"])
        #expect(radeon[1].vendorID == 0x1002 && radeon[1].deviceID == 0x6819 && radeon[1].deviceClass == 0x0300)
        #expect(radeon[1].deviceName?.contains("7850") == true)
        #expect(radeon[1].vendorName?.contains("AMD") == true)
        let second = try PCIEnumeration.scan(SysfsRoot(hosts + "/second-card"))
        #expect(second.contains { $0.address.description == "0000:03:00.0" && $0.deviceID == 0x2503 })
    }

    @Test func libpciErrorIsReturnedNotExit() {
        #expect(throws: DeviceError.self) { try PCIEnumeration.scan(SysfsRoot("/nonexistent-vbios-root")) }
        // And libpci still works after the error was unwound.
        #expect((try? PCIEnumeration.scan(SysfsRoot(hosts + "/intel-igd")))?.count == 2)
    }

    @Test func radeonDevice() throws {
        let d = try PCIDevice.load(PCIAddress(parsing: "01:00.0"), root: SysfsRoot(hosts + "/radeon-hd7850"))
        #expect(d.classCode == 0x030000 && d.revision == 0 && d.subsystemVendorID == 0x174B)
        #expect(d.driver == "radeon" && d.iommuGroup == "1" && !d.bootVGA)
        #expect(d.iommuGroupMembers.map(\.description) == ["0000:01:00.0", "0000:01:00.1"])
        #expect(d.bars.map(\.index) == [0, 2, 4] && d.bars.allSatisfy { $0.note == nil })
        #expect(d.rom == ROMResource(start: 0xFE84_0000, size: 0x20000, shadowed: false, configAddress: 0xFE84_0000, configEnabled: false))
        #expect(d.hasROMFile && d.resizableBARs.isEmpty)
    }

    @Test func igdIsShadowed() throws {
        let d = try PCIDevice.load(PCIAddress(parsing: "00:02.0"), root: SysfsRoot(hosts + "/intel-igd"))
        #expect(d.bootVGA && d.rom?.shadowed == true && d.rom?.start == 0xC0000)
        let sysfs = try SysfsROMSource(root: SysfsRoot(hosts + "/intel-igd"), address: d.address, shadowed: true).read()
        let shadow = try ShadowROMSource(memory: PhysicalMemory(path: hosts + "/intel-igd/dev-mem", base: 0xC0000)).read()
        #expect(sysfs.count == 0x10000 && shadow.count == 0x10000 && sysfs != shadow)
        let choice = try ROMReader.choose([SysfsROMSource(root: SysfsRoot(hosts + "/intel-igd"), address: d.address, shadowed: true),
                                            ShadowROMSource(memory: PhysicalMemory(path: hosts + "/intel-igd/dev-mem", base: 0xC0000))])
        #expect(choice.kept.source.name == "sysfs")
        #expect(choice.candidates[1].layout?.images.first?.checksumValid == false)
        #expect(choice.reason.contains("shadow scored"))
    }

    @Test func secondCardBehindBridge() throws {
        let root = SysfsRoot(hosts + "/second-card")
        let all = try PCIDevice.all(root: root)
        #expect(all.filter(\.isDisplay).map(\.address.description) == ["0000:01:00.0", "0000:03:00.0"])
        let d = all.first { $0.address.bus == 3 && $0.address.function == 0 }!
        #expect(d.resizableBARs.map(\.index) == [1, 3])
        #expect(d.bars.first { $0.index == 1 }?.start == 0x70_0000_0000)
        let rom = try SysfsROMSource(root: root, address: d.address, shadowed: false).read()
        let layout = ROMParser.parse(rom)
        #expect(layout.images.count == 2 && layout.images[1].isEFI)
    }

    @Test func missingROMAndDirectoryROM() throws {
        let root = SysfsRoot(hosts + "/radeon-hd7850")
        let audio = try PCIAddress(parsing: "01:00.1")
        do { _ = try SysfsROMSource(root: root, address: audio, shadowed: false).read(); Issue.record("read") } catch let e as ROMReadError {
            #expect(e.errno == ENOENT && e.reason == .noROMResource(path: root.attribute(audio, "rom")))
        }
        #expect(throws: DeviceError.self) { try PCIDevice.load(PCIAddress(parsing: "05:00.0"), root: root) }
    }

    /// The ROM BAR source sets the register's enable bit and puts the register back, both writes
    /// through HostIO: a test double records them (the restore too when the read fails), and with
    /// the live seam the copy's config file ends as it began.
    @Test func romBARSourceWritesThroughHostIOAndRestores() throws {
        let tmp = try TempDir()
        try FakeHost.copy("radeon-hd7850", to: tmp.path + "/host")
        let root = SysfsRoot(tmp.path + "/host")
        let a = try PCIAddress(parsing: "01:00.0")
        let configPath = root.attribute(a, "config")
        let before = try readSmallFile(configPath, limit: 4096)
        // Physical memory holding the ROM at the ROM BAR's address.
        let rom = try readSmallFile(root.attribute(a, "rom"))
        try AtomicFile.write(rom, to: tmp.path + "/mem")
        let memory = PhysicalMemory(path: tmp.path + "/mem", base: 0xFE84_0000)
        let enable = RecordingHostIO.Write(path: configPath, bytes: [0x01, 0x00, 0x84, 0xFE], offset: 0x30)
        let restore = RecordingHostIO.Write(path: configPath, bytes: [0x00, 0x00, 0x84, 0xFE], offset: 0x30)
        let device = try PCIDevice.load(a, root: root)
        for (memory, reads) in [(memory, true), (PhysicalMemory(path: tmp.path + "/no-such-mem", base: 0xFE84_0000), false)] {
            let fake = RecordingHostIO(plays: { $0 == configPath })
            let source = ROMBARSource(root: root, device: device, memory: memory)
            let result = HostIO.$current.withValue(fake.io) { Result { try source.read() } }
            #expect((try? result.get()).map { $0.prefix(rom.count) == rom[...] } ?? !reads, "read: \(result)")
            #expect(fake.writes == [enable, restore], "\(fake.writes)")
        }
        #expect(try readSmallFile(configPath, limit: 4096) == before, "the double kept the writes from the file")
        // Live: the writes reach the copy's config file, which ends as it began.
        let bytes = try ROMBARSource(root: root, address: a, memory: memory).read()
        #expect(bytes.prefix(rom.count) == rom[...])
        #expect(try readSmallFile(configPath, limit: 4096) == before)
    }
}

/// The config-space layout is declared once: what TestSupport's fake writer puts through it, the
/// reader takes back through it.
@Suite struct ConfigSpaceLayout {
    @Test func theFakeWriterAndTheReaderAgree() {
        var spec = FakeConfigSpace(vendor: 0x10DE, device: 0x2503, classCode: 0x030000, revision: 0xA1, subsystem: [0x1458, 0x4071],
                                   bars: [0xF800_0000, 0x0C, 0x70, 0x0C, 0x74, 0xD001], romBAR: 0xF900_0001, headerType: 0, bus: nil,
                                   pcieType: 0, extended: true, rebar: [[1, 0x3FC0, 8], [3, 0x20, 5]], multifunction: true,
                                   command: 7, interruptPin: 1, flr: true, noSoftReset: false)
        let c = spec.bytes
        #expect(c.count == 4096 && c.read(ConfigHeaderFields.vendorID) == 0x10DE && c.read(ConfigHeaderFields.classCode) == 0x030000)
        let bars = ConfigBAR.decode(Array(c.prefix(ConfigHeaderFields.length)))
        #expect(bars.map(\.index) == [0, 1, 3, 5])
        #expect(bars[1].is64Bit && bars[1].prefetchable && bars[1].address == 0x70_0000_0000 && bars[3].isIO && bars[3].address == 0xD000)
        let rom = ConfigBAR.romRegister(c)
        #expect(rom?.offset == 0x30 && rom?.address == 0xF900_0000 && rom?.enabled == true)
        let rebar = ResizableBAR.decode(capability: Array(c[ExtendedCapabilityFields.start...].prefix(ResizableBARFields.length)))
        #expect(rebar.map(\.index) == [1, 3] && rebar[0].currentSize == 256 << 20 && rebar[1].supportedSizes == [32 << 20])
        #expect(c.read(PCIExpressFields.deviceCapabilities, at: FakeConfigSpace.pciExpressAt)! & PCIExpressFields.functionLevelReset != 0)
        // A bridge: two BARs, the ROM register at 0x38, bus numbers.
        spec.headerType = 1
        spec.bus = [0, 2, 3]
        spec.romBAR = 0
        let bridge = spec.bytes
        #expect(ConfigBAR.decode(bridge).map(\.index) == [0, 1] && ConfigBAR.romRegister(bridge)?.offset == 0x38)
        #expect(bridge.read(BridgeHeaderFields.secondaryBus) == 2 && bridge.read(BridgeHeaderFields.subordinateBus) == 3)
    }
}

/// A temporary directory removed on deinit.
final class TempDir {
    let path: String
    init() throws {
        var t = Array("/tmp/vbios-test-XXXXXX".utf8CString)
        guard t.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else { throw SystemError(.createFolderIn, "/tmp") }
        path = String(decoding: t.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
    deinit { _ = system("rm -rf '\(path)'") }
}

/// What the lab showed under a real kernel (Tools/lab/scenarios/vbios-dump.sh).
@Suite struct KernelReadShapes {
    /// drivers/pci/rom.c stops at the image whose PCIR says last; for Fixtures/roms/nvidia.rom that
    /// is 0x3800 (the EFI image's PCIR length), while NPDE says 0x3000 bytes and more images follow.
    @Test func sysfsCutOfAnNVIDIAChainIsNamed() throws {
        let full = try readSmallFile(Repository.roms + "/nvidia.rom")
        let cut = Array(full.prefix(0x3800))
        let f = SysfsROMSource.cutChainFinding(ROMParser.parse(cut), byteCount: cut.count)
        #expect(f?.code == "sysfs-cut" && f?.offset == 0x2000)
        #expect(f?.steps == [NextStep(.dumpFromROMBARSource)] && f?.message.contains("0x3800") == true)
        // The whole chain, or a chain without NPDE, is not cut.
        #expect(SysfsROMSource.cutChainFinding(ROMParser.parse(full), byteCount: full.count) == nil)
        let amd = try readSmallFile(Repository.roms + "/amd.rom")
        #expect(SysfsROMSource.cutChainFinding(ROMParser.parse(amd), byteCount: amd.count) == nil)
    }

    /// x86 /dev/mem refuses read() above RAM (EFAULT), so ROM BARs are mapped instead; the mapping
    /// path gives the same bytes as pread at an unaligned offset.
    @Test func mappedReadMatchesPread() throws {
        let tmp = try TempDir()
        let bytes = (0..<20000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try AtomicFile.write(bytes, to: tmp.path + "/mem")
        let m = PhysicalMemory(path: tmp.path + "/mem", base: 0x1000)
        let fd = open(m.path, O_RDONLY)
        defer { close(fd) }
        let mapped = try HostIO.mappedRead(fd, offset: 5003, count: 9000)
        #expect(mapped == Array(bytes[5003..<14003]))
        #expect(try m.read(at: 0x1000 + 5003, count: 9000, source: "test") == mapped)
    }
}

@Suite struct SignalCleanup {
    /// The handler's path: unlinkAll removes the files without forgetting them (no deallocation).
    @Test func unlinkAllRemovesPendingFiles() throws {
        let tmp = try TempDir()
        let path = tmp.path + "/.out.rom.vbios-test"
        try AtomicFile.write([1, 2, 3], to: path)
        let pending = PendingFiles()
        var before = sigset_t()
        pthread_sigmask(SIG_SETMASK, nil, &before)
        pending.add(path)
        pending.unlinkAll()
        #expect(pathKind(path) == .missing)
        pending.remove(path)
        // add/remove put the signal mask back as it was.
        var after = sigset_t()
        pthread_sigmask(SIG_SETMASK, nil, &after)
        for s in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] { #expect(sigismember(&before, s) == sigismember(&after, s)) }
    }
}


@Suite struct ROMBARWindow {
    @Test func theWindowIsTrimmedToTheChain() throws {
        let rom = try FileBytes(path: "/usr/lib/ipxe/qemu/efi-e1000.rom").bytes
        let window = rom + [UInt8](repeating: 0, count: 262144 - rom.count)
        #expect(ROMBARSource.trimmedToChain(window) == rom, "iPXE's chain, without the BAR's zero fill")
        let junk = [UInt8](repeating: 0xFF, count: 4096)
        #expect(ROMBARSource.trimmedToChain(junk) == junk, "no chain: the whole window, for the chooser to judge")
        var unterminated = rom
        unterminated[0x12600 + 0x1C + 0x15] = 0  // the EFI image no longer marked last
        let w2 = unterminated + [UInt8](repeating: 0, count: 8192)
        #expect(ROMBARSource.trimmedToChain(w2) == w2, "a chain that does not end inside the window is kept whole")
    }
}
