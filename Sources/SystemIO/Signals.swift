#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CSignalSafe

/// The signals that end the tool (SIGINT, SIGTERM, SIGHUP, SIGQUIT): their handlers, which remove
/// half-written files (`PendingFiles`), and the mask that holds them back while something must
/// finish first (`DeviceStateGuard`, `PendingFiles`' lock).
public enum TerminationSignals {
    public static let all: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]
    nonisolated(unsafe) static var installed = false

    /// Installs handlers that remove half-written output files, then die of the signal as usual.
    public static func installHandlers() {
        guard !installed else { return }
        installed = true
        // A parent may hand down these signals blocked (libdispatch worker threads block every
        // signal, and a process spawned from one inherits that mask): unblocked here, or a SIGINT
        // would wait forever and the tool would finish and write its output regardless.
        var ours = set
        pthread_sigmask(SIG_UNBLOCK, &ours, nil)
        for s in all {
            // A signal the parent set to be ignored (nohup, `trap '' INT`) stays ignored.
            var current = sigaction()
            if sigaction(s, nil, &current) == 0,
               let h = current.__sigaction_handler.sa_handler,
               unsafeBitCast(h, to: Int.self) == 1 /* SIG_IGN */ { continue }
            // The handler is C (CSignalSafe): Swift code there can deadlock on the runtime's own
            // locks, which the interrupted thread may hold.
            vbios_install_termination_handler(s)
        }
    }

    /// Runs `body` with the termination signals blocked on this thread; one that arrives meanwhile
    /// stays pending and is delivered when the previous mask comes back.
    public static func holding<R>(_ body: () throws -> R) rethrows -> R {
        var block = set
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &block, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return try body()
    }

    /// Whether one of them is waiting (they are blocked while `holding`): a long sequence checks
    /// between steps and stops early.
    public static var pending: Bool {
        var waiting = sigset_t()
        sigpending(&waiting)
        return all.contains { sigismember(&waiting, $0) == 1 }
    }

    static var set: sigset_t {
        var s = sigset_t()
        sigemptyset(&s)
        for sig in all { sigaddset(&s, sig) }
        return s
    }
}

/// Changes to a device (ROM decode enabled through sysfs or config space) that must be undone on
/// every way out, SIGINT and SIGTERM included.
///
/// Restore actions are not async-signal-safe (they open and write files), so they never run in a
/// signal handler: the termination signals are blocked from the change until its restore has run.
/// A signal that arrives meanwhile stays pending and is delivered on unblocking, when the device is
/// back as it was; the handler then only removes `PendingFiles` and re-raises with the default action.
public enum DeviceStateGuard {
    /// `TerminationSignals.installHandlers()`.
    public static func installSignalHandlers() { TerminationSignals.installHandlers() }

    /// Runs `apply`, then `body`, then `restore` (always, when `apply` succeeded), with the
    /// termination signals held back for the whole span.
    public static func withChange<R>(apply: () throws -> Void, restore: () -> Void, body: () throws -> R) throws -> R {
        TerminationSignals.installHandlers()
        return try TerminationSignals.holding {
            try apply()
            defer { restore() }
            return try body()
        }
    }
}
