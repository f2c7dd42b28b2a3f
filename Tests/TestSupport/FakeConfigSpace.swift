import OptionROM
import PCIHost

/// The `config` and `resource` files of a fake sysfs device (Fixtures/hosts), written through the
/// config-space layout vbios reads (PCIHost/ConfigSpace.swift). Tools/gen-fake-sysfs.py declares
/// the hosts and hands each device's description here (`gen-fixtures sysfs-files`).
public struct FakeConfigSpace: Codable, Sendable, Equatable {
    public var vendor: UInt16
    public var device: UInt16
    public var classCode: UInt32
    public var revision: UInt8
    /// Subsystem vendor and device.
    public var subsystem: [UInt16]
    /// Raw BAR register values (type 0: up to six, type 1: up to two).
    public var bars: [UInt32]
    public var romBAR: UInt32
    /// 0: an endpoint, 1: a PCI-to-PCI bridge.
    public var headerType: UInt8
    /// A bridge's primary, secondary and subordinate bus.
    public var bus: [UInt8]?
    /// The PCI Express device/port type (0 endpoint, 4 root port, 7 PCIe-to-PCI bridge).
    public var pcieType: UInt8
    /// 4096 bytes (PCI Express, as root reads it) instead of 256.
    public var extended: Bool
    /// Resizable BARs: (BAR index, supported-sizes bits (bit k: 2^k MiB), current size as 2^k MiB).
    public var rebar: [[UInt32]]?
    public var multifunction: Bool
    public var command: UInt16
    public var interruptPin: UInt8
    public var flr: Bool
    public var noSoftReset: Bool
    /// An Intel IGD's GMCH Graphics Control and ASL Storage values (`IntelIGDFields`), written
    /// over whatever capability bytes lie there, as on the real parts.
    public var igd: [UInt32]?

    public init(vendor: UInt16, device: UInt16, classCode: UInt32, revision: UInt8, subsystem: [UInt16], bars: [UInt32],
                romBAR: UInt32, headerType: UInt8, bus: [UInt8]?, pcieType: UInt8, extended: Bool, rebar: [[UInt32]]?,
                multifunction: Bool, command: UInt16, interruptPin: UInt8, flr: Bool, noSoftReset: Bool) {
        self.vendor = vendor
        self.device = device
        self.classCode = classCode
        self.revision = revision
        self.subsystem = subsystem
        self.bars = bars
        self.romBAR = romBAR
        self.headerType = headerType
        self.bus = bus
        self.pcieType = pcieType
        self.extended = extended
        self.rebar = rebar
        self.multifunction = multifunction
        self.command = command
        self.interruptPin = interruptPin
        self.flr = flr
        self.noSoftReset = noSoftReset
    }

    /// Where the fake's capabilities sit: power management, then PCI Express.
    public static let powerManagementAt = 0x50
    public static let pciExpressAt = 0x60

    public var bytes: [UInt8] {
        var c = [UInt8](repeating: 0, count: extended ? 4096 : 256)
        c.put(ConfigHeaderFields.vendorID, UInt64(vendor))
        c.put(ConfigHeaderFields.deviceID, UInt64(device))
        c.put(ConfigHeaderFields.command, UInt64(command))
        c.put(ConfigHeaderFields.status, ConfigHeaderFields.capabilityList)
        c.put(ConfigHeaderFields.revision, UInt64(revision))
        c.put(ConfigHeaderFields.classCode, UInt64(classCode))
        c.put(ConfigHeaderFields.headerType, UInt64(headerType) | (multifunction ? ConfigHeaderFields.multiFunction : 0))
        for (i, v) in bars.prefix(ConfigHeaderFields.barCount(layout: UInt64(headerType))).enumerated() {
            c.put(ConfigHeaderFields.bar(i), UInt64(v))
        }
        if UInt64(headerType) == ConfigHeaderFields.endpointLayout {
            c.put(EndpointHeaderFields.subsystemVendorID, UInt64(subsystem[0]))
            c.put(EndpointHeaderFields.subsystemID, UInt64(subsystem[1]))
        } else if let bus {
            c.put(BridgeHeaderFields.primaryBus, UInt64(bus[0]))
            c.put(BridgeHeaderFields.secondaryBus, UInt64(bus[1]))
            c.put(BridgeHeaderFields.subordinateBus, UInt64(bus[2]))
        }
        c.put(ConfigHeaderFields.romBAR(layout: UInt64(headerType)), UInt64(romBAR))
        c.put(ConfigHeaderFields.capabilitiesPointer, UInt64(Self.powerManagementAt))
        c.put(ConfigHeaderFields.interruptPin, UInt64(interruptPin))
        writeCapabilities(&c)
        if let igd, igd.count == 2 {
            c.put(IntelIGDFields.gmch, UInt64(igd[0]))
            c.put(IntelIGDFields.asls, UInt64(igd[1]))
        }
        return c
    }

