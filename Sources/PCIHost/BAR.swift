import OptionROM
import Core

/// One line of a device's sysfs `resource` file: the kernel's view of a BAR (or the ROM, line 6).
public struct ResourceLine: Equatable, Sendable {
    public var start: UInt64
    public var end: UInt64
    public var flags: UInt64

    // include/linux/ioport.h
    public static let io: UInt64 = 0x100
    public static let memory: UInt64 = 0x200
    public static let prefetch: UInt64 = 0x2000
    public static let memory64: UInt64 = 0x100000
    public static let disabled: UInt64 = 0x1000_0000
    public static let unset: UInt64 = 0x2000_0000
    /// IORESOURCE_ROM_SHADOW: the ROM resource is the copy at 0xC0000.
    public static let romShadow: UInt64 = 0x2

    public var isUsed: Bool { flags != 0 && !(start == 0 && end == 0) }
    /// END - START + 1; 0 when unused or when the range is impossible (END before START, or all
    /// 2^64 addresses, whose size does not fit in 64 bits). Checked: numbers from sysfs are input.
    public var size: UInt64 {
        guard isUsed, end >= start, end - start < UInt64.max else { return 0 }
        return end - start + 1
    }

    public struct Malformed: Error, CustomStringConvertible {
        public var path: String
        public var line: Int
        public var text: String
        public var reason: String? = nil
        public var description: String {
            if let reason { return "\(path) line \(line + 1) ('\(text)'): \(reason). Is this a real sysfs `resource` file?" }
            return "\(path) line \(line + 1) is not 'START END FLAGS' in hex: '\(text)'. Is this a sysfs `resource` file?"
        }
    }

    /// Parses the whole file; lines 0-5 are the BARs, 6 the ROM, later ones bridge windows.
    public static func parseFile(_ text: String, path: String = "resource") throws -> [ResourceLine] {
        var out: [ResourceLine] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count == 3, let s = parseHex(f[0]), let e = parseHex(f[1]), let fl = parseHex(f[2]) else {
                throw Malformed(path: path, line: n, text: String(line))
            }
            let r = ResourceLine(start: s, end: e, flags: fl)
            // The kernel never reports a used range that ends before it starts or spans all of 2^64.
            if r.isUsed, r.size == 0 {
                throw Malformed(path: path, line: n, text: String(line),
                                reason: "the range \(Hex.prefixed(s))-\(Hex.prefixed(e)) is not one a device can decode")
            }
            out.append(r)
        }
        return out
    }
}

/// A base address register as config space holds it (the address the device decodes; its size is
/// only known by probing, which vbios leaves to the kernel).
public struct ConfigBAR: Equatable, Sendable {
    public var index: Int
    public var isIO: Bool
    public var is64Bit: Bool
    public var prefetchable: Bool
    public var address: UInt64

    /// BARs of a type 0 header (six) or a bridge (two); the upper halves of 64-bit BARs are skipped.
    public static func decode(_ config: [UInt8]) -> [ConfigBAR] {
        guard config.count >= 0x28 else { return [] }
        let count = (config[0x0E] & 0x7F) == 1 ? 2 : (config[0x0E] & 0x7F) == 0 ? 6 : 0
        var out: [ConfigBAR] = []
        var i = 0
        while i < count {
            let raw = UInt64(dword(config, 0x10 + 4 * i))
            // All zero: unimplemented or never assigned; only probing could tell, so it is left out.
            if raw == 0 { i += 1; continue }
            if raw & 1 == 1 {
                out.append(ConfigBAR(index: i, isIO: true, is64Bit: false, prefetchable: false, address: raw & ~0x3))
                i += 1
                continue
            }
            let type = (raw >> 1) & 3
            var address = raw & ~0xF
            let is64 = type == 2 && i + 1 < count
            if is64 { address |= UInt64(dword(config, 0x10 + 4 * (i + 1))) << 32 }
            out.append(ConfigBAR(index: i, isIO: false, is64Bit: is64, prefetchable: raw & 8 != 0, address: address))
            i += is64 ? 2 : 1
        }
        return out
    }

