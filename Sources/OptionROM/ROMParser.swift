import Core
/// Walks the image chain of a PCI expansion ROM held in memory.
///
/// Rules, from the PCI Firmware spec and the code that reads these ROMs daily (Linux
/// `drivers/pci/rom.c`, nouveau `nvkm/subdev/bios/image.c`, `npde.c`):
/// - each image starts with `55 AA` (NVIDIA also `77 BB`, `56 4E`), points at 0x18 to its data
///   structure (`PCIR`, `NPDS`, `RGIS`);
/// - its length is PCIR's, unless NVIDIA's `NPDE` follows PCIR (on a 16-byte boundary), in which
///   case NPDE's length and last bit rule, except for code type 0x70;
/// - the chain ends at the image marked last.
/// Every read is bounds-checked and the walk strictly advances, so no input traps or loops.
public enum ROMParser {
    public struct Options: Sendable {
        /// Upper bound on images walked; real ROMs hold fewer than ten.
        public var maxImages: Int = 64
        /// Block sums of a larger buffer the parsed bytes lie in (the scanner's blob), so that
        /// overlapping candidates do not sum the same bytes again. Nil: sum directly.
        public var checksums: ChecksumBlocks? = nil
        /// Decode NVIDIA BIT, AMD ATOM and Intel VBT tables.
        public var decodeVendorTables: Bool = true
        /// Look for the first image past a prefix when the buffer does not start with one.
        public var searchForFirstImage: Bool = true
        /// Look past the chain's end for padding and further images (a `trailing-data` finding).
        /// `ROMScanner` turns it off: in a large blob "past the end" is the rest of the blob.
        public var checkTrailingData: Bool = true
        public init() {}
    }

    static let imageSignatures = ImageHeaderFields.signatures
    static let pointerAt = ImageHeaderFields.dataStructurePointer.offset
    static let sizeByteAt = ImageHeaderFields.sizeByte.offset

    public static func parse(_ bytes: [UInt8], options: Options = .init()) -> ROMLayout {
        bytes.withUnsafeBytes { parse($0, options: options) }
    }

    public static func parse(_ raw: UnsafeRawBufferPointer, options: Options = .init()) -> ROMLayout {
        let v = ByteView(raw)
        var findings: [Finding] = []
        var layout = ROMLayout(size: raw.count, prefixLength: 0, prefix: nil, images: [], vendorInfo: nil, findings: [])

        guard raw.count > 0 else {
            layout.findings = [Finding(.noImage, at: 0, "The file is empty: no option ROM image in it.")]
            return layout
        }
        // 1. Where the chain starts (nil: no chain; an ISA-style image or the findings say what there is).
        guard let start = chainStart(v, options: options, layout: &layout, findings: &findings) else {
            layout.findings = findings
            return layout
        }
        layout.prefixLength = start
        if start > 0 { layout.prefix = prefix(v, length: start, findings: &findings) }
        // 2. The chain.
        layout.images = walkChain(v, from: start, options: options, findings: &findings)
        // 3. What the images say together, and what follows them.
        checkIDs(layout.images, &findings)
        if options.checkTrailingData {
            checkTrailing(v, after: layout.chainEnd, images: layout.images, &findings)
        }
        layout.findings = findings
        if options.decodeVendorTables, !layout.images.isEmpty {
            layout.vendorInfo = VendorDecoder.decode(v, layout: layout, findings: &layout.findings)
        }
        return layout
    }

    /// Where the first image is: 0, or past a prefix. Nil when there is no PCI chain: then
    /// `layout.images` holds an ISA-style image, or `findings` why nothing was found.
    static func chainStart(_ v: ByteView, options: Options, layout: inout ROMLayout, findings: inout [Finding]) -> Int? {
        let raw = v.base
        guard !hasImageSignature(v, 0) || dataStructure(v, imageAt: 0) == nil else { return 0 }
        if options.searchForFirstImage, let found = findFirstImage(v) {
            return found
        } else if hasImageSignature(v, 0), v.u16(Self.pointerAt) == 0 || isISAEra(v), let size = v.u8(Self.sizeByteAt), size > 0 {
            // An ISA-style ROM: no PCI data structure at all.
            layout.images = [isaImage(v, findings: &findings)]
            return nil
        } else if hasImageSignature(v, 0) {
            let ptr = Int(v.u16(Self.pointerAt) ?? 0)
            findings.append(Finding(.badPointer, at: Self.pointerAt,
                "The image at offset 0 points to its PCI data structure at \(Hex.prefixed(ptr)), "
                + "but no PCIR/NPDS/RGIS signature is there\(ptr + PCIRFields.size > raw.count ? " (past the end of the file)" : ""). "
                + "The ROM is damaged or not a PCI option ROM."))
            return nil
        } else {
            findings.append(Finding(.noImage, at: 0,
                "No option ROM image found: no 55 AA signature followed by a PCI data structure "
                + "in \(raw.count) bytes. If this is a firmware image or memory dump, try `vbios scan`."))
            return nil
        }
    }

