import OptionROM

// The one builder of synthetic option ROMs for the tests and the fixture generator
// (Tools/GenFixtures). Every structure is written through OptionROM's own declarations
// (Fields.swift and the structures' `write(into:)`), so builder and parser cannot disagree on
// where a field lies; what a builder chooses is only which values and bytes go where.

/// One image: fill, header, PCI data structure, optional NPDE and EFI header, extra bytes, checksum.
public struct ImageSpec: Sendable {
    /// What the image's bytes are before any structure is written.
    public enum Fill: Sendable {
        case zero
        case byte(UInt8)
        /// Code-like bytes with no signature in them (`Filler.code`), as the committed fixtures hold.
        case code(seed: UInt64)
        /// Given bytes, cut or zero-padded to the image's length.
        case bytes([UInt8])
    }

    /// Where the checksum byte goes.
    public enum ChecksumByte: Sendable, Equatable {
        case none
        /// The last byte of the checksummed range (the size byte's units, or the image's).
        case last
        /// This offset in the image.
        case at(Int)
    }

    /// The PCI data structure's values (`PCIRFields`).
    public struct PCIR: Sendable {
        public var vendor: UInt16
        public var device: UInt16
        public var classCode: UInt32 = 0x030000
        public var revision: UInt8 = 0
        public var codeType: UInt8
        public var last: Bool = true
        /// nil: the image's length.
        public var imageUnits: Int? = nil
        public var codeRevision: UInt16 = 0
        public var signature: String = "PCIR"
        public var deviceListPointer: UInt16 = 0
        /// Written at `deviceListPointer` with its terminating zero.
        public var deviceList: [UInt16] = []
        public var maxRuntimeUnits: UInt16 = 0
        public var configUtility: UInt16 = 0
        public var dmtfCLP: UInt16 = 0
        /// nil: 0x18, or 0x1C from revision 3 on.
        public var length: Int? = nil

        public init(vendor: UInt16, device: UInt16, codeType: UInt8) {
            self.vendor = vendor; self.device = device; self.codeType = codeType
        }
        public var size: Int { length ?? (revision >= 3 ? PCIRFields.sizeRevision3 : PCIRFields.size) }
    }

    /// NVIDIA's extension (`NPDEFields`).
    public struct NPDE: Sendable {
        /// nil: the image's length.
        public var imageUnits: Int? = nil
        public var last: Bool
        public var revision: UInt16 = 0x0101
        public var length: UInt16 = UInt16(NPDEFields.size)
        /// nil: after the PCIR on a 16-byte boundary (as the parser looks for it).
        public var at: Int? = nil
        public init(last: Bool, imageUnits: Int? = nil) { self.last = last; self.imageUnits = imageUnits }
    }

    /// The EFI header's values (`EFIHeaderFields`).
    public struct EFI: Sendable {
        /// nil: the image's length.
        public var initUnits: Int? = nil
        public var signature: UInt32 = EFIHeader.expectedSignature
        public var subsystem: UInt16 = 11
        public var machine: UInt16 = 0x8664
        public var compression: UInt16 = 0
        public var peOffset: UInt16 = 0x40
        public init() {}
    }

    public struct Poke: Sendable {
        public var at: Int
        public var bytes: [UInt8]
        public init(_ at: Int, _ bytes: [UInt8]) { self.at = at; self.bytes = bytes }
    }

    public var units: Int
    public var signature: [UInt8] = [0x55, 0xAA]
    public var fill: Fill = .zero
    /// Ranges zeroed after the fill (reserved header bytes).
    public var clear: [Range<Int>] = []
    /// Byte 2 when there is no EFI header; nil leaves it as filled.
    public var sizeByte: UInt8? = nil
    /// Bytes from offset 3 (the entry point).
    public var entry: [UInt8] = []
    /// Where the PCIR lies; nil for an ISA-style image (pointer 0, no PCIR).
    public var pcirAt: Int? = 0x40
    /// The pointer at 0x18 when it is not `pcirAt` (damage).
    public var pointer: UInt16? = nil
    public var pcir: PCIR
    public var npde: NPDE? = nil
    public var efi: EFI? = nil
    /// Bytes written after the structures (payload, vendor tables, damage).
    public var pokes: [Poke] = []
    public var checksum: ChecksumByte = .none
    /// The checksummed length in units; nil: the size byte's (the image's when that is 0 or absent).
    public var checksumUnits: Int? = nil

    public init(units: Int, pcir: PCIR) { self.units = units; self.pcir = pcir }

