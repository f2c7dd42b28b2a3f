import OptionROM
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemIO

/// The ROM BAR itself: sets the enable bit of the expansion ROM register in config space, reads
/// the ROM's window through physical memory, and puts the register back. The way to reach a ROM
/// when the kernel's `rom` attribute refuses; intrusive (it changes a live device's decoding), so
/// `--source auto` never picks it.
public struct ROMBARSource: ROMSource {
    public let root: SysfsRoot
    public let address: PCIAddress
    /// Physical memory; nil: off (a fake sysfs tree without a file standing for /dev/mem).
    public let memory: PhysicalMemory?

    public init(root: SysfsRoot, address: PCIAddress, memory: PhysicalMemory?) {
        self.root = root
        self.address = address
        self.memory = memory
    }

    public var name: String { "rombar" }
    public var location: String { "ROM BAR of \(address) through \(memory?.path ?? "no physical memory")" }
    public var isShadowCopy: Bool { false }
    /// Sets the ROM BAR's enable bit for the read: never chosen unless asked for.
    public var changesDevice: Bool { true }

    public func read() throws -> [UInt8] {
        guard let memory else { throw ROMReadError(source: name, .memoryOff, address: address) }
        let configPath = root.attribute(address, "config")
        let config = (try? readSmallFile(configPath, limit: 4096)) ?? []
        guard let reg = ConfigBAR.romRegister(config) else {
            throw ROMReadError(source: name, .noConfig(path: configPath), address: address)
        }
        let resources = (try? root.readText(address, "resource").map { try ResourceLine.parseFile($0) }) ?? nil
        guard let rom = ROMResource.from(resources: resources ?? [], config: config), !rom.shadowed, reg.address != 0 else {
            throw ROMReadError(source: name, .noROMBAR, address: address)
        }
        let command = UInt16(config[4]) | UInt16(config[5]) << 8
        guard command & 0x2 != 0 else {
            throw ROMReadError(source: name, .decodingOff(enablePath: root.attribute(address, "enable")), address: address)
        }
        let original = dword(config, reg.offset)
        let size = Int(min(rom.size, UInt64(maximumROMSize)))
        let readFromBAR = { try memory.read(at: reg.address, count: size, source: name) }
        if original & 1 == 1 { return Self.trimmedToChain(try readFromBAR()) }
        return Self.trimmedToChain(try DeviceStateGuard.withChange(
            apply: { try writeConfigDword(configPath, reg.offset, original | 1) },
            restore: { try? writeConfigDword(configPath, reg.offset, original) },
            body: readFromBAR))
    }

    /// The BAR's window is a power of two, larger than the ROM in it: keep the image chain, as the
    /// card's flash and the kernel's `rom` file hold it, when the chain starts the window and ends
    /// with an image marked last inside it; otherwise the whole window, for the chooser to judge.
    static func trimmedToChain(_ window: [UInt8]) -> [UInt8] {
        var options = ROMParser.Options()
        options.decodeVendorTables = false
        options.searchForFirstImage = false
        let layout = ROMParser.parse(window, options: options)
        guard layout.prefixLength == 0, let last = layout.images.last, last.isLast,
              last.end > 0, last.end <= window.count else { return window }
        return Array(window[..<last.end])
    }

    func writeConfigDword(_ path: String, _ offset: Int, _ value: UInt32) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ROMReadError.explain(errno, source: name, path: path, address: address) }
        defer { close(fd) }
        var v = value.littleEndian
        let n = withUnsafeBytes(of: &v) { pwrite(fd, $0.baseAddress, 4, off_t(offset)) }
        if n != 4 { throw ROMReadError.explain(errno, source: name, path: path, address: address) }
    }
}