    /// What precedes the first image (`length` bytes), with its finding.
    static func prefix(_ v: ByteView, length start: Int, findings: inout [Finding]) -> ROMLayout.Prefix {
        let kind: ROMLayout.Prefix = v.matches(0, "NVGI") ? .nvflash : v.matches(0, "NVFW") ? .nvidiaFirmware : .unknown
        let what = switch kind {
        case .nvflash: "An nvflash NVGI header of \(start) bytes precedes"
        case .nvidiaFirmware: "\(start) bytes of other NVIDIA firmware (an NVFW area of a full-flash dump) precede"
        case .unknown: "\(start) bytes of unknown data precede"
        }
        findings.append(Finding(.prefixHeader, at: 0, advice: "\(what) the first image (at \(Hex.prefixed(start))). The card does not "
            + "expose them; remove them before passthrough with \(NextStep(.patch, "strip-header")) (\(NextStep(.prepareWithROM)) does it)."))
        return kind
    }

    /// The images from `start`, following each one's length until one is marked last, cut, or bad.
    static func walkChain(_ v: ByteView, from start: Int, options: Options, findings: inout [Finding]) -> [ROMImage] {
        let raw = v.base
        var images: [ROMImage] = []
        var offset = start
        var index = 0
        while true {
            if index >= options.maxImages {
                findings.append(Finding(.tooManyImages, at: offset,
                    "More than \(options.maxImages) images in the chain; stopped walking here."))
                break
            }
            guard hasImageSignature(v, offset) else {
                if offset >= raw.count {
                    findings.append(Finding(.noLastImage, at: offset,
                        "Image \(index - 1) is not marked last, but the file ends at \(Hex.prefixed(offset)): "
                        + "the chain is cut short (a truncated dump or a runtime copy)."))
                } else {
                    findings.append(Finding(.noLastImage, at: offset,
                        "Image \(index - 1) is not marked last, but no image signature follows at \(Hex.prefixed(offset))."))
                }
                break
            }
            guard let pcirAt = dataStructure(v, imageAt: offset) else {
                let ptr = Int(v.u16(offset + Self.pointerAt) ?? 0)
                findings.append(Finding(.badPointer, at: offset + Self.pointerAt,
                    "Image \(index) at \(Hex.prefixed(offset)) points to its PCI data structure at "
                    + "\(Hex.prefixed(offset + ptr)), but no PCIR/NPDS/RGIS signature is there"
                    + (offset + ptr + PCIRFields.size > raw.count ? " (it lies past the end of the file)." : ".")))
                break
            }
            var image = parseImage(v, at: offset, pcirAt: pcirAt, romStart: start, index: index, checksums: options.checksums, findings: &findings)
            let length = image.length
            if length == 0 {
                findings.append(Finding(.zeroLength, at: image.npde?.offset ?? (pcirAt + PCIRFields.imageLength.offset),
                    "Image \(index) at \(Hex.prefixed(offset)) declares a length of 0; the chain cannot go on from it."))
                image.isLast = true
                images.append(image)
                break
            }
            if image.end > raw.count {
                findings.append(Finding(.truncated, at: offset,
                    "Image \(index) at \(Hex.prefixed(offset)) declares \(length) bytes but only "
                    + "\(raw.count - offset) remain: the file is truncated. Read the ROM again, from another source if one exists."))
                images.append(image)
                break
            }
            images.append(image)
            if image.isLast { break }
            offset = image.end
            index += 1
        }
        return images
    }

    // MARK: - Pieces

    static func hasImageSignature(_ v: ByteView, _ offset: Int) -> Bool {
        guard let a = v.u8(offset), let b = v.u8(offset + 1) else { return false }
        for (x, y) in imageSignatures where a == x && b == y { return true }
        return false
    }

