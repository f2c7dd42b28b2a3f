#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemPackage

/// The one seam between the tool and the host's device files: reads and writes of sysfs
/// attributes (a ROM's `rom`, a driver's `bind`), and the points in the tool's own file work
/// (an input read, an output's temporary file, a move of a file set) where a test pauses or fails it.
///
/// Production code uses `HostIO.current`, which is `.live`. Tests swap it per task
/// (`HostIO.$current.withValue(fake.io)`, with a `RecordingHostIO`), or, for the debug CLI binary,
/// through environment variables (`VBIOS_TEST_SYSFS_ROM`, `VBIOS_TEST_PAUSE`, `VBIOS_TEST_FAIL`,
/// see `RecordingHostIO`). Those exist only in builds with `VBIOS_TEST_SEAMS` defined, which
/// Package.swift sets for debug builds alone: a release binary contains neither the fake nor the
/// variables' names, so no environment can steer it (it may run as root).
public struct HostIO: Sendable {
    /// Where the tool's own file work may be paused or failed.
    public enum Stage: String, Sendable {
        /// An input has been read.
        case read
        /// An output's temporary file exists.
        case write
        /// A move of `FileSet.place`.
        case move
    }

    /// Reads a device file to EOF, at most `limit` bytes (its size says nothing on sysfs).
    public var read: @Sendable (_ path: String, _ limit: Int) throws(SystemError) -> [UInt8]
    /// Writes `bytes` with one write(2) at offset 0, as the kernel's attributes want them.
    /// The error's operation is `open for writing` or `write`.
    public var write: @Sendable (_ path: String, _ bytes: [UInt8]) throws(SystemError) -> Void
    /// Reads `count` bytes at `offset` of physical memory (`/dev/mem`, or a file standing for it):
    /// the shadow, the ROM BAR and the ACPI ROM sources read through this.
    public var readMemory: @Sendable (_ path: String, _ offset: UInt64, _ count: Int) throws(PhysicalMemoryError) -> [UInt8]
    /// Called when the tool reaches `stage`.
    public var pause: @Sendable (_ stage: Stage) -> Void
    /// The errno step `n` (from 0) of `stage` fails with; nil: go on.
    public var failure: @Sendable (_ stage: Stage, _ n: Int) -> Int32?

    public init(read: @escaping @Sendable (String, Int) throws(SystemError) -> [UInt8],
                write: @escaping @Sendable (String, [UInt8]) throws(SystemError) -> Void,
                readMemory: @escaping @Sendable (String, UInt64, Int) throws(PhysicalMemoryError) -> [UInt8] = HostIO.livePhysicalRead,
                pause: @escaping @Sendable (Stage) -> Void = { _ in },
                failure: @escaping @Sendable (Stage, Int) -> Int32? = { _, _ in nil }) {
        self.read = read
        self.write = write
        self.readMemory = readMemory
        self.pause = pause
        self.failure = failure
    }

    /// The host's files.
    public static let live = HostIO(
        read: { path, limit throws(SystemError) in
            // A device attribute is a regular file; anything else (a FIFO planted in a fake tree)
            // is refused with ESPIPE rather than waited on.
            do {
                let fd = try openRegularFile(path)
                defer { try? fd.close() }
                return try readToEOF(fd, path: path, stopAfter: limit)
            } catch let e as SystemError {
                throw e
            } catch {
                throw SystemError(.read, path, errno: ESPIPE)
            }
        },
        write: { path, bytes throws(SystemError) in
            // O_TRUNC does nothing on sysfs (`echo 1 > rom` truncates too); on a fake tree it
            // makes the file hold what was written.
            let fd: FileDescriptor
            do {
                fd = try withSystemPath(path) { try FileDescriptor.open($0, .writeOnly, options: [.truncate, .closeOnExec]) }
            } catch { throw SystemError(.openForWriting, path, error) }
            defer { try? fd.close() }
            do { _ = try bytes.withUnsafeBytes { try fd.write($0) } } catch { throw SystemError(.write, path, error) }
        })

    /// `.live`, or in debug builds what the environment asks for (`RecordingHostIO.fromEnvironment`).
    @TaskLocal public static var current: HostIO = fromEnvironment()

    static func fromEnvironment() -> HostIO {
        #if VBIOS_TEST_SEAMS
        return RecordingHostIO.fromEnvironment()?.io ?? .live
        #else
        return .live
        #endif
    }
}
