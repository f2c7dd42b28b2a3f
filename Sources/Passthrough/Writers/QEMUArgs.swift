import OptionROM
import PCIHost
import Core

/// `-device vfio-pci` arguments for QEMU/KVM, one per function, shell-quoted.
public enum QEMUArgs {
    public struct Options: Sendable {
        /// The prepared ROM, given to the ROM function only. Must be absolute.
        public var romPath: String?
        /// nil: `x-vga=on` when the card is the host's boot display (the guest's legacy VGA).
        public var xVGA: Bool?
        /// false: `rombar=0`, no ROM BAR in the guest.
        public var romBAR = true
        /// Guest slot to keep the functions together as one multifunction device (`addr=`).
        public var guestSlot: UInt8?
        /// ROM files of other functions (`ConfigFiles.Options.functionROMs`).
        public var functionROMs: [PCIAddress: String] = [:]
        public init(romPath: String? = nil, xVGA: Bool? = nil, romBAR: Bool = true, guestSlot: UInt8? = nil) {
            self.romPath = romPath
            self.xVGA = xVGA
            self.romBAR = romBAR
            self.guestSlot = guestSlot
        }
    }

    /// The arguments, one per line.
    public static func arguments(_ card: PassthroughCard, options: Options = .init()) throws(PassthroughError) -> [String] {
        for path in [options.romPath].compactMap({ $0 }) + options.functionROMs.values.sorted() {
            try Quoting.checkAbsolute(path, what: "ROM path", for: "QEMU")
            try Quoting.checkPrintable(path, what: "ROM path", in: "a QEMU command line")
        }
        if let slot = options.guestSlot, slot >= 32 {
            throw PassthroughError("Guest slot \(slot) does not exist: PCI slots are 0 to 31.")
        }
        let xVGA = options.xVGA ?? card.isPrimaryDisplay
        let multifunction = card.functions.count > 1
        var out: [String] = []
        // An IGD's legacy mode wants the guest's 00:02.0 free of any other VGA (igd-assign.txt).
        if xVGA || card.isIntelIGD { out.append("-vga"); out.append("none") }
        for f in card.functions {
            var opts = "vfio-pci,host=\(f.address)"
            let isROM = f.address == card.romFunction.address
            let igd = isROM && card.isIntelIGD
            if isROM, let path = options.romPath { opts += ",romfile=" + Quoting.qemuOptionValue(path) }
            if !isROM, let path = options.functionROMs[f.address] { opts += ",romfile=" + Quoting.qemuOptionValue(path) }
            if !options.romBAR && isROM { opts += ",rombar=0" }
            if isROM && xVGA { opts += ",x-vga=on" }
            // QEMU's IGD legacy mode (docs/igd-assign.txt): the IGD at guest 00:02.0, where its
            // VBIOS looks for itself, and the host's OpRegion (the VBT) copied to the guest.
            if igd { opts += ",addr=02.0,x-igd-opregion=on" }
            if multifunction && f.address.function == card.functions[0].address.function { opts += ",multifunction=on" }
            if !igd, let slot = options.guestSlot { opts += ",addr=" + Hex.prefixed(slot, width: 1) + "." + String(f.address.function) }
            out.append("-device")
            out.append(opts)
        }
        return out
    }

    /// `qemu-args.txt`: each option with its value on one line, shell-quoted.
    public static func text(_ card: PassthroughCard, options: Options = .init()) throws(PassthroughError) -> String {
        let args = try arguments(card, options: options)
        var lines: [String] = []
        var i = 0
        while i < args.count {
            if i + 1 < args.count, args[i].hasPrefix("-") {
                lines.append(Quoting.shell(args[i]) + " " + Quoting.shell(args[i + 1]))
                i += 2
            } else {
                lines.append(Quoting.shell(args[i]))
                i += 1
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
