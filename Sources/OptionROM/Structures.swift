/// The PCI Data Structure (`PCIR`; NVIDIA also uses `NPDS` and `RGIS`). Offsets are absolute in
/// the buffer parsed.
public struct PCIDataStructure: Sendable, Equatable {
    public var offset: Int
    public var signature: String
    public var vendorID: UInt16
    public var deviceID: UInt16
    /// Revision 3: device-list pointer, relative to the structure. Revision 2.x: VPD pointer.
    public var deviceListPointer: UInt16
    public var length: UInt16
    public var revision: UInt8
    /// Class code, 24 bits: base class in the top byte.
    public var classCode: UInt32
    /// Image length in 512-byte units.
    public var imageLength: UInt16
    public var codeRevision: UInt16
    public var codeType: CodeType
    public var indicator: UInt8
    /// Revision 3 only.
    public var maxRuntimeLength: UInt16?
    public var configUtilityPointer: UInt16?
    public var dmtfCLPPointer: UInt16?
    /// Revision 3: the device IDs the list names, when the pointer is set and the list fits.
    public var deviceList: [UInt16]

    public var isLast: Bool { indicator & 0x80 != 0 }
    public var imageLengthBytes: Int { Int(imageLength) * 512 }

    public static let signatures: [StaticString] = ["PCIR", "NPDS", "RGIS"]

    public init(offset: Int, signature: String, vendorID: UInt16, deviceID: UInt16, deviceListPointer: UInt16, length: UInt16,
                revision: UInt8, classCode: UInt32, imageLength: UInt16, codeRevision: UInt16, codeType: CodeType, indicator: UInt8,
                maxRuntimeLength: UInt16?, configUtilityPointer: UInt16?, dmtfCLPPointer: UInt16?, deviceList: [UInt16]) {
        self.offset = offset; self.signature = signature; self.vendorID = vendorID; self.deviceID = deviceID
        self.deviceListPointer = deviceListPointer; self.length = length; self.revision = revision; self.classCode = classCode
        self.imageLength = imageLength; self.codeRevision = codeRevision; self.codeType = codeType; self.indicator = indicator
        self.maxRuntimeLength = maxRuntimeLength; self.configUtilityPointer = configUtilityPointer
        self.dmtfCLPPointer = dmtfCLPPointer; self.deviceList = deviceList
    }
}

/// NVIDIA's PCI Data Extension (`NPDE`), whose length and last bit rule the chain except for
/// code type 0x70.
public struct NVIDIAExtension: Sendable, Equatable {
    public var offset: Int
    public var revision: UInt16
    public var length: UInt16
    /// Image length in 512-byte units.
    public var imageLength: UInt16
    public var indicator: UInt8
    public var isLast: Bool { indicator & 0x80 != 0 }
    public var imageLengthBytes: Int { Int(imageLength) * 512 }

    public init(offset: Int, revision: UInt16, length: UInt16, imageLength: UInt16, indicator: UInt8) {
        self.offset = offset; self.revision = revision; self.length = length; self.imageLength = imageLength; self.indicator = indicator
    }
}

/// The EFI option ROM header (PCI Firmware spec, EDK2 `EFI_PCI_EXPANSION_ROM_HEADER`).
public struct EFIHeader: Sendable, Equatable {
    /// Initialization size in 512-byte units.
    public var initializationSize: UInt16
    public var signature: UInt32
    public var subsystem: UInt16
    public var machineType: UInt16
    public var compression: UInt16
    public var peOffset: UInt16

    public static let expectedSignature: UInt32 = 0x0EF1

    public init(initializationSize: UInt16, signature: UInt32, subsystem: UInt16, machineType: UInt16, compression: UInt16, peOffset: UInt16) {
        self.initializationSize = initializationSize; self.signature = signature; self.subsystem = subsystem
        self.machineType = machineType; self.compression = compression; self.peOffset = peOffset
    }

    public var subsystemName: String {
        switch subsystem {
        case 10: return "application"
        case 11: return "boot-service driver"
        case 12: return "runtime driver"
        default: return "unknown (\(subsystem))"
        }
    }

    /// The same names as the PE header's machine (one table, `PEImage.machineName`).
    public var machineTypeName: String {
        PEImage.machineName(machineType)
    }

    public var compressionName: String {
        switch compression {
        case 0: return "none"
        case 1: return "EFI compressed"
        default: return "unknown (\(compression))"
        }
    }
}

/// One image of the chain.
public struct ROMImage: Sendable, Equatable {
    /// Offset of the image's signature in the buffer parsed.
    public var offset: Int
    /// Length in the chain (NPDE's where NPDE rules, else PCIR's), in bytes.
    public var length: Int
    /// The two signature bytes as hex: `55aa`, `77bb`, `564e`.
    public var signature: String
    /// Byte 2: legacy images' runtime size in 512-byte units (EFI: initialization size's low byte).
    public var sizeByte: UInt8
    /// nil for ISA-style images, which have no PCI data structure (pointer 0 at 0x18).
    public var pcir: PCIDataStructure?
    public var npde: NVIDIAExtension?
    public var efi: EFIHeader?
    /// Whether the chain ends with this image.
    public var isLast: Bool
    /// Legacy x86 images: whether the bytes over `sizeByte × 512` sum to zero. nil for others,
    /// and when those bytes are not all there.
    public var checksumValid: Bool?
    /// The sum that was found (0 when valid).
    public var checksum: UInt8?
    /// EFI images: what the driver inside says (`ROMLayout.withEFIDetails`); nil until asked for.
    public var efiDetails: EFIImageDetails? = nil

    public var codeType: CodeType { pcir?.codeType ?? .x86 }
    public var isLegacy: Bool { codeType == .x86 }
    public var isEFI: Bool { codeType == .efi }
    public var vendorID: UInt16? { pcir?.vendorID }
    public var deviceID: UInt16? { pcir?.deviceID }
    /// The runtime size byte × 512 for legacy images.
    public var runtimeLength: Int { Int(sizeByte) * 512 }
    public var end: Int { offset + length }
}
