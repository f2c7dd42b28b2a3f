import Glibc

@testable import SystemIO
import TestSeams
import Testing
import Core

@Suite struct PathHelpers {
    @Test(arguments: [("a/b", "a", "b"), ("b", ".", "b"), ("/b", "/", "b"), ("/", "/", ""), ("a//b/", "a", "b"),
                      ("./x.rom", ".", "x.rom")])
    func parentAndLastComponent(_ path: String, _ parent: String, _ last: String) {
        #expect(parentDirectory(of: path) == parent)
        #expect(lastComponent(of: path) == last)
    }

    /// A name that is not UTF-8 keeps its bytes through FilePath and back.
    @Test func rawBytesSurvive() {
        let name = RawBytes.string([0x63, 0xFF, 0x2E, 0x72, 0x6F, 0x6D])  // "c\xFF.rom"
        #expect(RawBytes.hasRawBytes(name))
        #expect(lastComponent(of: "/tmp/" + name) == name)
        #expect(parentDirectory(of: "/tmp/" + name + "/x") == "/tmp/" + name)
    }

    @Test func makeDirectoriesIsMkdirP() throws {
        let top = "/tmp/vbios-sysio-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { rmdir(top + "/a/b"); rmdir(top + "/a"); rmdir(top) }
        try makeDirectories(top + "/a/b/")
        #expect(pathKind(top + "/a/b") == .directory)
        try makeDirectories(top + "/a/b")
        #expect(throws: SystemError.self) { try makeDirectories("/proc/version/x") }
    }

    /// One file through a link or another spelling is the same file; a missing path is none;
    /// a path that cannot be looked up is an error naming it, not a silent "different".
    @Test func sameFileByDeviceAndInode() throws {
        let top = "/tmp/vbios-sysio-same-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try makeDirectories(top + "/d")
        defer { for n in ["f", "link", "loop"] { unlink(top + "/" + n) }; rmdir(top + "/d"); rmdir(top) }
        #expect(creat(top + "/f", 0o644) >= 0)
        #expect(symlink(top + "/f", top + "/link") == 0)
        #expect(symlink(top + "/loop", top + "/loop") == 0)
        #expect(try sameFile(top + "/f", top + "/link"))
        #expect(try sameFile(top + "/f", top + "/d/../f"))
        #expect(try !sameFile(top + "/f", top + "/missing"))
        #expect(try !sameFile(top + "/f", top + "/f/x"))  // ENOTDIR: names nothing
        #expect(try !sameFile(top + "/f", top + "/d"))
        let error = #expect(throws: SystemError.self) { try sameFile(top + "/f", top + "/loop") }
        #expect(error?.errno == ELOOP && error?.path == top + "/loop")
    }
}

@Suite struct Errors {
    @Test func errnoNamesBothWays() {
        for e in [EACCES, EPERM, ENOENT, EIO, EINVAL, ENODEV, EBUSY] {
            #expect(ErrnoName.value(ErrnoName.name(e)) == e)
        }
        // glibc's names (strerrorname_np) against the headers' constants, beyond the common ones.
        let named: [(Int32, String)] = [(EXDEV, "EXDEV"), (EROFS, "EROFS"), (ETIMEDOUT, "ETIMEDOUT"), (ENXIO, "ENXIO"),
                                        (ENOTTY, "ENOTTY"), (EHWPOISON, "EHWPOISON")]
        for (e, name) in named {
            #expect(ErrnoName.name(e) == name && ErrnoName.symbol(e) == name && ErrnoName.value(name) == e)
        }
        #expect(ErrnoName.name(4000) == "errno 4000" && ErrnoName.symbol(4000) == nil && ErrnoName.symbol(0) == nil)
        #expect(ErrnoName.value("42") == 42 && ErrnoName.value("EWHAT") == nil)
    }

    /// The message names the path, the errno (text and name) and the next step.
    @Test func messageSaysPathErrnoAndHint() {
        let e = SystemError(.open, "/sys/x/rom", errno: EACCES, hint: "Run as root")
        #expect(e.description == "cannot open /sys/x/rom: Permission denied (EACCES). Run as root")
    }
}

@Suite struct LiveIO {
    @Test func writeThenReadAtOffsetZero() throws {
        let path = "/tmp/vbios-sysio-io-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { unlink(path) }
        try AtomicFile.write("0123456789", to: path)
        try HostIO.live.write(path, Array("1".utf8))
        #expect(try HostIO.live.read(path, 1 << 20) == Array("1".utf8), "the write truncates, as on a fake tree")
        #expect(try HostIO.live.read(path, 0) == [])
        do { _ = try HostIO.live.read(path + ".missing", 16); Issue.record("read a missing file") } catch {
            #expect(error.errno == ENOENT && error.path == path + ".missing")
        }
        do { try HostIO.live.write("/tmp", [0x31]); Issue.record("wrote a directory") } catch {
            #expect(error.operation == .openForWriting && error.errno == EISDIR && error.path == "/tmp")
        }
    }
}

