import Core
/// Something worth telling about a ROM: a code scripts can match, where it is, and a sentence a
/// person can act on.
public struct Finding: Sendable, Equatable {
    /// How much a finding weighs in a ROM's verdict: `error` is damage (the verdict `fail`),
    /// `warning` a valid ROM that needs a step before passthrough (`note`), `info` nothing to do
    /// (`ok`). JSON keeps these three words; `Verdict` names the outcome.
    public enum Severity: String, Sendable, Comparable {
        case info, warning, error
        var rank: Int { self == .info ? 0 : self == .warning ? 1 : 2 }
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }

    /// A ROM's verdict: `ok` nothing to do, `note` valid but needs a step before passthrough
    /// (a header, flash contents or a second copy after the chain, runtime-copy evidence), `fail`
    /// damage (checksum, truncation, pointers out of bounds).
    public enum Verdict: String, Sendable, Comparable {
        case ok, note, fail
        public init(_ worst: Severity?) {
            switch worst {
            case .error?: self = .fail
            case .warning?: self = .note
            default: self = .ok
            }
        }
        var rank: Int { self == .ok ? 0 : self == .note ? 1 : 2 }
        public static func < (a: Verdict, b: Verdict) -> Bool { a.rank < b.rank }
    }

    /// Stable identifiers (the JSON contract in the README). New codes may be added; none is renamed.
    public struct Code: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { self.rawValue = value }
        public var description: String { rawValue }

        // Damage: the verdict `fail`.
        public static let checksumMismatch: Code = "checksum-mismatch"
        public static let truncated: Code = "truncated"
        public static let badPointer: Code = "bad-pointer"
        public static let noImage: Code = "no-image"
        /// A legacy image without a PCI data structure (ISA style): no PCI firmware loads it.
        public static let noPCIR: Code = "no-pcir"
        public static let zeroLength: Code = "zero-length"
        public static let badEFIHeader: Code = "bad-efi-header"
        public static let badDeviceList: Code = "bad-device-list"
        public static let tooManyImages: Code = "too-many-images"
        /// A legacy image's size byte of 0, or larger than its PCIR length.
        public static let badSizeByte: Code = "bad-size-byte"

        // A step before passthrough: the verdict `note`.
        /// The size byte is smaller than the PCIR length (a runtime copy, or Sandy Bridge's own file).
        public static let sizeMismatch: Code = "size-mismatch"
        public static let prefixHeader: Code = "prefix-header"
        public static let shadowCopy: Code = "shadow-copy"
        public static let runtimeModified: Code = "runtime-modified"
        public static let idMismatch: Code = "id-mismatch"
        /// Non-padding bytes or images after the chain (the rest of a flash, sibling images).
        public static let trailingData: Code = "trailing-data"
        /// A whole second copy of the chain after the first (nvflash and full-flash files).
        public static let secondCopy: Code = "second-copy"
        public static let noLastImage: Code = "no-last-image"
        public static let misaligned: Code = "misaligned"
        /// A whole ISA-era ROM (`55 AA`, a valid checksum, no PCIR): what it is, and that no
        /// passthrough consumer will take it. Not damage, so not `no-pcir`.
        public static let isaROM: Code = "isa-rom"
        /// A UEFI guest is asked for, but the ROM holds no X64 EFI image for OVMF to run.
        public static let noEFIImage: Code = "no-efi-image"

        // How the ROM was read from the device (PCIHost's ROMReader): the verdict `note`.
        /// The kernel's `rom` attribute stopped where a PCIR says last, but NVIDIA's NPDE says the chain goes on.
        public static let sysfsCut: Code = "sysfs-cut"
        /// Two reads of one source differed: the ROM may be changing under a driver.
        public static let unstableRead: Code = "unstable-read"
        /// The copy the host's driver loaded and ran (debugfs), which may be a runtime copy.
        public static let driverCopy: Code = "driver-copy"

        // What one consumer will do with `bios.bin` (Passthrough's ConsumerProfile gives the weight).
        /// No legacy x86 image where a legacy BIOS needs one.
        public static let noLegacyImage: Code = "no-legacy-image"
        /// The image a consumer needs does not start the file.
        public static let notAtStart: Code = "not-at-start"
        /// Over the consumer's size limit.
        public static let tooLarge: Code = "too-large"
        /// Under the limit but crowding other option ROMs.
        public static let crowded: Code = "crowded"
        /// Images the consumer ignores.
        public static let extraImages: Code = "extra-images"
        /// QEMU's power-of-two ROM BAR.
        public static let barRounding: Code = "bar-rounding"
        /// A path the consumer cannot resolve.
        public static let relativePath: Code = "relative-path"