    /// The expansion ROM register: address and enable bit.
    public static func romRegister(_ config: [UInt8]) -> (offset: Int, address: UInt64, enabled: Bool)? {
        guard config.count >= 0x40 else { return nil }
        let offset = (config[0x0E] & 0x7F) == 1 ? 0x38 : 0x30
        let raw = dword(config, offset)
        return (offset, UInt64(raw & 0xFFFF_F800), raw & 1 == 1)
    }
}

func dword(_ b: [UInt8], _ o: Int) -> UInt32 {
    guard o + 4 <= b.count else { return 0 }
    return UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
}

/// A BAR as vbios reports it: the kernel's start and size, reconciled with config space.
public struct BAR: Equatable, Sendable {
    public enum Kind: String, Sendable { case memory, io }
    public var index: Int
    public var kind: Kind
    public var start: UInt64
    public var size: UInt64
    public var is64Bit: Bool
    public var prefetchable: Bool
    /// The kernel marked it disabled or could not assign it.
    public var disabled: Bool
    public var unset: Bool
    /// What config space says when it disagrees with the kernel (nil when they agree or config
    /// space could not be read).
    public var note: String?

    public var end: UInt64 { start &+ size &- 1 }

    /// xl.cfg `iomem` entry: first page and page count, hex (memory BARs only).
    public var xlIOMem: String? {
        guard kind == .memory, size > 0 else { return nil }
        let (lastByte, overflow) = start.addingReportingOverflow(size - 1)
        guard !overflow else { return nil }
        let first = start >> 12
        let last = lastByte >> 12
        return String(first, radix: 16) + "," + String(last - first + 1, radix: 16)
    }

    /// xl.cfg `ioports` entry: first and last port, hex, inclusive (I/O BARs only).
    public var xlIOPorts: String? {
        guard kind == .io, size > 0 else { return nil }
        let (last, overflow) = start.addingReportingOverflow(size - 1)
        guard !overflow else { return nil }
        return String(start, radix: 16) + "-" + String(last, radix: 16)
    }

    /// Joins the kernel's resources with config space. The kernel knows sizes and what it
    /// assigned; config space knows what the device decodes now. A BAR the kernel lists wins;
    /// config-only BARs (no resource line, e.g. unassigned) are kept with size 0 and a note.
    public static func reconcile(resources: [ResourceLine], config: [UInt8]?) -> [BAR] {
        let fromConfig = config.map { ConfigBAR.decode($0) } ?? []
        var out: [BAR] = []
        for i in 0..<6 {
            let r = i < resources.count ? resources[i] : ResourceLine(start: 0, end: 0, flags: 0)
            let c = fromConfig.first { $0.index == i }
            if r.isUsed {
                var bar = BAR(index: i, kind: r.flags & ResourceLine.io != 0 ? .io : .memory, start: r.start, size: r.size,
                              is64Bit: r.flags & ResourceLine.memory64 != 0, prefetchable: r.flags & ResourceLine.prefetch != 0,
                              disabled: r.flags & ResourceLine.disabled != 0, unset: r.flags & ResourceLine.unset != 0, note: nil)
                if let c {
                    if c.address != r.start && !bar.unset {
                        bar.note = "config space holds \(Hex.prefixed(c.address)), the kernel \(Hex.prefixed(r.start))"
                            + " (a bus address behind a translating bridge, or the BAR was moved)"
                    } else if c.isIO != (bar.kind == .io) || (!c.isIO && c.is64Bit != bar.is64Bit) {
                        bar.note = "config space says \(c.isIO ? "I/O" : c.is64Bit ? "64-bit memory" : "32-bit memory")"
                    }
                }
                out.append(bar)
            } else if let c, c.address != 0, r.flags == 0 {
                out.append(BAR(index: i, kind: c.isIO ? .io : .memory, start: c.address, size: 0, is64Bit: c.is64Bit,
                               prefetchable: c.prefetchable, disabled: false, unset: true,
                               note: "in config space but not assigned by the kernel; size unknown"))
            }
        }
        return out
    }
}