    public var length: Int { units * ImageHeaderFields.blockSize }

    public func build() -> [UInt8] {
        var b: [UInt8]
        switch fill {
        case .zero: b = [UInt8](repeating: 0, count: length)
        case .byte(let x): b = [UInt8](repeating: x, count: length)
        case .code(let seed): b = Filler.code(length, seed: seed)
        case .bytes(let given): b = Array(given.prefix(length)) + [UInt8](repeating: 0, count: max(0, length - given.count))
        }
        b.put(ImageHeaderFields.signature, bytes: signature)
        for r in clear { b.zero(r) }
        if let efi {
            let header = EFIHeader(initializationSize: UInt16(truncatingIfNeeded: efi.initUnits ?? units), signature: efi.signature,
                                   subsystem: efi.subsystem, machineType: efi.machine, compression: efi.compression,
                                   peOffset: efi.peOffset)
            header.write(into: &b, image: 0)
        } else if let sizeByte {
            b.put(ImageHeaderFields.sizeByte, UInt64(sizeByte))
        }
        b.poke(ImageHeaderFields.entry.offset, entry)
        b.put(ImageHeaderFields.dataStructurePointer, UInt64(pointer ?? UInt16(pcirAt ?? 0)))
        if let pcirAt {
            b.zero(pcirAt..<pcirAt + pcir.size)
            structure(at: pcirAt).write(into: &b)
            if let npde {
                let at = npde.at ?? NPDEFields.offset(afterPCIRAt: pcirAt, length: pcir.size)
                b.zero(at..<at + NPDEFields.size)
                NVIDIAExtension(offset: at, revision: npde.revision, length: npde.length,
                                imageLength: UInt16(truncatingIfNeeded: npde.imageUnits ?? units),
                                indicator: npde.last ? PCIRFields.lastImage : 0).write(into: &b)
            }
        }
        for p in pokes { b.poke(p.at, p.bytes) }
        switch checksum {
        case .none: break
        case .last:
            let size = efi == nil ? (sizeByte.map(Int.init) ?? 0) : 0
            let n = (checksumUnits ?? (size != 0 ? size : units)) * ImageHeaderFields.blockSize
            ROMBuilder.fixChecksum(&b, count: n, at: n - 1)
        case .at(let at):
            ROMBuilder.fixChecksum(&b, count: (checksumUnits ?? Int(sizeByte ?? UInt8(truncatingIfNeeded: units))) * ImageHeaderFields.blockSize, at: at)
        }
        return b
    }

    /// The PCIR as OptionROM's structure, at `at` in the image.
    public func structure(at: Int) -> PCIDataStructure {
        PCIDataStructure(
            offset: at, signature: pcir.signature, vendorID: pcir.vendor, deviceID: pcir.device,
            deviceListPointer: pcir.deviceListPointer, length: UInt16(pcir.size), revision: pcir.revision,
            classCode: pcir.classCode, imageLength: UInt16(truncatingIfNeeded: pcir.imageUnits ?? units),
            codeRevision: pcir.codeRevision, codeType: CodeType(rawValue: pcir.codeType),
            indicator: pcir.last ? PCIRFields.lastImage : 0,
            maxRuntimeLength: pcir.revision >= 3 ? pcir.maxRuntimeUnits : nil,
            configUtilityPointer: pcir.revision >= 3 ? pcir.configUtility : nil,
            dmtfCLPPointer: pcir.revision >= 3 ? pcir.dmtfCLP : nil,
            deviceList: pcir.deviceList)
    }
}

public enum ROMBuilder {
    /// Makes `b[start..<start+count]` sum to 0 mod 256 by setting the byte at `start + at`
    /// (default: the last). Does nothing when the range is not all there.
    public static func fixChecksum(_ b: inout [UInt8], from start: Int = 0, count: Int, at: Int? = nil) {
        let at = start + (at ?? count - 1)
        guard count > 0, start >= 0, start + count <= b.count, at >= start, at < start + count else { return }
        b[at] = 0
        b[at] = 0 &- sum(b[start..<start + count])
    }

    public static func sum(_ b: ArraySlice<UInt8>) -> UInt8 { b.reduce(0, &+) }
    public static func sum(_ b: [UInt8]) -> UInt8 { b.reduce(0, &+) }

    // MARK: Conventions

