import OptionROM
import PCIHost
import Core

/// libvirt `<hostdev>` elements, one per function (domain XML, "Host device assignment").
public enum LibvirtHostdev {
    public struct Options: Sendable {
        /// The prepared ROM, on the ROM function only. Must be absolute.
        public var romPath: String?
        /// false: `<rom bar='off'/>`.
        public var romBAR = true
        /// ROM files of other functions (`ConfigFiles.Options.functionROMs`).
        public var functionROMs: [PCIAddress: String] = [:]
        public init(romPath: String? = nil, romBAR: Bool = true) {
            self.romPath = romPath
            self.romBAR = romBAR
        }
    }

    public static func elements(_ card: PassthroughCard, options: Options = .init()) throws(PassthroughError) -> [String] {
        for path in [options.romPath].compactMap({ $0 }) + options.functionROMs.values.sorted() {
            try Quoting.checkAbsolute(path, what: "ROM path", for: "libvirt")
            try Quoting.checkPrintable(path, what: "ROM path", in: "an XML attribute")
        }
        return card.functions.map { f in
            let a = f.address
            var x = "<hostdev mode='subsystem' type='pci' managed='yes'>\n"
            x += "  <source>\n"
            x += "    <address domain='\(Hex.prefixed(a.domain, width: 4))' bus='\(Hex.prefixed(a.bus, width: 2))' "
                + "slot='\(Hex.prefixed(a.device, width: 2))' function='\(Hex.prefixed(a.function, width: 1))'/>\n"
            x += "  </source>\n"
            if a == card.romFunction.address {
                if let path = options.romPath {
                    x += "  <rom bar='\(options.romBAR ? "on" : "off")' file='\(Quoting.xml(path))'/>\n"
                } else if !options.romBAR {
                    x += "  <rom bar='off'/>\n"
                }
            } else if let path = options.functionROMs[a] {
                x += "  <rom file='\(Quoting.xml(path))'/>\n"
            }
            if a == card.romFunction.address && card.isIntelIGD {
                // The guest address: an IGD's VBIOS and GOP work only at 00:02.0 (QEMU docs/igd-assign.txt).
                x += "  <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>\n"
            }
            x += "</hostdev>\n"
            return x
        }
    }

    /// `libvirt-hostdev.xml`: the elements, to paste into `<devices>` (or one at a time to
    /// `virsh attach-device --config`).
    public static func text(_ card: PassthroughCard, options: Options = .init()) throws(PassthroughError) -> String {
        let rom = card.romFunction
        return "<!-- libvirt hostdev elements written by vbios for \(rom.address) (\(rom.pciIDs)): put them in the domain's <devices>. -->\n"
            + (try elements(card, options: options)).joined()
    }
}
