import ACPI
import OptionROM
import SystemPackage
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Core

/// One way of reading a device's option ROM. Each lives in its own file, as pciutils' access
/// methods do; `ROMReader` picks the sources for a device, reads them and keeps the best.
public protocol ROMSource: Sendable {
    /// Short name, as `--source` takes it: `sysfs`, `shadow`, `rombar`, `vfct`.
    var name: String { get }
    /// Where it reads from, for messages.
    var location: String { get }
    /// Whatever it reads is the runtime copy at 0xC0000 rather than the flash.
    var isShadowCopy: Bool { get }
    /// Reading may change the device for a moment (enable its ROM, its ROM BAR) and put it back.
    var changesDevice: Bool { get }
    /// Whatever it reads is the copy the host's driver loaded and ran (a runtime copy or the flash,
    /// as that driver's own source says).
    var isDriverCopy: Bool { get }
    /// Reads end where a PCIR says last, so an NVIDIA chain whose NPDE goes on comes back cut
    /// (the kernel's `rom` attribute: drivers/pci/rom.c, pci_get_rom_size).
    var cutsNVIDIAChains: Bool { get }
    /// Throws `ROMReadError`.
    func read() throws -> [UInt8]
}

/// Why one source could not read a ROM: what, where, and the next step in `description`.
public struct ROMReadError: Error, Advised, Sendable, Equatable {
    public enum Reason: Sendable, Equatable {
        /// EACCES or EPERM on a ROM or config path.
        case permissionDenied(path: String, errno: Int32)
        /// EINVAL after enabling: disabled again, or the enable did not take.
        case stillDisabled(path: String)
        /// EINVAL on a read that may not enable it (`vbios doctor`): disabled now, and left so.
        case disabled(path: String)
        /// EIO: the kernel found no valid image behind the ROM BAR.
        case notMapped(path: String)
        /// ENOENT: the device has no ROM resource.
        case noROMResource(path: String)
        /// ENODEV or ENXIO: the device went away.
        case deviceGone(path: String, errno: Int32)
        /// ESPIPE: a FIFO, socket or device where a ROM attribute should be.
        case notAnAttribute(path: String)
        /// EISDIR.
        case isDirectory(path: String)
        /// Any other errno on `path`.
        case readFailed(path: String, errno: Int32)
        /// The attribute read back no bytes.
        case empty(path: String)
        /// Bytes came back, but no option ROM image is in them.
        case noImage(location: String)
        /// Physical memory: the address lies below the first byte of the file standing for it.
        case belowBase(path: String, base: UInt64, address: UInt64)
        case memoryOpen(path: String, errno: Int32)
        /// Neither a character device nor a regular file.
        case notPhysicalMemory(path: String)
        case memoryRead(path: String, address: UInt64, count: Int, errno: Int32)
        case memoryMap(path: String, address: UInt64, count: Int, errno: Int32)
        /// No 55 AA at 0xC0000: the firmware left no VGA BIOS there.
        case noShadow(path: String)
        /// 55 AA at 0xC0000 with a size byte of 0.
        case emptyShadow(path: String)
        /// The ROM BAR source could not read config space.
        case noConfig(path: String)
        /// No ROM BAR with an address (or the ROM is the 0xC0000 shadow).
        case noROMBAR
        /// Memory decoding is off: the ROM BAR cannot answer. `enablePath` turns it on.
        case decodingOff(enablePath: String)
        /// The host publishes no ACPI VFCT table.
        case noVFCT(path: String)
        /// The VFCT table could not be read (`detail` says why; `errno` when the system said one).
        case vfctUnreadable(path: String, detail: AdvisedText, errno: Int32?)
        /// The VFCT table is malformed.
        case vfctMalformed(path: String, detail: String)
        /// The VFCT table has no entry for the device; `entries` lists what it has.
        case vfctNoEntry(path: String, ids: String, entries: [String], truncatedAt: Int?)
        /// No physical memory was given (a fake sysfs tree without a file standing for /dev/mem).
        case memoryOff
        /// The device has no ACPI node (`firmware_node/path`).
        case noFirmwareNode(path: String)
        /// The host's DSDT or an SSDT could not be read or is malformed.
        case acpiTablesUnreadable(path: String, detail: AdvisedText)
        /// The tables do not say statically where `node`'s ROM is: the step and why.
        case acpiUnresolved(node: String, ACPIROMUnresolved)
        /// The word holding the region's base (`NVHA`) reads 0: the firmware did not fill it.
        case acpiBaseZero(field: String, address: UInt64)
        /// The length word the tables point at (`RVBS`) is 0 or runs past the region.
        case acpiBadLength(field: String, address: UInt64, value: UInt64, limit: Int)
        /// No `dri/N/name` under debugfs names the device, or debugfs is not mounted.
        case noDriverCopy(path: String)
        /// Anything else a read ended with (`detail` is its own message).
        case other(location: String, detail: AdvisedText)
    }

