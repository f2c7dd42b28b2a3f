import PCIHost
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemIO

/// The directory that stands for `/` for `vbios doctor` and `vbios persist`: sysfs, the kernel
/// command line, the kernel's configuration and modules, modprobe.d. Every file they read or
/// write is named here, so a test points all of it at a fake root.
public struct HostRoot: Sendable {
    /// `/` or a directory standing for it, without a trailing slash (empty for `/`).
    public let prefix: String
    /// The sys tree when it is not ROOT/sys (`vbios doctor --sysfs`): the other commands' fake
    /// trees are sys trees, and a doctor run can point at one without a whole fake root.
    public let sysfsPath: String?

    public init(_ path: String = "/", sysfs: String? = nil) {
        var p = path
        while p.hasSuffix("/") { p.removeLast() }
        prefix = p
        sysfsPath = sysfs
    }

    public var isSystemRoot: Bool { prefix.isEmpty }
    /// The root as a person would type it.
    public var path: String { prefix.isEmpty ? "/" : prefix }

    /// `/proc/cmdline` -> `ROOT/proc/cmdline`.
    public func join(_ absolute: String) -> String { prefix + absolute }

    public var sysfs: SysfsRoot { SysfsRoot(sysfsPath ?? join("/sys")) }

    /// A small text file (sysfs, procfs, config files), nil when missing or unreadable.
    public func text(_ absolute: String) -> String? {
        guard pathKind(join(absolute)) == .file, let f = try? FileBytes(path: join(absolute), limit: 64 << 20) else { return nil }
        return String(decoding: f.bytes, as: UTF8.self)
    }

    public func exists(_ absolute: String) -> Bool { pathKind(join(absolute)) != .missing }

    /// The kernel command line, split on blanks (quotes are rare enough in these options to ignore).
    public var commandLine: [String]? {
        text("/proc/cmdline").map { $0.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init) }
    }

    /// `/proc/sys/kernel/osrelease`, else uname's release (which is this machine's, also for a fake root).
    public var kernelRelease: String? {
        if let t = text("/proc/sys/kernel/osrelease") {
            let s = t.trimmingBlanks
            if !s.isEmpty { return s }
        }
        var u = utsname()
        guard uname(&u) == 0 else { return nil }
        return withUnsafeBytes(of: u.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    public enum CPUVendor: String, Sendable { case intel = "GenuineIntel", amd = "AuthenticAMD" }

    /// From `/proc/cpuinfo`'s first `vendor_id`; nil when absent or another vendor.
    public var cpuVendor: CPUVendor? {
        guard let info = text("/proc/cpuinfo") else { return nil }
        for line in info.split(separator: "\n") where line.hasPrefix("vendor_id") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return CPUVendor(rawValue: String(line[line.index(after: colon)...]).trimmingBlanks)
        }
        return nil
    }

    /// `/sys/hypervisor/type` (`xen` in a Xen domain).
    public var hypervisorType: String? {
        guard let sysfsPath else { return text("/sys/hypervisor/type")?.trimmingBlanks }
        return HostRoot(sysfsPath).text("/hypervisor/type")?.trimmingBlanks
    }
    /// `/proc/xen/capabilities` (`control_d` in dom0); nil when xenfs is not mounted.
    public var xenCapabilities: String? { text("/proc/xen/capabilities")?.trimmingBlanks }

    /// Debian and its children build the initramfs with initramfs-tools; the rest with dracut.
    public var initramfsCommand: String {
        exists("/etc/debian_version") ? "update-initramfs -u" : "dracut -f"
    }

    public var modprobeDirectory: String { join("/etc/modprobe.d") }

    /// `*.conf` files of modprobe.d with their text.
    public func modprobeFiles() -> [(name: String, text: String)] {
        let names = (try? directoryEntries(modprobeDirectory)) ?? []
        return names.filter { $0.hasSuffix(".conf") }.compactMap { n in text("/etc/modprobe.d/" + n).map { (n, $0) } }
    }
}

extension String {
    var trimmingBlanks: String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\n" || c == "\t" || c == "\r" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\n" || c == "\t" || c == "\r" { s.removeLast() }
        return String(s)
    }
}
