import SystemPackage
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import OptionROM
import Core

/// Output without Foundation: stdout for results, stderr for errors and progress. Each call is
/// one write(2), so lines from a signal path or parallel work never interleave mid-line.
///
/// Everything written is made printable first (`RawBytes.printable`): control characters from
/// file names, sysfs or ROM strings never reach the terminal raw. The one control sequence vbios
/// emits itself, the progress line's "clear line" at the start of a write, is kept.
enum Terminal {
    static let clearLine = "\r\u{1B}[K"

    static func write(_ fd: Int32, _ s: String) {
        if s.hasPrefix(clearLine) {
            rawWrite(fd, clearLine + RawBytes.printable(String(s.dropFirst(clearLine.count))))
        } else {
            rawWrite(fd, RawBytes.printable(s))
        }
    }

    static func rawWrite(_ fd: Int32, _ s: String) {
        guard !s.isEmpty else { return }
        var s = s
        // writeAll retries short writes and EINTR; an output that is gone (EPIPE) ends the output.
        s.withUTF8 { buf in _ = try? FileDescriptor(rawValue: fd).writeAll(UnsafeRawBufferPointer(buf)) }
    }

    static func out(_ s: String) { write(1, s + "\n") }
    static func error(_ s: String) { write(2, "vbios: " + s + "\n") }
    static func warn(_ s: String) { write(2, "vbios: warning: " + s + "\n") }
    /// A note for a person on stderr (what was done, what to do next), kept off stdout so that
    /// stdout stays parseable.
    static func note(_ s: String) { write(2, s + "\n") }

    static var stderrIsTerminal: Bool { isatty(2) != 0 }
    // The progress line is `Progress`'s.
}