    /// The source's short name.
    public var source: String
    public var reason: Reason
    /// The device read, when the message names it.
    public var address: PCIAddress?

    public init(source: String, _ reason: Reason, address: PCIAddress? = nil) {
        self.source = source
        self.reason = reason
        self.address = address
    }

    /// The errno behind the failure, when there is one.
    public var errno: Int32? {
        switch reason {
        case .permissionDenied(_, let e), .deviceGone(_, let e), .readFailed(_, let e), .memoryOpen(_, let e),
             .memoryRead(_, _, _, let e), .memoryMap(_, _, _, let e):
            return e
        case .stillDisabled, .disabled: return EINVAL
        case .notMapped, .decodingOff: return EIO
        case .noROMResource: return ENOENT
        case .notAnAttribute, .notPhysicalMemory: return ESPIPE
        case .isDirectory: return EISDIR
        case .vfctUnreadable(_, _, let e): return e
        default: return nil
        }
    }

    /// The file or device the failure is about (`--json`'s `path`); nil for a failure of no one file.
    public var path: String? {
        switch reason {
        case let .permissionDenied(p, _), let .stillDisabled(p), let .disabled(p), let .notMapped(p), let .noROMResource(p),
             let .deviceGone(p, _), let .notAnAttribute(p), let .isDirectory(p), let .readFailed(p, _), let .empty(p),
             let .belowBase(p, _, _), let .memoryOpen(p, _), let .notPhysicalMemory(p), let .memoryRead(p, _, _, _),
             let .memoryMap(p, _, _, _), let .noShadow(p), let .emptyShadow(p), let .noConfig(p), let .noVFCT(p),
             let .vfctUnreadable(p, _, _), let .vfctMalformed(p, _), let .vfctNoEntry(p, _, _, _),
             let .noFirmwareNode(p), let .acpiTablesUnreadable(p, _), let .noDriverCopy(p):
            return p
        case let .noImage(location), let .other(location, _): return location.hasPrefix("/") ? location : nil
        case .noROMBAR, .decodingOff, .memoryOff, .acpiUnresolved, .acpiBaseZero, .acpiBadLength: return nil
        }
    }

    /// Only a privilege stood in the way: root would read it.
    public var isPermissionDenied: Bool { errno == EACCES || errno == EPERM }

    /// The ROM is disabled and this read was not allowed to enable it.
    public var isDisabledNow: Bool { if case .disabled = reason { return true } else { return false } }

    /// The sentence for the person: what failed, where, and what to try (the steps worded by the CLI).
    public var advice: AdvisedText {
        let dev = address.map { " for \($0)" } ?? ""
        let device = address.map(\.description) ?? "the device"
        return attributeAdvice(dev: dev, device: device) ?? memoryAdvice(dev: dev, device: device)
            ?? firmwareAdvice(device: device) ?? ""
    }

