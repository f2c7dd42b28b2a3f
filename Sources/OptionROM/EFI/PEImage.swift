import Core
// PE32 / PE32+ and TE image headers (Microsoft PE/COFF spec; EDK2 MdePkg/Include/IndustryStandard/
// PeImage.h for TE): what an EFI option ROM's driver says about itself: machine, subsystem, size.
// Every read is bounds-checked; a header that does not fit is an error naming where.

public struct PEImage: Sendable, Equatable {
    public enum Format: String, Sendable {
        case pe32 = "PE32"
        case pe32Plus = "PE32+"
        /// EDK2's Terse Executable: the PE header cut down to what firmware needs.
        case te = "TE"
    }

    public var format: Format
    public var machine: UInt16
    public var subsystem: UInt16
    /// Size of the image once loaded (TE: not stated, nil).
    public var sizeOfImage: UInt32?
    public var entryPoint: UInt32
    public var sectionCount: Int
    /// COFF characteristics (PE only).
    public var characteristics: UInt16?

    /// EFI subsystems: application, boot-service driver, runtime driver, SAL runtime driver.
    public var isEFI: Bool { (10...13).contains(subsystem) }
    /// What a PCI option ROM can carry: boot-service or runtime driver (PciBusDxe loads no other).
    public var isEFIDriver: Bool { subsystem == 11 || subsystem == 12 }

    public static func machineName(_ machine: UInt16) -> String {
        switch machine {
        case 0x014C: return "IA32"
        case 0x0200: return "IPF"
        case 0x0EBC: return "EBC"
        case 0x8664: return "X64"
        case 0xAA64: return "AArch64"
        case 0x01C2: return "ARM"
        case 0x5064: return "RISC-V64"
        case 0x6264: return "LoongArch64"
        default: return "unknown (" + Hex.prefixed(machine, width: 4) + ")"
        }
    }

    public static func subsystemName(_ subsystem: UInt16) -> String {
        switch subsystem {
        case 10: return "application"
        case 11: return "boot-service driver"
        case 12: return "runtime driver"
        case 13: return "SAL runtime driver"
        default: return "not EFI (\(subsystem))"
        }
    }

    public var machineName: String { Self.machineName(machine) }
    public var subsystemName: String { Self.subsystemName(subsystem) }

    /// Parses the headers at the start of `bytes` (an `MZ` DOS stub leading to `PE\0\0`, or `VZ`).
    public static func parse(_ bytes: [UInt8]) throws(PEImageError) -> PEImage {
        func u16(_ at: Int) -> UInt16? {
            guard at >= 0, at + 2 <= bytes.count else { return nil }
            return UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
        }
        func u32(_ at: Int) -> UInt32? {
            guard at >= 0, at + 4 <= bytes.count else { return nil }
            return UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        guard let magic = u16(0) else {
            throw PEImageError(offset: 0, message: "\(bytes.count) bytes: too short for a PE or TE header")
        }
        if magic == 0x5A56 {  // "VZ"
            // TE: signature, machine, section count, subsystem, stripped size, entry point, ...
            guard let machine = u16(2), let subsystem = bytes.count > 5 ? UInt16(bytes[5]) : nil, let entry = u32(8) else {
                throw PEImageError(offset: 0, message: "the TE header is cut short (\(bytes.count) bytes, it needs 40)")
            }
            guard bytes.count >= 40 else {
                throw PEImageError(offset: 0, message: "the TE header is cut short (\(bytes.count) bytes, it needs 40)")
            }
            return PEImage(format: .te, machine: machine, subsystem: subsystem, sizeOfImage: nil,
                           entryPoint: entry, sectionCount: Int(bytes[4]), characteristics: nil)
        }
        guard magic == 0x5A4D else {  // "MZ"
            throw PEImageError(offset: 0, message: "starts \(Hex.prefixed(magic, width: 4)), neither a PE (MZ) nor a TE (VZ) image")
        }
        guard let lfanew = u32(0x3C) else {
            throw PEImageError(offset: 0x3C, message: "the DOS header is cut short before its PE header pointer")
        }
        let pe = Int(lfanew)
        guard let signature = u32(pe) else {
            throw PEImageError(offset: 0x3C, message: "the PE header pointer \(Hex.prefixed(lfanew)) is past the end (\(bytes.count) bytes)")
        }
        guard signature == 0x0000_4550 else {
            throw PEImageError(offset: pe, message: "no PE signature at \(Hex.prefixed(pe)) (found \(Hex.prefixed(signature, width: 8)))")
        }
        let coff = pe + 4
        guard let machine = u16(coff), let sections = u16(coff + 2), let optionalSize = u16(coff + 16),
              let characteristics = u16(coff + 18) else {
            throw PEImageError(offset: coff, message: "the COFF header is cut short")
        }
        let optional = coff + 20
        guard let optionalMagic = u16(optional) else {
            throw PEImageError(offset: optional, message: "no optional header (the image ends at \(bytes.count))")
        }
        let format: Format
        switch optionalMagic {
        case 0x010B: format = .pe32
        case 0x020B: format = .pe32Plus
        default:
            throw PEImageError(offset: optional, message: "optional header magic \(Hex.prefixed(optionalMagic, width: 4)), neither PE32 (0x010b) nor PE32+ (0x020b)")
        }
        // Subsystem is at 68 in both optional-header layouts; entry point at 16, SizeOfImage at 56.
        guard optionalSize >= 70, let entry = u32(optional + 16), let size = u32(optional + 56),
              let subsystem = u16(optional + 68) else {
            throw PEImageError(offset: optional, message: "the optional header is cut short (\(optionalSize) bytes stated, image \(bytes.count) bytes)")
        }
        return PEImage(format: format, machine: machine, subsystem: subsystem, sizeOfImage: size,
                       entryPoint: entry, sectionCount: Int(sections), characteristics: characteristics)
    }
}

public struct PEImageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Offset in the image (after decompression) where the problem is.
    public let offset: Int
    public let message: String
    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }
    public var description: String { "not a PE/TE image at byte \(offset): \(message)" }
}
