/// Something worth telling about a ROM: a code scripts can match, where it is, and a sentence a
/// person can act on.
public struct Finding: Sendable, Equatable {
    public enum Severity: String, Sendable, Comparable {
        case info, warning, error
        var rank: Int { self == .info ? 0 : self == .warning ? 1 : 2 }
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }

    /// Stable identifiers (DESIGN.md's contract). New codes may be added; none is renamed.
    public struct Code: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { self.rawValue = value }
        public var description: String { rawValue }

        public static let checksumMismatch: Code = "checksum-mismatch"
        public static let sizeMismatch: Code = "size-mismatch"
        public static let truncated: Code = "truncated"
        public static let prefixHeader: Code = "prefix-header"
        public static let shadowCopy: Code = "shadow-copy"
        public static let runtimeModified: Code = "runtime-modified"
        public static let idMismatch: Code = "id-mismatch"
        public static let trailingData: Code = "trailing-data"
        public static let badPointer: Code = "bad-pointer"
        public static let noImage: Code = "no-image"
        /// A legacy image without a PCI data structure (ISA style).
        public static let noPCIR: Code = "no-pcir"
        public static let zeroLength: Code = "zero-length"
        public static let misaligned: Code = "misaligned"
        public static let badEFIHeader: Code = "bad-efi-header"
        public static let badDeviceList: Code = "bad-device-list"
        public static let tooManyImages: Code = "too-many-images"
        public static let noLastImage: Code = "no-last-image"
        public static let vendorTable: Code = "vendor-table"
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
        /// Walking stopped at a bound (nesting depth, count of containers, decompressed bytes).
        public static let limitReached: Code = "limit-reached"
    }

    public var severity: Severity
    public var code: Code
    public var offset: Int?
    public var message: String

    public init(_ severity: Severity, _ code: Code, at offset: Int? = nil, _ message: String) {
        self.severity = severity
        self.code = code
        self.offset = offset
        self.message = message
    }
}
