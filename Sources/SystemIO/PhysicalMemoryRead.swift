#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemPackage

/// Why a read of physical memory (`/dev/mem`, or a file standing for it) failed.
public enum PhysicalMemoryError: Error, Sendable, Equatable {
    case open(errno: Int32)
    /// Neither a character device nor a regular file.
    case notMemory
    case read(errno: Int32)
    case map(errno: Int32)
}

extension HostIO {
    /// Reads `count` bytes at file offset `offset` of `path` with pread (no mmap first: /dev/mem
    /// allows reads of the legacy region and of reserved RAM under STRICT_DEVMEM, and a file works
    /// the same way); maps the rest where x86's read() stops at the end of RAM (EFAULT).
    public static func livePhysicalRead(_ path: String, _ offset: UInt64, _ count: Int) throws(PhysicalMemoryError) -> [UInt8] {
        // O_NONBLOCK: a FIFO in its place must not hang the open. A device is the point here
        // (/dev/mem), and the read is bounded by `count`.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw .open(errno: errno) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG || (st.st_mode & S_IFMT) == S_IFCHR else {
            throw .notMemory
        }
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        let descriptor = FileDescriptor(rawValue: fd)
        while done < count {
            let n: Int
            do {
                // retryOnInterrupt (the default) restarts a read a signal interrupted.
                n = try out.withUnsafeMutableBytes {
                    try descriptor.read(fromAbsoluteOffset: Int64(offset) + Int64(done), into: UnsafeMutableRawBufferPointer(rebasing: $0[done...]))
                }
            } catch let e as Errno {
                // x86's /dev/mem read() stops at the end of RAM (valid_phys_addr_range: EFAULT), so a
                // ROM BAR in the PCI hole can only be mapped, as setpci/flashrom do.
                guard e == .badAddress else { throw .read(errno: e.rawValue) }
                return Array(out[0..<done]) + (try mappedRead(fd, offset: off_t(offset) + off_t(done), count: count - done))
            } catch {
                throw .read(errno: EIO)
            }
            if n == 0 { break }
            done += n
        }
        return Array(out[0..<done])
    }

    /// Maps `count` bytes at file offset `offset` of `fd` (page-aligned underneath) and copies them.
    static func mappedRead(_ fd: Int32, offset: off_t, count: Int) throws(PhysicalMemoryError) -> [UInt8] {
        let page = off_t(sysconf(Int32(_SC_PAGESIZE)))
        let aligned = offset & ~(page - 1)
        let delta = Int(offset - aligned)
        let p = mmap(nil, delta + count, PROT_READ, MAP_SHARED, fd, aligned)
        guard let p, p != MAP_FAILED else { throw .map(errno: errno) }
        defer { munmap(p, delta + count) }
        return Array(UnsafeRawBufferPointer(start: p + delta, count: count))
    }
}
