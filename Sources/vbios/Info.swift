import ArgumentParser
import OptionROM
import PCIHost

/// Largest file `info` and `verify` take as one ROM; larger ones go to `scan`.
let maximumROMFileSize = 16 << 20

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show every image of a ROM, its headers, vendor tables and findings.",
        discussion: "FILE is a ROM file (a dump, a vendor file, an nvflash backup).")

    @Argument(help: "The ROM file to read.")
    var file: String

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let layout: ROMLayout
        do {
            let data = try FileBytes(path: file, limit: maximumROMFileSize)
            layout = data.withUnsafeBytes { ROMParser.parse($0).withRuntimeEvidence($0) }
        } catch {
            throw report(error)
        }
        if global.json {
            Terminal.out(layout.json(file: file).rendered())
        } else {
            for line in ROMText.render(layout, file: file) { Terminal.out(line) }
        }
    }
}
