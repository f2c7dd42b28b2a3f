import OptionROM

// The layout of system firmware's structures, declared once (as `OptionROM/Fields.swift` does
// for option ROMs): the walker reads through these fields and the parsed headers below, and the
// test writer (TestSupport's `FirmwareBuilder`) writes through the same headers' `write(into:at:)`.
// Offsets are relative to the structure's start. Sources: UEFI PI spec volume 3; EDK2
// `MdePkg/Include/Pi/PiFirmwareVolume.h`, `PiFirmwareFile.h`, `Guid/Capsule.h`; UEFITool
// `common/ffs.h`; coreboot `commonlib/bsd/include/commonlib/bsd/cbfs_serialized.h`; Intel's
// flash descriptor as UEFITool `common/descriptor.h` reads it.

/// One field of a firmware structure: where it starts, how many bytes it takes, and its byte
/// order (UEFI is little-endian; coreboot's CBFS is big-endian).
public struct FirmwareField: Sendable, Equatable {
    public let offset: Int
    public let width: Int
    public let bigEndian: Bool
    public init(_ offset: Int, _ width: Int, bigEndian: Bool = false) {
        self.offset = offset; self.width = width; self.bigEndian = bigEndian
    }
    public var end: Int { offset + width }
}

/// `EFI_FIRMWARE_VOLUME_HEADER` (PiFirmwareVolume.h).
public enum VolumeHeaderFields {
    public static let zeroVector = FirmwareField(0x00, 16)
    public static let fileSystemGUID = FirmwareField(0x10, 16)
    public static let length = FirmwareField(0x20, 8)
    public static let signature = FirmwareField(0x28, 4)
    public static let attributes = FirmwareField(0x2C, 4)
    public static let headerLength = FirmwareField(0x30, 2)
    public static let checksum = FirmwareField(0x32, 2)
    /// Revision 2 (PI) only: the Framework's revision 1 keeps three reserved bytes there (Apple
    /// fills them), so it is read only when `revision` is 2 or more (UEFITool `ffsparser.cpp`).
    public static let extHeaderOffset = FirmwareField(0x34, 2)
    public static let reserved = FirmwareField(0x36, 1)
    public static let revision1Reserved = FirmwareField(0x34, 3)
    public static let revision = FirmwareField(0x37, 1)
    /// The block map: {NumBlocks u32, Length u32} pairs ending with a zero pair.
    public static let blockMap = 0x38
    public static let blockMapEntry = 8
    public static let signatureText = "_FVH"
    /// The header with a one-entry block map and its terminator.
    public static let minimumLength = 0x48
    /// `EFI_FVB2_ERASE_POLARITY`: erased bytes are 0xFF.
    public static let erasePolarity: UInt32 = 0x800
}

/// `EFI_FIRMWARE_VOLUME_EXT_HEADER`: the volume's name, then extension entries.
public enum VolumeExtHeaderFields {
    public static let fvName = FirmwareField(0x00, 16)
    public static let extHeaderSize = FirmwareField(0x10, 4)
    public static let length = 0x14
}

/// `EFI_FFS_FILE_HEADER` and `EFI_FFS_FILE_HEADER2` (PiFirmwareFile.h).
public enum FileHeaderFields {
    public static let name = FirmwareField(0x00, 16)
    public static let headerChecksum = FirmwareField(0x10, 1)
    public static let fileChecksum = FirmwareField(0x11, 1)
    public static let type = FirmwareField(0x12, 1)
    public static let attributes = FirmwareField(0x13, 1)
    public static let size = FirmwareField(0x14, 3)
    public static let state = FirmwareField(0x17, 1)
    /// FFS v3 large files (`FFS_ATTRIB_LARGE_FILE`): the 24-bit size is 0xFFFFFF, this holds it.
    public static let extendedSize = FirmwareField(0x18, 8)
    public static let length = 24
    public static let largeLength = 32
    /// In FFS v3 `FFS_ATTRIB_LARGE_FILE`; in FFS v1/v2 the same bit is `FFS_ATTRIB_TAIL_PRESENT`
    /// (a 16-bit tail after the data, UEFITool `ffs.h`).
    public static let largeFile: UInt8 = 0x01
    public static let tailPresent: UInt8 = 0x01
    public static let tailLength = 2
    /// Lenovo's large files in FFS v2 revision-2 volumes (UEFITool `EFI_FFS_FILE_HEADER2_LENOVO`):
    /// the large-file bit, a 24-bit size of 0, and the size in 32 bits here.
    public static let lenovoExtendedSize = FirmwareField(0x18, 4)
    public static let lenovoLargeLength = 28
    /// `FFS_FIXED_CHECKSUM`: the file checksum when `FFS_ATTRIB_CHECKSUM` is clear.
    public static let noChecksum: UInt8 = 0xAA
    /// Files start 8-byte aligned in their volume.
    public static let alignment = 8
}

