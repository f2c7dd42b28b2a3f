import OptionROM
import SystemPackage
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Core
import SystemIO

/// Physical memory: `/dev/mem`, or a file standing for it whose offset 0 is physical address
/// `base` (tests use a 128 KiB file holding 0xC0000-0xDFFFF).
public struct PhysicalMemory: Sendable {
    public var path: String
    public var base: UInt64

    public init(path: String = "/dev/mem", base: UInt64 = 0) {
        self.path = path
        self.base = base
    }

    /// Reads `count` bytes at physical `address`, through `HostIO.current` (the one seam for
    /// device files).
    public func read(at address: UInt64, count: Int, source: String) throws -> [UInt8] {
        guard address >= base else {
            throw ROMReadError(source: source, .belowBase(path: path, base: base, address: address))
        }
        do {
            return try HostIO.current.readMemory(path, address - base, count)
        } catch {
            switch error {
            case .open(let e): throw ROMReadError(source: source, .memoryOpen(path: path, errno: e))
            case .notMemory: throw ROMReadError(source: source, .notPhysicalMemory(path: path))
            case .read(let e): throw ROMReadError(source: source, .memoryRead(path: path, address: address, count: count, errno: e))
            case .map(let e): throw ROMReadError(source: source, .memoryMap(path: path, address: address, count: count, errno: e))
            }
        }
    }

    /// A little-endian word of `width` bytes (1-8) at physical `address`.
    public func readWord(at address: UInt64, width: Int, source: String) throws -> UInt64 {
        let b = try read(at: address, count: width, source: source)
        guard b.count == width else {
            throw ROMReadError(source: source, .memoryRead(path: path, address: address, count: width, errno: EIO))
        }
        return b.enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * $1.offset) }
    }
}

/// The legacy VGA BIOS area at 0xC0000: what the system firmware copied there and ran for the boot
/// VGA device. Sized as qemu-dm sizes it (byte 2 × 512), so it is the copy and possibly modified
/// at run time, never the flash.
public struct ShadowROMSource: ROMSource {
    /// Physical memory; nil: off (a fake sysfs tree without a file standing for /dev/mem).
    public let memory: PhysicalMemory?
    public static let address: UInt64 = 0xC0000
    /// The legacy region ends at 0xE0000.
    public static let maximumSize = 0x20000

    public init(memory: PhysicalMemory?) { self.memory = memory }

    public var name: String { "shadow" }
    public var location: String { "\(memory?.path ?? "no physical memory") at \(Hex.prefixed(Self.address))" }
    public var isShadowCopy: Bool { true }

    public func read() throws -> [UInt8] {
        guard let memory else { throw ROMReadError(source: name, .memoryOff) }
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
