import OptionROM

/// Bounds on one walk: nested containers, how many are visited, and how many bytes decompression
/// may produce, so a hostile image (a volume inside itself, a decompression bomb) costs bounded
/// time and memory.
public struct FirmwareLimits: Sendable {
    public var maxDepth = 24
    public var maxContainers = 200_000
    /// One stream's output.
    public var maxDecompressed = 64 << 20
    /// All streams together.
    public var maxDecompressedTotal = 512 << 20
    public init() {}
}

/// Something found while walking, with the container chain it sits in.
public struct FirmwareFinding: Sendable, Equatable {
    public var finding: Finding
    public var path: [String]
}

/// Something worth pulling out of a firmware image.
public struct FirmwareItem: Sendable {
    public enum Kind: String, Sendable {
        /// A PCI option ROM (legacy x86 or EFI; `rom` tells which).
        case optionROM = "option-rom"
        /// A GOP (graphics output) driver: a PE32/TE whose image says so (`GOPRecognition`).
        case gopDriver = "gop-driver"
        /// An Intel Video BIOS Table (`$VBT`).
        case vbt
    }

    public var kind: Kind
    /// The container chain, outermost first (volumes, files, sections, CBFS entries).
    public var path: [String]
    /// The file's UI name or CBFS name, when it has one.
    public var name: String?
    /// Offset in the innermost buffer: the input itself when `fileOffset` is set, else the
    /// output of the last decompression in `path`.
    public var offset: Int
    /// Offset from the start of the input, when nothing in the chain is compressed.
    public var fileOffset: Int?
    public var bytes: [UInt8]
    public var volumeGUID: GUID?
    public var fileGUID: GUID?
    /// Option ROMs: what the scanner confirmed, and the first image's class code.
    public var rom: EmbeddedROM?
    public var classCode: UInt32?
    /// GOP drivers: what the PE/TE header says (nil when the header does not parse).
    public var executable: PEImage?
    /// GOP drivers: who wrote it and which version, where the image says so (the marker `info`
    /// reads in EFI option ROMs).
    public var identity: EFIDriverIdentity?
    /// The file's VERSION section, when it has one; for a GOP driver without one, the version
    /// its image states (`identity`).
    public var version: String?

    /// A legacy x86 option ROM of a display controller (class 03).
    public var isVBIOS: Bool {
        kind == .optionROM && rom?.codeType == .x86 && (classCode.map { $0 >> 16 == 0x03 } ?? false)
    }
}

public struct FirmwareReport: Sendable {
    public var items: [FirmwareItem] = []
    public var findings: [FirmwareFinding] = []
    /// Volumes, capsules, descriptors and CBFS archives found: 0 means the input is a plain blob.
    public var containers = 0
    public var decompressedBytes = 0
}