/// The expansion ROM resource.
public struct ROMResource: Equatable, Sendable {
    public var start: UInt64
    public var size: UInt64
    /// The kernel points this resource at the copy in 0xC0000 (boot VGA): reads return what the
    /// VGA BIOS left in memory, not the flash.
    public var shadowed: Bool
    /// The address in the config space ROM register and its enable bit, when readable.
    public var configAddress: UInt64?
    public var configEnabled: Bool?

    public init(start: UInt64, size: UInt64, shadowed: Bool, configAddress: UInt64? = nil, configEnabled: Bool? = nil) {
        self.start = start
        self.size = size
        self.shadowed = shadowed
        self.configAddress = configAddress
        self.configEnabled = configEnabled
    }

    public static func from(resources: [ResourceLine], config: [UInt8]?) -> ROMResource? {
        guard resources.count > 6, resources[6].isUsed else { return nil }
        let r = resources[6]
        let reg = config.flatMap { ConfigBAR.romRegister($0) }
        return ROMResource(start: r.start, size: r.size, shadowed: r.flags & ResourceLine.romShadow != 0,
                           configAddress: reg?.address, configEnabled: reg?.enabled)
    }
}

/// A BAR that can be resized (PCIe Resizable BAR extended capability, ID 0x15).
public struct ResizableBAR: Equatable, Sendable {
    public var index: Int
    /// Sizes the device supports, in bytes, smallest first.
    public var supportedSizes: [UInt64]
    public var currentSize: UInt64

    /// Walks the extended capabilities (config space beyond 256 bytes; only root can read them).
    public static func decode(_ config: [UInt8]) -> [ResizableBAR] {
        guard config.count >= 4096 else { return [] }
        var offset = 0x100
        var seen = 0
        while offset >= 0x100, offset + 4 <= config.count, seen < 96 {
            seen += 1
            let header = dword(config, offset)
            if header == 0 || header == 0xFFFF_FFFF { return [] }
            if header & 0xFFFF == 0x15 { return decodeCapability(config, at: offset) }
            offset = Int(header >> 20) & 0xFFC
            if offset == 0 { break }
        }
        return []
    }

    static func decodeCapability(_ config: [UInt8], at offset: Int) -> [ResizableBAR] {
        let count = Int((dword(config, offset + 8) >> 5) & 7)
        var out: [ResizableBAR] = []
        for n in 0..<max(1, min(count, 6)) {
            let cap = dword(config, offset + 4 + 8 * n)
            let ctrl = dword(config, offset + 8 + 8 * n)
            // Capability bits 4-31: bit k+4 set means 2^k MiB is supported (1 MiB to 128 TiB);
            // control bits 16-31 extend it beyond, rare enough to leave out.
            var sizes: [UInt64] = []
            for k in 0..<28 where cap & (1 << (k + 4)) != 0 { sizes.append(UInt64(1) << (20 + k)) }
            out.append(ResizableBAR(index: Int(ctrl & 7), supportedSizes: sizes,
                                    currentSize: UInt64(1) << (20 + UInt64((ctrl >> 8) & 0x3F))))
        }
        return out
    }
}

/// Sizes as lspci prints them: 256M, 16K, 128 (bytes).
public func sizeText(_ size: UInt64) -> String {
    let units: [(UInt64, String)] = [(1 << 40, "T"), (1 << 30, "G"), (1 << 20, "M"), (1 << 10, "K")]
    for (u, name) in units where size >= u && size % u == 0 { return "\(size / u)\(name)" }
    return "\(size)"
}
