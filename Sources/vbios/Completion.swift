import ArgumentParser
import PCIHost

/// Shell completion of PCI addresses: the devices present when TAB is pressed, as
/// `vbios list --all --json` lists them (under the --sysfs already typed on the line). The shells'
/// scripts (`vbios --generate-completion-script bash|zsh|fish`) call back into vbios for them.
enum PCICompletion {
    static let addresses = CompletionKind.custom { words, _, prefix in
        candidates(sysfs: sysfsValue(in: words), prefix: prefix)
    }

    static func candidates(sysfs: String?, prefix: String) -> [String] {
        guard let devices = try? PCIDevice.all(root: SysfsRoot(sysfs ?? "/sys")) else { return [] }
        // Display devices first: they are what passthrough is about; both spellings match a prefix.
        let ordered = devices.filter(\.isDisplay) + devices.filter { !$0.isDisplay }
        return ordered.map(\.address.description).filter { $0.hasPrefix(prefix) || $0.dropFirst(5).hasPrefix(prefix) }
    }

    /// The value of `--sysfs DIR` or `--sysfs=DIR` among the words typed so far.
    static func sysfsValue(in words: [String]) -> String? {
        var value: String?
        for (i, w) in words.enumerated() {
            if w == "--sysfs", i + 1 < words.count { value = words[i + 1] }
            if w.hasPrefix("--sysfs=") { value = String(w.dropFirst("--sysfs=".count)) }
        }
        return value
    }
}
