/// Each command's exit statuses, defined once: `--help` shows them at the end of the command's
/// discussion (under "EXIT STATUS:"), and Tools/install.sh puts the same lines into the man
/// page's EXIT STATUS section (swift-argument-parser's generate-manual reads the discussion from
/// `--experimental-dump-help`; its own section would say only "0 on success, >0 on error").
/// The codes follow one rule: 0 done, 1 a verdict (damage, a difference, a failed check) or a
/// change vbios refused as unsafe, 2 an error, 64 (sysexits.h's EX_USAGE) a wrong command line.
enum ExitStatus {
    typealias Entry = (code: Int32, meaning: String)

    /// The heading that starts the statuses in a discussion; install.sh looks for it.
    static let heading = "EXIT STATUS:"

    static let usage: Entry = (64, "the command line is wrong; the usage is printed")

    static let list: [Entry] = [(0, "the devices were listed (also none)"), (2, "the PCI bus could not be read"), usage]
    static let bars: [Entry] = [(0, "the BARs were shown"), (2, "no such device, or its sysfs files are unreadable"), usage]
    static let dump: [Entry] = [(0, "the ROM was read and written (--dry-run: read)"),
                                (1, "refused: the ROM's verdict is fail (--allow-broken writes it)"),
                                (2, "no ROM read, no such device, or not written; nothing written"), usage]
    static let info: [Entry] = [(0, "every ROM was shown, whatever its verdict"), (2, "a file or device could not be read"), usage]
    static let verify: [Entry] = [(0, "every ROM is ok or note (non-ROMs in a folder are skipped)"),
                                  (1, "a ROM fails (damage), or with --strict a file is not a ROM"),
                                  (2, "a file or device could not be read"), usage]
    static let scan: [Entry] = [(0, "searched (also when nothing was found), every file written"),
                                (2, "the file could not be read, or a file not written"), usage]
    static let patch: [Entry] = [(0, "the patched ROM was written (--dry-run: would be)"),
                                 (1, "refused: the result would not verify, or cannot be right"),
                                 (2, "a file could not be read or written"), usage]
    static let diff: [Entry] = [(0, "the ROMs are identical"), (1, "the ROMs differ"), (2, "a ROM could not be read"), usage]
    static let prepare: [Entry] = [(0, "every file was written (--dry-run: would be)"),
                                   (1, "refused as unsafe (another chip, a shared IOMMU group, a broken ROM)"),
                                   (2, "an error (unreadable card or file, a file in the way)"), usage]
    static let binding: [Entry] = [(0, "every function was moved (--dry-run: nothing written)"),
                                   (1, "a step failed after writes; every function was given back"),
                                   (2, "refused before anything was written"), usage]
    static let doctor: [Entry] = [(0, "no check fails (warnings may remain)"), (1, "a check fails"),
                                  (2, "the host or the card could not be read"), usage]
    static let persist: [Entry] = [(0, "written, updated, removed or unchanged (--dry-run: would be)"),
                                   (1, "refused: another device carries the card's IDs (--by-address)"),
                                   (2, "an error (no such device, a foreign file, a failed write)"), usage]
    static let root: [Entry] = [(0, "--help or --version"), (64, "no command, or an unknown one; the usage is printed")]

    /// The command's discussion followed by its exit statuses, as `--help` shows them (each
    /// meaning fits one 80-column line, so `--help`'s wrapping never splits an entry).
    static func discussion(_ text: String, _ entries: [Entry]) -> String {
        (text.isEmpty ? "" : text + "\n\n") + heading + "\n" + entries.map { e in
            let code = String(e.code)
            return "  " + code + String(repeating: " ", count: max(1, 4 - code.count)) + e.meaning
        }.joined(separator: "\n")
    }
}
