import OptionROM
import SystemIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Core

/// What a ROM source could not do and the person must hear at once, while the read goes on: the
/// library returns it through `SysfsROMSource.warn` (set from `ROMReader.warn`) and the CLI words
/// it; libraries never print.
public enum ROMSourceWarning: Sendable {
    /// The ROM enabled for the read could not be disabled again (`path` is the `rom` attribute).
    case romLeftEnabled(address: PCIAddress, path: String, error: ROMReadError)
}

/// The kernel's `rom` attribute (drivers/pci/pci-sysfs.c): write `1` to enable, read to EOF,
/// write `0\n` to disable. The kernel does not tell whether the ROM is enabled, so it is read as
/// it is first; only when that fails with EINVAL (disabled) is it enabled, and then disabled
/// again afterwards, leaving the prior state. A fake tree's plain file reads at once, unwritten.
public struct SysfsROMSource: ROMSource {
    public let root: SysfsRoot
    public let address: PCIAddress
    /// The device's ROM resource is the shadow at 0xC0000.
    public let isShadowCopy: Bool
    /// Told at once when the device could not be put back (the read's outcome follows).
    public var warn: @Sendable (ROMSourceWarning) -> Void

    public init(root: SysfsRoot, address: PCIAddress, shadowed: Bool, warn: @escaping @Sendable (ROMSourceWarning) -> Void = { _ in }) {
        self.root = root
        self.address = address
        self.isShadowCopy = shadowed
        self.warn = warn
    }

    public var name: String { "sysfs" }
    public var location: String { root.attribute(address, "rom") }
    /// A disabled ROM is enabled for the read, then disabled again.
    public var changesDevice: Bool { true }
    public var cutsNVIDIAChains: Bool { true }

    public func read() throws -> [UInt8] {
        let path = location
        if pathKind(path, followLinks: false) == .missing {
            throw ROMReadError.explain(ENOENT, source: name, path: path, address: address)
        }
        if pathKind(path) == .directory { throw ROMReadError.explain(EISDIR, source: name, path: path, address: address) }
        let first = readOnce(path)
        if let e = first.errno, e == EINVAL {
            // Disabled: enable, read, disable.
            let again = try DeviceStateGuard.withChange(
                apply: { try writeAttribute(path, "1") },
                restore: {
                    // Said, not thrown: the read's own outcome matters more, but the person must know.
                    do throws(ROMReadError) { try writeAttribute(path, "0\n") } catch {
                        warn(.romLeftEnabled(address: address, path: path, error: error))
                    }
                },
                body: { readOnce(path) })
            if let e = again.errno { throw ROMReadError.explain(e, source: name, path: path, address: address) }
            return try nonEmpty(again.bytes, path)
        }
        if let e = first.errno { throw ROMReadError.explain(e, source: name, path: path, address: address) }
        return try nonEmpty(first.bytes, path)
    }

    func nonEmpty(_ bytes: [UInt8], _ path: String) throws -> [UInt8] {
        if bytes.isEmpty {
            throw ROMReadError(source: name, .empty(path: path), address: address)
        }
        return bytes
    }

    /// Through `HostIO`, the seam fault-injection tests replace.
    func readOnce(_ path: String) -> (bytes: [UInt8], errno: Int32?) {
        do { return (try HostIO.current.read(path, maximumROMSize), nil) } catch { return ([], error.errno) }
    }

    /// Writes `text` at offset 0, as the kernel's attribute wants it.
    func writeAttribute(_ path: String, _ text: String) throws(ROMReadError) {
        do { try HostIO.current.write(path, Array(text.utf8)) } catch {
            throw ROMReadError.explain(error.errno, source: name, path: path, address: address)
        }
    }
}

extension SysfsROMSource {
    /// The kernel's `rom` read ends where an image's PCIR says last (drivers/pci/rom.c,
    /// pci_get_rom_size), but NVIDIA's NPDE can say the chain goes on: such a read lacks the
    /// images after that point. Returns the finding that says so, or nil.
    public static func cutChainFinding(_ layout: ROMLayout, byteCount: Int) -> Finding? {
        for (i, image) in layout.images.enumerated() {
            // The parser already applied NPDE (and nouveau's exception for code type 0x70).
            guard let pcir = image.pcir, pcir.isLast, let npde = image.npde, !npde.isLast || npde.imageLengthBytes > pcir.imageLengthBytes,
                  image.offset + pcir.imageLengthBytes == byteCount else { continue }
            let more = npde.isLast ? "" : " and more images follow"
            return Finding(.sysfsCut, at: image.offset, advice: "the kernel's rom attribute stopped at \(Hex.prefixed(byteCount)), "
                + "where image \(i)'s PCIR says it is the last (\(pcir.imageLengthBytes) bytes), but its NVIDIA NPDE says "
                + "\(npde.imageLengthBytes) bytes\(more): this read lacks the rest of the chain. \(NextStep(.dumpFromROMBARSource)) reads "
                + "the whole ROM BAR through /dev/mem (a kernel with IO_STRICT_DEVMEM needs iomem=relaxed).")
        }
        return nil
    }
}