    /// A read of the kernel's ROM attribute (drivers/pci/rom.c); nil for another reason.
    private func attributeAdvice(dev: String, device: String) -> AdvisedText? {
        switch reason {
        case let .permissionDenied(path, e):
            return "permission denied reading \(path)\(dev) (\(e == EACCES ? "EACCES" : "EPERM")). The ROM file is root-only: run vbios with sudo."
        case let .stillDisabled(path):
            return "the ROM\(dev) is disabled (EINVAL reading \(path)) and enabling it did not take. Another process may have "
                + "disabled it again; retry, or use \(NextStep(.readSource, "rombar")) to enable the ROM BAR directly."
        case let .disabled(path):
            return "the ROM of \(device) is disabled now (EINVAL reading \(path)); "
                + "it was left so: \(NextStep(.dump)) enables it (writes 1 to \(path)), reads it and disables it again."
        case let .notMapped(path):
            return "the kernel could not map a valid ROM image\(dev) (EIO reading \(path)). Either the ROM BAR holds no image "
                + "(some cards keep it only in the system firmware: try \(NextStep(.readSource, "shadow")) on the boot VGA device), memory decoding "
                + "is off, the device is asleep (wake it: `echo on > .../power/control`), or its driver owns the ROM; unbind the driver "
                + "(\(NextStep(.unbind))) and retry."
        case let .noROMResource(path):
            return "\(path) does not exist\(dev): the device has no ROM resource. Integrated GPUs keep their VGA BIOS in the "
                + "system firmware: try \(NextStep(.readSource, "shadow")) if this is the boot VGA device, or take the ROM from a firmware image with \(NextStep(.scan))."
        case let .deviceGone(path, e):
            return "the device\(dev) went away while its ROM was read (\(e == ENODEV ? "ENODEV" : "ENXIO") reading \(path)): it was removed, "
                + "hot-unplugged or powered off. Check that it is still there with \(NextStep(.list)), then retry."
        case let .notAnAttribute(path):
            return "\(path) is not a regular file (a FIFO, socket or device)\(dev), so it is not a ROM attribute. "
                + "Is \(NextStep(.checkSysfsTree)) pointing at a real sysfs tree?"
        case let .isDirectory(path):
            return "\(path) is a directory, not a ROM attribute\(dev). Is \(NextStep(.checkSysfsTree)) pointing at a real sysfs tree?"
        case let .readFailed(path, e):
            return "cannot read \(path)\(dev): \(Errno(rawValue: e))."
        case let .empty(path):
            return "\(path) read back empty for \(device): the kernel found no image. "
                + "Try \(NextStep(.readSource, "shadow")) if this is the boot VGA device."
        case let .noImage(location):
            return "\(location) holds no option ROM image (no 55 AA with a valid structure)."
        default:
            return nil
        }
    }

    /// A read of physical memory: the shadow at 0xC0000, the ROM BAR; nil for another reason.
    private func memoryAdvice(dev: String, device: String) -> AdvisedText? {
        switch reason {
        case let .belowBase(path, base, address):
            return "\(path) starts at physical \(Hex.prefixed(base)); \(Hex.prefixed(address)) is below it."
        case let .memoryOpen(path, e):
            let hint = e == EACCES || e == EPERM ? " Reading physical memory needs root." : ""
            return "cannot open \(path): \(Errno(rawValue: e)).\(hint)"
        case let .notPhysicalMemory(path):
            return "\(path) is neither physical memory (a character device) nor a file of it."
        case let .memoryRead(path, address, count, e):
            return "cannot read \(count) bytes at \(Hex.prefixed(address)) from \(path): "
                + "\(Errno(rawValue: e)). A kernel with STRICT_DEVMEM or lockdown refuses /dev/mem; "
                + "use \(NextStep(.readSource, "sysfs")) instead."
        case let .memoryMap(path, address, count, e):
            return "cannot map \(count) bytes at \(Hex.prefixed(address)) from \(path): "
                + "\(Errno(rawValue: e)). A kernel with IO_STRICT_DEVMEM refuses ranges a driver claims and lockdown "
                + "refuses /dev/mem altogether: boot with iomem=relaxed, or use \(NextStep(.readSource, "sysfs")) instead."
        case let .noShadow(path):
            return "no option ROM signature (55 AA) at 0xC0000 in \(path): the "
                + "firmware did not leave a VGA BIOS there (UEFI boot without CSM). Read the card's own ROM with \(NextStep(.readSource, "sysfs"))."
        case let .emptyShadow(path):
            return "the image at 0xC0000 in \(path) has size byte 0; nothing to copy."
        case let .noConfig(path):
            return "cannot read the config space of \(device) (\(path)); run as root."
        case .noROMBAR:
            return "\(device) has no ROM BAR with an address (or its ROM is the shadow at "
                + "0xC0000): nothing to enable. Try \(NextStep(.readSource, "shadow")) for the boot VGA device."
        case let .decodingOff(enablePath):
            return "memory decoding is off for \(device) (command register bit 1): the ROM BAR "
                + "cannot answer. Enable the device (`echo 1 > \(enablePath)`) and retry."
        case .memoryOff:
            return "no physical memory to read\(dev): with a fake sysfs tree the real /dev/mem is never opened; name a file standing for it."
        default:
            return nil
        }
    }

