import OptionROM
import SystemIO

/// The ROM the host's driver loaded and ran, from debugfs (`<sysfs>/kernel/debug/dri/N/`):
/// nouveau's `vbios.rom` (nouveau_debugfs.c: the image its shadow code picked from PRAMIN, PROM,
/// ACPI `_ROM` or the PCI ROM, whichever scored best: a runtime copy or the flash) and amdgpu's
/// `amdgpu_vbios` (amdgpu_debugfs.c, `adev->bios`: what amdgpu_get_bios found in ATRM, VFCT, the
/// ROM BAR or the platform). Matched to the device by `dri/N/name` (drm_debugfs.c:
/// `nouveau dev=0000:01:00.0 unique=…`). Read it before the card is handed to vfio-pci.
public struct DriverCopyROMSource: ROMSource {
    public let root: SysfsRoot
    public let address: PCIAddress

    public init(root: SysfsRoot, address: PCIAddress) {
        self.root = root
        self.address = address
    }

    /// The files drivers publish their image in, by driver name.
    public static let files: [String: String] = ["nouveau": "vbios.rom", "amdgpu": "amdgpu_vbios"]

    public var name: String { "driver" }
    public var location: String { (try? find())?.path ?? Self.directory(root) }
    public var isShadowCopy: Bool { false }
    public var isDriverCopy: Bool { true }

    public static func directory(_ root: SysfsRoot) -> String { root.path + "/kernel/debug/dri" }

    /// Whether a driver published a copy for the device (`auto` tries it then).
    public static func present(_ root: SysfsRoot, _ address: PCIAddress) -> Bool {
        (try? DriverCopyROMSource(root: root, address: address).find()) != nil
    }

    /// The driver and the file holding its copy; nil when no `dri/N/name` names the device.
    public func find() throws -> (driver: String, path: String)? {
        let dir = Self.directory(root)
        let minors = ((try? directoryEntries(dir)) ?? []).filter { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
            .sorted { Int($0)! < Int($1)! }
        for minor in minors.prefix(256) {
            guard let text = try? HostIO.current.read(dir + "/" + minor + "/name", 4096) else { continue }
            let words = String(decoding: text, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" })
            guard let driver = words.first, let file = Self.files[String(driver)],
                  words.contains(where: { $0 == "dev=" + address.description }) else { continue }
            return (String(driver), dir + "/" + minor + "/" + file)
        }
        return nil
    }

    public func read() throws -> [UInt8] {
        guard let (_, path) = try find() else {
            throw ROMReadError(source: name, .noDriverCopy(path: Self.directory(root)), address: address)
        }
        do { return try HostIO.current.read(path, maximumROMSize) } catch {
            throw ROMReadError.explain(error.errno, source: name, path: path, address: address)
        }
    }
}
