import Core

/// What a vendor's own tables say about the ROM.
public enum VendorInfo: Sendable, Equatable {
    case nvidia(NVIDIAInfo)
    case amd(AMDInfo)
    case intel(IntelInfo)

    public var vendorName: String {
        switch self {
        case .nvidia: return "NVIDIA"
        case .amd(let a): return a.isPreATOM ? "ATI" : "AMD"
        case .intel: return "Intel"
        }
    }

    /// One line a person wants first: NVIDIA's BIOS version, AMD's part number and version,
    /// Intel's VBT platform and versions.
    public var summary: String {
        switch self {
        case .nvidia(let n):
            return "NVIDIA BIOS " + (n.version ?? "version unknown")
        case .amd(let a) where a.isPreATOM:
            let parts = [a.partNumber, a.buildDate.map { "built \($0)" }].compactMap { $0 }
            return "ATI BIOS before ATOM (Mach64, Rage, early Radeon)" + (parts.isEmpty ? "" : ", " + parts.joined(separator: ", "))
        case .amd(let a):
            let parts = [a.partNumber, a.version.map { "version \($0)" }].compactMap { $0 }
            return parts.isEmpty ? "AMD ATOM BIOS" : "AMD " + parts.joined(separator: ", ")
        case .intel(let i):
            return "Intel VBT " + (i.vbtPlatform.isEmpty ? "(platform unnamed)" : i.vbtPlatform)
                + (i.vbtVersion.map { ", VBT version \($0)" } ?? "") + (i.bdbVersion.map { ", BDB version \($0)" } ?? "")
        }
    }

    /// The version a person asks for first.
    public var version: String? {
        switch self {
        case .nvidia(let n): return n.version
        case .amd(let a): return a.version
        case .intel(let i): return i.vbtVersion.map { String($0) }
        }
    }
}

enum VendorDecoder {
    static func decode(_ v: ByteView, layout: ROMLayout, findings: inout [Finding]) -> VendorInfo? {
        let base = layout.prefixLength
        let end = layout.chainEnd > base ? min(layout.chainEnd, v.count) : v.count
        if let amd = AMDInfo.decode(v, romStart: base, end: end) { return .amd(amd) }
        // The BIT and VBT searches read the whole chain; run each only when an image is the
        // vendor's (the tables mean something to nouveau and i915 alone). Skipping them on other
        // ROMs halves what `verify` reads per file.
        let vendors = Set(layout.images.compactMap { $0.pcir.flatMap { GPUVendor(pciVendorID: $0.vendorID) } })
        if vendors.contains(.nvidia),
           let nv = NVIDIAInfo.decode(v, romStart: base, end: end, findings: &findings) { return .nvidia(nv) }
        if vendors.contains(.intel),
           let intel = IntelInfo.decode(v, romStart: base, end: end, findings: &findings) { return .intel(intel) }
        return nil
    }
}