    /// Absolute offset of the data structure of the image at `offset`, if its signature is there.
    static func dataStructure(_ v: ByteView, imageAt offset: Int) -> Int? {
        guard let ptr = v.read(ImageHeaderFields.dataStructurePointer, at: offset), ptr != 0 else { return nil }
        let at = offset + Int(ptr)
        guard v.contains(at, PCIRFields.size) else { return nil }
        for s in PCIDataStructure.signatures where v.matches(at, s) { return at }
        return nil
    }

    /// The first offset at or after `from` holding `55 AA` whose pointer leads to a data structure.
    static func findFirstImage(_ v: ByteView, from: Int = 0) -> Int? {
        var at = from
        while let hit = ByteSearch.index(of: 0x55, 0xAA, in: v.base, from: at, to: v.count) {
            if dataStructure(v, imageAt: hit) != nil { return hit }
            at = hit + 1
        }
        return nil
    }

    /// An ISA-era ROM at 0 whose word at 0x18 is not a pointer (often text: the PCI Firmware spec
    /// gave that word its meaning later): `55 AA`, a size byte whose bytes are all there and sum to
    /// 0, and no PCI data structure signature anywhere in them (a PCI ROM whose pointer is damaged
    /// still carries its PCIR, and stays `bad-pointer`).
    static func isISAEra(_ v: ByteView) -> Bool {
        guard v.u8(0) == 0x55, v.u8(1) == 0xAA, let size = v.u8(Self.sizeByteAt), size > 0 else { return false }
        let length = Int(size) * ImageHeaderFields.blockSize
        guard v.contains(0, length), Checksum.sum(v.base, from: 0, count: length) == 0 else { return false }
        return !PCIDataStructure.signatures.contains { s in
            v.find(s.withUTF8Buffer { Array($0) }, from: 0, to: length) != nil
        }
    }

    /// A legacy image without PCIR: its size byte is all there is to go on. With a valid checksum it
    /// is a whole ISA-era ROM (`isa-rom`, a note); without one, damage (`no-pcir`).
    static func isaImage(_ v: ByteView, findings: inout [Finding]) -> ROMImage {
        let sizeByte = v.u8(Self.sizeByteAt) ?? 0
        let length = Int(sizeByte) * ImageHeaderFields.blockSize
        var image = ROMImage(offset: 0, length: length, signature: "55aa", sizeByte: sizeByte, pcir: nil,
                             npde: nil, efi: nil, isLast: true, checksumValid: nil, checksum: nil)
        let pointer = Int(v.u16(Self.pointerAt) ?? 0)
        let why = pointer == 0 ? "pointer 0 at 0x18" : "the word at 0x18, \(Hex.prefixed(pointer, width: 4)), leads to no PCIR"
        if isISAEra(v) {
            findings.append(Finding(.isaROM, at: Self.pointerAt,
                "An ISA-era option ROM (a VGA BIOS of an ISA card, or a card from before PCI 2.1): \(length) bytes whose checksum is valid, "
                + "with no PCI data structure (\(why)). No passthrough consumer will take it: SeaBIOS, hvmloader and OVMF "
                + "load a card's ROM only through a PCIR naming the card's vendor and device."))
        } else {
            findings.append(Finding(.noPCIR, at: Self.pointerAt,
                "The image has no PCI data structure (\(why)): an ISA-style ROM. PCI firmware, SeaBIOS and hvmloader "
                + "need a PCIR structure naming the card's vendor and device to load it as the card's ROM."))
        }
        if v.contains(0, length) {
            let sum = Checksum.sum(v.base, from: 0, count: length)
            image.checksum = sum
            image.checksumValid = sum == 0
            if sum != 0 {
                findings.append(Finding(.checksumMismatch, at: 0, advice: "The image's \(length) bytes sum to \(Hex.prefixed(sum, width: 2)), "
                    + "not 0: a BIOS skips it. \(NextStep(.patch, "fix-checksum")) repairs it."))
            }
        } else {
            findings.append(Finding(.truncated, at: 0,
                "The size byte declares \(length) bytes but the file holds \(v.count): the file is truncated."))
            image.length = min(length, v.count)
        }
        return image
    }

