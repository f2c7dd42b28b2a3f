import OptionROM
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One way of reading a device's option ROM. Each lives in its own file, as pciutils' access
/// methods do; `ROMChooser` reads several and keeps the best.
public protocol ROMSource: Sendable {
    /// Short name, as `--source` takes it: `sysfs`, `shadow`, `rombar`, `file`.
    var name: String { get }
    /// Where it reads from, for messages.
    var location: String { get }
    /// Whatever it reads is the runtime copy at 0xC0000 rather than the flash.
    var isShadowCopy: Bool { get }
    func read() throws -> [UInt8]
}

/// Why a ROM could not be read, worded with the next step.
public struct ROMReadError: Error, CustomStringConvertible, Sendable {
    public var source: String
    public var message: String
    public var errno: Int32?
    public var description: String { message }

    public init(source: String, message: String, errno: Int32? = nil) {
        self.source = source
        self.message = message
        self.errno = errno
    }

    /// Explains an errno met on a ROM path, as the kernel uses them in drivers/pci/rom.c.
    static func explain(_ e: Int32, source: String, path: String, address: PCIAddress?) -> ROMReadError {
        let dev = address.map { " for \($0)" } ?? ""
        let what: String
        switch e {
        case EACCES, EPERM:
            what = "permission denied reading \(path)\(dev) (\(e == EACCES ? "EACCES" : "EPERM")). The ROM file is root-only: run vbios with sudo."
        case EINVAL:
            what = "the ROM\(dev) is disabled (EINVAL reading \(path)) and enabling it did not take. Another process may have "
                + "disabled it again; retry, or use `--source rombar` to enable the ROM BAR directly."
        case EIO:
            what = "the kernel could not map a valid ROM image\(dev) (EIO reading \(path)). Either the ROM BAR holds no image "
                + "(some cards keep it only in the system firmware: try `--source shadow` on the boot VGA device), memory decoding "
                + "is off, the device is asleep (wake it: `echo on > .../power/control`), or its driver owns the ROM; unbind the driver "
                + "(`vbios unbind`) and retry."
        case ENOENT:
            what = "\(path) does not exist\(dev): the device has no ROM resource. Integrated GPUs keep their VGA BIOS in the "
                + "system firmware: try `--source shadow` if this is the boot VGA device, or take the ROM from a firmware image with `vbios scan`."
        case ENODEV, ENXIO:
            what = "the device\(dev) went away while its ROM was read (\(e == ENODEV ? "ENODEV" : "ENXIO") reading \(path)): it was removed, "
                + "hot-unplugged or powered off. Check that it is still there with `vbios list`, then retry."
        case ESPIPE:
            what = "\(path) is not a regular file (a FIFO, socket or device)\(dev), so it is not a ROM attribute. "
                + "Is --sysfs pointing at a real sysfs tree?"
        case EISDIR:
            what = "\(path) is a directory, not a ROM attribute\(dev). Is --sysfs pointing at a real sysfs tree?"
        default:
            what = "cannot read \(path)\(dev): \(String(cString: strerror(e)))."
        }
        return ROMReadError(source: source, message: what, errno: e)
    }
}

/// Reads a file descriptor to EOF (ROM attributes have no useful size), at most `limit` bytes.
func readAll(_ fd: Int32, limit: Int) -> (bytes: [UInt8], errno: Int32?) {
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while out.count < limit {
        let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, min($0.count, limit - out.count)) }
        if n < 0 {
            if errno == EINTR { continue }
            return (out, errno)
        }
        if n == 0 { break }
        out.append(contentsOf: chunk[0..<n])
    }
    return (out, nil)
}

/// Largest ROM a source reads (the PCI ROM BAR tops out at 16 MiB).
public let maximumROMSize = 16 << 20
