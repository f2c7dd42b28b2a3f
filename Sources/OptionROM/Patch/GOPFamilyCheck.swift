import Core

/// Whether a GOP driver can drive the chip a VBIOS is for, before the two are put in one ROM (or
/// handed to a guest together): a GOP for another vendor, or for another generation of the
/// vendor's chips, gives the guest no display or a hang, and nothing in the ROM's own structures
/// would show it (the EFI image takes the VBIOS's IDs when it is built).
///
/// What is read: the vendor marker the driver carries (`EFIDriverIdentity`), for AMD its table of
/// device IDs (`AMDGOPDevices`) and version, and the chip's family by ID (`AMDASICFamily`).
/// NVIDIA's and Intel's drivers are held to the vendor only: they carry no list vbios decodes.
public enum GOPFamilyCheck {
    public enum Verdict: Sendable, Equatable {
        /// The driver says it drives the chip (`why`: how it says so).
        case matches(String)
        /// The driver cannot drive the chip (`why`).
        case mismatch(String)
        /// Neither shown nor ruled out (`why`).
        case unverified(String)

        public var why: String {
            switch self { case .matches(let s), .mismatch(let s), .unverified(let s): s }
        }
    }

    /// The verdict for `driver` (a PE32+/TE image, decompressed) next to a VBIOS whose PCIR names
    /// `vendor`:`device`.
    public static func verdict(driver: [UInt8], vendor: UInt16, device: UInt16) -> Verdict {
        let chip = Hex.string(vendor, width: 4) + ":" + Hex.string(device, width: 4)
        guard let identity = EFIDriverIdentity.find(in: driver), let gopVendor = vendorOf(identity) else {
            return .unverified("the driver carries no vendor marker vbios knows, so which chips it drives is not known")
        }
        let named = identity.name + (identity.version.map { " Rev. \($0)" } ?? "")
        guard let chipVendor = GPUVendor(pciVendorID: vendor) else {
            return .unverified("the VBIOS names vendor \(Hex.string(vendor, width: 4)), no GPU vendor vbios knows; \(named) is \(gopVendor.displayName)'s")
        }
        guard chipVendor == gopVendor else {
            return .mismatch("\(named) is \(gopVendor.displayName)'s GOP driver, and the VBIOS is for \(chipVendor.displayName)'s \(chip)")
        }
        guard gopVendor == .amd else {
            return .unverified("\(named) is \(gopVendor.displayName)'s, as the VBIOS (\(chip)) is; its list of chips is not decoded")
        }
        return amd(driver, named: named, major: identity.version.flatMap(majorVersion), device: device, chip: chip)
    }

    static func amd(_ driver: [UInt8], named: String, major: Int?, device: UInt16, chip: String) -> Verdict {
        let family = AMDASICFamily.of(device)
        let chipName = chip + (family.map { " (\($0.name))" } ?? "")
        if let table = AMDGOPDevices.find(in: driver) {
            if let r = table.range(for: device) {
                return .matches("\(named) lists \(chipName) in its device table (record \(r))")
            }
            let listed = table.ranges.map(\.description).joined(separator: ", ")
            if family == nil, (major ?? 0) >= 3 {
                return .unverified("\(named) does not list \(chipName) (it lists \(listed)); AMD's GOP from Rev. 3 also drives chips "
                    + "newer than its table, found by IP discovery, so this is neither shown nor ruled out")
            }
            return .mismatch("\(named) does not list \(chipName); it lists \(listed)"
                + (family == nil ? ", and a chip newer than the kernel's ID list needs a GOP from Rev. 3 on" : ""))
        }
        // A driver without the table: Rev. 1.x, built for GCN 1-4.
        if major == 1 {
            guard let family, family.generation.isGCNBeforeVega else {
                return .mismatch("\(named) is a Rev. 1 GOP, built for GCN 1-4 chips (Southern Islands to Polaris); \(chipName) is newer")
            }
            return .unverified("\(named) is a Rev. 1 GOP, built for GCN 1-4 chips as \(chipName) is; its list of chips is not decoded")
        }
        return .unverified("\(named) has no device table vbios can read")
    }

    /// The verdict on `file` (what `addEFI` takes: a PE32+/TE driver or an EFI option ROM) as a
    /// finding: `gop-family` (info) when it matches or is unverified, `gop-family-mismatch` otherwise.
    public static func finding(driverFile file: [UInt8], vendor: UInt16, device: UInt16) -> Finding? {
        guard let driver = try? EFIImageBuilder.driver(from: file) else { return nil }
        switch verdict(driver: driver.bytes, vendor: vendor, device: device) {
        case .matches(let why): return Finding(.gopFamily, "The GOP driver matches the chip: \(why).")
        case .unverified(let why): return Finding(.gopFamily, "The GOP driver's match with the chip is not verified: \(why).")
        case .mismatch(let why): return Finding(.gopFamilyMismatch, "The GOP driver does not match the chip (kept as asked): \(why).")
        }
    }

    static func vendorOf(_ identity: EFIDriverIdentity) -> GPUVendor? {
        if identity.name.hasPrefix("AMD") { return .amd }
        if identity.name.hasPrefix("NVIDIA") { return .nvidia }
        if identity.name.hasPrefix("Intel") { return .intel }
        return nil
    }

    static func majorVersion(_ version: String) -> Int? {
        version.split(separator: ".").first.flatMap { Int($0) }
    }

    /// The patcher's step: a mismatch refused unless `allowed`; otherwise the verdict as a note.
    static func enforce(_ driver: EFIDriverInput, vendor: UInt16, device: UInt16, allowed: Bool,
                        operation: PatchOperation, named: String) throws(PatchError) -> PatchNote {
        let v = verdict(driver: driver.bytes, vendor: vendor, device: device)
        switch v {
        case .matches(let why): return PatchNote(.gopFamily, operation, "\(named): GOP family check: \(why).")
        case .unverified(let why): return PatchNote(.gopFamily, operation, "\(named): GOP family check: not verified: \(why).")
        case .mismatch(let why):
            guard allowed else {
                throw PatchError(.gopFamilyMismatch, operation, next: [NextStep(.allowBroken, why: "pair them anyway")],
                    "\(named): the GOP driver does not match the VBIOS's chip: \(why). A guest would get no display from it; "
                    + "take the GOP built for this chip (from the same firmware or card), or force the pairing if you know better.")
            }
            return PatchNote(.gopFamily, operation, "\(named): GOP family check: mismatch accepted as asked: \(why).")
        }
    }
}

extension GPUVendor {
    var displayName: String {
        switch self {
        case .amd: "AMD"
        case .intel: "Intel"
        case .nvidia: "NVIDIA"
        }
    }
}