/// The FFS file types the walker tells apart (`EFI_FV_FILETYPE_*`).
public enum FileType {
    public static let raw: UInt8 = 0x01
    public static let freeform: UInt8 = 0x02
    public static let driver: UInt8 = 0x07
    public static let volumeImage: UInt8 = 0x0B
    public static let pad: UInt8 = 0xF0
}

/// `EFI_COMMON_SECTION_HEADER` and `EFI_COMMON_SECTION_HEADER2`.
public enum SectionHeaderFields {
    public static let size = FirmwareField(0x00, 3)
    public static let type = FirmwareField(0x03, 1)
    public static let extendedSize = FirmwareField(0x04, 4)
    public static let length = 4
    public static let extendedLength = 8
    /// The 24-bit size that says the extended size follows.
    public static let extended = 0xFF_FFFF
    /// Sections start 4-byte aligned in their container.
    public static let alignment = 4
}

/// The section types the walker tells apart (`EFI_SECTION_*`).
public enum SectionType {
    public static let compression: UInt8 = 0x01
    public static let guidDefined: UInt8 = 0x02
    public static let pe32: UInt8 = 0x10
    public static let te: UInt8 = 0x12
    public static let version: UInt8 = 0x14
    public static let userInterface: UInt8 = 0x15
    public static let compatibility16: UInt8 = 0x16
    public static let volumeImage: UInt8 = 0x17
    public static let freeformSubtypeGUID: UInt8 = 0x18
    public static let raw: UInt8 = 0x19
}

/// After the common header: `EFI_COMPRESSION_SECTION`.
public enum CompressionSectionFields {
    public static let uncompressedLength = FirmwareField(0x00, 4)
    /// 0 none, 1 EFI (or Tiano) compression, 2 LZMA (PI 1.6: `EFI_CUSTOMIZED_COMPRESSION`).
    public static let compressionType = FirmwareField(0x04, 1)
    public static let length = 5
}

/// After the common header: `EFI_GUID_DEFINED_SECTION`. `dataOffset` counts from the section's start.
public enum GUIDDefinedSectionFields {
    public static let sectionDefinitionGUID = FirmwareField(0x00, 16)
    public static let dataOffset = FirmwareField(0x10, 2)
    public static let attributes = FirmwareField(0x12, 2)
    public static let length = 20
    /// `EFI_GUIDED_SECTION_PROCESSING_REQUIRED`.
    public static let processingRequired: UInt16 = 0x01
    /// `EFI_GUIDED_SECTION_AUTH_STATUS_VALID` (CRC32 sections set it).
    public static let authStatusValid: UInt16 = 0x02
}

/// After the common header: `EFI_FREEFORM_SUBTYPE_GUID_SECTION` and `EFI_VERSION_SECTION`.
public enum FreeformSectionFields {
    public static let subtypeGUID = FirmwareField(0x00, 16)
    public static let length = 16
}

public enum VersionSectionFields {
    public static let buildNumber = FirmwareField(0x00, 2)
    public static let length = 2
}

/// EDK2's BrotliCustomDecompress header inside its GUID-defined section: sizes, then the stream.
public enum BrotliSectionFields {
    public static let decompressedSize = FirmwareField(0x00, 8)
    public static let scratchSize = FirmwareField(0x08, 8)
    public static let length = 16
}

/// AMD's zlib GUID-defined section header (UEFITool `ffs.h`, `EFI_AMD_ZLIB_SECTION_HEADER`):
/// 0x14 zero bytes, the compressed size, zeros to 0x100; the zlib stream follows.
public enum AMDZlibSectionFields {
    public static let compressedSize = FirmwareField(0x14, 4)
    public static let length = 0x100
}

/// `EFI_CAPSULE_HEADER` (Guid/Capsule.h); AMI Aptio's capsule extends it (UEFITool `ffs.h`,
/// `APTIO_CAPSULE_HEADER`): the ROM image starts at `romImageOffset`.
public enum CapsuleHeaderFields {
    public static let capsuleGUID = FirmwareField(0x00, 16)
    public static let headerSize = FirmwareField(0x10, 4)
    public static let flags = FirmwareField(0x14, 4)
    public static let capsuleImageSize = FirmwareField(0x18, 4)
    public static let length = 28
    public static let aptioROMImageOffset = FirmwareField(0x1C, 2)
    public static let aptioROMLayoutOffset = FirmwareField(0x1E, 2)
    public static let aptioLength = 32
    /// Toshiba's header (UEFITool `TOSHIBA_CAPSULE_HEADER`): the whole size before the flags.
    public static let toshibaFullSize = FirmwareField(0x14, 4)
    public static let toshibaFlags = FirmwareField(0x18, 4)
}

