import OptionROM
import PCIHost

/// The files `prepare` writes for one hypervisor: the ROM and that hypervisor's configuration.
/// Which files, and what they say, is the hypervisor's profile (`Profiles/`).
public enum ConfigFiles {
    /// The file names of one target, the ROM's first (`romPath`: where the ROM will live on the
    /// VM host, which names the ROM file for some hypervisors).
    public static func names(for target: PassthroughTarget, romPath: String) -> [String] {
        [target.profile.romFileName(romPath: romPath)] + target.profile.configNames
    }

    public struct Options: Sendable {
        /// Where the ROM will be on the VM host: configurations name it. nil: no ROM (a card
        /// with none to be had; set `romBAR` false).
        public var romPath: String?
        /// The card is the guest's boot display (xl `gfx_passthru`, QEMU `x-vga`); nil: the
        /// writer's default.
        public var primaryDisplay: Bool?
        /// Xen: every BAR mapped 1:1 (`iomem`, `ioports`); nil: none.
        public var ranges: [MemoryRange]?
        /// false: the guest sees no ROM BAR (`rombar=0`, `<rom bar='off'/>`).
        public var romBAR: Bool = true
        /// The guest's firmware (Proxmox's `bios:`); nil: the hypervisor's default.
        public var firmware: ROMPreparation.Firmware?
        /// ROM files of other functions than the ROM function (an APU's GOP ROM on its HD-audio
        /// function, `APUGOPROM`), absolute; qemu and libvirt name them on the function, Proxmox on its own `hostpciN` line.
        public var functionROMs: [PCIAddress: String] = [:]
        public init(romPath: String?, primaryDisplay: Bool? = nil, ranges: [MemoryRange]? = nil) {
            self.romPath = romPath
            self.primaryDisplay = primaryDisplay
            self.ranges = ranges
        }
    }

    /// The ROM (`rom`) and the target's configuration, by name, in `names(for:)` order.
    /// `rom` nil: no ROM file, only the configuration (which then names none).
    public static func files(_ card: PassthroughCard, rom: [UInt8]?, for target: PassthroughTarget,
                             options: Options) throws(PassthroughError) -> [(name: String, bytes: [UInt8])] {
        let p = target.profile
        var o = options
        if rom == nil { o.romPath = nil }
        guard let rom, let path = o.romPath else { return try p.configFiles(card, options: o) }
        if let refused = p.checkROMPath(path) { throw refused }
        return [(p.romFileName(romPath: path), rom)] + (try p.configFiles(card, options: o))
    }

}