    static func parsePCIR(_ v: ByteView, at p: Int, findings: inout [Finding]) -> PCIDataStructure {
        typealias F = PCIRFields
        func u8(_ f: ROMField) -> UInt8 { UInt8(truncatingIfNeeded: v.read(f, at: p) ?? 0) }
        func u16(_ f: ROMField) -> UInt16 { UInt16(truncatingIfNeeded: v.read(f, at: p) ?? 0) }
        let revision = u8(F.revision)
        let length = u16(F.length)
        var pcir = PCIDataStructure(
            offset: p,
            signature: v.tag(p),
            vendorID: u16(F.vendorID),
            deviceID: u16(F.deviceID),
            deviceListPointer: u16(F.deviceListPointer),
            length: length,
            revision: revision,
            // Each byte read alone: a class cut by the end reads its bytes that are there.
            classCode: (0..<3).reduce(0) { $0 | UInt32(v.u8(p + F.classCode.offset + $1) ?? 0) << (8 * UInt32($1)) },
            imageLength: u16(F.imageLength),
            codeRevision: u16(F.codeRevision),
            codeType: CodeType(rawValue: u8(F.codeType)),
            indicator: u8(F.indicator),
            maxRuntimeLength: nil, configUtilityPointer: nil, dmtfCLPPointer: nil,
            deviceList: [])
        if revision >= 3, length >= F.sizeRevision3 {
            pcir.maxRuntimeLength = v.read(F.maxRuntimeLength, at: p).map { UInt16($0) }
            pcir.configUtilityPointer = v.read(F.configUtilityPointer, at: p).map { UInt16($0) }
            pcir.dmtfCLPPointer = v.read(F.dmtfCLPPointer, at: p).map { UInt16($0) }
        }
        // In a revision 3 PCIR, 0x0000 and 0xFFFF both mean "no device list" (NVIDIA's erased
        // `77 BB` images carry 0xFFFF in every pointer).
        if revision >= 3, pcir.deviceListPointer != 0, pcir.deviceListPointer != 0xFFFF {
            let listAt = p + Int(pcir.deviceListPointer)
            var ids: [UInt16] = []
            var at = listAt
            var terminated = false
            while ids.count < 256, let id = v.u16(at) {
                if id == 0 { terminated = true; break }
                ids.append(id)
                at += 2
            }
            if terminated {
                pcir.deviceList = ids
            } else {
                findings.append(Finding(.badDeviceList, at: listAt,
                    "The PCIR device list at \(Hex.prefixed(listAt)) runs off the end of the file or holds more than 256 IDs without its terminating zero."))
            }
        }
        return pcir
    }

    /// One image of the chain: its PCIR, NPDE, extent, and the EFI header or legacy checks.
    static func parseImage(_ v: ByteView, at offset: Int, pcirAt p: Int, romStart: Int, index: Int, checksums: ChecksumBlocks? = nil,
                           findings: inout [Finding]) -> ROMImage {
        let pcir = parsePCIR(v, at: p, findings: &findings)
        let ptr = p - offset
        if ptr % 4 != 0 {
            findings.append(Finding(.misaligned, at: offset + Self.pointerAt,
                "Image \(index)'s PCI data structure pointer \(Hex.prefixed(ptr)) is not a multiple of 4, as the PCI spec requires; some firmware rejects it."))
        }
        let npde = parseNPDE(v, pcir: pcir, pcirAt: p, romStart: romStart)
        let (length, last) = extent(v, at: offset, pcir: pcir, npde: npde, index: index, findings: &findings)
        let sizeByte = v.u8(offset + Self.sizeByteAt) ?? 0
        var image = ROMImage(offset: offset, length: length,
                             signature: Hex.string(v.u8(offset) ?? 0, width: 2) + Hex.string(v.u8(offset + 1) ?? 0, width: 2),
                             sizeByte: sizeByte, pcir: pcir, npde: npde, efi: nil, isLast: last,
                             checksumValid: nil, checksum: nil)
        if pcir.codeType == .efi { checkEFIHeader(v, &image, index: index, findings: &findings) }
        if pcir.codeType == .x86 { checkLegacy(v, &image, index: index, checksums: checksums, findings: &findings) }
        return image
    }

