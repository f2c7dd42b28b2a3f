#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemPackage
import Synchronization

/// The one seam between the tool and the host's device files: reads and writes of sysfs
/// attributes (a ROM's `rom`, a driver's `bind`), and the points in the tool's own file work
/// (an input read, an output's temporary file, a move of a file set) where a test pauses or fails it.
///
/// Production code uses `HostIO.current`, which is `.live`. Tests swap it per task
/// (`HostIO.$current.withValue(fake.io)`, with TestSeams' `RecordingHostIO`), or, for the debug CLI
/// binary, through environment variables (`VBIOS_TEST_SYSFS_ROM`, `VBIOS_TEST_PAUSE`,
/// `VBIOS_TEST_FAIL`) that the vbios target reads at startup into `installProcessDefault`. The fake
/// and the variables exist only in builds with `VBIOS_TEST_SEAMS` defined, which Package.swift sets
/// for debug builds alone: a release binary contains neither the fake nor the variables' names, so
/// no environment can steer it (it may run as root). SystemIO holds the seam only.
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
    /// Writes `bytes` at `offset` of a device file without truncating it (config space: a
    /// register of `config`, as setpci writes it). The error's operation is `open for writing` or `write`.
    public var writeAt: @Sendable (_ path: String, _ offset: Int, _ bytes: [UInt8]) throws(SystemError) -> Void
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
                writeAt: @escaping @Sendable (String, Int, [UInt8]) throws(SystemError) -> Void = HostIO.livePositionedWrite,
                pause: @escaping @Sendable (Stage) -> Void = { _ in },
                failure: @escaping @Sendable (Stage, Int) -> Int32? = { _, _ in nil }) {
        self.read = read
        self.write = write
        self.readMemory = readMemory
        self.writeAt = writeAt
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

    /// One pwrite(2) of `bytes` at `offset`; config space takes aligned dwords whole
    /// (drivers/pci/pci-sysfs.c, pci_write_config).
    public static func livePositionedWrite(_ path: String, _ offset: Int, _ bytes: [UInt8]) throws(SystemError) {
        let fd: FileDescriptor
        do {
            fd = try withSystemPath(path) { try FileDescriptor.open($0, .writeOnly, options: [.closeOnExec]) }
        } catch { throw SystemError(.openForWriting, path, error) }
        defer { try? fd.close() }
        let written: Int
        do { written = try bytes.withUnsafeBytes { try fd.write(toAbsoluteOffset: Int64(offset), $0) } } catch { throw SystemError(.write, path, error) }
        if written != bytes.count { throw SystemError(.write, path, errno: EIO) }
    }

    /// `.live` unless the process installed another default before its first use
    /// (`installProcessDefault`).
    @TaskLocal public static var current: HostIO = processDefault.withLock { state in
        state.read = true
        return state.io
    }

    private static let processDefault = Mutex<(io: HostIO, read: Bool)>((.live, false))

    /// Makes `io` what `current` is outside any `withValue`, for the whole process and every
    /// thread (a task-local value would not reach `DispatchQueue.concurrentPerform`'s workers).
    /// Call it first, before any work: once `current` has been read, the default is fixed and
    /// this returns false. The debug vbios binary installs its test seam so.
    @discardableResult
    public static func installProcessDefault(_ io: HostIO) -> Bool {
        processDefault.withLock { state in
            guard !state.read else { return false }
            state.io = io
            return true
        }
    }
}