    /// A legacy x86 image as the committed fixtures hold it: code-like fill, `E9` near jump to a
    /// `CB` retf two bytes before the end, zeroed reserved header, PCIR at `pcirAt`, checksum in
    /// the last byte of the size byte's range.
    public static func legacy(vendor: UInt16, device: UInt16, units: Int, last: Bool = true, classCode: UInt32 = 0x030000,
                              revision: UInt8 = 0, pcirAt: Int = 0x40, seed: UInt64 = 1, sizeByte: UInt8? = nil,
                              npde: ImageSpec.NPDE? = nil, checksum: Bool = true, signature: [UInt8] = [0x55, 0xAA],
                              configure: (inout ImageSpec) -> Void = { _ in }) -> ImageSpec {
        var p = ImageSpec.PCIR(vendor: vendor, device: device, codeType: 0x00)
        p.last = last; p.classCode = classCode; p.revision = revision; p.codeRevision = 1
        var s = ImageSpec(units: units, pcir: p)
        s.signature = signature
        s.fill = .code(seed: seed)
        s.sizeByte = sizeByte ?? UInt8(truncatingIfNeeded: units)
        let retf = s.length - 2
        s.entry = [0xE9, UInt8((retf - 6) & 0xFF), UInt8(((retf - 6) >> 8) & 0xFF)]
        s.pokes = [.init(retf, [0xCB])]
        s.clear = [ImageHeaderFields.entry.end..<ImageHeaderFields.dataStructurePointer.offset,
                   ImageHeaderFields.length..<EFIHeaderFields.length]
        s.pcirAt = pcirAt
        s.npde = npde
        s.checksum = checksum ? .last : .none
        configure(&s)
        return s
    }

    /// A bare legacy image: zero fill (or `fill`), a PCIR of revision 0 for a VGA device at
    /// `pcirAt`, the size byte, `entry` at 3, and the checksum in the last byte of the size
    /// byte's range. What most unit tests need and nothing more.
    public static func bareLegacy(units: Int, vendor: UInt16 = 0x1002, device: UInt16 = 0x6819, last: Bool = true,
                                  sizeByte: UInt8? = nil, entry: [UInt8] = [], codeType: UInt8 = 0x00, pcirAt: Int = 0x40,
                                  fill: ImageSpec.Fill = .zero, checksum: Bool = true) -> ImageSpec {
        var p = ImageSpec.PCIR(vendor: vendor, device: device, codeType: codeType)
        p.last = last
        var s = ImageSpec(units: units, pcir: p)
        s.fill = fill
        s.sizeByte = sizeByte ?? UInt8(truncatingIfNeeded: units)
        s.entry = entry
        s.pcirAt = pcirAt
        s.checksum = checksum && codeType == 0x00 ? .last : .none
        return s
    }

    public static let x64: UInt16 = 0x8664
    public static let ia32: UInt16 = 0x014C
    public static let aa64: UInt16 = 0xAA64

    /// An EFI image as EDK2's EfiRom lays it out: header, PCIR at 0x1C (revision 3 by default),
    /// the device list right after it, optional NPDE, then a PE header stub (or, compressed, the
    /// two sizes an EFI-compressed stream starts with) at `peOffset`.
    public static func efi(vendor: UInt16, device: UInt16, units: Int, last: Bool = true, classCode: UInt32 = 0x030000,
                           revision: UInt8 = 3, subsystem: UInt16 = 11, machine: UInt16 = x64, compression: UInt16 = 0,
                           initUnits: Int? = nil, seed: UInt64 = 2, efiSignature: UInt32 = EFIHeader.expectedSignature,
                           deviceList: [UInt16] = [], npde: ImageSpec.NPDE? = nil, pcirUnits: Int? = nil, codeType: UInt8 = 0x03,
                           pcirSignature: String = "PCIR", signature: [UInt8] = [0x55, 0xAA], peOffset: UInt16 = 0x40,
                           configure: (inout ImageSpec) -> Void = { _ in }) -> ImageSpec {
        var p = ImageSpec.PCIR(vendor: vendor, device: device, codeType: codeType)
        p.last = last; p.classCode = classCode; p.revision = revision; p.imageUnits = pcirUnits; p.signature = pcirSignature
        if !deviceList.isEmpty {
            p.deviceListPointer = UInt16(p.size)
            p.deviceList = deviceList
        }
        var s = ImageSpec(units: units, pcir: p)
        s.signature = signature
        s.fill = .code(seed: seed)
        var e = ImageSpec.EFI()
        e.initUnits = initUnits; e.signature = efiSignature; e.subsystem = subsystem; e.machine = machine
        e.compression = compression; e.peOffset = peOffset
        s.efi = e
        s.clear = [EFIHeaderFields.reserved.offset..<EFIHeaderFields.reserved.end]
        s.pcirAt = EFIHeaderFields.length
        s.npde = npde
        if codeType == 0x03 {
            let pe = Int(peOffset)
            if compression == 0 {
                s.pokes = [.init(pe, peStub(machine: machine, subsystem: subsystem))]
            } else {
                s.pokes = [.init(pe, le32(0x1000) + le32(0x2000))]   // compressed and original sizes
            }
        }
        configure(&s)
        return s
    }