    /// NVIDIA's NPDE, which sits after PCIR on a 16-byte boundary counted from the ROM's start.
    static func parseNPDE(_ v: ByteView, pcir: PCIDataStructure, pcirAt p: Int, romStart: Int) -> NVIDIAExtension? {
        let npdeAt = romStart + NPDEFields.offset(afterPCIRAt: p - romStart, length: Int(pcir.length))
        guard pcir.length > 0, v.matches(npdeAt, "NPDE"), let ilen = v.read(NPDEFields.imageLength, at: npdeAt) else { return nil }
        func u16(_ f: ROMField) -> UInt16 { UInt16(truncatingIfNeeded: v.read(f, at: npdeAt) ?? 0) }
        return NVIDIAExtension(offset: npdeAt, revision: u16(NPDEFields.revision),
                               length: u16(NPDEFields.length), imageLength: UInt16(ilen),
                               indicator: UInt8(truncatingIfNeeded: v.read(NPDEFields.indicator, at: npdeAt) ?? 0))
    }

    /// The image's length and whether it ends the chain: PCIR's, or NPDE's where NVIDIA has one.
    static func extent(_ v: ByteView, at offset: Int, pcir: PCIDataStructure, npde: NVIDIAExtension?, index: Int,
                       findings: inout [Finding]) -> (length: Int, last: Bool) {
        var length = pcir.imageLengthBytes
        var last = pcir.isLast
        if pcir.codeType == .nvidia70 {
            // nouveau image.c: a 0x70 image ignores NPDE and always ends the chain.
            last = true
        } else if let npde {
            length = npde.imageLengthBytes
            last = npde.isLast
            if npde.imageLengthBytes != pcir.imageLengthBytes {
                if offset + npde.imageLengthBytes > v.count, offset + pcir.imageLengthBytes == v.count {
                    // The file ends exactly where the PCIR says its last image ends, short of
                    // NPDE's length: a read cut at the PCIR (Linux's sysfs `rom` attribute stops
                    // there), not damage. What NPDE says follows is missing.
                    length = pcir.imageLengthBytes
                    last = true
                    findings.append(Finding(.noLastImage, at: npde.offset + NPDEFields.imageLength.offset,
                        "Image \(index)'s NPDE says it is \(npde.imageLengthBytes) bytes\(npde.isLast ? "" : " and more images follow"), "
                        + "but the file ends where its PCIR says it does (\(pcir.imageLengthBytes) bytes): a copy cut at the PCIR length, "
                        + "as Linux's sysfs rom attribute reads NVIDIA chains, or taken after the image shrank at POST. "
                        + "It holds the legacy image only (no EFI image for a UEFI guest); dump the ROM BAR (`vbios dump`) or use the vendor's file for the whole chain."))
                } else {
                    findings.append(Finding(.lengthDisagreement, at: npde.offset + NPDEFields.imageLength.offset,
                        "Image \(index)'s PCIR says \(pcir.imageLengthBytes) bytes, its NVIDIA NPDE \(npde.imageLengthBytes); "
                        + "NPDE rules the chain (as in nouveau), so the image is \(npde.imageLengthBytes) bytes."))
                }
            }
        }
        return (length, last)
    }

    /// An EFI image's header: read, and checked against the image.
    static func checkEFIHeader(_ v: ByteView, _ image: inout ROMImage, index: Int, findings: inout [Finding]) {
        let offset = image.offset, length = image.length
        func u16(_ f: ROMField) -> UInt16 { UInt16(truncatingIfNeeded: v.read(f, at: offset) ?? 0) }
        typealias F = EFIHeaderFields
        let efi = EFIHeader(initializationSize: u16(F.initializationSize),
                            signature: v.read(F.efiSignature, at: offset) ?? 0,
                            subsystem: u16(F.subsystem),
                            machineType: u16(F.machineType),
                            compression: u16(F.compression),
                            peOffset: u16(F.peOffset))
        image.efi = efi
        if v.u8(offset) == 0x77, (EFIHeaderFields.efiSignature.offset..<ImageHeaderFields.dataStructurePointer.offset).allSatisfy({ v.u8(offset + $0) == 0xFF }) {
            // NVIDIA's hidden `77 BB` EFI images keep an erased header; no firmware loads them.
            findings.append(Finding(.erasedEFIHeader, at: offset + EFIHeaderFields.efiSignature.offset,
                "Image \(index) is an NVIDIA `77 BB` EFI image whose EFI header is erased (every field 0xFF), as on "
                + "Kepler-era cards; no firmware loads it and nothing needs doing."))
        } else if efi.signature != EFIHeader.expectedSignature {
            findings.append(Finding(.badEFIHeader, at: offset + EFIHeaderFields.efiSignature.offset,
                "Image \(index) is an EFI image but its EFI signature is \(Hex.prefixed(efi.signature, width: 4)), not 0x0ef1."))
        } else if Int(efi.peOffset) >= max(length, 1) || Int(efi.initializationSize) * 512 > length {
            findings.append(Finding(.badEFIHeader, at: offset + EFIHeaderFields.peOffset.offset,
                "Image \(index)'s EFI header points outside the image (PE offset \(Hex.prefixed(efi.peOffset)), initialization size \(Int(efi.initializationSize) * 512) bytes, image \(length) bytes)."))
        }
    }

