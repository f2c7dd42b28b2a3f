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
    /// The device as libpci enumerated it (its ROM resource); nil: enumerated when read.
    public let device: PCIDevice?

    public init(root: SysfsRoot, address: PCIAddress, memory: PhysicalMemory?) {
        self.init(root: root, device: nil, address: address, memory: memory)
    }

    public init(root: SysfsRoot, device: PCIDevice, memory: PhysicalMemory?) {
        self.init(root: root, device: device, address: device.address, memory: memory)
    }

    init(root: SysfsRoot, device: PCIDevice?, address: PCIAddress, memory: PhysicalMemory?) {
        self.root = root
        self.address = address
        self.memory = memory
        self.device = device
    }

    public var name: String { "rombar" }
    public var location: String { "ROM BAR of \(address) through \(memory?.path ?? "no physical memory")" }
    public var isShadowCopy: Bool { false }
    /// Sets the ROM BAR's enable bit for the read: never chosen unless asked for.
    public var changesDevice: Bool { true }

    public func read() throws -> [UInt8] {
        guard let memory else { throw ROMReadError(source: name, .memoryOff, address: address) }
        let configPath = root.attribute(address, "config")
        // The header is read now, through the seam the write takes: the register is put back as
        // it is at the moment of the change, and a test double sees the read and both writes.
        let header = (try? HostIO.current.read(configPath, ConfigHeaderFields.length)) ?? []
        guard let reg = ConfigBAR.romRegister(header) else {
            throw ROMReadError(source: name, .noConfig(path: configPath), address: address)
        }
        // The ROM resource (its size, and whether it is the 0xC0000 shadow) as libpci filled it.
        let record = device ?? (try? PCIBus.scan(root, requiring: [address]).device(at: address))
        guard let rom = record?.rom, !rom.shadowed, reg.address != 0 else {
            throw ROMReadError(source: name, .noROMBAR, address: address)
        }
        guard (header.read(ConfigHeaderFields.command) ?? 0) & ConfigHeaderFields.memorySpace != 0 else {
            throw ROMReadError(source: name, .decodingOff(enablePath: root.attribute(address, "enable")), address: address)
        }
        let field = ROMField(reg.offset, 4)
        let original = header.read(field) ?? 0
        let size = Int(min(rom.size, UInt64(maximumROMSize)))
        let readFromBAR = { try memory.read(at: reg.address, count: size, source: name) }
        if original & ROMBARBits.enable != 0 { return Self.trimmedToChain(try readFromBAR()) }
        return Self.trimmedToChain(try DeviceStateGuard.withChange(
            apply: { try writeRegister(configPath, field, original | ROMBARBits.enable) },
            restore: { try? writeRegister(configPath, field, original) },
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

    /// One register of config space, through `HostIO` (tests record it).
    func writeRegister(_ path: String, _ field: ROMField, _ value: UInt64) throws {
        var bytes = [UInt8](repeating: 0, count: field.width)
        bytes.put(ROMField(0, field.width), value)
        do { try HostIO.current.writeAt(path, field.offset, bytes) } catch {
            throw ROMReadError.explain(error.errno, source: name, path: path, address: address)
        }
    }
}