    /// Headers only, but whole enough for a PE reader: MZ, `e_lfanew` 0x80, COFF with the
    /// machine, a PE32+ optional header whose subsystem agrees with the EFI header's.
    public static func peStub(machine: UInt16, subsystem: UInt16) -> [UInt8] {
        var pe = [UInt8](repeating: 0, count: 0xE0)
        pe.poke(0, Array("MZ".utf8))
        pe.poke(0x3C, le32(0x80))
        pe.poke(0x80, Array("PE\0\0".utf8))
        pe.poke(0x84, le16(machine))
        pe.poke(0x94, le16(0xF0))        // size of the optional header
        pe.poke(0x98, le16(0x020B))      // PE32+
        pe.poke(0x98 + 68, le16(subsystem))
        return pe
    }

    /// An image of another code type (Open Firmware, NVIDIA 0xE0/0x70, unknown): the header,
    /// the pointer, and opaque contents.
    public static func other(vendor: UInt16, device: UInt16, units: Int, codeType: UInt8, last: Bool, seed: UInt64 = 3,
                             signature: [UInt8] = [0x55, 0xAA], pcirSignature: String = "PCIR", pcirAt: Int = 0x1C,
                             npde: ImageSpec.NPDE? = nil, pcirUnits: Int? = nil, classCode: UInt32 = 0x030000) -> ImageSpec {
        var p = ImageSpec.PCIR(vendor: vendor, device: device, codeType: codeType)
        p.last = last; p.classCode = classCode; p.imageUnits = pcirUnits; p.signature = pcirSignature
        var s = ImageSpec(units: units, pcir: p)
        s.signature = signature
        s.fill = .code(seed: seed)
        s.clear = [ImageHeaderFields.sizeByte.offset..<ImageHeaderFields.dataStructurePointer.offset,
                   ImageHeaderFields.length..<EFIHeaderFields.length]
        s.pcirAt = pcirAt
        s.npde = npde
        return s
    }

    public static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    public static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) } }
}

/// xorshift64*: a fixed sequence for a given seed (the committed fixtures hold its bytes).
public struct XorShift: Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed == 0 ? 1 : seed }
    public mutating func next() -> UInt64 {
        var x = state
        x ^= x >> 12
        x ^= x << 25
        x ^= x >> 27
        state = x
        return x &* 0x2545_F491_4F6C_DD1D
    }
    public mutating func bytes(_ n: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(n + 8)
        while out.count < n {
            let x = next()
            for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: x >> (8 * UInt64(i)))) }
        }
        return Array(out.prefix(n))
    }
}

public enum Filler {
    /// Code-like bytes that contain none of the signatures the parser looks for: the bytes those
    /// signatures start with (55, 77, 56, FF, '$', ' ', 'A', 'B', 'P', 'N', 'R') become 0x90 (nop).
    public static func code(_ length: Int, seed: UInt64) -> [UInt8] {
        var rng = XorShift(seed: seed)
        var data = rng.bytes(length)
        let avoid: Set<UInt8> = [0x55, 0x77, 0x56, 0xFF, 0x24, 0x20, 0x41, 0x42, 0x50, 0x4E, 0x52]
        for i in data.indices where avoid.contains(data[i]) { data[i] = 0x90 }
        return data
    }
}

extension Array where Element == UInt8 {
    /// Raw bytes at `at` (vendor tables, payload, damage); what falls outside is skipped.
    public mutating func poke(_ at: Int, _ bytes: [UInt8]) {
        for (i, x) in bytes.enumerated() where at + i >= 0 && at + i < count { self[at + i] = x }
    }
    public mutating func poke16(_ at: Int, _ v: UInt16) { poke(at, ROMBuilder.le16(v)) }
    public mutating func poke32(_ at: Int, _ v: UInt32) { poke(at, ROMBuilder.le32(v)) }
    public mutating func zero(_ r: Range<Int>) { for i in r where i >= 0 && i < count { self[i] = 0 } }
}