/// coreboot's `struct cbfs_file` (big-endian), its name after it, and its attributes.
public enum CBFSFileFields {
    public static let magic = FirmwareField(0x00, 8)
    public static let len = FirmwareField(0x08, 4, bigEndian: true)
    public static let type = FirmwareField(0x0C, 4, bigEndian: true)
    public static let attributesOffset = FirmwareField(0x10, 4, bigEndian: true)
    public static let offset = FirmwareField(0x14, 4, bigEndian: true)
    public static let length = 24
    public static let magicText = "LARCHIVE"
    /// `CBFS_TYPE_DELETED2`: empty space.
    public static let deleted: UInt32 = 0xFFFF_FFFF
    /// An attribute: {tag, size}; the compression attribute adds algorithm and decompressed size.
    public static let attributeTag = FirmwareField(0x00, 4, bigEndian: true)
    public static let attributeSize = FirmwareField(0x04, 4, bigEndian: true)
    public static let compressionAlgorithm = FirmwareField(0x08, 4, bigEndian: true)
    public static let compressionDecompressedSize = FirmwareField(0x0C, 4, bigEndian: true)
    public static let attributeLength = 8
    public static let compressionTag: UInt32 = 0x4243_5A4C // "BCZL"
}

/// Intel's flash descriptor: the signature at 0x10, FLMAP0 after it; FLREG1 (the BIOS region:
/// base and limit in 4 KiB units) at FRBA + 4.
public enum FlashDescriptorFields {
    public static let signature = FirmwareField(0x10, 4)
    public static let flmap0 = FirmwareField(0x14, 4)
    public static let signatureValue: UInt32 = 0x0FF0_A55A
    public static let biosRegion = FirmwareField(0x04, 4)
    /// FLMAP0 bits 16..23: the region section's base (FRBA) in 16-byte units.
    static func regionBase(_ flmap0: UInt32) -> Int { Int((flmap0 >> 16) & 0xFF) << 4 }
    static func range(_ flreg: UInt32) -> (base: Int, limit: Int) {
        (Int(flreg & 0x7FFF) << 12, Int((flreg >> 16) & 0x7FFF) << 12 | 0xFFF)
    }
}

/// Intel's VBT header (i915 `intel_vbt_defs.h`, `struct vbt_header`).
public enum VBTHeaderFields {
    public static let signature = FirmwareField(0x00, 20)
    public static let version = FirmwareField(0x14, 2)
    public static let headerSize = FirmwareField(0x16, 2)
    public static let vbtSize = FirmwareField(0x18, 2)
    public static let checksum = FirmwareField(0x1A, 1)
    public static let bdbOffset = FirmwareField(0x1C, 4)
    public static let length = 0x20
    /// The BDB header's signature, "BIOS_DATA_BLOCK", and what of it must fit.
    public static let bdbSignatureLength = 0x16
}

// MARK: - Reading and writing a field

extension ArraySlice where Element == UInt8 {
    /// The field of the structure at `base` (relative to the slice), zero-extended; nil when it
    /// does not fit or is wider than 8 bytes.
    public func read(_ f: FirmwareField, at base: Int = 0) -> UInt64? {
        guard f.width <= 8, base >= 0, base <= count, f.end <= count - base else { return nil }
        let s = startIndex + base + f.offset
        var v: UInt64 = 0
        for i in 0..<f.width {
            let byte = UInt64(self[s + (f.bigEndian ? i : f.width - 1 - i)])
            v = v << 8 | byte
        }
        return v
    }

    /// The field as a GUID (16 bytes).
    public func guid(_ f: FirmwareField, at base: Int = 0) -> GUID? { GUID(self, at: base + f.offset) }
}

extension Array where Element == UInt8 {
    /// Writes `value`'s low bytes into the field of the structure at `base`, growing the array
    /// with zeros when the field ends past it.
    public mutating func put(_ f: FirmwareField, _ value: UInt64, at base: Int = 0) {
        let start = base + f.offset
        if count < start + f.width { append(contentsOf: repeatElement(0, count: start + f.width - count)) }
        for i in 0..<f.width {
            let shift = UInt64(8 * (f.bigEndian ? f.width - 1 - i : i))
            self[start + i] = UInt8(truncatingIfNeeded: value >> shift)
        }
    }

    /// Writes raw bytes (a GUID, a signature) into the field, zero-padded to its width.
    public mutating func put(_ f: FirmwareField, bytes: [UInt8], at base: Int = 0) {
        let start = base + f.offset
        if count < start + f.width { append(contentsOf: repeatElement(0, count: start + f.width - count)) }
        for i in 0..<f.width { self[start + i] = i < bytes.count ? bytes[i] : 0 }
    }
}