    /// A legacy x86 image: its entry jump, size byte and checksum.
    static func checkLegacy(_ v: ByteView, _ image: inout ROMImage, index: Int, checksums: ChecksumBlocks?, findings: inout [Finding]) {
        let offset = image.offset, sizeByte = image.sizeByte
        guard let pcir = image.pcir else { return }
        let runtime = Int(sizeByte) * 512
        // The entry point at offset 3 is a jump (E9 near, EB short, EA far) in every x86
        // image a BIOS runs; AMD's APU VBIOSes for coreboot (Phoenix) hold ATOM tables only.
        if sizeByte != 0, let op = v.u8(offset + ImageHeaderFields.entry.offset), op != 0xE9, op != 0xEB, op != 0xEA {
            findings.append(Finding(.noEntryPoint, at: offset + ImageHeaderFields.entry.offset,
                "Image \(index) is a legacy x86 image without an entry jump at offset 3 (byte \(Hex.prefixed(op, width: 2))): "
                + "it carries tables for a driver (AMD ATOM on APUs) rather than code a legacy BIOS can run."))
        }
        if sizeByte == 0 {
            findings.append(Finding(.badSizeByte, at: offset + Self.sizeByteAt,
                "Image \(index)'s size byte is 0: a BIOS will not run it, and qemu-dm refuses it."))
        } else if v.contains(offset, runtime) {
            let sum = checksums.flatMap { c in v.base.baseAddress.flatMap { c.sum(at: $0 + offset, count: runtime) } }
                ?? Checksum.sum(v.base, from: offset, count: runtime)
            image.checksum = sum
            image.checksumValid = sum == 0
            if sum != 0 {
                findings.append(Finding(.checksumMismatch, at: offset, advice: "Image \(index)'s \(runtime) bytes sum to "
                    + "\(Hex.prefixed(sum, width: 2)), not 0: a BIOS skips it. \(NextStep(.patch, "fix-checksum")) repairs it."))
            }
        }
        if sizeByte != 0, runtime != pcir.imageLengthBytes {
            if runtime < pcir.imageLengthBytes {
                findings.append(Finding(.sizeMismatch, at: offset + Self.sizeByteAt,
                    "Image \(index)'s size byte says \(runtime) bytes but its PCIR says \(pcir.imageLengthBytes): "
                    + "the size shrinks like this when the BIOS ran from shadow RAM and dropped its init code."))
            } else {
                findings.append(Finding(.badSizeByte, at: offset + Self.sizeByteAt,
                    "Image \(index)'s size byte says \(runtime) bytes, more than the \(pcir.imageLengthBytes) its PCIR gives."))
            }
        }
    }

