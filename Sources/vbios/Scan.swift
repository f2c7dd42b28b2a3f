#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ArgumentParser
import OptionROM
import PCIHost

struct Scan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find every option ROM embedded in a large file (a firmware image, a memory dump).",
        discussion: """
            BLOB may be of any size; it is read in windows of 80 MiB, so memory stays bounded. A ROM is reported when a 55 AA \
            signature leads to a PCIR data structure inside its image and either its legacy checksum \
            holds or its chain's lengths make sense; later images of a chain are part of their ROM, \
            not ROMs of their own. With --extract DIR each ROM is written to \
            DIR/rom-OFFSET-VVVV-DDDD.bin (OFFSET in hex); `vbios info` then shows what is inside.
            """)

    @Argument(help: "The file to search (a firmware image, a /dev/mem or shadow-RAM dump, any blob).")
    var blob: String

    @Option(name: .long, help: ArgumentHelp("Write each ROM found to a file in this folder (created if missing).", valueName: "DIR"))
    var extract: String?

    @Flag(name: .long, help: "Replace files of the same name in the --extract folder.")
    var force = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        var roms: [EmbeddedROM] = []
        let size: Int
        do {
            if let dir = extract { try makeDirectory(dir) }
            size = try BlobScan.scan(path: blob) { rom, bytes in
                roms.append(rom)
                guard let dir = extract else { return }
                let path = (dir.hasSuffix("/") ? dir : dir + "/") + Scan.fileName(rom)
                try AtomicFile.write(bytes, to: path, overwrite: force)
                if !global.json { Terminal.note("wrote \(path) (\(rom.length) bytes)") }
            }
        } catch {
            throw report(error)
        }

        if global.json {
            Terminal.out(JSON.array(roms.map(\.json)).rendered())
            return
        }
        if roms.isEmpty {
            Terminal.out("No option ROM in \(blob) (\(size) bytes): no 55 AA signature leads to a PCIR data structure.")
            return
        }
        let width = Swift.max(8, Scan.hexDigits(size))
        Terminal.out("OFFSET".padding(width + 2) + "  " + "LENGTH".padding(8) + "  ID         TYPE     IMAGES  CHECKSUM")
        for rom in roms {
            let type = rom.codeType == .x86 ? "x86" : rom.codeType == .efi ? "EFI" : Hex.prefixed(rom.codeType.rawValue, width: 2)
            let sum = rom.checksumValid.map { $0 ? "ok" : "bad" } ?? "-"
            var line = ("0x" + Hex.string(rom.offset, width: width)).padding(width + 2) + "  "
                + String(rom.length).padding(8) + "  "
                + Hex.string(rom.vendorID, width: 4) + ":" + Hex.string(rom.deviceID, width: 4) + "  "
                + type.padding(7) + "  " + String(rom.imageCount).padding(6) + "  " + sum
            if !rom.chainIntact { line += "  (chain lengths do not hold; reporting the checksummed part)" }
            Terminal.out(line)
        }
        Terminal.out("\(roms.count) option ROM\(roms.count == 1 ? "" : "s") in \(blob) (\(size) bytes)")
    }

    /// `rom-OFFSET-VVVV-DDDD.bin`, OFFSET in at least eight hex digits so names sort by offset.
    static func fileName(_ rom: EmbeddedROM) -> String {
        "rom-" + Hex.string(rom.offset, width: Swift.max(8, hexDigits(rom.offset))) + "-"
            + Hex.string(rom.vendorID, width: 4) + "-" + Hex.string(rom.deviceID, width: 4) + ".bin"
    }

    static func hexDigits(_ n: Int) -> Int {
        var digits = 1
        var v = n >> 4
        while v != 0 { digits += 1; v >>= 4 }
        return digits
    }

    func makeDirectory(_ dir: String) throws {
        switch pathKind(dir) {
        case .directory: return
        case .missing:
            guard mkdir(dir, 0o755) == 0 || errno == EEXIST else {
                let e = errno
                throw SystemError("create the folder", dir, errno: e,
                                  hint: e == ENOENT ? "Create its parent folder first." : nil)
            }
        default:
            throw UserError("--extract \(dir) is not a folder. Name a folder (it is created if missing).")
        }
    }
}

extension String {
    /// Left-aligned in a column of `width` characters.
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
