import OptionROM
import Core

/// The kernel's view of a BAR (or the ROM, index 6), as libpci's `pci_fill_info` gives it from
/// the device's `resource` file (lib/sysfs.c, sysfs_get_resources): PCI_FILL_BASES, _SIZES,
/// _ROM_BASE and _IO_FLAGS.
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

    public init(start: UInt64, end: UInt64, flags: UInt64) {
        self.start = start
        self.end = end
        self.flags = flags
    }

    /// From libpci's values: `base` is the start with the flags' low four bits ORed in (lspci
    /// masks them off the same way, PCI_ADDR_IO_MASK / PCI_ADDR_MEM_MASK), `size` is END - START + 1,
    /// 0 when END is not above START (`fromLibpci` refuses a used one of size 0).
    init(libpciBase base: UInt64, size: UInt64, flags: UInt64) {
        let start = base & (flags & Self.io != 0 ? BARBits.ioAddressMask : BARBits.memoryAddressMask)
        self.init(start: start, end: size > 0 ? start &+ (size - 1) : start, flags: flags)
    }

    public var isUsed: Bool { flags != 0 && !(start == 0 && end == 0) }
    /// END - START + 1; 0 when unused or when the range is impossible (END before START, or all
    /// 2^64 addresses, whose size does not fit in 64 bits). Checked: numbers from sysfs are input.
    public var size: UInt64 {
        guard isUsed, end >= start, end - start < UInt64.max else { return 0 }
        return end - start + 1
    }

    /// A used resource libpci gave no size for: the kernel never reports one (its END is not
    /// above its START, or the range spans all 2^64 addresses).
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

    /// The BARs (0-5) and the ROM (6) libpci filled; throws `Malformed` for a used one without a
    /// size, which no device decodes.
    public static func fromLibpci(_ regions: [PCIEnumeration.Entry.Region], path: String) throws -> [ResourceLine] {
        try regions.enumerated().map { n, r in
            let line = ResourceLine(libpciBase: r.base, size: r.size, flags: r.flags)
            if line.isUsed, r.size == 0 {
                throw Malformed(path: path, line: n, text: "start \(Hex.prefixed(line.start)), flags \(Hex.prefixed(r.flags))",
                                reason: "libpci read no size: the range is not one a device can decode")
            }
            return line
        }
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
        guard let type = config.read(ConfigHeaderFields.headerType), config.count >= ConfigHeaderFields.bar(5).end else { return [] }
        let count = ConfigHeaderFields.barCount(layout: type & ConfigHeaderFields.layoutMask)
        var out: [ConfigBAR] = []
        var i = 0
        while i < count {
            let raw = config.read(ConfigHeaderFields.bar(i)) ?? 0
            // All zero: unimplemented or never assigned; only probing could tell, so it is left out.
            if raw == 0 { i += 1; continue }
            if raw & BARBits.io != 0 {
                out.append(ConfigBAR(index: i, isIO: true, is64Bit: false, prefetchable: false, address: raw & BARBits.ioAddressMask))
                i += 1
                continue
            }
            var address = raw & BARBits.memoryAddressMask
            let is64 = raw & BARBits.memoryTypeMask == BARBits.type64 && i + 1 < count
            if is64 { address |= (config.read(ConfigHeaderFields.bar(i + 1)) ?? 0) << 32 }
            out.append(ConfigBAR(index: i, isIO: false, is64Bit: is64, prefetchable: raw & BARBits.prefetchable != 0, address: address))
            i += is64 ? 2 : 1
        }
        return out
    }

    /// The expansion ROM register: address and enable bit.
    public static func romRegister(_ config: [UInt8]) -> (offset: Int, address: UInt64, enabled: Bool)? {
        guard config.count >= ConfigHeaderFields.length, let type = config.read(ConfigHeaderFields.headerType) else { return nil }
        let field = ConfigHeaderFields.romBAR(layout: type & ConfigHeaderFields.layoutMask)
        let raw = config.read(field) ?? 0
        return (field.offset, raw & ROMBARBits.addressMask, raw & ROMBARBits.enable != 0)
    }
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

    /// The capability's registers, from its header on (libpci found it: `pci_find_cap` with
    /// PCI_CAP_EXTENDED, in the C shim).
    public static func decode(capability cap: [UInt8]) -> [ResizableBAR] {
        let count = Int(((cap.read(ResizableBARFields.control(0)) ?? 0) >> 5) & 7)
        var out: [ResizableBAR] = []
        for n in 0..<max(1, min(count, ResizableBARFields.maximumCount)) {
            guard let sizes = cap.read(ResizableBARFields.capability(n)), let ctrl = cap.read(ResizableBARFields.control(n)) else { break }
            // Capability bits 4-31: bit k+4 set means 2^k MiB is supported (1 MiB to 128 TiB);
            // control bits 16-31 extend it beyond, rare enough to leave out.
            var supported: [UInt64] = []
            for k in 0..<28 where sizes & (1 << (k + 4)) != 0 { supported.append(UInt64(1) << (20 + k)) }
            out.append(ResizableBAR(index: Int(ctrl & 7), supportedSizes: supported,
                                    currentSize: UInt64(1) << (20 + ((ctrl >> 8) & 0x3F))))
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
