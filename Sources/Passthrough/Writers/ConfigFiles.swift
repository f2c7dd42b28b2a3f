import OptionROM
import PCIHost

/// The files `prepare` writes for one hypervisor: `bios.bin` and that hypervisor's configuration.
/// A new hypervisor is a `PassthroughTarget` case, a writer in this folder, and a case here.
public enum ConfigFiles {
    /// The file names of one target, `bios.bin` first.
    public static func names(for target: PassthroughTarget) -> [String] {
        switch target {
        case .xen: return ["bios.bin", "xen.cfg", "kernel-cmdline.txt"]
        case .qemu: return ["bios.bin", "qemu-args.txt"]
        case .libvirt: return ["bios.bin", "libvirt-hostdev.xml"]
        }
    }

    public struct Options: Sendable {
        /// Where `bios.bin` will be: configurations name it, absolutely.
        public var romPath: String
        /// The card is the guest's boot display (xl `gfx_passthru`, QEMU `x-vga`); nil: the
        /// writer's default.
        public var primaryDisplay: Bool?
        /// Xen: every BAR mapped 1:1 (`iomem`, `ioports`); nil: none.
        public var ranges: [MemoryRange]?
        public init(romPath: String, primaryDisplay: Bool? = nil, ranges: [MemoryRange]? = nil) {
            self.romPath = romPath
            self.primaryDisplay = primaryDisplay
            self.ranges = ranges
        }
    }

    /// `bios.bin` (`rom`) and the target's configuration, by name, in `names(for:)` order.
    public static func files(_ card: PassthroughCard, rom: [UInt8], for target: PassthroughTarget,
                             options: Options) throws(PassthroughError) -> [(name: String, bytes: [UInt8])] {
        var files: [(name: String, bytes: [UInt8])] = [("bios.bin", rom)]
        switch target {
        case .xen:
            var o = XenConfig.Options()
            o.romPath = options.romPath
            o.gfxPassthru = options.primaryDisplay ?? true
            if let ranges = options.ranges { o.ranges = ranges }
            files.append(("xen.cfg", Array(try XenConfig.fragment(card, options: o).utf8)))
            files.append(("kernel-cmdline.txt", Array(XenConfig.kernelCommandLine(card).utf8)))
        case .qemu:
            files.append(("qemu-args.txt", Array(try QEMUArgs.text(card, options: .init(romPath: options.romPath, xVGA: options.primaryDisplay)).utf8)))
        case .libvirt:
            files.append(("libvirt-hostdev.xml", Array(try LibvirtHostdev.text(card, options: .init(romPath: options.romPath)).utf8)))
        }
        return files
    }
}
