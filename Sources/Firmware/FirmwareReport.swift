import OptionROM

/// The budget of one walk: every container, decode and search draws from it, so a hostile image
/// (a volume inside itself, a decompression bomb, a million signatures) costs bounded time and
/// memory. For an input of N bytes the walk's time and memory are at most linear in N plus these
/// numbers (README, "ROMs inside system firmware"). Running out is one `limit-reached` finding
/// naming the container where it happened; the walk stops there and keeps what it found.
public struct FirmwareLimits: Sendable {
    /// Containers nested in containers (volumes, files, sections, streams, CBFS entries). The walk
    /// recurses once per level, so this also bounds its stack.
    public var maxDepth = 24
    /// Containers entered, all levels together.
    public var maxContainers = 200_000
    /// One stream's output.
    public var maxDecompressed = 64 << 20
    /// All streams together, counted whatever the outcome (a stream that fails or hits the
    /// per-stream limit counts what it produced).
    public var maxDecompressedTotal = 512 << 20
    /// Bytes searched for signatures, checksummed or scanned for ROMs, all levels together.
    public var maxSearched = 2 << 30
    /// Items reported.
    public var maxItems = 100_000
    /// Findings reported.
    public var maxFindings = 10_000
    /// Bytes of names and container paths in what is reported.
    public var maxNameBytes = 64 << 20
    /// One name read from the input (a UI or CBFS name), in bytes of UTF-8.
    public var maxNameLength = 255
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
    /// A ROM in a raw ACPI VFCT table: its entry (the bus address and IDs amdgpu matches on).
    public var vfctEntry: VFCTTable.Entry? = nil

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
    /// Bytes searched for signatures, checksummed or scanned for ROMs (the budget's `maxSearched`).
    public var searchedBytes = 0
}
