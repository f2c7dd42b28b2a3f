// The headers of `Layout.swift`'s structures as values: read through the declared fields (the
// walker) and written through them (TestSupport's `FirmwareBuilder`), so that what is written
// reads back as the same value (the round-trip tests). Reading checks only that the bytes are
// there; what the values must satisfy is the walker's business, which reports it.

/// A firmware volume's header (`EFI_FIRMWARE_VOLUME_HEADER`).
public struct VolumeHeader: Sendable, Equatable {
    public typealias F = VolumeHeaderFields
    public var fileSystem: GUID
    /// The whole volume's length, header included.
    public var length: UInt64
    public var attributes: UInt32
    public var headerLength: UInt16
    public var checksum: UInt16 = 0
    public var revision: UInt8
    /// Revision 2 and later; nil for revision 1, whose bytes there are reserved.
    public var extHeaderOffset: UInt16?
    /// Revision 1: the reserved bytes where revision 2 keeps ExtHeaderOffset (Apple sets them).
    public var reserved: UInt32 = 0
    /// {number of blocks, block length}, without the terminating zero pair.
    public var blockMap: [(blocks: UInt32, length: UInt32)] = []

    public init(fileSystem: GUID, length: UInt64, attributes: UInt32, headerLength: UInt16, revision: UInt8,
                extHeaderOffset: UInt16?, reserved: UInt32 = 0, blockMap: [(blocks: UInt32, length: UInt32)]) {
        self.fileSystem = fileSystem; self.length = length; self.attributes = attributes
        self.headerLength = headerLength; self.revision = revision; self.extHeaderOffset = extHeaderOffset
        self.reserved = reserved; self.blockMap = blockMap
    }

    /// The header at `at` when the signature is there and the fixed part fits.
    public init?(_ b: ArraySlice<UInt8>, at: Int) {
        guard b.matches(at + F.signature.offset, "_FVH"), let fs = b.guid(F.fileSystemGUID, at: at),
              let length = b.read(F.length, at: at), let attributes = b.read(F.attributes, at: at),
              let headerLength = b.read(F.headerLength, at: at), let checksum = b.read(F.checksum, at: at),
              let revision = b.read(F.revision, at: at) else { return nil }
        self.fileSystem = fs
        self.length = length
        self.attributes = UInt32(attributes)
        self.headerLength = UInt16(headerLength)
        self.checksum = UInt16(checksum)
        self.revision = UInt8(revision)
        if revision >= 2 {
            extHeaderOffset = b.read(F.extHeaderOffset, at: at).map { UInt16($0) }
        } else {
            reserved = b.read(F.revision1Reserved, at: at).map { UInt32($0) } ?? 0
        }
        // At most 0x1000 bytes of map: the walker believes no longer header (`maxVolumeHeader`).
        var o = F.blockMap
        while o + F.blockMapEntry <= Swift.min(Int(headerLength), 0x1000), let n = b.read(FirmwareField(o, 4), at: at),
              let l = b.read(FirmwareField(o + 4, 4), at: at), n != 0 || l != 0 {
            blockMap.append((UInt32(n), UInt32(l)))
            o += F.blockMapEntry
        }
    }

    /// Erased bytes in this volume: 0xFF when `EFI_FVB2_ERASE_POLARITY` is set.
    public var erase: UInt8 { attributes & F.erasePolarity != 0 ? 0xFF : 0x00 }

    /// Writes the header (zero vector, fields, block map and its terminator) at `at`.
    public func write(into b: inout [UInt8], at: Int = 0) {
        b.put(F.zeroVector, bytes: [], at: at)
        b.put(F.fileSystemGUID, bytes: fileSystem.bytes, at: at)
        b.put(F.length, length, at: at)
        b.put(F.signature, bytes: Array(F.signatureText.utf8), at: at)
        b.put(F.attributes, UInt64(attributes), at: at)
        b.put(F.headerLength, UInt64(headerLength), at: at)
        b.put(F.checksum, UInt64(checksum), at: at)
        if revision >= 2 {
            b.put(F.extHeaderOffset, UInt64(extHeaderOffset ?? 0), at: at)
            b.put(F.reserved, 0, at: at)
        } else {
            b.put(F.revision1Reserved, UInt64(reserved), at: at)
        }
        b.put(F.revision, UInt64(revision), at: at)
        var o = F.blockMap
        for (n, l) in blockMap + [(0, 0)] {
            b.put(FirmwareField(o, 4), UInt64(n), at: at)
            b.put(FirmwareField(o + 4, 4), UInt64(l), at: at)
            o += F.blockMapEntry
        }
    }

