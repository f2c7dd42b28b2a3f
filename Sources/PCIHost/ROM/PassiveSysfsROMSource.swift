#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemIO

/// The kernel's `rom` attribute read as it is, never enabled: what `vbios doctor` may do without
/// changing the device. A disabled ROM answers EINVAL and is reported as disabled, not enabled
/// to find out (that is `SysfsROMSource`'s job, for `vbios dump`).
public struct PassiveSysfsROMSource: ROMSource {
    public let sysfs: SysfsROMSource

    public init(root: SysfsRoot, address: PCIAddress, shadowed: Bool) {
        sysfs = SysfsROMSource(root: root, address: address, shadowed: shadowed)
    }

    public var name: String { "sysfs" }
    public var location: String { sysfs.location }
    public var isShadowCopy: Bool { sysfs.isShadowCopy }
    public var cutsNVIDIAChains: Bool { true }

    public func read() throws -> [UInt8] {
        let path = location
        if pathKind(path, followLinks: false) == .missing {
            throw ROMReadError.explain(ENOENT, source: name, path: path, address: sysfs.address)
        }
        if pathKind(path) == .directory { throw ROMReadError.explain(EISDIR, source: name, path: path, address: sysfs.address) }
        let r = sysfs.readOnce(path)
        if r.errno == EINVAL {
            throw ROMReadError(source: name, .disabled(path: path), address: sysfs.address)
        }
        if let e = r.errno { throw ROMReadError.explain(e, source: name, path: path, address: sysfs.address) }
        return try sysfs.nonEmpty(r.bytes, path)
    }
}
