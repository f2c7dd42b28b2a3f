import OptionROM
import SystemPackage
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Physical memory: `/dev/mem`, or a file standing for it whose offset 0 is physical address
/// `base` (tests use a 128 KiB file holding 0xC0000-0xDFFFF).
public struct PhysicalMemory: Sendable {
    public var path: String
    public var base: UInt64

    public init(path: String = "/dev/mem", base: UInt64 = 0) {
        self.path = path
        self.base = base
    }

    /// Reads `count` bytes at physical `address` with pread (no mmap: /dev/mem allows reads of the
    /// legacy region under STRICT_DEVMEM, and a file works the same way).
    public func read(at address: UInt64, count: Int, source: String) throws -> [UInt8] {
        guard address >= base else {
            throw ROMReadError(source: source, .belowBase(path: path, base: base, address: address))
        }
        // O_NONBLOCK: a FIFO in its place must not hang the open. A device is the point here
        // (/dev/mem), and the read is bounded by `count`.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            throw ROMReadError(source: source, .memoryOpen(path: path, errno: errno))
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG || (st.st_mode & S_IFMT) == S_IFCHR else {
            throw ROMReadError(source: source, .notPhysicalMemory(path: path))
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
                    try descriptor.read(fromAbsoluteOffset: Int64(address - base) + Int64(done), into: UnsafeMutableRawBufferPointer(rebasing: $0[done...]))
                }
            } catch let e as Errno {
                // x86's /dev/mem read() stops at the end of RAM (valid_phys_addr_range: EFAULT), so a
                // ROM BAR in the PCI hole can only be mapped, as setpci/flashrom do.
                if e == .badAddress {
                    let rest = try mappedRead(fd, offset: off_t(address - base) + off_t(done), count: count - done, at: address + UInt64(done), source: source)
                    return Array(out[0..<done]) + rest
                }
                throw ROMReadError(source: source, .memoryRead(path: path, address: address, count: count, errno: e.rawValue))
            }
            if n == 0 { break }
            done += n
        }
        return Array(out[0..<done])
    }
}

extension PhysicalMemory {
    /// Maps `count` bytes at file offset `offset` of `fd` (page-aligned underneath) and copies them.
    func mappedRead(_ fd: Int32, offset: off_t, count: Int, at address: UInt64, source: String) throws -> [UInt8] {
        let page = off_t(sysconf(Int32(_SC_PAGESIZE)))
        let aligned = offset & ~(page - 1)
        let delta = Int(offset - aligned)
        let p = mmap(nil, delta + count, PROT_READ, MAP_SHARED, fd, aligned)
        guard let p, p != MAP_FAILED else {
            throw ROMReadError(source: source, .memoryMap(path: path, address: address, count: count, errno: errno))
        }
        defer { munmap(p, delta + count) }
        return Array(UnsafeRawBufferPointer(start: p + delta, count: count))
    }
}

/// The legacy VGA BIOS area at 0xC0000: what the system firmware copied there and ran for the boot
/// VGA device. Sized as qemu-dm sizes it (byte 2 × 512), so it is the copy and possibly modified
/// at run time, never the flash.
public struct ShadowROMSource: ROMSource {
    public let memory: PhysicalMemory
    public static let address: UInt64 = 0xC0000
    /// The legacy region ends at 0xE0000.
    public static let maximumSize = 0x20000

    public init(memory: PhysicalMemory) { self.memory = memory }

    public var name: String { "shadow" }
    public var location: String { "\(memory.path) at \(Hex.prefixed(Self.address))" }
    public var isShadowCopy: Bool { true }

    public func read() throws -> [UInt8] {
        let header = try memory.read(at: Self.address, count: 3, source: name)
        guard header.count == 3, header[0] == 0x55, header[1] == 0xAA else {
            throw ROMReadError(source: name, .noShadow(path: memory.path))
        }
        let size = Int(header[2]) * 512
        guard size > 0 else {
            throw ROMReadError(source: name, .emptyShadow(path: memory.path))
        }
        return try memory.read(at: Self.address, count: min(size, Self.maximumSize), source: name)
    }
}