    /// The sum of the header's 16-bit words: 0 for a valid header.
    public static func sum(_ header: ArraySlice<UInt8>) -> UInt16 {
        var sum: UInt16 = 0
        var i = 0
        while i + 1 < header.count { sum &+= header.u16(i)!; i += 2 }
        return sum
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.fileSystem == b.fileSystem && a.length == b.length && a.attributes == b.attributes
            && a.headerLength == b.headerLength && a.checksum == b.checksum && a.revision == b.revision
            && a.extHeaderOffset == b.extHeaderOffset && a.reserved == b.reserved
            && a.blockMap.map(\.blocks) == b.blockMap.map(\.blocks) && a.blockMap.map(\.length) == b.blockMap.map(\.length)
    }
}

/// An FFS file's header (`EFI_FFS_FILE_HEADER`, `EFI_FFS_FILE_HEADER2` for FFS v3 large files).
public struct FileHeader: Sendable, Equatable {
    public typealias F = FileHeaderFields
    public var name: GUID
    public var headerChecksum: UInt8 = 0
    public var fileChecksum: UInt8 = F.noChecksum
    public var type: UInt8
    public var attributes: UInt8
    /// The whole file's size, header included.
    public var size: Int
    public var state: UInt8
    /// Whether the size is in the extended field (FFS v3's large-file attribute).
    public var large: Bool
    /// Whether the size is in Lenovo's 32-bit field (`FileHeaderFields.lenovoExtendedSize`).
    public var lenovoLarge = false

    public init(name: GUID, type: UInt8, attributes: UInt8 = 0, size: Int, state: UInt8, large: Bool = false) {
        self.name = name; self.type = type; self.attributes = attributes; self.size = size; self.state = state; self.large = large
    }

    /// The header at `at`; `v3` when the volume is FFS v3, where the large-file attribute exists;
    /// `lenovo` when it is FFS v2 of revision 2, where Lenovo uses the same bit (UEFITool reads it
    /// so there; here only with a 24-bit size of 0, which no other reading can use).
    public init?(_ b: ArraySlice<UInt8>, at: Int, v3: Bool, lenovo: Bool = false) {
        guard let name = b.guid(F.name, at: at), let hc = b.read(F.headerChecksum, at: at), let fc = b.read(F.fileChecksum, at: at),
              let type = b.read(F.type, at: at), let attributes = b.read(F.attributes, at: at),
              let size = b.read(F.size, at: at), let state = b.read(F.state, at: at) else { return nil }
        self.name = name
        headerChecksum = UInt8(hc); fileChecksum = UInt8(fc)
        self.type = UInt8(type); self.attributes = UInt8(attributes); self.state = UInt8(state)
        large = v3 && UInt8(attributes) & F.largeFile != 0
        lenovoLarge = lenovo && !v3 && UInt8(attributes) & F.largeFile != 0 && size == 0
        if large {
            guard let ext = b.read(F.extendedSize, at: at) else { return nil }
            self.size = ext > UInt64(Int.max) ? Int.max : Int(ext)
        } else if lenovoLarge {
            guard let ext = b.read(F.lenovoExtendedSize, at: at) else { return nil }
            self.size = Int(ext)
        } else {
            self.size = Int(size)
        }
    }

    public var headerLength: Int { large ? F.largeLength : lenovoLarge ? F.lenovoLargeLength : F.length }

    /// FFS v1/v2: the two tail bytes after the data, when the attribute says so.
    public func tailLength(v3: Bool) -> Int {
        !v3 && !lenovoLarge && attributes & F.tailPresent != 0 && size - headerLength >= F.tailLength ? F.tailLength : 0
    }

    public func write(into b: inout [UInt8], at: Int = 0) {
        b.put(F.name, bytes: name.bytes, at: at)
        b.put(F.headerChecksum, UInt64(headerChecksum), at: at)
        b.put(F.fileChecksum, UInt64(fileChecksum), at: at)
        b.put(F.type, UInt64(type), at: at)
        b.put(F.attributes, UInt64(attributes), at: at)
        b.put(F.size, large ? UInt64(SectionHeaderFields.extended) : lenovoLarge ? 0 : UInt64(size), at: at)
        b.put(F.state, UInt64(state), at: at)
        if large { b.put(F.extendedSize, UInt64(size), at: at) }
        if lenovoLarge { b.put(F.lenovoExtendedSize, UInt64(size), at: at) }
    }
}

/// A section's common header (`EFI_COMMON_SECTION_HEADER`, `..._HEADER2` for extended sizes).
public struct SectionHeader: Sendable, Equatable {
    public typealias F = SectionHeaderFields
    public var type: UInt8
    /// The whole section's size, header included.
    public var size: Int
    public var extended: Bool

