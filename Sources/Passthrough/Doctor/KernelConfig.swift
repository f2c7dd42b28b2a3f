import PCIHost
import SystemIO

/// What the running kernel was built with, as far as the root tells: its `.config`
/// (`/boot/config-RELEASE`, or `/proc/config.gz`), else its module lists
/// (`/lib/modules/RELEASE/modules.builtin` and `modules.dep`).
public struct KernelConfig: Sendable {
    public enum State: String, Sendable { case builtIn = "built in", module = "a module", missing = "missing" }

    /// Where the answers come from, for messages.
    public var source: String
    /// `CONFIG_X` -> `y`/`m` (options set to anything else count as missing).
    var values: [String: String] = [:]
    /// From the module lists: module names (dashes as underscores).
    var builtinModules: Set<String> = []
    var loadableModules: Set<String> = []
    var fromModules: Bool

    /// The options vbios cares about and the modules they build.
    public static let moduleNames: [String: String] = [
        "VFIO": "vfio", "VFIO_PCI": "vfio_pci", "VFIO_IOMMU_TYPE1": "vfio_iommu_type1",
        "PCI_STUB": "pci_stub", "XEN_PCIDEV_BACKEND": "xen_pciback",
        // The host drivers that race the passthrough driver for a card (host-driver's load order).
        "DRM_AMDGPU": "amdgpu", "DRM_RADEON": "radeon", "DRM_NOUVEAU": "nouveau", "DRM_I915": "i915",
        "SND_HDA_INTEL": "snd_hda_intel",
    ]

    /// The option that builds a module, by module name (`amdgpu` -> `DRM_AMDGPU`).
    public static func option(building module: String) -> String? {
        moduleNames.first { $0.value == module.replacingDashes }?.key
    }

    public func state(_ option: String) -> State {
        if fromModules {
            guard let m = Self.moduleNames[option] else { return .missing }
            if builtinModules.contains(m) { return .builtIn }
            return loadableModules.contains(m) ? .module : .missing
        }
        switch values["CONFIG_" + option] {
        case "y": return .builtIn
        case "m": return .module
        default: return .missing
        }
    }

    /// Parses a kernel `.config`.
    public static func parse(_ text: String, source: String) -> KernelConfig {
        var c = KernelConfig(source: source, fromModules: false)
        for line in text.split(separator: "\n") where line.hasPrefix("CONFIG_") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            c.values[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return c
    }

    /// Module name of a path in modules.builtin / modules.dep (`kernel/drivers/vfio/pci/vfio-pci.ko.zst:` -> `vfio_pci`).
    static func moduleName(_ path: Substring) -> String {
        var base = path.split(separator: "/").last.map(String.init) ?? String(path)
        if base.hasSuffix(":") { base.removeLast() }
        if let ko = base.firstRange(of: ".ko") { base = String(base[..<ko.lowerBound]) }
        return base.replacingDashes
    }

    public enum Lookup: Sendable {
        case found(KernelConfig)
        /// Nothing readable; `compressedOnly` names a config.gz found but not read.
        case unknown(tried: [String], compressedOnly: String?)
    }

    /// Finds the configuration of the root's kernel.
    public static func load(_ root: HostRoot) -> Lookup {
        var tried: [String] = []
        let release = root.kernelRelease
        if let release {
            let boot = "/boot/config-" + release
            tried.append(root.join(boot))
            if let t = root.text(boot) { return .found(parse(t, source: root.join(boot))) }
        }
        tried.append(root.join("/proc/config.gz"))
        var compressed: String?
        if root.exists("/proc/config.gz") {
            if let f = try? FileBytes(path: root.join("/proc/config.gz"), limit: 16 << 20),
               let plain = try? Gzip.decompress(f.bytes) {
                return .found(parse(String(decoding: plain, as: UTF8.self), source: root.join("/proc/config.gz")))
            }
            compressed = root.join("/proc/config.gz")
        }
        if let release {
            let dir = "/lib/modules/" + release
            tried.append(root.join(dir + "/modules.builtin"))
            if let builtin = root.text(dir + "/modules.builtin") {
                var c = KernelConfig(source: root.join(dir) + " (modules.builtin, modules.dep)", fromModules: true)
                c.builtinModules = Set(builtin.split(separator: "\n").map(moduleName))
                if let dep = root.text(dir + "/modules.dep") {
                    c.loadableModules = Set(dep.split(separator: "\n").compactMap { $0.split(separator: ":").first.map(moduleName) })
                }
                return .found(c)
            }
        }
        return .unknown(tried: tried, compressedOnly: compressed)
    }
}

extension String {
    var replacingDashes: String { String(map { $0 == "-" ? "_" : $0 }) }
}
