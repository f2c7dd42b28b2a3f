import Core

/// The operations of a patch, by name. The library words what happened; how a user asks for an
/// operation (the CLI's flag) is the caller's, given as `PatchNaming`.
public enum PatchOperation: String, Sendable, CaseIterable {
    case stripHeader = "strip-header"
    case extract
    case dropEFI = "drop-efi"
    case addEFI = "add-efi"
    case replaceEFI = "replace-efi"
    case compressEFI = "compress-efi"
    case truncate
    case setIDs = "set-ids"
    case fixChecksum = "fix-checksum"
    case checksumByte = "checksum-byte"
    case padTo = "pad-to"
}

/// How messages name what a user of the caller can do: an operation, the override that writes
/// what would be refused, the commands that read a ROM. The CLI passes its flags
/// (`vbios/PatchWording.swift`); other callers keep `.names`, the operations' own names.
public struct PatchNaming: Sendable, Equatable {
    public var operations: [PatchOperation: String]
    /// The override (`PatchPlan.force`) as the user gives it.
    public var override: String
    /// The command that shows a ROM's images and findings.
    public var inspect: String
    /// The command that checks a ROM.
    public var check: String

    public init(operations: [PatchOperation: String], override: String, inspect: String, check: String) {
        self.operations = operations
        self.override = override
        self.inspect = inspect
        self.check = check
    }

    public func callAsFunction(_ operation: PatchOperation) -> String { operations[operation] ?? operation.rawValue }

    /// For callers with no interface of their own: each operation by its name.
    public static let names = PatchNaming(operations: [:], override: "the override (force)", inspect: "an inspection", check: "a check")
}

/// Something a patch did not do or that is worth knowing. `code` is what callers act on; the
/// message is for people, already worded with the plan's `PatchNaming`.
public struct PatchNote: Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, CaseIterable {
        /// `stripHeader`: no bytes before the first image.
        case nothingToStrip = "nothing-to-strip"
        /// `dropEFI`/`replaceEFI`: the ROM had no EFI image.
        case noEFIImage = "no-efi-image"
        /// `extract`/`dropEFI`/`replaceEFI`: which images were kept and dropped.
        case imagesDropped = "images-dropped"
        /// `truncate`: nothing after the chain.
        case nothingToTruncate = "nothing-to-truncate"
        /// `truncate`: an NVIDIA extended image was among the bytes cut.
        case extendedImageCut = "extended-image-cut"
        /// `setIDs`: an image naming other IDs than the ROM's was left alone (`image`).
        case otherIDsLeft = "other-ids-left"
        /// Checksums: an image whose size byte is 0 (`image`).
        case emptyRuntimeImage = "empty-runtime-image"
        /// `fixChecksum`: the image's checksum was already valid (`image`).
        case checksumValid = "checksum-valid"
        /// `padTo`: the size is not a power of two.
        case padNotPowerOfTwo = "pad-not-power-of-two"
        /// A finding the result still has (`finding`).
        case remainingFinding = "remaining-finding"
        /// `addEFI`: what `GOPFamilyCheck` found of the driver and the ROM's chip.
        case gopFamily = "gop-family"
    }

    public var code: Code
    /// The operation the note is about, when the message names it.
    public var operation: PatchOperation?
    /// The image (index in the layout of the step) the note is about.
    public var image: Int?
    public var finding: Finding?
    public var message: String

    public init(_ code: Code, _ operation: PatchOperation?, image: Int? = nil, finding: Finding? = nil, _ message: String) {
        self.code = code
        self.operation = operation
        self.image = image
        self.finding = finding
        self.message = message
    }

    public init(_ code: Code, image: Int? = nil, finding: Finding? = nil, _ message: String) {
        self.init(code, nil, image: image, finding: finding, message)
    }

    public var description: String { message }
}

/// Why a patch was refused. `code` is what callers act on; `operation`, `image` and `next` are
/// the data; `message` is worded with the plan's `PatchNaming`.
public struct PatchError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, CaseIterable {
        /// The input has no option ROM image.
        case notAROM = "not-a-rom"
        /// Two operations asked for that contradict each other.
        case conflict
        /// `extract`: no image matches the selector.
        case noSuchImage = "no-such-image"
        /// `extract`: the image runs past the end of the file.
        case imagePastEnd = "image-past-end"
        /// `extract`: the legacy image's size byte covers the images after it.
        case imagesInsideLegacy = "images-inside-legacy"
        /// `dropEFI`: every image is an EFI image.
        case nothingLeft = "nothing-left"
        /// What the selection would leave does not parse.
        case unparsableResult = "unparsable-result"
        /// The driver to add is not one the guest can run (the message is about the driver's file).
        case driver
        /// `addEFI`/`setIDs`: no PCI data structure to take or hold IDs.
        case noPCIR = "no-pcir"
        /// `addEFI`: the result is larger than the card's ROM BAR.
        case largerThanBAR = "larger-than-bar"
        /// `setIDs`: IDs that cannot be a device's, or another vendor than the ROM's tables.
        case badIDs = "bad-ids"
        /// Checksums: the image is cut, or no byte can take the sum.
        case checksum
        /// `padTo`: a size too large or smaller than the ROM.
        case padSize = "pad-size"
        /// The result is larger than an option ROM can be.
        case tooLarge = "too-large"
        /// The result has errors the input did not have (`findings`).
        case verificationFailed = "verification-failed"
        /// `addEFI`: the GOP driver is not for the ROM's chip (`GOPFamilyCheck`).
        case gopFamilyMismatch = "gop-family-mismatch"
    }

    public var code: Code
    public var operation: PatchOperation?
    public var image: Int?
    /// The size at issue, in bytes (the result, the pad size, what a size byte covers), and
    /// the bound it passes or falls short of (the ROM BAR, the largest ROM, what the file holds).
    public var size: Int?
    public var limit: Int?
    /// `verificationFailed`: the new errors.
    public var findings: [Finding]
    /// What would get past the refusal (`allowBroken`: the plan's `force`).
    public var next: [NextStep]
    public var message: String

    public init(_ code: Code, _ operation: PatchOperation?, image: Int? = nil, size: Int? = nil, limit: Int? = nil,
                findings: [Finding] = [], next: [NextStep] = [], _ message: String) {
        self.code = code
        self.operation = operation
        self.image = image
        self.size = size
        self.limit = limit
        self.findings = findings
        self.next = next
        self.message = message
    }

    public init(_ code: Code, image: Int? = nil, size: Int? = nil, limit: Int? = nil, findings: [Finding] = [],
                next: [NextStep] = [], _ message: String) {
        self.init(code, nil, image: image, size: size, limit: limit, findings: findings, next: next, message)
    }

    public var description: String { message }
}