    public init(type: UInt8, size: Int, extended: Bool = false) { self.type = type; self.size = size; self.extended = extended }

    /// The header at `at`; nil when it does not fit (an extended size cut off included).
    public init?(_ b: ArraySlice<UInt8>, at: Int) {
        guard let size = b.read(F.size, at: at), let type = b.read(F.type, at: at) else { return nil }
        self.type = UInt8(type)
        extended = size == UInt64(F.extended)
        if extended {
            guard let ext = b.read(F.extendedSize, at: at) else { return nil }
            self.size = Int(ext)
        } else {
            self.size = Int(size)
        }
    }

    public var headerLength: Int { extended ? F.extendedLength : F.length }

    public func write(into b: inout [UInt8], at: Int = 0) {
        b.put(F.size, extended ? UInt64(F.extended) : UInt64(size), at: at)
        b.put(F.type, UInt64(type), at: at)
        if extended { b.put(F.extendedSize, UInt64(size), at: at) }
    }
}

/// A capsule's header (`EFI_CAPSULE_HEADER`; Aptio's adds the ROM image offset; Toshiba's swaps
/// the image size and the flags, and `imageSize` holds its full size).
public struct CapsuleHeader: Sendable, Equatable {
    public typealias F = CapsuleHeaderFields
    public var guid: GUID
    public var headerSize: UInt32
    public var flags: UInt32
    public var imageSize: UInt32
    /// AMI Aptio capsules only.
    public var romImageOffset: UInt16?

    public init(guid: GUID, headerSize: UInt32, flags: UInt32 = 0, imageSize: UInt32, romImageOffset: UInt16? = nil) {
        self.guid = guid; self.headerSize = headerSize; self.flags = flags; self.imageSize = imageSize; self.romImageOffset = romImageOffset
    }

    public init?(_ b: ArraySlice<UInt8>, at: Int = 0) {
        guard let guid = b.guid(F.capsuleGUID, at: at), let hs = b.read(F.headerSize, at: at),
              let flags = b.read(F.flags, at: at), let size = b.read(F.capsuleImageSize, at: at) else { return nil }
        self.guid = guid; headerSize = UInt32(hs); self.flags = UInt32(flags); imageSize = UInt32(size)
        if guid == .toshibaCapsule, let full = b.read(F.toshibaFullSize, at: at), let flags = b.read(F.toshibaFlags, at: at) {
            imageSize = UInt32(full); self.flags = UInt32(flags)
        }
        if GUID.aptioCapsules.contains(guid) {
            guard let rom = b.read(F.aptioROMImageOffset, at: at) else { return nil }
            romImageOffset = UInt16(rom)
        }
    }

    public func write(into b: inout [UInt8], at: Int = 0) {
        b.put(F.capsuleGUID, bytes: guid.bytes, at: at)
        b.put(F.headerSize, UInt64(headerSize), at: at)
        let toshiba = guid == .toshibaCapsule
        b.put(toshiba ? F.toshibaFlags : F.flags, UInt64(flags), at: at)
        b.put(toshiba ? F.toshibaFullSize : F.capsuleImageSize, UInt64(imageSize), at: at)
        if let romImageOffset { b.put(F.aptioROMImageOffset, UInt64(romImageOffset), at: at) }
    }
}

/// A CBFS file's header (`struct cbfs_file`), big-endian; its name follows it.
public struct CBFSFileHeader: Sendable, Equatable {
    public typealias F = CBFSFileFields
    public var len: UInt32
    public var type: UInt32
    public var attributesOffset: UInt32
    public var offset: UInt32

    public init(len: UInt32, type: UInt32, attributesOffset: UInt32, offset: UInt32) {
        self.len = len; self.type = type; self.attributesOffset = attributesOffset; self.offset = offset
    }

    public init?(_ b: ArraySlice<UInt8>, at: Int) {
        guard b.matches(at, "LARCHIVE"), let len = b.read(F.len, at: at), let type = b.read(F.type, at: at),
              let attr = b.read(F.attributesOffset, at: at), let off = b.read(F.offset, at: at) else { return nil }
        self.len = UInt32(len); self.type = UInt32(type); attributesOffset = UInt32(attr); offset = UInt32(off)
    }

    public func write(into b: inout [UInt8], at: Int = 0) {
        b.put(F.magic, bytes: Array(F.magicText.utf8), at: at)
        b.put(F.len, UInt64(len), at: at)
        b.put(F.type, UInt64(type), at: at)
        b.put(F.attributesOffset, UInt64(attributesOffset), at: at)
        b.put(F.offset, UInt64(offset), at: at)
    }
}
