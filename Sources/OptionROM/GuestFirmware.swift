import Core
// What each guest firmware does with a ROM, modelled on its code:
//  - SeaBIOS (`src/optionroms.c` map_pcirom; Xen's hvmloader hands PCI ROMs to SeaBIOS with
//    qemu-xen): from offset 0, each image must start 55 AA with a `PCIR`; the first whose PCIR
//    names the card's vendor:device with code type 0 runs, if its size-byte checksum holds; a PCIR
//    last bit or anything else ends the search. Lengths come from PCIR, not NPDE.
//  - OVMF (EDK2 MdeModulePkg/Bus/Pci/PciBusDxe/PciOptionRomSupport.c): LoadOpRomImage copies the
//    ROM from the BAR, walking PCIR lengths and stepping 512 bytes past anything that does not
//    start 55 AA, until a PCIR last bit, a non-`PCIR` structure, or the BAR's end;
//    ProcessOpRomImage then loads every EFI image (code type 3) in that copy that is not an
//    application, and LocalLoadFile2/LoadImage need the 0x0EF1 header, a boot-service or runtime
//    driver, compression 0 or 1, a driver that decodes, and a machine the firmware runs.

public enum GuestFirmware {
    public struct SeaBIOSVerdict: Sendable, Equatable {
        /// Index in the parsed chain of the image SeaBIOS runs, nil when none.
        public var image: Int?
        public var offset: Int?
        public var reason: String
    }

    public struct OVMFImage: Sendable, Equatable {
        public var offset: Int
        /// Index in the parsed chain, nil when the parser's chain does not reach it.
        public var image: Int?
        public var loaded: Bool
        public var reason: String
    }

    public static func seabios(_ bytes: [UInt8], vendor: UInt16, device: UInt16) -> SeaBIOSVerdict {
        let layout = bytes.withUnsafeBytes { ROMParser.parse($0) }
        var at = 0
        let ids = PCIIDs(vendor: vendor, device: device).description
        while true {
            func field(_ f: ROMField, _ base: Int) -> Int { Int(bytes.read(f, at: base) ?? 0) }
            guard at + ImageHeaderFields.length <= bytes.count, bytes[at] == 0x55, bytes[at + 1] == 0xAA else {
                return SeaBIOSVerdict(reason: "no image for \(ids) with code type 0 (x86): the chain ends at \(Hex.prefixed(at)) without a 55 AA signature")
            }
            let p = at + field(ImageHeaderFields.dataStructurePointer, at)
            guard p + PCIRFields.size <= bytes.count, bytes[p..<p + 4].elementsEqual("PCIR".utf8) else {
                return SeaBIOSVerdict(reason: "no image for \(ids) with code type 0 (x86): the image at \(Hex.prefixed(at)) has no PCIR structure, where SeaBIOS stops looking")
            }
            let v = UInt16(field(PCIRFields.vendorID, p))
            let d = UInt16(field(PCIRFields.deviceID, p))
            let length = field(PCIRFields.imageLength, p) * ImageHeaderFields.blockSize
            let index = layout.images.firstIndex { $0.offset == at }
            if v == vendor, d == device, field(PCIRFields.codeType, p) == 0 {
                let size = field(ImageHeaderFields.sizeByte, at) * ImageHeaderFields.blockSize
                guard size > 0, at + size <= bytes.count else {
                    return SeaBIOSVerdict(image: nil, offset: at, reason: "the x86 image at \(Hex.prefixed(at)) has size byte \(field(ImageHeaderFields.sizeByte, at)); SeaBIOS does not run it")
                }
                let sum = bytes[at..<at + size].reduce(UInt8(0), &+)
                guard sum == 0 else {
                    return SeaBIOSVerdict(image: nil, offset: at, reason: "the x86 image at \(Hex.prefixed(at)) has a bad checksum (sum \(Hex.prefixed(sum, width: 2))); SeaBIOS refuses it")
                }
                return SeaBIOSVerdict(image: index, offset: at, reason: "SeaBIOS runs the x86 image at \(Hex.prefixed(at)) (\(ids))")
            }
            guard UInt8(field(PCIRFields.indicator, p)) & PCIRFields.lastImage == 0, length > 0 else {
                return SeaBIOSVerdict(reason: "no image for \(ids) with code type 0 (x86) before the PCIR last bit at \(Hex.prefixed(at))")
            }
            at += length
        }
    }

