import Core
import OptionROM
import PCIHost

extension HostDoctor {
    func kernelConfig() -> DoctorCheck {
        let (needed, optional) = target.profile.kernelOptions
        switch KernelConfig.load(host) {
        case let .unknown(tried, compressed):
            var fixes: [AdvisedText] = ["Check by hand: `grep -E 'CONFIG_(\((needed + optional).joined(separator: "|")))=' /boot/config-$(uname -r)`."]
            if let compressed { fixes.insert("\(compressed) exists but could not be decompressed: `zcat \(compressed) | grep -E 'VFIO|PCI_STUB|XEN_PCIDEV'`.", at: 0) }
            return DoctorCheck(.kernelConfig, .warn, "cannot tell which options the kernel has: none of \(tried.joined(separator: ", ")) could be read", fixes: fixes)
        case let .found(config):
            let states = (needed + optional).map { ($0, config.state($0)) }
            let said = states.map { "CONFIG_\($0.0) \($0.1.rawValue)" }.joined(separator: ", ")
            let missing = states.filter { $0.1 == .missing && needed.contains($0.0) }.map(\.0)
            let missingOptional = states.filter { $0.1 == .missing && optional.contains($0.0) }.map(\.0)
            if !missing.isEmpty {
                return DoctorCheck(.kernelConfig, .fail, "\(said) (from \(config.source)): \(target.rawValue) needs \(missing.map { "CONFIG_" + $0 }.joined(separator: ", "))",
                                   fixes: ["Boot a kernel built with \(missing.map { "CONFIG_\($0)=m" }.joined(separator: " ")) (distribution kernels have them: install your distribution's standard kernel package), or rebuild with them set."])
            }
            if !missingOptional.isEmpty {
                return DoctorCheck(.kernelConfig, .warn, "\(said) (from \(config.source)); CONFIG_\(missingOptional.joined(separator: ", CONFIG_")) is missing, so \(NextStep(.bindWith, "pci-stub")) will not work (pciback will)",
                                   fixes: ["Use pciback (\(NextStep(.persistPciback))), or boot a kernel with CONFIG_PCI_STUB."])
            }
            return DoctorCheck(.kernelConfig, .ok, "\(said) (from \(config.source))")
        }
    }
}
