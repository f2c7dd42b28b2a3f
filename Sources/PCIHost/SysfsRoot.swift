#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemIO
import Core

/// The directory that stands for `/sys`. Every path vbios reads or writes about devices is made
/// here, so `--sysfs ROOT` points all of it at a fake tree.
public struct SysfsRoot: Sendable, CustomStringConvertible {
    public var path: String

    public init(_ path: String = "/sys") {
        var p = path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        self.path = p
    }

    public static let system = SysfsRoot()

    public var description: String { path }
    /// What libpci's `sysfs.path` wants.
    public var busPCI: String { path + "/bus/pci" }
    public var devicesDirectory: String { busPCI + "/devices" }
    public func deviceDirectory(_ a: PCIAddress) -> String { devicesDirectory + "/" + a.description }
    public func attribute(_ a: PCIAddress, _ name: String) -> String { deviceDirectory(a) + "/" + name }

    /// An attribute's text without the trailing newline; nil when it does not exist or cannot
    /// be read (attributes are optional: old kernels and non-VGA devices lack some).
    public func readText(_ a: PCIAddress, _ name: String) -> String? {
        guard let bytes = try? readSmallFile(attribute(a, name)) else { return nil }
        var s = String(decoding: bytes, as: UTF8.self)
        while s.last == "\n" || s.last == " " { s.removeLast() }
        return s
    }

    /// An attribute holding one hex number (`0x10de`).
    public func readHex(_ a: PCIAddress, _ name: String) -> UInt64? {
        readText(a, name).flatMap { parseHex(Substring($0)) }
    }

    /// The last component of a symlink's target (`driver` -> `.../drivers/vfio-pci`).
    public func linkName(_ a: PCIAddress, _ name: String) -> String? {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink(attribute(a, name), &buf, buf.count - 1)
        guard n > 0 else { return nil }
        let target = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return target.split(separator: "/").last.map(String.init)
    }

    /// Throws `NotARegularFile` for the first FIFO, socket or device node among the devices'
    /// attributes. A real sysfs holds none; a fake tree given to `--sysfs` might, and libpci
    /// opens attributes with a blocking open(2). One lstat per entry, no reads.
    public func refuseSpecialAttributes() throws {
        for name in (try? directoryEntries(devicesDirectory)) ?? [] {
            let dir = devicesDirectory + "/" + name
            for entry in (try? directoryEntries(dir)) ?? [] {
                var st = stat()
                guard lstat(dir + "/" + entry, &st) == 0 else { continue }
                switch st.st_mode & S_IFMT {
                case S_IFIFO, S_IFSOCK, S_IFCHR, S_IFBLK:
                    throw NotARegularFile(path: dir + "/" + entry, kind: NotARegularFile.kindName(st.st_mode),
                                          hint: "A real sysfs holds only regular files and links here: is \(NextStep(.checkSysfsTree)) pointing at a real sysfs tree?")
                default: continue
                }
            }
        }
    }

    /// Whether the device has a directory here.
    public func exists(_ a: PCIAddress) -> Bool { pathKind(deviceDirectory(a)) == .directory }

    /// Addresses of the devices in an IOMMU group; empty when the group cannot be listed.
    public func iommuGroupMembers(_ group: String) -> [PCIAddress] {
        (try? listIOMMUGroupMembers(group)) ?? []
    }

    /// Addresses of the devices in an IOMMU group; throws when the group cannot be listed (a
    /// caller that judges isolation must not take "unreadable" for "alone").
    public func listIOMMUGroupMembers(_ group: String) throws -> [PCIAddress] {
        let dir = path + "/kernel/iommu_groups/" + group + "/devices"
        return try directoryEntries(dir).compactMap { try? PCIAddress(parsing: $0) }.sorted()
    }
}
