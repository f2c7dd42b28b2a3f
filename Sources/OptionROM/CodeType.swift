import Core
/// PCIR code type (offset 0x14): what kind of program an image holds.
public struct CodeType: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let x86 = CodeType(rawValue: 0x00)
    public static let openFirmware = CodeType(rawValue: 0x01)
    public static let paRISC = CodeType(rawValue: 0x02)
    public static let efi = CodeType(rawValue: 0x03)
    /// NVIDIA's images past the legacy and EFI ones (nouveau `image.c`).
    public static let nvidiaE0 = CodeType(rawValue: 0xE0)
    public static let nvidia70 = CodeType(rawValue: 0x70)

    public var name: String {
        switch rawValue {
        case 0x00: return "x86 BIOS"
        case 0x01: return "Open Firmware"
        case 0x02: return "PA-RISC"
        case 0x03: return "EFI"
        case 0x70: return "NVIDIA 0x70"
        case 0xE0: return "NVIDIA 0xE0"
        default: return "unknown (" + Hex.prefixed(rawValue, width: 2) + ")"
        }
    }
}