    /// Power management (version 3), PCI Express (version 2), and with `rebar` the Resizable BAR
    /// extended capability.
    func writeCapabilities(_ c: inout [UInt8]) {
        let pm = Self.powerManagementAt, exp = Self.pciExpressAt
        c.put(CapabilityFields.id, PowerManagementFields.capabilityID, at: pm)
        c.put(CapabilityFields.next, UInt64(exp), at: pm)
        c.put(PowerManagementFields.capabilities, 0x0003, at: pm)
        c.put(PowerManagementFields.controlStatus, noSoftReset ? PowerManagementFields.noSoftReset : 0, at: pm)
        c.put(CapabilityFields.id, PCIExpressFields.capabilityID, at: exp)
        c.put(PCIExpressFields.capabilities, 0x0002 | UInt64(pcieType) << 4, at: exp)
        c.put(PCIExpressFields.deviceCapabilities, flr ? PCIExpressFields.functionLevelReset : 0, at: exp)
        guard extended, let rebar, !rebar.isEmpty else { return }
        let at = ExtendedCapabilityFields.start
        c.put(ExtendedCapabilityFields.header, ExtendedCapabilityFields.header(id: ResizableBARFields.capabilityID, version: 1, next: 0), at: at)
        for (n, r) in rebar.enumerated() {
            c.put(ResizableBARFields.capability(n), UInt64(r[1]) << 4, at: at)
            c.put(ResizableBARFields.control(n), ResizableBARFields.control(index: Int(r[0]), count: n == 0 ? rebar.count : nil,
                                                                             currentLog2MiB: Int(r[2])), at: at)
        }
    }
}

/// A fake device's `resource` file: the kernel's thirteen lines (BARs 0-5, the ROM, the SR-IOV
/// and bridge windows), `START END FLAGS` in 0x-prefixed 16-digit hex (drivers/pci/pci-sysfs.c,
/// resource_show); an unused line is all zero.
public enum FakeResourceFile {
    /// One BAR: start, size (0: unused) and the kernel's flags.
    public struct Line: Codable, Sendable, Equatable {
        public var start: UInt64
        public var size: UInt64
        public var flags: UInt64
        public init(start: UInt64, size: UInt64, flags: UInt64) {
            self.start = start
            self.size = size
            self.flags = flags
        }
    }

    public static let lineCount = 13

    public static func text(_ lines: [Line]) -> String {
        let all = lines + Array(repeating: Line(start: 0, size: 0, flags: 0), count: max(0, lineCount - lines.count))
        return all.map { l in
            let used = l.size != 0
            return [used ? l.start : 0, used ? l.start &+ l.size &- 1 : 0, used ? l.flags : 0].map(hex16).joined(separator: " ") + "\n"
        }.joined()
    }

    static func hex16(_ v: UInt64) -> String {
        let h = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 16 - h.count)) + h
    }
}

/// One fake device's files as Tools/gen-fake-sysfs.py describes them: its directory, config space
/// and BARs. `write()` makes `config` (0644, as root sees it) and `resource` (0444).
public struct FakeDeviceFiles: Codable, Sendable {
    public var dir: String
    public var config: FakeConfigSpace
    public var resources: [FakeResourceFile.Line]

    public func write() throws {
        try FakeFile.write(config.bytes, to: dir + "/config", mode: 0o644)
        try FakeFile.write(Array(FakeResourceFile.text(resources).utf8), to: dir + "/resource", mode: 0o444)
    }
}