        // Information: the verdict stays `ok`.
        public static let vendorTable: Code = "vendor-table"
        /// An NVIDIA `77 BB` image whose EFI header fields are erased (all 0xFF).
        public static let erasedEFIHeader: Code = "erased-efi-header"
        /// PCIR and NPDE give different image lengths; NPDE rules the chain.
        public static let lengthDisagreement: Code = "length-disagreement"
        /// An image whose PCIR names vendor and device 0000:0000 (NVIDIA EFI images on laptops, Ampere and newer).
        public static let unsetIDs: Code = "unset-ids"
        /// A PCIR 3.0 device list that does not name the PCIR's own device ID (lists for newer chips).
        public static let deviceListOmitsOwnID: Code = "device-list-omits-own-id"
        /// A legacy image with no x86 jump at offset 3 (APU VBIOSes holding ATOM tables only).
        public static let noEntryPoint: Code = "no-entry-point"

        /// An EFI image whose driver cannot be decompressed or is not a PE/TE image.
        public static let badEFIImage: Code = "bad-efi-image"
        /// An EFI image whose PE header's machine or subsystem differs from its EFI header's.
        public static let efiHeaderMismatch: Code = "efi-header-mismatch"

        /// The registry: the weight each code carries in a ROM's verdict. A code not listed here
        /// (a host or consumer code) is a step to take: `warning`.
        public var severity: Severity {
            switch self {
            case .checksumMismatch, .truncated, .badPointer, .noImage, .noPCIR, .zeroLength, .badEFIHeader,
                 .badDeviceList, .tooManyImages, .badSizeByte, .badEFIImage:
                return .error
            case .vendorTable, .erasedEFIHeader, .lengthDisagreement, .unsetIDs, .deviceListOmitsOwnID, .noEntryPoint, .notGOPDriver, .gopFamily:
                return .info
            default:
                return .warning
            }
        }
        // Containers in system firmware (the Firmware module).
        /// A firmware volume, file or section whose header is malformed or whose length runs past its container.
        public static let badContainer: Code = "bad-container"
        /// A firmware volume that is cut short.
        public static let truncatedVolume: Code = "truncated-volume"
        /// A compressed section whose stream would not decode.
        public static let decompressionFailed: Code = "decompression-failed"
        /// A compressed section vbios has no decoder for (yet): its contents were not searched.
        public static let notDecoded: Code = "compressed-not-decoded"
        /// A GUID-defined section of an unknown kind that needs processing: not searched.
        public static let unknownSection: Code = "unknown-section"
        /// A display-related driver that is no GPU's GOP driver (CSM video, a platform GOP policy).
        public static let notGOPDriver: Code = "not-gop-driver"
        /// Walking stopped at a bound (nesting depth, count of containers, decompressed bytes).
        public static let limitReached: Code = "limit-reached"

        // A GOP driver next to a VBIOS (`GOPFamilyCheck`).
        /// What the GOP driver says of the VBIOS's chip: listed, or neither shown nor ruled out.
        public static let gopFamily: Code = "gop-family"
        /// A GOP driver that cannot drive the VBIOS's chip, kept because that was asked for.
        public static let gopFamilyMismatch: Code = "gop-family-mismatch"
    }

    public var severity: Severity
    public var code: Code
    public var offset: Int?
    public var message: String
    /// The next steps the message names (typed; its text words them through `StepWording`).
    public var steps: [NextStep] = []

    /// A finding about a ROM, weighed by the registry (`Code.severity`).
    public init(_ code: Code, at offset: Int? = nil, _ message: String) {
        self.init(code.severity, code, at: offset, message)
    }

    /// A finding whose message names next steps: the library names them, the executable's
    /// installed words (`StepWording`) spell them.
    public init(_ code: Code, at offset: Int? = nil, advice: AdvisedText) {
        self.init(code.severity, code, at: offset, advice: advice)
    }

    public init(_ severity: Severity, _ code: Code, at offset: Int? = nil, advice: AdvisedText) {
        self.init(severity, code, at: offset, StepWording.text(advice))
        steps = advice.steps
    }

    /// A finding whose weight depends on who asks: a consumer's acceptance (`ConsumerProfile`)
    /// or what `prepare` did. A ROM's own findings use the registry's weight instead.
    public init(_ severity: Severity, _ code: Code, at offset: Int? = nil, _ message: String) {
        self.severity = severity
        self.code = code
        self.offset = offset
        self.message = message
    }
}