    static func checkIDs(_ images: [ROMImage], _ findings: inout [Finding]) {
        let main = images.filter { $0.isLegacy || $0.isEFI }
        guard let first = main.first else { return }
        guard let firstPCIR = first.pcir else { return }
        let firstIndex = images.firstIndex(of: first) ?? 0
        for (i, image) in images.enumerated() where image.isLegacy || image.isEFI {
            guard let pcir = image.pcir else { continue }
            if pcir.revision >= 3, !pcir.deviceList.isEmpty, !pcir.deviceList.contains(pcir.deviceID) {
                findings.append(Finding(.deviceListOmitsOwnID, at: pcir.offset + PCIRFields.deviceListPointer.offset,
                    "Image \(i)'s PCIR names device \(Hex.string(pcir.deviceID, width: 4)); its device list names "
                    + pcir.deviceList.map { Hex.string($0, width: 4) }.joined(separator: " ")
                    + " without it (Intel lists newer chips the same image drives). A card with any of these IDs runs it."))
            }
            guard i != firstIndex else { continue }
            if pcir.vendorID == 0, pcir.deviceID == 0 {
                // NVIDIA's EFI images on laptops and Ampere or newer: the IDs are left unset.
                findings.append(Finding(.unsetIDs, at: pcir.offset + PCIRFields.vendorID.offset,
                    "Image \(i)'s PCIR names 0000:0000 (unset, as NVIDIA leaves it in EFI images of laptops and newer cards), "
                    + "not another card; image \(firstIndex) names \(firstPCIR.pciIDs)."))
                continue
            }
            if pcir.vendorID != firstPCIR.vendorID || pcir.deviceID != firstPCIR.deviceID {
                findings.append(Finding(.idMismatch, at: pcir.offset + PCIRFields.vendorID.offset,
                    "Image \(i) is for \(pcir.pciIDs), "
                    + "image \(firstIndex) for \(firstPCIR.pciIDs). "
                    + "Firmware that matches ROMs to the card by ID may skip one of them."))
            }
        }
    }

    static func checkTrailing(_ v: ByteView, after end: Int, images: [ROMImage], _ findings: inout [Finding]) {
        // After a zero-length image the bytes that follow are its own, not trailing data.
        guard end < v.count, let last = images.last, last.isLast, last.length > 0 else { return }
        // Padding (0xFF or 0x00) after the chain is normal for flash images.
        var at = end
        let fill = v.base[at]
        var meaningful = fill != 0xFF && fill != 0x00
        if !meaningful {
            while at < v.count, v.base[at] == fill { at += 1 }
            meaningful = at < v.count
        }
        guard meaningful else { return }
        guard let image = findFirstImage(v, from: at) else {
            findings.append(Finding(.trailingData, at: at, advice: "\(v.count - end) bytes follow the end of the chain at "
                + "\(Hex.prefixed(end)), not all padding (the rest of the card's flash, as in most dumps). The card exposes the "
                + "chain only; \(NextStep(.patch, "truncate")) or \(NextStep(.prepareWithROM)) drops them."))
            return
        }
        // A second copy of the chain (nvflash and TechPowerUp files, whole-flash dumps): the same
        // first image kind and IDs again, after the image marked last.
        if let copy = secondCopy(v, at: image, like: images) {
            findings.append(Finding(.secondCopy, at: image, advice: "A second copy of the chain (\(copy) image\(copy == 1 ? "" : "s")) "
                + "starts at \(Hex.prefixed(image)), after the chain ends at \(Hex.prefixed(end)): the flash keeps a backup the "
                + "card never exposes. \(NextStep(.patch, "truncate")) or \(NextStep(.prepareWithROM)) drops it."))
            return
        }
        // Another ROM after the end: what a shadow copy shows when the size byte shrank and the
        // next option ROM was placed right behind it, or images for sibling devices in a flash.
        findings.append(Finding(.trailingData, at: image,
            "Another option ROM image starts at \(Hex.prefixed(image)), after the image marked last ends at \(Hex.prefixed(end)): "
            + "either images after the last one, or a runtime copy with the next ROM behind it. The card exposes the chain only."))
    }

    /// How many images the chain at `at` holds when its first images repeat the kinds and IDs of
    /// `images`' first (legacy or EFI) images; nil when it is not such a copy.
    static func secondCopy(_ v: ByteView, at start: Int, like images: [ROMImage]) -> Int? {
        let reference = images.prefix { $0.isLegacy || $0.isEFI }
        guard !reference.isEmpty else { return nil }
        var offset = start
        var count = 0
        while count < 16, hasImageSignature(v, offset), let p = dataStructure(v, imageAt: offset) {
            var scratch: [Finding] = []
            let image = parseImage(v, at: offset, pcirAt: p, romStart: start, index: count, findings: &scratch)
            if count < reference.count {
                let r = reference[reference.startIndex + count]
                guard image.codeType == r.codeType, image.pcir?.vendorID == r.pcir?.vendorID,
                      image.pcir?.deviceID == r.pcir?.deviceID else { return nil }
            }
            count += 1
            if image.isLast || image.length == 0 { break }
            offset = image.end
        }
        return count >= reference.count ? count : nil
    }
}
