import OptionROM
import PCIHost
import Core

/// xl.cfg fragment and the dom0 kernel command line, for Xen HVM guests (xl.cfg(5),
/// xl-pci-configuration(5)). Read back in the tests by Xen's own parser, libxlutil.
public enum XenConfig {
    /// xl's `rdm_policy`: what to do when a reserved device memory region clashes with guest RAM.
    public enum RDMPolicy: String, Sendable { case strict, relaxed }

    public struct Options: Sendable {
        /// `permissive=1`: let the guest write config space pciback does not know (some GPUs need it).
        public var permissive = false
        /// `seize=1`: xl makes the device assignable itself, unbinding its host driver.
        public var seize = false
        public var msiTranslate: Bool?
        public var powerManagement: Bool?
        public var rdmPolicy: RDMPolicy?
        /// nil: `gfx_passthru = 1` when the card is the host's boot display.
        public var gfxPassthru: Bool?
        /// BAR ranges to map directly with `iomem` (memory) and `ioports` (I/O). Usually not
        /// needed: `pci` maps the BARs. For cards whose driver reaches outside them.
        public var ranges: [MemoryRange] = []
        /// Where bios.bin lies; named in a comment.
        public var romPath: String?
        public init() {}
    }

    /// 4 KiB pages, xl's unit for `iomem`.
    public static let pageSize: UInt64 = 4096

    /// The fragment, section by section: the header, `pci`, `gfx_passthru`, `iomem`/`ioports`,
    /// and what bios.bin is for.
    public static func fragment(_ card: PassthroughCard, options: Options = .init()) throws(PassthroughError) -> String {
        if let path = options.romPath { try Quoting.checkXL(path, what: "ROM path") }
        let rom = card.romFunction
        var out = "# xl.cfg fragment written by vbios for \(rom.address) (\(rom.pciIDs))"
            + (card.functions.count > 1 ? " and the other functions of its slot" : "") + ".\n"
        out += "# Merge these lines into the guest's config file; see xl.cfg(5) and xl-pci-configuration(5).\n\n"
        out += pciSection(card, options)
        let gfx = options.gfxPassthru ?? card.isPrimaryDisplay
        out += gfxSection(card, gfx: gfx)
        out += try rangeSections(options.ranges)
        out += romSection(gfx: gfx, romPath: options.romPath)
        return out
    }

    /// `pci`: every function of the slot, with the options asked for, each explained.
    static func pciSection(_ card: PassthroughCard, _ options: Options) -> String {
        var params: [String] = []
        if options.permissive { params.append("permissive=1") }
        if let m = options.msiTranslate { params.append("msitranslate=\(m ? 1 : 0)") }
        if options.seize { params.append("seize=1") }
        if let p = options.powerManagement { params.append("power_mgmt=\(p ? 1 : 0)") }
        if let r = options.rdmPolicy { params.append("rdm_policy=\(r.rawValue)") }
        let suffix = params.isEmpty ? "" : "," + params.joined(separator: ",")
        var out = ""
        if card.functions.count > 1 {
            out += "# Every function of the slot goes to the guest: \(card.functions.map { "\($0.address.short) \(kind($0))" }.joined(separator: ", ")).\n"
            out += "# They share the slot's reset, so the host cannot keep one of them.\n"
        } else {
            out += "# The card to pass through.\n"
        }
        if options.permissive { out += "# permissive=1: the guest may write config registers pciback does not know.\n" }
        if options.seize { out += "# seize=1: xl unbinds the host driver and hands the device to pciback itself.\n" }
        if let r = options.rdmPolicy {
            out += "# rdm_policy=\(r.rawValue): " + (r == .strict ? "refuse to start when reserved device memory clashes with guest RAM.\n" : "warn and go on when reserved device memory clashes with guest RAM.\n")
        }
        out += "pci = [ " + card.functions.map { "\"\($0.address)\(suffix)\"" }.joined(separator: ", ") + " ]\n\n"
        return out
    }

    /// `gfx_passthru` for the guest's primary display (`"igd"` for an Intel IGD), or why none.
    static func gfxSection(_ card: PassthroughCard, gfx: Bool) -> String {
        let rom = card.romFunction
        guard gfx else {
            return "# No gfx_passthru: \(rom.address) is not the host's boot display, so the guest gets it as a\n"
                + "# secondary card, initialised by its own driver; no VGA BIOS runs at 0xC0000.\n\n"
        }
        var out = "# The card is the guest's primary display: the device model gives it the legacy VGA ranges\n"
        out += "# and the card's VGA BIOS, which hvmloader runs at 0xC0000.\n"
        if !card.isPrimaryDisplay {
            out += "# \(rom.address) is NOT the host's boot display: qemu-xen-traditional copies the VGA BIOS\n"
            out += "# from the host's 0xC0000 shadow, which holds the boot display's BIOS, not this card's. Make\n"
            out += "# this card the boot display in the host firmware, or build hvmloader with bios.bin.\n"
        }
        if card.isIntelIGD {
            // xl.cfg(5): "igd" selects the Intel IGD passthrough device model (OpRegion, host
            // bridge IDs), which `1` picks only when it recognises the card itself.
            out += "# An Intel IGD at 00:02.0: the device model's IGD passthrough.\n"
            out += "gfx_passthru = \"igd\"\n\n"
        } else {
            out += "gfx_passthru = 1\n\n"
        }
        return out
    }

