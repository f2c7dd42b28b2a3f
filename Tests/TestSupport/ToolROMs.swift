import OptionROM

// The option ROMs the Python tools put into what they generate, built here through the same
// declarations as every other fixture and committed as Fixtures/roms/parts/*.bin (written by
// `swift run gen-fixtures`), so no script lays out a ROM by hand:
//   - Tools/gen-fake-sysfs.py: the `rom` attributes of the Fixtures/hosts trees (and intel-igd's
//     dev-mem copy), and the card of `--card` hosts;
//   - Tools/lab/lib/mkrom.py: the lab's two-image ROM (the lab prep runs before any Swift build,
//     so it copies the committed bytes);
//   - Tools/gen-hostile-bench.py: the decoy header of Tools/bench.sh's hostile rows.
// The parts are not fixtures of their own (no expect files): the tests that read the hosts and
// the lab check them there.
public enum ToolROMs {
    public struct Part: Sendable {
        public var name: String
        public var bytes: [UInt8]
    }

    public static func all() -> [Part] {
        [Part(name: "host-radeon-hd7850", bytes: amdHost(vendor: 0x1002, device: 0x6819)),
         Part(name: "host-intel-igd", bytes: hostLegacy(vendor: 0x8086, device: 0x0412, units: 0x80).build()),
         Part(name: "host-second-card-boot", bytes: hostLegacy(vendor: 0x10DE, device: 0x128B, units: 0x78).build()),
         Part(name: "host-second-card-passed",
              bytes: hostLegacy(vendor: 0x10DE, device: 0x2503, units: 0x80, last: false).build()
                  + hostEFI(vendor: 0x10DE, device: 0x2503, units: 0x40).build()),
         // gen-fake-sysfs.py --card gives it the card's IDs with `vbios patch --set-ids`.
         Part(name: "card-template", bytes: hostLegacy(vendor: 0x1234, device: 0x1111, units: 0x10).build()),
         Part(name: "lab-chain", bytes: labChain()),
         Part(name: "decoy-header", bytes: decoyHeader())]
    }

    /// A legacy image as the fake hosts' cards carry it: `EB 4B 90` entry, PCIR (revision 0, code
    /// revision 1.0) at 0x1C0, a code-looking byte every 7 from 0x200, checksum in the last byte.
    public static func hostLegacy(vendor: UInt16, device: UInt16, units: Int, last: Bool = true,
                                  pokes: [ImageSpec.Poke] = []) -> ImageSpec {
        var p = ImageSpec.PCIR(vendor: vendor, device: device, codeType: 0x00)
        p.last = last; p.codeRevision = 0x0100
        var s = ImageSpec(units: units, pcir: p)
        s.sizeByte = UInt8(truncatingIfNeeded: units)
        s.entry = [0xEB, 0x4B, 0x90]
        s.pcirAt = 0x1C0
        let length = s.length
        s.pokes = pokes + stride(from: 0x200, to: length - 1, by: 7).map { .init($0, [UInt8(truncatingIfNeeded: $0 &* 37 &+ Int(vendor))]) }
        s.checksum = .last
        return s
    }

    /// The fake hosts' EFI image: EFI header (x64 boot-service driver, uncompressed), PCIR at
    /// 0x1C, `MZ` at 0x40. The generator this replaced wrote the PE offset 0x40 one field early
    /// (into the reserved bytes at 0x0E) and left the real one 0; kept so the trees stay as committed.
    public static func hostEFI(vendor: UInt16, device: UInt16, units: Int) -> ImageSpec {
        var p = ImageSpec.PCIR(vendor: vendor, device: device, codeType: 0x03)
        p.codeRevision = 0x0100
        var s = ImageSpec(units: units, pcir: p)
        var e = ImageSpec.EFI()
        e.peOffset = 0
        s.efi = e
        s.pcirAt = EFIHeaderFields.length
        s.pokes = [.init(EFIHeaderFields.reserved.offset, [0x40, 0x00]), .init(0x40, Array("MZ".utf8))]
        return s
    }

    /// The Radeon HD 7850's 56 KiB VBIOS as amdgpu's atom.c finds it: the ATI magic at 0x30, a
    /// build date, a part number and the ATOMBIOS version string.
    static func amdHost(vendor: UInt16, device: UInt16) -> [UInt8] {
        hostLegacy(vendor: vendor, device: device, units: 0x70, pokes: [
            .init(0x30, Array(" 761295520".utf8)),
            .init(0x50, Array("02/13/12 10:47:00".utf8)),
            .init(0x80, Array("113-C2260100-101".utf8) + [0, 0, 0, 0]),
            .init(0x100, Array("ATOMBIOSBK-AMD VER015.012.000.006.000000".utf8)),
        ]).build()
    }

    /// The lab's chain: a legacy x86 image of 8 KiB (filled 0x11, checksummed), then an EFI-typed
    /// image of 4 KiB (filled 0x22, no EFI header) with the last-image bit; IDs 1234:5678, class
    /// 03/80, which no QEMU device has, so SeaBIOS never runs it.
    static func labChain() -> [UInt8] {
        func image(units: Int, codeType: UInt8, last: Bool, fill: UInt8) -> [UInt8] {
            var p = ImageSpec.PCIR(vendor: 0x1234, device: 0x5678, codeType: codeType)
            p.classCode = 0x038000; p.codeRevision = 1; p.last = last
            var s = ImageSpec(units: units, pcir: p)
            s.fill = .byte(fill)
            s.sizeByte = UInt8(units)
            s.checksum = codeType == 0x00 ? .last : .none
            return s.build()
        }
        return image(units: 16, codeType: 0x00, last: false, fill: 0x11) + image(units: 8, codeType: 0x03, last: true, fill: 0x22)
    }

    /// 64 bytes that start an option ROM chain: size byte 0xFF, PCIR at 0x1C claiming one block,
    /// not the last image, so a scan that trusts it walks on to the next decoy.
    static func decoyHeader() -> [UInt8] {
        var p = ImageSpec.PCIR(vendor: 0, device: 0, codeType: 0x00)
        p.classCode = 0; p.last = false; p.imageUnits = 1
        var s = ImageSpec(units: 1, pcir: p)
        s.sizeByte = 0xFF
        s.pcirAt = 0x1C
        return Array(s.build().prefix(0x40))
    }
}