    /// The EFI images OVMF for X64 finds, loaded or not and why. `romBarSize`: the BAR (QEMU:
    /// the file size rounded up to a power of two, the default). `decodes`: the drivers already
    /// decoded for this ROM (`info` shares them with the EFI details); others are decoded here.
    public static func ovmf(_ bytes: [UInt8], romBarSize: Int? = nil,
                            machines: Set<UInt16> = [0x8664, 0x0EBC],
                            decodes: EFIDriverDecodes = EFIDriverDecodes()) -> [OVMFImage] {
        let barSize = romBarSize ?? {
            var s = 1
            while s < bytes.count { s <<= 1 }
            return s
        }()
        // LoadOpRomImage: how much of the BAR is copied.
        let copied = ovmfCopiedLength(bytes, barSize: barSize)
        let image = Array(bytes.prefix(min(copied, bytes.count)))
        let layout = bytes.withUnsafeBytes { ROMParser.parse($0) }
        // ProcessOpRomImage over the copy.
        var out = ovmfProcess(image, layout: layout, machines: machines, decodes: decodes)
        // EFI images the parser found that the walk never reached.
        for (i, im) in layout.images.enumerated() where im.isEFI && !out.contains(where: { $0.offset == im.offset }) {
            out.append(OVMFImage(offset: im.offset, image: i, loaded: false,
                                 reason: copied == 0
                                    ? StepWording.text("the ROM does not start with 55 AA (\(layout.prefixLength) bytes come before the first "
                                        + "image: \(NextStep(.patchCommand, "strip-header"))), so OVMF finds no ROM at all")
                                    : im.offset >= copied
                                    ? "OVMF's walk ends before it (a PCIR last bit, a non-PCIR image, or the ROM BAR's end at \(Hex.prefixed(copied)))"
                                    : "OVMF's walk steps over it"))
        }
        return out.sorted { $0.offset < $1.offset }
    }

    /// EDK2's LoadOpRomImage (PciOptionRomSupport.c): the bytes of a BAR of `barSize` it copies,
    /// walking PCIR images until one is marked last, the BAR ends or a non-image breaks the walk.
    static func ovmfCopiedLength(_ bytes: [UInt8], barSize: Int) -> Int {
        let romSize = min(barSize, bytes.count)
        var offset = 0
        var copied = 0
        var indicator: UInt8 = 0
        var first = true
        var legacyLength = 0
        var sawLegacy = false
        func field(_ f: ROMField, _ base: Int) -> Int { Int(bytes.read(f, at: base) ?? 0) }
        walk: repeat {
            guard offset + ImageHeaderFields.length <= romSize, bytes[offset] == 0x55, bytes[offset + 1] == 0xAA else {
                offset += 512
                if first { break walk }
                copied += 512
                continue
            }
            first = false
            let pcirOffset = field(ImageHeaderFields.dataStructurePointer, offset)
            guard pcirOffset != 0, pcirOffset & 3 == 0, copied + pcirOffset + PCIRFields.size <= barSize,
                  offset + pcirOffset + PCIRFields.size <= bytes.count else { break }
            let p = offset + pcirOffset
            guard bytes[p..<p + 4].elementsEqual("PCIR".utf8) else { break }
            let length = field(PCIRFields.imageLength, p) * ImageHeaderFields.blockSize
            guard copied + length <= barSize else { break }
            if field(PCIRFields.codeType, p) == 0 {
                sawLegacy = true
                legacyLength = field(ImageHeaderFields.sizeByte, offset) * ImageHeaderFields.blockSize
            }
            indicator = UInt8(field(PCIRFields.indicator, p))
            copied += length
            offset += length
        } while indicator & PCIRFields.lastImage == 0 && offset < barSize && copied > 0
        if sawLegacy { copied = max(copied, legacyLength) }
        return copied
    }