    /// `iomem` (memory, in 4 KiB pages) and `ioports` (I/O), when ranges are mapped 1:1.
    static func rangeSections(_ ranges: [MemoryRange]) throws(PassthroughError) -> String {
        let mem = ranges.filter { $0.kind == .memory && $0.size > 0 }
        let io = ranges.filter { $0.kind == .io && $0.size > 0 }
        var out = ""
        if !mem.isEmpty {
            out += "# Memory ranges mapped 1:1, as \"START_PAGE,PAGES\" in hex 4 KiB pages:\n"
            var specs: [String] = []
            for r in mem {
                let (first, count) = pages(r)
                out += "#   \(Hex.prefixed(r.start))-\(Hex.prefixed(r.start &+ r.size &- 1)) (\(sizeText(r.size))) -> page 0x\(hex(first)), 0x\(hex(count)) pages\n"
                specs.append("\"\(hex(first)),\(hex(count))\"")
            }
            out += "iomem = [ " + specs.joined(separator: ", ") + " ]\n\n"
        }
        if !io.isEmpty {
            out += "# I/O port ranges, as \"FIRST-LAST\" in hex, inclusive:\n"
            var specs: [String] = []
            for r in io {
                let (last, overflow) = r.start.addingReportingOverflow(r.size &- 1)
                guard !overflow, r.size > 0, last <= 0xFFFF, r.start <= 0xFFFF else {
                    throw PassthroughError("The I/O range at \(Hex.prefixed(r.start)) of \(r.size) ports goes past port 0xffff; x86 has 64 Ki I/O ports. Check the BAR read from the host.")
                }
                specs.append("\"\(hex(r.start))-\(hex(last))\"")
            }
            out += "ioports = [ " + specs.joined(separator: ", ") + " ]\n\n"
        }
        return out
    }

    /// What bios.bin is for, since xl has no option that names a ROM file.
    static func romSection(gfx: Bool, romPath: String?) -> String {
        var out = ""
        if gfx {
            out += "# About bios.bin: xl has no option that names a ROM file. With gfx_passthru = 1 the device\n"
            out += "# model copies the VGA BIOS from the host (qemu-xen-traditional from the legacy shadow at\n"
            out += "# 0xC0000, qemu-xen from the card's sysfs rom) and hvmloader runs it only if it is a legacy\n"
            out += "# x86 image with the card's IDs, a zero checksum and at most 64 KiB. bios.bin is that image,\n"
            out += "# checked and repaired: give it to a qemu-dm or hvmloader built to load the VGA BIOS from a\n"
            out += "# file, or compare it with what the host exposes (vbios diff) to see why a guest stays dark.\n"
        } else {
            out += "# About bios.bin: xl has no option that names a ROM file, and without gfx_passthru no VGA\n"
            out += "# BIOS is copied: the guest's driver reads the card's ROM BAR itself. bios.bin is the checked\n"
            out += "# legacy image, kept to compare with what the host exposes (vbios diff).\n"
        }
        if let path = romPath { out += "# bios.bin: \(path)\n" }
        return out
    }

    /// The dom0 kernel parameter that keeps the host's drivers off the card at boot, for pciback.
    public static func kernelCommandLine(_ card: PassthroughCard) -> String {
        Slot.hideArgument(card.functions.map(\.address)) + "\n"
    }

    /// Hex without padding or prefix, as xl's examples write page numbers and ports.
    static func hex(_ v: UInt64) -> String { String(v, radix: 16) }

    /// First page and page count covering `r` (a range need not be page-aligned).
    static func pages(_ r: MemoryRange) -> (UInt64, UInt64) {
        let first = r.start / pageSize
        let last = (r.start &+ r.size &- 1) / pageSize
        return (first, last - first + 1)
    }

    static func kind(_ f: CardFunction) -> String {
        switch f.classCode >> 8 {
        case 0x0300: return "(VGA)"
        case 0x0302: return "(3D)"
        case 0x0380: return "(display)"
        case 0x0403: return "(HD audio)"
        case 0x0C03: return "(USB)"
        case 0x0C80: return "(serial bus)"
        default: return "(class " + Hex.string(f.classCode, width: 6) + ")"
        }
    }

    static func sizeText(_ n: UInt64) -> String {
        if n >= 1 << 30, n % (1 << 30) == 0 { return "\(n >> 30) GiB" }
        if n >= 1 << 20, n % (1 << 20) == 0 { return "\(n >> 20) MiB" }
        if n >= 1 << 10, n % (1 << 10) == 0 { return "\(n >> 10) KiB" }
        return "\(n) bytes"
    }
}
