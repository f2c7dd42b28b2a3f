#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import OptionROM

/// What a PE32/TE in system firmware is, as far as display goes: told by its image first (the
/// protocol GUIDs a driver installs or uses sit in its data section, as EDK2's `AutoGen.c` puts
/// them there), its UI name last.
///
/// A driver that uses the Graphics Output Protocol carries its GUID as much as one that installs
/// it: consoles (`GraphicsConsoleDxe`, `ConSplitterDxe`), BDS, the Shell. Those also produce or use
/// Simple Text Output, which no GOP driver does. A GOP driver binds the device it drives (Driver
/// Binding Protocol) and publishes its EDID (EDID Discovered/Active). `CsmVideo` (EDK2's
/// `BiosVideoThunkDxe`) installs GOP too, but over the legacy VBIOS through the CSM's Legacy BIOS
/// Protocol; Intel's `PlatformGOPPolicy` only hands `IntelGopDriver` its VBT. Neither drives a GPU.
/// GUIDs: EDK2 `MdePkg/Include/Protocol/GraphicsOutput.h`, `SimpleTextOut.h`, `DriverBinding.h`,
/// `EdidDiscovered.h`, `EdidActive.h`; `IntelFrameworkPkg/Include/Protocol/LegacyBios.h`;
/// Intel's `PlatformGopPolicy.h` (Vlv2TbltDevicePkg).
enum GOPRecognition {
    enum Role: Equatable {
        /// Installs GOP for a GPU: what `--rom-from` may add for an OVMF guest.
        case gop
        /// GOP over the legacy VBIOS (INT 10h through the CSM).
        case csmVideo
        /// Intel's platform GOP policy: gives the GOP driver its VBT.
        case gopPolicy
    }

    static let gop = GUID("9042A9DE-23DC-4A38-96FB-7ADED080516A")
    static let simpleTextOut = GUID("387477C2-69C7-11D2-8E39-00A0C969723B")
    static let driverBinding = GUID("18A031AB-B443-4D1A-A5C0-0C09261E9F71")
    static let edidDiscovered = GUID("1C0C34F6-D380-41FA-A049-8AD06C1A66AA")
    static let edidActive = GUID("BD8C1056-9F36-44EC-92A8-A6337F817986")
    static let legacyBios = GUID("DB9A1E3D-45CB-4ABB-853B-E5387FDB2E2D")
    static let platformGOPPolicy = GUID("EC2E931B-3281-48A5-8107-DF8A8BED3C5D")

    /// The role of the image `pe` whose file has UI name `name` and GUID `fileGUID`; nil when it is
    /// no display driver (or a console that only uses GOP).
    /// `identity` (the vendor's marker, a search through the whole image) is asked for only when the
    /// image carries the GOP GUID, so the many drivers that do not cost a few memchr passes.
    static func role(_ pe: ArraySlice<UInt8>, name: String?, fileGUID: GUID?, identity: () -> EFIDriverIdentity?) -> Role? {
        let has = { (g: GUID) in contains(pe, g) }
        let n = name?.lowercased() ?? ""
        let usesGOP = has(gop), console = usesGOP && has(simpleTextOut)
        if n.contains("csmvideo") || n.contains("biosvideo") || usesGOP && !console && has(legacyBios) { return .csmVideo }
        if n.contains("gop") && n.contains("policy") || !usesGOP && has(platformGOPPolicy) { return .gopPolicy }
        if fileGUID == .intelGOP { return .gop }
        // It installs GOP for a device it binds, publishes EDID, or carries a vendor's marker (AMD GOP,
        // NVIDIA GPU UEFI Driver, Intel(R) GOP Driver; iPXE's is no GOP).
        if usesGOP && !console {
            if has(driverBinding) || has(edidDiscovered) || has(edidActive) { return .gop }
            if let id = identity(), !id.name.hasPrefix("iPXE") { return .gop }
        }
        // Known names: vendors' say GOP; EDK2's and QEMU's virtual ones video, GPU or ramfb.
        if n.contains("console") || n.contains("bmp") { return nil }
        if n.contains("gop") || n.contains("video") || n.contains("gpu") || n.contains("ramfb") { return .gop }
        return nil
    }

    /// Whether `guid`'s 16 bytes occur in `b`, at memory speed.
    static func contains(_ b: ArraySlice<UInt8>, _ guid: GUID) -> Bool {
        b.withUnsafeBytes { raw -> Bool in
            guard let base = raw.baseAddress, raw.count >= 16 else { return false }
            return guid.bytes.withUnsafeBytes { g -> Bool in
                // Its first two bytes by ByteSearch's pair search (one byte alone stops often in code).
                var at = 0
                while at <= raw.count - 16, let i = ByteSearch.index(of: guid.bytes[0], guid.bytes[1], in: raw, from: at, to: raw.count - 14) {
                    if memcmp(base + i, g.baseAddress!, 16) == 0 { return true }
                    at = i + 1
                }
                return false
            }
        }
    }
}
