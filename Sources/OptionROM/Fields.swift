import Core
// The layout of an option ROM's structures, declared once: the parser reads through these
// fields, the writers below (`write(into:)`), the patcher and `EFIImageBuilder` write through
// them, and so do the test ROM builder (TestSupport) and the fixture generator (Tools/GenFixtures).
// Offsets are relative to the structure's start; every integer is little-endian.
// Sources: PCI Firmware spec 3.0 §5.1 (EDK2 MdePkg/Include/IndustryStandard/Pci22.h, Pci30.h,
// EFI_PCI_EXPANSION_ROM_HEADER), nouveau nvkm/subdev/bios/npde.c.

/// One field of a structure: where it starts and how many bytes it takes.
public struct ROMField: Sendable, Equatable {
    public let offset: Int
    public let width: Int
    public init(_ offset: Int, _ width: Int) { self.offset = offset; self.width = width }
    public var end: Int { offset + width }
}

/// The header every image starts with (`55 AA`; NVIDIA also `77 BB`, `56 4E`).
public enum ImageHeaderFields {
    public static let signature = ROMField(0x00, 2)
    /// Legacy images: runtime length in 512-byte units (EFI: the low byte of the initialization size).
    public static let sizeByte = ROMField(0x02, 1)
    /// Legacy x86 images: the init entry point (a jump).
    public static let entry = ROMField(0x03, 3)
    /// Offset of the PCI data structure from the image's start.
    public static let dataStructurePointer = ROMField(0x18, 2)
    /// The bytes every header holds (up to and with the pointer).
    public static let length = 0x1A
    /// Units of the size byte and of every image length.
    public static let blockSize = 512
    /// Image signatures, in the order the parser tries them.
    public static let signatures: [(UInt8, UInt8)] = [(0x55, 0xAA), (0x77, 0xBB), (0x56, 0x4E)]
}

/// The EFI image header (`EFI_PCI_EXPANSION_ROM_HEADER`): the common header's fields in between.
public enum EFIHeaderFields {
    public static let initializationSize = ROMField(0x02, 2)
    public static let efiSignature = ROMField(0x04, 4)
    public static let subsystem = ROMField(0x08, 2)
    public static let machineType = ROMField(0x0A, 2)
    public static let compression = ROMField(0x0C, 2)
    public static let reserved = ROMField(0x0E, 8)
    public static let peOffset = ROMField(0x16, 2)
    /// The header's size: where EDK2's EfiRom puts the PCIR.
    public static let length = 0x1C
}

/// The PCI data structure (`PCIR`, NVIDIA's `NPDS`, `RGIS`).
public enum PCIRFields {
    public static let signature = ROMField(0x00, 4)
    public static let vendorID = ROMField(0x04, 2)
    public static let deviceID = ROMField(0x06, 2)
    /// Revision 3: device list; 2.x: VPD. Relative to the structure.
    public static let deviceListPointer = ROMField(0x08, 2)
    public static let length = ROMField(0x0A, 2)
    public static let revision = ROMField(0x0C, 1)
    /// Programming interface, subclass, base class (little-endian 24 bits).
    public static let classCode = ROMField(0x0D, 3)
    public static let imageLength = ROMField(0x10, 2)
    public static let codeRevision = ROMField(0x12, 2)
    public static let codeType = ROMField(0x14, 1)
    public static let indicator = ROMField(0x15, 1)
    /// Revision 3 only.
    public static let maxRuntimeLength = ROMField(0x16, 2)
    public static let configUtilityPointer = ROMField(0x18, 2)
    public static let dmtfCLPPointer = ROMField(0x1A, 2)
    /// Sizes of revision 0/2.x and revision 3 structures.
    public static let size = 0x18
    public static let sizeRevision3 = 0x1C
    /// The indicator's bit that ends the chain.
    public static let lastImage: UInt8 = 0x80
}

/// NVIDIA's PCI data extension (`NPDE`), after PCIR on a 16-byte boundary from the ROM's start.
public enum NPDEFields {
    public static let signature = ROMField(0x00, 4)
    public static let revision = ROMField(0x04, 2)
    public static let length = ROMField(0x06, 2)
    public static let imageLength = ROMField(0x08, 2)
    public static let indicator = ROMField(0x0A, 1)
    /// The size NVIDIA's images reserve (nouveau reads up to the indicator).
    public static let size = 0x10
    public static let alignment = 0x10
    /// Where the NPDE of a PCIR of `pcirLength` bytes at `pcir` lies, both counted from the ROM's start.
    public static func offset(afterPCIRAt pcir: Int, length pcirLength: Int) -> Int {
        (pcir + pcirLength + alignment - 1) & ~(alignment - 1)
    }
}

extension ByteView {
    /// The field of the structure at `base`, zero-extended; nil when it does not fit.
    @inlinable func read(_ field: ROMField, at base: Int) -> UInt32? {
        guard contains(base + field.offset, field.width), field.width <= 4 else { return nil }
        var v: UInt32 = 0
        for i in 0..<field.width { v |= UInt32(self.base[base + field.offset + i]) << (8 * UInt32(i)) }
        return v
    }
}

