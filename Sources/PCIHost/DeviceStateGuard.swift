#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Changes to a device (ROM decode enabled through sysfs or config space) that must be undone on
/// every way out, SIGINT and SIGTERM included.
///
/// Restore actions are not async-signal-safe (they open and write files), so they never run in a
/// signal handler: the termination signals are blocked from the change until its restore has run.
/// A signal that arrives meanwhile stays pending and is delivered on unblocking, when the device is
/// back as it was; the handler then only removes `PendingFiles` and re-raises with the default action.
public enum DeviceStateGuard {
    static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]
    nonisolated(unsafe) static var installed = false

    /// Installs handlers that remove half-written output files, then die of the signal as usual.
    public static func installSignalHandlers() {
        guard !installed else { return }
        installed = true
        // A parent may hand down these signals blocked (libdispatch worker threads block every
        // signal, and a process spawned from one inherits that mask): unblocked here, or a SIGINT
        // would wait forever and the tool would finish and write its output regardless.
        var ours = sigset_t()
        sigemptyset(&ours)
        for s in signals { sigaddset(&ours, s) }
        pthread_sigmask(SIG_UNBLOCK, &ours, nil)
        // Initialised here, not lazily in the handler (swift_once allocates, and the handler may
        // have interrupted malloc).
        _ = PendingFiles.shared
        for s in signals {
            // A signal the parent set to be ignored (nohup, `trap '' INT`) stays ignored.
            var current = sigaction()
            if sigaction(s, nil, &current) == 0,
               let h = current.__sigaction_handler.sa_handler,
               unsafeBitCast(h, to: Int.self) == 1 /* SIG_IGN */ { continue }
            signal(s) { sig in
                PendingFiles.shared.unlinkAll()
                signal(sig, SIG_DFL)
                raise(sig)
            }
        }
    }

    /// Runs `apply`, then `body`, then `restore` (always, when `apply` succeeded), with the
    /// termination signals held back for the whole span.
    public static func withChange<R>(apply: () throws -> Void, restore: () -> Void, body: () throws -> R) throws -> R {
        installSignalHandlers()
        var block = sigset_t()
        var previous = sigset_t()
        sigemptyset(&block)
        for s in signals { sigaddset(&block, s) }
        pthread_sigmask(SIG_BLOCK, &block, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try apply()
        defer { restore() }
        return try body()
    }
}
