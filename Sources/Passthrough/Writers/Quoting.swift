/// The quoting rules of the files the writers fill. Every value that reaches a config file goes
/// through one of these; what a format cannot carry safely is refused, not mangled.
enum Quoting {
    /// Control characters (newline included) are refused everywhere: they end comments and lines.
    static func checkPrintable(_ value: String, what: String, in format: String) throws(PassthroughError) {
        if let c = value.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            let name = c == "\n" ? "a newline" : c == "\r" ? "a carriage return" : "the control character U+" + hex4(c.value)
            throw PassthroughError("The \(what) \(debugQuoted(value)) contains \(name), which \(format) cannot carry. Rename or move the file.")
        }
    }

    /// Paths handed to QEMU and libvirt must be absolute: neither resolves against your shell's directory.
    static func checkAbsolute(_ path: String, what: String, for consumer: String) throws(PassthroughError) {
        guard !path.isEmpty else { throw PassthroughError("The \(what) is empty.") }
        guard path.hasPrefix("/") else {
            throw PassthroughError("The \(what) \(debugQuoted(path)) is relative; \(consumer) needs an absolute path (it does not run in your current directory). Pass the full path, e.g. /var/lib/vbios/bios.bin.")
        }
    }

    /// xl.cfg comments and strings: no newline, no control characters, and no `"` (a path must
    /// survive being pasted into a quoted xl string too).
    static func checkXL(_ value: String, what: String) throws(PassthroughError) {
        try checkPrintable(value, what: what, in: "an xl config file")
        if value.contains("\"") {
            throw PassthroughError("The \(what) \(debugQuoted(value)) contains a double quote, which xl config strings delimit with. Rename or move the file.")
        }
    }

    /// QEMU's option syntax: a comma inside a value is written twice.
    static func qemuOptionValue(_ value: String) -> String {
        value.replacingAll(",", with: ",,")
    }

    /// POSIX shell: bare when every character is harmless, else single quotes with `'` as `'\''`.
    static func shell(_ word: String) -> String {
        let safe = word.unicodeScalars.allSatisfy { c in
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9")
                || ",._+:@%/=-".unicodeScalars.contains(c)
        }
        if safe && !word.isEmpty { return word }
        return "'" + word.replacingAll("'", with: "'\\''") + "'"
    }

    /// XML attribute values (single- or double-quoted): the five predefined entities.
    static func xml(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for c in value {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(c)
            }
        }
        return out
    }

    static func debugQuoted(_ s: String) -> String { s.debugDescription }

    static func hex4(_ v: UInt32) -> String {
        let d = Array("0123456789ABCDEF")
        return String([d[Int(v >> 12 & 0xF)], d[Int(v >> 8 & 0xF)], d[Int(v >> 4 & 0xF)], d[Int(v & 0xF)]])
    }
}

extension String {
    /// Replaces every occurrence of `target` (no Foundation).
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self {
            if c == target { out += replacement } else { out.append(c) }
        }
        return out
    }
}