@Suite struct Recording {
    @Test func recordsWritesAndPlaysTheROMEnable() throws {
        let path = "/tmp/vbios-sysio-rom-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { unlink(path) }
        try AtomicFile.write([0x55, 0xAA, 1, 2], to: path)
        var o = RecordingHostIO.Options()
        o.disabledROM = true
        let fake = RecordingHostIO(o)
        #expect(throws: SystemError.self) { try fake.io.read(path, 16) }
        try fake.io.write(path, Array("1".utf8))
        #expect(try fake.io.read(path, 16) == [0x55, 0xAA, 1, 2])
        try fake.io.write(path, Array("0\n".utf8))
        do { _ = try fake.io.read(path, 16); Issue.record("read while disabled") } catch { #expect(error.errno == EINVAL) }
        #expect(fake.texts == ["1", "0\n"] && fake.reads == 3)
        #expect(try readSmallFile(path) == [0x55, 0xAA, 1, 2], "writes stop at the fake")
        fake.clearWrites()
        #expect(fake.writes.isEmpty)
    }

    @Test func injectsFailuresAtSteps() {
        var o = RecordingHostIO.Options()
        o.failStep = (.move, 1)
        let io = RecordingHostIO(o).io
        #expect(io.failure(.move, 0) == nil && io.failure(.move, 1) == EIO && io.failure(.read, 1) == nil)
        #expect(HostIO.live.failure(.move, 1) == nil)
    }

    /// A FileSet move that fails midway puts back what it had moved.
    @Test func fileSetUndoesOnAnInjectedFailure() throws {
        let dir = "/tmp/vbios-sysio-set-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try makeDirectories(dir + "/stage")
        defer { for f in ["stage/a", "stage/b", "a", "b", "stage"] { unlink(dir + "/" + f); rmdir(dir + "/" + f) }; rmdir(dir) }
        try AtomicFile.write("new a", to: dir + "/stage/a")
        try AtomicFile.write("new b", to: dir + "/stage/b")
        try AtomicFile.write("old a", to: dir + "/a")
        var o = RecordingHostIO.Options()
        o.failStep = (.move, 1)
        let moves = ["a", "b"].map { FileSet.Move(from: dir + "/stage/" + $0, to: dir + "/" + $0) }
        HostIO.$current.withValue(RecordingHostIO(o).io) {
            #expect(throws: SystemError.self) { try FileSet.place(moves, overwrite: true, staging: dir + "/stage") }
        }
        #expect(try readSmallFile(dir + "/a") == Array("old a".utf8), "the old file is back")
        #expect(pathKind(dir + "/b") == .missing, "no new file stays")
    }
}

@Suite(.serialized) struct Signals {
    /// A signal raised while held stays pending (what DriverBinding checks between functions), and
    /// the mask comes back as it was.
    @Test func heldSignalIsPendingAndTheMaskIsRestored() {
        var before = sigset_t()
        pthread_sigmask(SIG_SETMASK, nil, &before)
        TerminationSignals.holding {
            #expect(!TerminationSignals.pending)
            // Sent to this thread, so that only this thread sees it pending; taken back below.
            pthread_kill(pthread_self(), SIGHUP)
            #expect(TerminationSignals.pending)
            var hup = sigset_t()
            sigemptyset(&hup)
            sigaddset(&hup, SIGHUP)
            var taken: Int32 = 0
            #expect(sigwait(&hup, &taken) == 0 && taken == SIGHUP)
            #expect(!TerminationSignals.pending)
        }
        var after = sigset_t()
        pthread_sigmask(SIG_SETMASK, nil, &after)
        #expect(TerminationSignals.all.allSatisfy { sigismember(&before, $0) == sigismember(&after, $0) })
    }

    /// The change is restored when the body throws, and the body runs with the signals held.
    @Test func deviceStateGuardRestoresOnThrow() {
        struct Boom: Error {}
        var restored = false
        var heldInBody = false
        #expect(throws: Boom.self) {
            try DeviceStateGuard.withChange(apply: {}, restore: { restored = true }) {
                var now = sigset_t()
                pthread_sigmask(SIG_SETMASK, nil, &now)
                heldInBody = TerminationSignals.all.allSatisfy { sigismember(&now, $0) == 1 }
                throw Boom()
            }
        }
        #expect(restored && heldInBody)
    }
}

/// `readToEOF` reads up to its size hint straight into the result, then goes on in chunks: a
/// hint that is short, exact, long or zero gives the file's bytes, and `stopAfter` still holds.
@Suite struct ReadToEOFTests {
    @Test func anyHintGivesTheWholeFile() throws {
        let path = "/tmp/vbios-readtoeof-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { unlink(path) }
        let bytes = (0..<200_003).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
        let f = fopen(path, "wb")!
        #expect(fwrite(bytes, 1, bytes.count, f) == bytes.count)
        fclose(f)
        for hint in [0, 1, 4096, 199_999, 200_003, 200_004, 1 << 20] {
            let fd = try openRegularFile(path)
            defer { try? fd.close() }
            #expect(try readToEOF(fd, path: path, stopAfter: 1 << 30, sizeHint: hint) == bytes, "hint \(hint)")
        }
        for (stop, hint) in [(1000, 200_003), (1000, 10), (70_000, 0)] {
            let fd = try openRegularFile(path)
            defer { try? fd.close() }
            let got = try readToEOF(fd, path: path, stopAfter: stop, sizeHint: hint)
            #expect(got == Array(bytes.prefix(stop)), "stop \(stop), hint \(hint)")
        }
    }
}
