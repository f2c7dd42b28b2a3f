/// What a ROM is made of: where its first image starts, every image of the chain, what the vendor
/// tables say, and what is wrong. Holds offsets, not bytes.
public struct ROMLayout: Sendable {
    public enum Prefix: Sendable, Equatable {
        /// nvflash's `NVGI` header.
        case nvflash
        /// Other NVIDIA firmware (`NVFW`) before the chain in a full-flash dump (Blackwell).
        case nvidiaFirmware
        /// Bytes of no known kind before the first image.
        case unknown

        public var name: String {
            switch self {
            case .nvflash: return "an nvflash NVGI header"
            case .nvidiaFirmware: return "other NVIDIA firmware (NVFW)"
            case .unknown: return "unknown data"
            }
        }
        /// The JSON word.
        public var word: String {
            switch self {
            case .nvflash: return "nvgi"
            case .nvidiaFirmware: return "nvfw"
            case .unknown: return "unknown"
            }
        }
    }

    public var size: Int
    /// Offset of the first image; 0 when the first image starts the buffer.
    public var prefixLength: Int
    public var prefix: Prefix?
    public var images: [ROMImage]
    public var vendorInfo: VendorInfo?
    public var findings: [Finding]

    /// End of the last image walked (or the prefix when none was).
    public var chainEnd: Int { images.last?.end ?? prefixLength }
    public var legacyImage: ROMImage? { images.first { $0.isLegacy } }
    public var efiImages: [ROMImage] { images.filter { $0.isEFI } }
    /// The worst severity found, or nil when the ROM is clean.
    public var worstSeverity: Finding.Severity? { findings.map(\.severity).max() }
    /// ok, note or fail, from the worst finding (`Finding.Code.severity` weighs each).
    public var verdict: Finding.Verdict { Finding.Verdict(worstSeverity) }
    /// Clean: no warnings or errors (information does not count).
    public var isClean: Bool { (worstSeverity ?? .info) == .info }

    public func findings(_ code: Finding.Code) -> [Finding] { findings.filter { $0.code == code } }
}