    /// EDK2's ProcessOpRomImage over the copy: a verdict for each EFI image its walk reaches.
    static func ovmfProcess(_ image: [UInt8], layout: ROMLayout, machines: Set<UInt16>, decodes: EFIDriverDecodes) -> [OVMFImage] {
        var out: [OVMFImage] = []
        var offset = 0
        var indicator: UInt8 = 0
        if !image.isEmpty { repeat {
            func field(_ f: ROMField, _ base: Int) -> Int { Int(image.read(f, at: base) ?? 0) }
            guard offset + ImageHeaderFields.length <= image.count, image[offset] == 0x55, image[offset + 1] == 0xAA else {
                offset += 512
                continue
            }
            let p = offset + field(ImageHeaderFields.dataStructurePointer, offset)
            guard p + PCIRFields.size <= image.count else { break }
            let length = field(PCIRFields.imageLength, p) * ImageHeaderFields.blockSize
            indicator = UInt8(field(PCIRFields.indicator, p))
            let index = layout.images.firstIndex { $0.offset == offset }
            if field(PCIRFields.codeType, p) == 3 {
                out.append(loadVerdict(image, at: offset, pcir: p, index: index, machines: machines, decodes: decodes))
            }
            guard length > 0 else { break }
            offset += length
        } while indicator & PCIRFields.lastImage == 0 && offset < image.count }
        return out
    }

    static func loadVerdict(_ image: [UInt8], at offset: Int, pcir p: Int, index: Int?, machines: Set<UInt16>,
                            decodes: EFIDriverDecodes) -> OVMFImage {
        // Each half-word read alone, 0 where it would pass the copy's end (as the copy's zero fill reads).
        func u16(_ at: Int) -> UInt16 { at + 1 < image.count ? UInt16(image[at]) | UInt16(image[at + 1]) << 8 : 0 }
        func no(_ why: String) -> OVMFImage { OVMFImage(offset: offset, image: index, loaded: false, reason: why) }
        typealias F = EFIHeaderFields
        let signature = UInt32(u16(offset + F.efiSignature.offset)) | UInt32(u16(offset + F.efiSignature.offset + 2)) << 16
        let subsystem = u16(offset + F.subsystem.offset), machine = u16(offset + F.machineType.offset)
        let compression = u16(offset + F.compression.offset)
        if subsystem == 10 { return no("an EFI application; OVMF loads only drivers from a card") }
        guard signature == EFIHeader.expectedSignature else { return no("no EFI signature 0x0ef1 in its header") }
        guard subsystem == 11 || subsystem == 12 else { return no("subsystem \(subsystem) is not a boot-service or runtime driver") }
        guard compression <= 1 else { return no("compression type \(compression) is unknown") }
        let length = Int(u16(p + PCIRFields.imageLength.offset)) * ImageHeaderFields.blockSize
        let initSize = Int(u16(offset + F.initializationSize.offset)) * ImageHeaderFields.blockSize
        let peOffset = Int(u16(offset + F.peOffset.offset))
        guard initSize <= length, peOffset < initSize else {
            return no("its initialization size (\(initSize)) or PE offset (\(peOffset)) does not fit the image (\(length) bytes)")
        }
        guard machines.contains(machine) else {
            return no("\(English.withArticle(PEImage.machineName(machine))) driver; OVMF for X64 runs X64 and EBC")
        }
        // Both ends within the copy: a PE offset past a short copy gives an empty range, not a trap.
        let start = min(offset + peOffset, image.count), end = max(start, min(offset + initSize, image.count))
        // The copy is a prefix of the ROM, so the same range holds the same bytes in both.
        let pe: Result<PEImage, PEImageError>
        if compression == 1 {
            switch decodes.efi11(start..<end, in: image) {
            case .success(let driver): pe = driver.pe
            case .failure(let error): return no("its EFI-compressed driver does not decode: \(error.message)")
            }
        } else {
            pe = Result { () throws(PEImageError) in try PEImage.parse(Array(image[start..<end])) }
        }
        switch pe {
        case .success(let pe) where !machines.contains(pe.machine):
            return no("its PE header says \(pe.machineName), which OVMF for X64 cannot run")
        case .failure(let error):
            return no("its driver is not a PE/TE image: \(error.message)")
        case .success:
            break
        }
        return OVMFImage(offset: offset, image: index, loaded: true,
                         reason: "OVMF loads and starts this \(PEImage.machineName(machine)) driver" + (compression == 1 ? " (EFI-compressed)" : ""))
    }
}