extension Array where Element == UInt8 {
    /// Writes `value`'s low `field.width` bytes, little-endian, into the structure at `base`.
    /// Bytes that would fall outside the array are skipped (a structure cut by the array's end).
    public mutating func put(_ field: ROMField, _ value: UInt64, at base: Int = 0) {
        for i in 0..<field.width {
            let at = base + field.offset + i
            guard at >= 0, at < count else { continue }
            self[at] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))
        }
    }

    /// Writes ASCII `tag` (or raw bytes) into the field, skipping what falls outside.
    public mutating func put(_ field: ROMField, bytes tag: [UInt8], at base: Int = 0) {
        for (i, b) in tag.prefix(field.width).enumerated() {
            let at = base + field.offset + i
            guard at >= 0, at < count else { continue }
            self[at] = b
        }
    }

    /// The field of the structure at `base`, zero-extended; nil when it does not fit.
    public func read(_ field: ROMField, at base: Int = 0) -> UInt64? {
        guard base >= 0, base + field.end <= count else { return nil }
        var v: UInt64 = 0
        for i in 0..<field.width { v |= UInt64(self[base + field.offset + i]) << (8 * UInt64(i)) }
        return v
    }
}

// MARK: - Writers: the parsed structures back into bytes

extension PCIDataStructure {
    /// Writes the structure at `offset` (and, when it names one, its device list with the
    /// terminating zero). For bytes a parse produced this changes nothing: `ROMLayout.write`.
    public func write(into b: inout [UInt8]) {
        let p = offset
        b.put(PCIRFields.signature, bytes: Array(signature.utf8), at: p)
        b.put(PCIRFields.vendorID, UInt64(vendorID), at: p)
        b.put(PCIRFields.deviceID, UInt64(deviceID), at: p)
        b.put(PCIRFields.deviceListPointer, UInt64(deviceListPointer), at: p)
        b.put(PCIRFields.length, UInt64(length), at: p)
        b.put(PCIRFields.revision, UInt64(revision), at: p)
        b.put(PCIRFields.classCode, UInt64(classCode), at: p)
        b.put(PCIRFields.imageLength, UInt64(imageLength), at: p)
        b.put(PCIRFields.codeRevision, UInt64(codeRevision), at: p)
        b.put(PCIRFields.codeType, UInt64(codeType.rawValue), at: p)
        b.put(PCIRFields.indicator, UInt64(indicator), at: p)
        if let maxRuntimeLength { b.put(PCIRFields.maxRuntimeLength, UInt64(maxRuntimeLength), at: p) }
        if let configUtilityPointer { b.put(PCIRFields.configUtilityPointer, UInt64(configUtilityPointer), at: p) }
        if let dmtfCLPPointer { b.put(PCIRFields.dmtfCLPPointer, UInt64(dmtfCLPPointer), at: p) }
        if !deviceList.isEmpty {
            let list = ROMField(Int(deviceListPointer), 2 * (deviceList.count + 1))
            b.put(list, bytes: (deviceList + [0]).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }, at: p)
        }
    }
}

extension NVIDIAExtension {
    public func write(into b: inout [UInt8]) {
        b.put(NPDEFields.signature, bytes: Array("NPDE".utf8), at: offset)
        b.put(NPDEFields.revision, UInt64(revision), at: offset)
        b.put(NPDEFields.length, UInt64(length), at: offset)
        b.put(NPDEFields.imageLength, UInt64(imageLength), at: offset)
        b.put(NPDEFields.indicator, UInt64(indicator), at: offset)
    }
}

extension EFIHeader {
    /// Writes the EFI header's own fields into the image at `image` (signature bytes and the PCIR
    /// pointer belong to the common header: `ROMImage.write`).
    public func write(into b: inout [UInt8], image: Int) {
        b.put(EFIHeaderFields.initializationSize, UInt64(initializationSize), at: image)
        b.put(EFIHeaderFields.efiSignature, UInt64(signature), at: image)
        b.put(EFIHeaderFields.subsystem, UInt64(subsystem), at: image)
        b.put(EFIHeaderFields.machineType, UInt64(machineType), at: image)
        b.put(EFIHeaderFields.compression, UInt64(compression), at: image)
        b.put(EFIHeaderFields.peOffset, UInt64(peOffset), at: image)
    }
}

extension ROMImage {
    /// Writes the image's headers (signature, size byte, data structure pointer, PCIR, NPDE, EFI
    /// header) at its offset; the rest of the image is left as it is.
    public func write(into b: inout [UInt8]) {
        let sig = [UInt8](Hex.bytes(signature) ?? [0x55, 0xAA])
        b.put(ImageHeaderFields.signature, bytes: sig, at: offset)
        if let efi {
            efi.write(into: &b, image: offset)
        } else {
            b.put(ImageHeaderFields.sizeByte, UInt64(sizeByte), at: offset)
        }
        // Without a PCIR (an ISA-era image) the word at 0x18 is no pointer but the ROM's own bytes,
        // often text: left as it is.
        if let pcir { b.put(ImageHeaderFields.dataStructurePointer, UInt64(pcir.offset - offset), at: offset) }
        pcir?.write(into: &b)
        npde?.write(into: &b)
    }
}

extension ROMLayout {
    /// Writes every image's headers back: `layout.write(into: &copy)` leaves the bytes parsed
    /// unchanged, and a changed field (IDs, last bits) lands where the parser reads it.
    public func write(into b: inout [UInt8]) {
        for image in images { image.write(into: &b) }
    }
}

extension Hex {
    /// `"55aa"` → `[0x55, 0xAA]`; nil unless an even number of hex digits.
    static func bytes(_ hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < digits.count {
            guard let hi = nibble(digits[i]), let lo = nibble(digits[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
