import PCIHost

/// igd-host-driver: i915 or xe does not hold the IGD, and will not take it back. Beyond the
/// binding (host-driver's concern for any card), docs/igd-assign.txt warns that i915 "may generate
/// faults and errors upon re-binding to an IGD device after it has been assigned", so it should be
/// kept off the IGD for good: a driver_override or a blacklist, not only an unbind.
extension HostDoctor {
    func igdHostDriver(_ card: Card) -> DoctorCheck {
        let igd = card.display
        let evidence = [DoctorCheck.Evidence(sysfs.attribute(igd.address, "driver"), igd.driver ?? "(none)")]
        let keepOff = DoctorCheck.Step(.modprobeLine, "blacklist \(igd.driver == "xe" ? "xe" : "i915")", file: "/etc/modprobe.d/vbios-igd.conf",
                                       why: "the host's graphics driver then never binds the IGD again (or set driver_override to vfio-pci)")
        guard let driver = igd.driver, driver == "i915" || driver == "xe" else {
            return DoctorCheck(.igdHostDriver, .ok,
                "\(igd.address) is not held by i915 or xe (\(igd.driver.map { "bound to \($0)" } ?? "no driver"))", evidence: evidence)
        }
        return DoctorCheck(.igdHostDriver, .fail,
            "\(igd.address) is held by \(driver), the host's Intel graphics driver: the guest cannot have the IGD, and \(driver) may fault when it binds it again after a guest had it",
            evidence: evidence,
            steps: [.init(.bind, igd.address.description, driver: passthroughDriver.rawValue, why: "release the IGD from \(driver) now"), keepOff])
    }
}
