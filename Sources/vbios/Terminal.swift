#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Output without Foundation: stdout for results, stderr for errors and progress. Each call is
/// one write(2), so lines from a signal path or parallel work never interleave mid-line.
enum Terminal {
    static func write(_ fd: Int32, _ s: String) {
        var s = s
        s.withUTF8 { buf in
            var done = 0
            while done < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + done, buf.count - done)
                if n < 0 { if errno == EINTR { continue } else { return } }
                done += n
            }
        }
    }

    static func out(_ s: String) { write(1, s + "\n") }
    static func error(_ s: String) { write(2, "vbios: " + s + "\n") }
    static func warn(_ s: String) { write(2, "vbios: warning: " + s + "\n") }
    /// A note for a person on stderr (what was done, what to do next), kept off stdout so that
    /// stdout stays parseable.
    static func note(_ s: String) { write(2, s + "\n") }

    static var stderrIsTerminal: Bool { isatty(2) != 0 }

    /// A progress line on stderr that rewrites itself; nothing when stderr is not a terminal.
    static func progress(_ s: String) {
        guard stderrIsTerminal else { return }
        write(2, "\r\u{1B}[K" + s)
    }

    static func endProgress() {
        guard stderrIsTerminal else { return }
        write(2, "\r\u{1B}[K")
    }
}