    /// The firmware's copies: ACPI VFCT, `_ROM`/`ATRM`, the driver's copy; nil for another reason.
    private func firmwareAdvice(device: String) -> AdvisedText? {
        switch reason {
        case let .noVFCT(path):
            return "\(path) does not exist: this host's firmware publishes no VFCT table "
                + "(only AMD systems do, and only for GPUs whose VBIOS lives in the system firmware). Try \(NextStep(.readSource, "sysfs")), "
                + "or take the ROM from a firmware image with \(NextStep(.scan))."
        case let .vfctUnreadable(path, detail, e):
            // Root-only is the cause only when the system said so; a folder, a FIFO or an I/O
            // error is something else, said as it is.
            switch e {
            case EACCES, EPERM: return "cannot read \(path): \(detail). ACPI tables are root-only: run vbios with sudo."
            case EISDIR: return "\(path) is a directory, not the kernel's VFCT table. Is \(NextStep(.checkSysfsTree)) pointing at a real sysfs tree?"
            default: return "cannot read \(path): \(detail)."
            }
        case let .vfctMalformed(path, detail):
            return "\(path): \(detail)"
        case let .vfctNoEntry(path, ids, entries, truncatedAt):
            var message: AdvisedText = "\(path) holds no image for \(device) (\(ids))"
            message += entries.isEmpty ? ": it has no entries." : "; it has: " + entries.joined(separator: ", ") + "."
            if let cut = truncatedAt { message += " The table is cut short at offset \(Hex.prefixed(cut))." }
            return message
        case let .noFirmwareNode(path):
            return "\(path) does not exist: the kernel links \(device) to no ACPI node, so no _ROM or ATRM method can be found for it."
        case let .acpiTablesUnreadable(path, detail):
            return "cannot read the ACPI table \(path): \(detail). ACPI tables are root-only: run vbios with sudo."
        case let .acpiUnresolved(node, why):
            return "the ACPI tables do not say statically where the ROM of \(node) is (step \(why.step.rawValue)): \(why). "
                + "Try the copy the host's driver loaded, or the ROM from the vendor's system firmware image."
        case let .acpiBaseZero(field, address):
            return "\(field) at \(Hex.prefixed(address)) holds 0: the firmware did not fill it (the dGPU may be off or its image not loaded at boot)."
        case let .acpiBadLength(field, address, value, limit):
            return "\(field) at \(Hex.prefixed(address)) holds \(value), not an image length (1 to \(limit) bytes): the firmware did not fill it."
        case let .noDriverCopy(path):
            return "no driver's copy of the ROM of \(device) under \(path): nouveau (vbios.rom) or amdgpu (amdgpu_vbios) must have "
                + "bound the card, and debugfs be mounted there."
        case let .other(_, detail):
            return detail
        default:
            return nil
        }
    }

    /// What to try instead, as values the CLI words.
    public var nextSteps: [ACPIROMUnresolved.NextStep] {
        switch reason {
        case let .acpiUnresolved(_, why): return why.nextSteps
        case .acpiBadLength, .acpiBaseZero, .noFirmwareNode: return [.driverCopy, .vendorFirmwareImage]
        case .noDriverCopy: return [.vendorFirmwareImage]
        default: return []
        }
    }

    /// The failure an errno met on a ROM or config path means, as drivers/pci/rom.c uses them.
    static func explain(_ e: Int32, source: String, path: String, address: PCIAddress?) -> ROMReadError {
        let reason: Reason
        switch e {
        case EACCES, EPERM: reason = .permissionDenied(path: path, errno: e)
        case EINVAL: reason = .stillDisabled(path: path)
        case EIO: reason = .notMapped(path: path)
        case ENOENT: reason = .noROMResource(path: path)
        case ENODEV, ENXIO: reason = .deviceGone(path: path, errno: e)
        case ESPIPE: reason = .notAnAttribute(path: path)
        case EISDIR: reason = .isDirectory(path: path)
        default: reason = .readFailed(path: path, errno: e)
        }
        return ROMReadError(source: source, reason, address: address)
    }
}

extension ROMSource {
    public var changesDevice: Bool { false }
    public var cutsNVIDIAChains: Bool { false }
    public var isDriverCopy: Bool { false }
}

/// Largest ROM a source reads (the PCI ROM BAR tops out at 16 MiB).
public let maximumROMSize = 16 << 20
