#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Compression
import OptionROM

/// Walks a system firmware image (UEFI PI firmware volumes, their wrappers, coreboot CBFS) and
/// collects the option ROMs, GOP drivers and VBTs inside, decompressing what it must.
///
/// References: UEFI PI spec volume 3; EDK2 `MdePkg/Include/Pi/PiFirmwareVolume.h`,
/// `PiFirmwareFile.h`; UEFITool `common/ffs.h`, `ffsparser.cpp`; coreboot
/// `commonlib/bsd/include/commonlib/bsd/cbfs_serialized.h`. Every read is checked; a container
/// that lies about its length is reported (`bad-container`, `truncated-volume`) with its offset
/// and path, and the walk goes on with what can be trusted.
public struct FirmwareWalker {
    let limits: FirmwareLimits
    var report = FirmwareReport()
    /// What the walk has drawn from its budget (`FirmwareLimits`).
    var used = Used()
    /// Set when the budget runs out: nothing more is entered, decoded or searched.
    var stopped = false
    /// Told, as each container is entered, how many have been and how many bytes were decompressed:
    /// the caller's progress line (libraries never print).
    var progress: ((_ containers: Int, _ decompressedBytes: Int) -> Void)?
    /// Set when the input itself is an archive: all its bytes belong to its members, so the plain
    /// scan for ROMs outside containers would only find a stored member's ROMs a second time.
    var archived = false
    /// Ranges of the input whose bytes a vendor package's decoder claimed (a Dell zlib section):
    /// a ROM the plain scan sees in them is the decoded one's stored form, not a ROM of its own.
    var claimed: [(Int, Int)] = []
    /// Shown every blob the walk enters (an archive member, a PFS entry's data, an iFlash image, a
    /// capsule's body...) with its path: how a caller compares the walk with another extractor.
    var visit: ((_ path: [String], _ bytes: ArraySlice<UInt8>) -> Void)?

    struct Used {
        var containers = 0
        var searched = 0
        var nameBytes = 0
    }

    public static func walk(_ bytes: [UInt8], limits: FirmwareLimits = .init(),
                            progress: ((_ containers: Int, _ decompressedBytes: Int) -> Void)? = nil) -> FirmwareReport {
        var w = FirmwareWalker(limits: limits)
        w.progress = progress
        return w.run(bytes)
    }

    /// `walk`, showing `visit` every blob it enters, the input first.
    public static func walk(_ bytes: [UInt8], limits: FirmwareLimits = .init(),
                            visit: @escaping (_ path: [String], _ bytes: ArraySlice<UInt8>) -> Void) -> FirmwareReport {
        var w = FirmwareWalker(limits: limits)
        w.visit = visit
        return w.run(bytes)
    }

    mutating func run(_ bytes: [UInt8]) -> FirmwareReport {
        blob(bytes[...], Context(), top: true)
        if report.containers > 0, !archived { outsideContainers(bytes) }
        return report
    }

    /// One element of a container path, linked to its parent: entering a level costs one node,
    /// not a copy of the path (it is spelled out only for what is reported).
    final class PathNode {
        let parent: PathNode?
        let element: String
        init(_ parent: PathNode?, _ element: String) { self.parent = parent; self.element = element }
    }

    /// Where the walk is: the chain so far and what the enclosing file says about itself.
    struct Context {
        var node: PathNode?
        var depth = 0
        /// Whether the current buffer is the input (offsets are file offsets) or decoded output.
        var decoded = false
        var volumeGUID: GUID?
        var fileGUID: GUID?
        var name: String?
        var version: String?
        /// What the bytes being walked are ("the raw section", "the CBFS file fallback/vbt"): a
        /// hit inside them, not at their start, gets a path element saying where it sits.
        var body: String?
        /// Inside a vendor package (an archive member, a PFS entry, an iFlash image): Dell's and
        /// Insyde's signatures are searched anywhere in a blob here, as in the input itself.
        var inPackage = false

        func entering(_ element: String) -> Context {
            var c = self
            c.node = PathNode(node, element)
            c.depth += 1
            return c
        }

        func within(_ body: String) -> Context {
            var c = self
            c.body = body
            return c
        }

        /// The chain, outermost first.
        var path: [String] {
            var out: [String] = []
            var n = node
            while let c = n { out.append(c.element); n = c.parent }
            return out.reversed()
        }
    }

    // MARK: - Bookkeeping: the budget

    mutating func note(_ severity: Finding.Severity, _ code: Finding.Code, at offset: Int, _ ctx: Context, _ message: String) {
        guard report.findings.count < limits.maxFindings else { return }
        let path = ctx.path
        used.nameBytes += path.reduce(message.utf8.count) { $0 + $1.utf8.count }
        report.findings.append(FirmwareFinding(finding: Finding(severity, code, at: offset, message), path: path))
    }

    /// The budget ran out: one finding where it happened, and the walk stops. Always false.
    mutating func exhausted(_ what: String, at offset: Int, _ ctx: Context) -> Bool {
        if !stopped {
            stopped = true
            note(.error, .limitReached, at: offset, ctx, "\(what): the walk stopped here and reports what it found before; the image is hostile or far larger than real firmware")
        }
        return false
    }

    /// Counts one container; false when the budget is spent or the nesting too deep (a finding
    /// either way). Every level of the walk's recursion passes here, so the depth bound is also
    /// the bound on its stack.
    mutating func enter(_ ctx: Context, at offset: Int) -> Bool {
        if stopped { return false }
        used.containers += 1
        progress?(used.containers, report.decompressedBytes)
        if used.containers > limits.maxContainers {
            return exhausted("more than \(limits.maxContainers) containers", at: offset, ctx)
        }
        if ctx.depth > limits.maxDepth {
            note(.error, .limitReached, at: offset, ctx, "containers nest deeper than \(limits.maxDepth): not walked further (a volume that contains itself?)")
            return false
        }
        return true
    }

    /// Draws `count` bytes of searching (signatures, checksums, the ROM scan) from the budget.
    mutating func search(_ count: Int, at offset: Int, _ ctx: Context) -> Bool {
        if stopped { return false }
        used.searched += count
        report.searchedBytes = used.searched
        if used.searched > limits.maxSearched {
            return exhausted("more than \(limits.maxSearched) bytes searched in all", at: offset, ctx)
        }
        return true
    }

    /// A name read from the input, cut to `maxNameLength` bytes of UTF-8 at a scalar boundary.
    func capped(_ name: String) -> String {
        guard name.utf8.count > limits.maxNameLength else { return name }
        var out = String.UnicodeScalarView()
        var bytes = 0
        for u in name.unicodeScalars {
            bytes += String(u).utf8.count
            if bytes > limits.maxNameLength { break }
            out.append(u)
        }
        return String(out)
    }

    // MARK: - Blobs: wrappers, then volumes and CBFS found by signature

    mutating func blob(_ b: ArraySlice<UInt8>, _ ctx: Context, top: Bool = false) {
        guard enter(ctx, at: b.startIndex) else { return }
        visit?(ctx.path, b)
        if archive(b, ctx, top: top) { return }
        if vendorPackage(b, ctx, top: top) { return }
        if let body = capsuleBody(b, ctx) {
            report.containers += 1
            blob(body.bytes, ctx.entering(body.name))
            return
        }
        if let region = biosRegion(b) {
            report.containers += 1
            blob(region, ctx.entering("BIOS region \(hex(region.startIndex))-\(hex(region.endIndex - 1))"))
            return
        }
        guard search(b.count, at: b.startIndex, ctx) else { return }
        let found = containers(in: b, ctx)
        if !found, !top { leaf(b, ctx) }
    }

    /// Walks the CBFS files and volumes in `b` in the order they start; each one walked claims its
    /// bytes, so a signature inside it is its own business (walked at its level, once) and never
    /// found again here. Both signature searches only move forward, and `LARCHIVE` is looked for
    /// only up to the next volume: each byte of `b` is searched once for each signature.
    mutating func containers(in b: ArraySlice<UInt8>, _ ctx: Context) -> Bool {
        var found = false
        var cbfsCounted = false
        var at = 0
        // The next CBFS header (`LARCHIVE`) and the next volume start (`_FVH` is 0x28 bytes into
        // one) at or after their cursor; Int.max when there is none (for CBFS: none in
        // [from, clear), the part searched so far).
        var cbfs = (next: -1, from: 0, clear: 0)
        var fv = (next: -1, from: 0)
        let signatureAt = VolumeHeaderFields.signature.offset
        while !stopped {
            cbfs.from = Swift.max(cbfs.from, at)
            fv.from = Swift.max(fv.from, at)
            if fv.next < fv.from { fv.next = b.find("_FVH", from: fv.from + signatureAt).map { $0 - signatureAt } ?? .max }
            if cbfs.next < cbfs.from { (cbfs.next, cbfs.clear) = (.max, cbfs.from) }
            if cbfs.next == .max, cbfs.clear <= fv.next, cbfs.clear < b.count {
                // A CBFS header matters here only if it starts at or before the next volume.
                let to = fv.next == .max ? b.count : fv.next + 1
                cbfs.next = b.find("LARCHIVE", from: Swift.max(cbfs.clear, cbfs.from), before: to) ?? .max
                cbfs.clear = to
            }
            if cbfs.next == .max && fv.next == .max { break }
            if cbfs.next <= fv.next {
                let h = cbfs.next
                if let next = cbfsFile(b, h, ctx) {
                    if !cbfsCounted { report.containers += 1 }
                    cbfsCounted = true
                    found = true
                    at = Swift.max(next, h + 8)
                } else {
                    cbfs.from = h + 8
                }
            } else {
                let start = fv.next
                if let length = volumeLength(b, start, ctx) {
                    found = true
                    report.containers += 1
                    let present = Swift.min(length, b.count - start)
                    volume(b.sub(start, present)!, declared: length, ctx)
                    at = start + present
                } else {
                    fv.from = start + 1
                }
            }
        }
        return found
    }

    /// A vendor update package: an archive by its signature (zip, 7z, cab, rar) or, for the input
    /// itself, a self-extracting .exe libarchive finds one in. Each member is walked as a firmware
    /// image; its bytes count as decompressed, its name is a path element. False when `b` is none.
    mutating func archive(_ b: ArraySlice<UInt8>, _ ctx: Context, top: Bool) -> Bool {
        let kind = Archive.signature(b)
        guard kind != nil || top && b.matches(0, "MZ") else { return false }
        let room = limits.maxDecompressedTotal - report.decompressedBytes
        guard room > 0 else { return !exhausted("more than \(limits.maxDecompressedTotal) bytes decompressed in all", at: b.startIndex, ctx) }
        guard let contents = Archive.read(b, maxMembers: limits.maxContainers, maxMember: limits.maxDecompressed, maxTotal: room) else { return false }
        report.containers += 1
        if contents.members.isEmpty, case .unreadable(nil, let why)? = contents.failure {
            // Not even a first member (encrypted headers, cut short): said, and walked as raw data.
            note(.warning, .badContainer, at: b.startIndex, ctx, "the \(kind ?? contents.format) signature is there, but libarchive cannot read the archive (\(why)): walked as raw data")
            return false
        }
        report.decompressedBytes += Swift.min(contents.produced, room)
        if top { archived = true }
        let what = kind ?? contents.format
        for m in contents.members where !stopped {
            let name = capped(m.name)
            var inner = ctx.entering("\(what) member \(name)")
            inner.decoded = true
            inner.name = name
            inner.body = "archive member \(name)"
            inner.inPackage = true
            blob(m.bytes[...], inner)
        }
        for name in contents.encrypted {
            note(.error, .badContainer, at: b.startIndex, ctx, "\(what) archive (\(contents.format)): \(ArchiveFailure.encrypted(member: capped(name)))")
        }
        if let failure = contents.failure {
            note(.error, failure.isLimit ? .limitReached : .badContainer, at: b.startIndex, ctx, "\(what) archive (\(contents.format)): \(failure)")
        }
        return true
    }

    /// A capsule header at the start: EFI, FMP, Lenovo, Toshiba and AMI Aptio ones (UEFITool
    /// `ffs.h`). An image size that does not cover the header, or runs past the file, is a finding;
    /// the rest of the file is walked then, so nothing inside is dropped silently.
    mutating func capsuleBody(_ b: ArraySlice<UInt8>, _ ctx: Context) -> (bytes: ArraySlice<UInt8>, name: String)? {
        guard let h = CapsuleHeader(b) else { return nil }
        let kind: String
        var bodyAt = Int(h.headerSize)
        switch h.guid {
        case .efiCapsule, .efiCapsule2: kind = "EFI"
        case .fmpCapsule: kind = "FMP"
        case .lenovoCapsule, .lenovoCapsule2: kind = "Lenovo"
        case .toshibaCapsule: kind = "Toshiba"
        case .aptioSignedCapsule, .aptioUnsignedCapsule:
            kind = "AMI Aptio"
            // Aptio's header extends EFI's: the ROM image starts at RomImageOffset.
            bodyAt = Int(h.romImageOffset!)
        default: return nil
        }
        guard bodyAt >= CapsuleHeaderFields.length, bodyAt < b.count else { return nil }
        let name = "capsule \(kind) \(h.guid)"
        var end = Int(h.imageSize)
        if end <= bodyAt || end > b.count {
            let why = end <= bodyAt ? "smaller than its header (\(bodyAt) bytes)" : "more than the \(b.count) bytes there are"
            note(.warning, .badContainer, at: b.startIndex, ctx.entering(name), "the \(kind) capsule says its image is \(h.imageSize) bytes, \(why): walking the rest of the file")
            end = b.count
        }
        return (b.sub(bodyAt, end - bodyAt)!, name)
    }

    /// An Intel flash descriptor's BIOS region (FLREG1), when the descriptor signature sits at 0x10.
    func biosRegion(_ b: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        typealias F = FlashDescriptorFields
        guard b.read(F.signature) == UInt64(F.signatureValue), let flmap0 = b.read(F.flmap0),
              let flreg1 = b.read(F.biosRegion, at: F.regionBase(UInt32(flmap0))) else { return nil }
        let (base, limit) = F.range(UInt32(flreg1))
        guard base < limit, base < b.count else { return nil }
        return b.sub(base, Swift.min(limit + 1, b.count) - base)
    }

    // MARK: - Firmware volumes

    /// The longest volume header believed: 0x48 bytes plus 8 per block-map entry (EDK2's
    /// `EFI_FIRMWARE_VOLUME_HEADER`), and real maps have one or two entries. A chance `_FVH` every
    /// few bytes claiming 64 KiB headers would otherwise cost 64 KiB of checksum each.
    let maxVolumeHeader: UInt16 = 0x1000

    /// The declared length of a volume whose header starts at `start`, if the header is sane.
    mutating func volumeLength(_ b: ArraySlice<UInt8>, _ start: Int, _ ctx: Context) -> Int? {
        guard start >= 0, let h = VolumeHeader(b, at: start), h.headerLength >= VolumeHeaderFields.minimumLength,
              h.headerLength <= maxVolumeHeader, h.length > UInt64(h.headerLength), h.length < 1 << 40 else { return nil }
        // Guards against chance `_FVH` strings: the header's 16-bit words sum to zero, or (as
        // UEFITool reads one whose checksum is wrong, with a warning) it names an FFS file system.
        // Up to 4 KiB summed per candidate, so it draws from the search budget.
        guard let header = b.sub(start, Int(h.headerLength)), search(header.count, at: b.startIndex + start, ctx) else { return nil }
        guard VolumeHeader.sum(header) == 0 || Self.isFFS(h.fileSystem) else { return nil }
        return Int(h.length)
    }

    static func isFFS(_ fs: GUID) -> Bool { fs == .ffs3 || GUID.ffs2Alike.contains(fs) }

    mutating func volume(_ v: ArraySlice<UInt8>, declared: Int, _ outer: Context) {
        let h = VolumeHeader(v, at: 0)!
        guard let (ctx, filesAt) = enterVolume(v, h, declared: declared, outer) else { return }
        // A known store (NVRAM, microcode) is no file system: skipped without a finding.
        if GUID.stores.contains(h.fileSystem) { return }
        guard Self.isFFS(h.fileSystem) else {
            note(.info, .badContainer, at: v.startIndex, ctx, "file system \(h.fileSystem) is not FFS v1/v2/v3 (a vendor store): not walked")
            return
        }
        var off = alignUp(filesAt, FileHeaderFields.alignment)
        while !stopped, off + FileHeaderFields.length <= v.count {
            // Free space runs to the end; anything after it is not a file.
            if v.allEqual(h.erase, off, FileHeaderFields.length) { break }
            guard let next = file(v, at: off, v3: h.fileSystem == .ffs3, lenovo: h.revision == 2, erase: h.erase, ctx) else { break }
            off = next
        }
    }

    /// Names the volume by its extended header (revision 2 and later: the Framework's revision 1
    /// has reserved bytes where ExtHeaderOffset is, which Apple fills; UEFITool reads it only when
    /// Revision > 1, ffsparser.cpp), enters it, and reports a wrong checksum or a cut volume.
    /// Returns the context inside and where its files start.
    mutating func enterVolume(_ v: ArraySlice<UInt8>, _ h: VolumeHeader, declared: Int, _ outer: Context) -> (Context, Int)? {
        var filesAt = Int(h.headerLength)
        var name = h.fileSystem
        if let ext = h.extHeaderOffset.map(Int.init), ext != 0 {
            if let fvName = v.guid(VolumeExtHeaderFields.fvName, at: ext), let extSize = v.read(VolumeExtHeaderFields.extHeaderSize, at: ext),
               UInt64(ext) + extSize <= UInt64(v.count) {
                name = fvName
                filesAt = ext + Int(extSize)
            } else {
                note(.warning, .badContainer, at: v.startIndex + ext, outer, "the volume's extended header at \(hex(ext)) runs past the volume: its name is unknown")
            }
        }
        var ctx = outer.entering("volume \(name) @\(hex(v.startIndex))")
        ctx.volumeGUID = name
        guard enter(ctx, at: v.startIndex) else { return nil }
        if let header = v.sub(0, Int(h.headerLength)), VolumeHeader.sum(header) != 0 {
            note(.warning, .badContainer, at: v.startIndex + VolumeHeaderFields.checksum.offset, ctx, "the volume header's checksum is wrong (its words sum to \(hex(Int(VolumeHeader.sum(header))))), not 0): walked anyway, as its file system is FFS")
        }
        if declared > v.count {
            note(.error, .truncatedVolume, at: v.startIndex, ctx, "the volume says it is \(declared) bytes but only \(v.count) are there: walking what is present")
        }
        return (ctx, filesAt)
    }

    /// The FFS file at `off`, walked by its type; where the next file starts, or nil when the
    /// file's size cannot be trusted (the rest of the volume is not walked, with a finding).
    mutating func file(_ v: ArraySlice<UInt8>, at off: Int, v3: Bool, lenovo: Bool = false, erase: UInt8, _ ctx: Context) -> Int? {
        guard let h = FileHeader(v, at: off, v3: v3, lenovo: lenovo) else { return nil }
        let header = h.headerLength
        guard h.size >= header, h.size <= v.count - off else {
            note(.error, .badContainer, at: v.startIndex + off, ctx, "an FFS file says it is \(h.size) bytes, but \(h.size < header ? "that is shorter than its header" : "only \(v.count - off) remain in the volume"): the rest of the volume is not walked")
            return nil
        }
        var fctx = ctx.entering("file \(h.name) @\(hex(v.startIndex + off))")
        fctx.fileGUID = h.name
        fctx.name = nil
        fctx.version = nil
        fctx.body = h.type == FileType.pad ? "the padding file" : h.type == FileType.raw ? "the raw file" : "the file of type \(hex(Int(h.type)))"
        let body = v.sub(off + header, h.size - header - h.tailLength(v3: v3))!
        if enter(fctx, at: v.startIndex + off) {
            switch h.type {
            // A pad file is erased bytes; one that is not may hide anything (UEFITool reports
            // "non-empty pad file"), so it is walked as raw data.
            case FileType.pad: if !body.allEqual(erase, 0, body.count) { blob(body, fctx) }
            case 0x01, 0x00, 0x10...0xEF, 0xF1...0xFF: blob(body, fctx) // raw data: may hold a volume or ROMs
            default: sections(body, fctx)
            }
        }
        return alignUp(off + h.size, FileHeaderFields.alignment)
    }

    // MARK: - Sections

    /// A section list inside a container (a file, a decoded stream, an encapsulating section):
    /// entered like any container, so nesting draws on the same depth and container budget.
    mutating func sections(_ s: ArraySlice<UInt8>, _ outer: Context) {
        guard enter(outer, at: s.startIndex), search(s.count, at: s.startIndex, outer) else { return }
        var ctx = outer
        // The UI name and version are siblings of the image they describe: read them first.
        let nameBytes = 2 * limits.maxNameLength
        walkSections(s) { type, header, section in
            if type == SectionType.userInterface { ctx.name = self.capped(section.from(header)!.ucs2(0, maxBytes: nameBytes)) }
            if type == SectionType.version, let build = section.read(VersionSectionFields.buildNumber, at: header) {
                let text = self.capped(section.from(header + VersionSectionFields.length)!.ucs2(0, maxBytes: nameBytes))
                ctx.version = text.isEmpty ? String(build) : text
            }
        }
        var bad: (Int, String)?
        walkSections(s, bad: &bad) { type, header, section in
            self.section(type: type, header: header, section, ctx)
        }
        if let (at, why) = bad { note(.error, .badContainer, at: at, ctx, why) }
    }

    /// Calls `body` with each section (type, header length, whole section) in order.
    func walkSections(_ s: ArraySlice<UInt8>, _ body: (UInt8, Int, ArraySlice<UInt8>) -> Void) {
        var ignored: (Int, String)?
        walkSections(s, bad: &ignored, body)
    }

    func walkSections(_ s: ArraySlice<UInt8>, bad: inout (Int, String)?, _ body: (UInt8, Int, ArraySlice<UInt8>) -> Void) {
        var off = 0
        while !stopped, off + SectionHeaderFields.length <= s.count {
            guard let h = SectionHeader(s, at: off) else { bad = (s.startIndex + off, "a section's extended size runs past its file"); return }
            guard h.size >= h.headerLength, h.size <= s.count - off else {
                // Trailing erase-polarity padding after the last section is normal.
                if !(s.allEqual(0xFF, off, s.count - off) || s.allEqual(0, off, s.count - off)) {
                    bad = (s.startIndex + off, "a section (type \(hex(Int(h.type)))) says it is \(h.size) bytes; \(s.count - off) remain in its container: the rest is not walked")
                }
                return
            }
            body(h.type, h.headerLength, s.sub(off, h.size)!)
            off = alignUp(off + h.size, SectionHeaderFields.alignment)
        }
    }

    mutating func section(type: UInt8, header: Int, _ sec: ArraySlice<UInt8>, _ outer: Context) {
        let at = sec.startIndex
        switch type {
        case SectionType.compression: compressionSection(header: header, sec, outer)
        case SectionType.guidDefined: guidDefinedSection(header: header, sec, outer)
        case SectionType.pe32, SectionType.te:
            let image = sec.from(header)!
            // A ROM or VBT compiled into a driver (a VBIOS in AcpiPlatformDxe, served to a guest
            // through ACPI _ROM) lies in its image: searched, and named by where it sits.
            if search(image.count, at: image.startIndex, outer) {
                embedded(image, outer.within("the \(type == SectionType.pe32 ? "PE32" : "TE") of \(outer.name ?? "an unnamed file")"), always: true)
            }
            executable(image, at: at, outer)
        case SectionType.volumeImage:
            blob(sec.from(header)!, outer.entering("fv-image @\(hex(at))"))
        case SectionType.freeformSubtypeGUID: // a GUID, then data
            if let data = sec.from(header + FreeformSectionFields.length) { blob(data, outer.entering("freeform @\(hex(at))").within("the freeform section")) }
        case SectionType.raw, SectionType.compatibility16:
            let kind = type == SectionType.raw ? "raw" : "compat16"
            blob(sec.from(header)!, outer.entering("\(kind) @\(hex(at))").within("the \(kind) section"))
        default: break
        }
    }

    /// `EFI_COMPRESSION_SECTION`: the uncompressed length, the compression type, the stream.
    mutating func compressionSection(header: Int, _ sec: ArraySlice<UInt8>, _ outer: Context) {
        typealias F = CompressionSectionFields
        let at = sec.startIndex
        guard let length = sec.read(F.uncompressedLength, at: header), let kind = sec.read(F.compressionType, at: header),
              let data = sec.from(header + F.length) else {
            note(.error, .badContainer, at: at, outer, "a compression section's header runs past the section"); return
        }
        switch kind {
        case 0: sections(data, outer.entering("uncompressed @\(hex(at))"))
        case 1: decode(.efi, data, expected: Int(length), at: at, outer)
        case 2: decode(.lzma, data, expected: Int(length), at: at, outer)
        default: note(.warning, .unknownSection, at: at, outer, "compression type \(kind) is not one the PI spec defines: not searched")
        }
    }

    /// `EFI_GUID_DEFINED_SECTION`: decoded by its GUID (LZMA, Tiano, Brotli), walked through
    /// (CRC32, or any GUID whose attributes say no processing is needed), or reported.
    mutating func guidDefinedSection(header: Int, _ sec: ArraySlice<UInt8>, _ outer: Context) {
        typealias F = GUIDDefinedSectionFields
        let at = sec.startIndex
        guard let guid = sec.guid(F.sectionDefinitionGUID, at: header), let dataOffset = sec.read(F.dataOffset, at: header),
              let attributes = sec.read(F.attributes, at: header),
              Int(dataOffset) >= header + F.length, let data = sec.from(Int(dataOffset)) else {
            note(.error, .badContainer, at: at, outer, "a GUID-defined section's header or data offset runs past the section"); return
        }
        switch guid {
        case .lzma, .lzmaHP: decode(.lzma, data, expected: nil, at: at, outer)
        case .lzmaX86: decode(.lzmaX86, data, expected: nil, at: at, outer)
        case .tiano: decode(.tiano, data, expected: nil, at: at, outer)
        case .brotli:
            // EDK2's BrotliCustomDecompress: u64 decompressed size, u64 scratch size, the stream.
            guard let stream = data.from(BrotliSectionFields.length), let size = data.read(BrotliSectionFields.decompressedSize) else {
                note(.error, .badContainer, at: at, outer, "a Brotli section is shorter than its 16-byte header"); return
            }
            decode(.brotli, stream, expected: nil, sizeHint: Int(clamping: size), at: at, outer)
        case .gzip: decode(.gzip, data, expected: nil, at: at, outer)
        case .zlibAMD:
            // AMD's 0x100-byte header: zeros, the stream's length at 0x14, zeros; then the zlib stream.
            guard let stream = data.from(AMDZlibSectionFields.length) else {
                note(.error, .badContainer, at: at, outer, "an AMD zlib section is shorter than its 256-byte header"); return
            }
            decode(.zlib, stream, expected: nil, at: at, outer)
        case .crc32: sections(data, outer.entering("crc32 @\(hex(at))"))
        default:
            if UInt16(attributes) & F.processingRequired == 0 {
                sections(data, outer.entering("guided \(guid) @\(hex(at))"))
            } else {
                note(.warning, .unknownSection, at: at, outer, "a GUID-defined section of unknown kind \(guid) needs processing vbios cannot do: not searched")
            }
        }
    }

    enum Codec: String { case efi = "efi-compressed", tiano, lzma, lzmaX86 = "lzma-x86", brotli, gzip, zlib }

    /// What a decoded stream holds: PI sections, or (CBFS) a blob.
    enum Contents { case sections, blob }

    /// Decodes one stream within the budget and walks what comes out. Every byte a decoder
    /// produced counts against the total, whether the stream ends well, fails or hits its limit.
    mutating func decode(_ codec: Codec, _ data: ArraySlice<UInt8>, expected: Int?, sizeHint: Int? = nil, at: Int, _ outer: Context,
                         holding contents: Contents = .sections) {
        let ctx = outer.entering("\(codec.rawValue) @\(hex(at))")
        guard enter(ctx, at: at) else { return }
        let room = Swift.min(limits.maxDecompressed, limits.maxDecompressedTotal - report.decompressedBytes)
        guard room > 0 else {
            _ = exhausted("more than \(limits.maxDecompressedTotal) bytes decompressed in all", at: at, ctx)
            return
        }
        if let expected, expected > room {
            note(.error, .limitReached, at: at, ctx, "the section says it decompresses to \(expected) bytes, over the limit of \(room): not decoded")
            return
        }
        let (out, produced, failure) = Self.run(codec, data, room: room, sizeHint: sizeHint)
        report.decompressedBytes += Swift.min(produced, room)
        if let failure {
            note(.error, failure.limited ? .limitReached : .decompressionFailed, at: at, ctx, failure.message)
            return
        }
        var inner = ctx
        inner.decoded = true
        switch contents {
        case .sections: sections(out[...], inner)
        case .blob: blob(out[...], inner)
        }
    }

    /// Runs a decoder: the output, how many bytes it produced (failed or not), and why it failed.
    static func run(_ codec: Codec, _ input: ArraySlice<UInt8>, room: Int, sizeHint: Int? = nil) -> ([UInt8], Int, (limited: Bool, message: String)?) {
        switch codec {
        case .efi, .tiano:
            // Type 1 sections and the Tiano GUID are used for both formats in the wild: the
            // decoder tells them apart, as UEFITool does.
            let input = Array(input)
            if let stated = EFIDecompressor.statedSizes(input), stated.original > room {
                return ([], 0, (true, "the EFI-compressed stream says it decompresses to \(stated.original) bytes, over the limit of \(room): not decoded"))
            }
            do {
                let out = try EFIDecompressor.decompress(input, format: nil, limit: room).bytes
                return (out, out.count, nil)
            } catch {
                // The decoder stops at the stated size; a failed stream counts that much (at most
                // twice that work was done, once per format).
                return ([], EFIDecompressor.statedSizes(input)?.original ?? 0, (false, "\(error)"))
            }
        case .lzma, .lzmaX86, .brotli, .gzip, .zlib:
            do {
                let out: [UInt8]
                switch codec {
                case .brotli: out = try Decompress.brotli(input, limit: room, sizeHint: sizeHint)
                case .gzip, .zlib: out = try Decompress.decode(codec == .gzip ? .gzip : .zlib, Array(input), limit: room)
                default: out = try Decompress.lzma(input, x86: codec == .lzmaX86, limit: room)
                }
                return (out, out.count, nil)
            } catch {
                let limited = if case .outputLimit = error.reason { true } else { false }
                return ([], error.produced, (limited, error.description))
            }
        }
    }

    // MARK: - What is pulled out

    /// A PE32/TE: kept when its image says it is a GOP driver (`GOPRecognition`); a CSM video or GOP
    /// policy driver is named as such in an info finding, not taken for one.
    /// Its header is read by OptionROM's `PEImage` (the magic, MZ or VZ, says which kind).
    mutating func executable(_ image: ArraySlice<UInt8>, at: Int, _ ctx: Context) {
        guard let role = GOPRecognition.role(image, name: ctx.name, fileGUID: ctx.fileGUID, identity: { EFIDriverIdentity.find(in: Array(image)) }) else { return }
        let bytes = Array(image)
        let pe = try? PEImage.parse(bytes)
        // GOP drivers are boot-service drivers (PE subsystem 11): applications and runtime drivers are not.
        if let pe, pe.subsystem != 11 { return }
        let identity = role == .gop ? EFIDriverIdentity.find(in: bytes) : nil
        switch role {
        case .gop:
            append(FirmwareItem(kind: .gopDriver, path: ctx.path, name: ctx.name, offset: image.startIndex,
                                fileOffset: ctx.decoded ? nil : image.startIndex, bytes: bytes,
                                volumeGUID: ctx.volumeGUID, fileGUID: ctx.fileGUID, executable: pe,
                                identity: identity, version: ctx.version ?? identity?.version), at: image.startIndex, ctx)
        case .csmVideo, .gopPolicy:
            let what = role == .csmVideo
                ? "a CSM video driver: Graphics Output over the legacy VBIOS (INT 10h through the CSM's Legacy BIOS Protocol)"
                : "a platform GOP policy driver: it hands the GOP driver its VBT and settings, and draws nothing"
            note(.info, .notGOPDriver, at: image.startIndex, ctx, "\(ctx.name.map { "\"\($0)\"" } ?? "this driver") is \(what); it is no GPU's GOP driver and was not taken as one")
        }
    }

    /// Raw data: a VBT at its start, or option ROMs and VBTs anywhere in it.
    mutating func leaf(_ b: ArraySlice<UInt8>, _ ctx: Context) {
        if b.matches(0, "$VBT"), let size = b.read(VBTHeaderFields.vbtSize) {
            let n = Swift.min(Int(size), b.count)
            append(FirmwareItem(kind: .vbt, path: ctx.path, name: ctx.name, offset: b.startIndex,
                                fileOffset: ctx.decoded ? nil : b.startIndex, bytes: Array(b.prefix(n)),
                                volumeGUID: ctx.volumeGUID, fileGUID: ctx.fileGUID, version: ctx.version), at: b.startIndex, ctx)
            return
        }
        guard search(b.count, at: b.startIndex, ctx) else { return }
        embedded(b, ctx, always: false)
    }

    /// The option ROMs (55 AA and a PCIR, `ROMScanner`) and VBTs (`$VBT` with its BDB) in `b`, whose
    /// search the caller has drawn from the budget. A hit inside `b` gets a path element saying
    /// where (`ctx.body`, +offset): always when `b` is a driver's image, else when not at its start.
    mutating func embedded(_ b: ArraySlice<UInt8>, _ ctx: Context, always: Bool) {
        func path(_ at: Int) -> [String] {
            guard always || at > 0, let body = ctx.body else { return ctx.path }
            return ctx.path + ["inside \(body), +\(hex(at))"]
        }
        let roms = b.withUnsafeBytes { ROMScanner.scan($0) }
        for rom in roms where !stopped {
            let bytes = Array(b.sub(rom.offset, rom.length)!)
            let layout = ROMParser.parse(bytes)
            var found = rom
            found.offset = b.startIndex + rom.offset
            append(FirmwareItem(kind: .optionROM, path: path(rom.offset), name: ctx.name, offset: found.offset,
                                fileOffset: ctx.decoded ? nil : found.offset, bytes: bytes,
                                volumeGUID: ctx.volumeGUID, fileGUID: ctx.fileGUID, rom: found,
                                classCode: layout.images.first?.pcir?.classCode, version: ctx.version), at: found.offset, ctx)
        }
        var from = 0
        while !stopped, let at = b.find("$VBT", from: from) {
            from = at + 4
            // An Intel VBIOS carries its VBT: that one is part of the ROM, not a find of its own.
            if roms.contains(where: { $0.offset <= at && at < $0.end }) { continue }
            guard let length = Self.vbtLength(b, at) else { continue }
            append(FirmwareItem(kind: .vbt, path: path(at), name: ctx.name, offset: b.startIndex + at,
                                fileOffset: ctx.decoded ? nil : b.startIndex + at, bytes: Array(b.sub(at, length)!),
                                volumeGUID: ctx.volumeGUID, fileGUID: ctx.fileGUID, version: ctx.version), at: b.startIndex + at, ctx)
            from = at + length
        }
    }

    /// The length of the VBT at `at` when its header holds together as the kernel checks it
    /// (`intel_bios_is_valid_vbt`, i915 `intel_bios.c`): the header and the whole table fit, and
    /// the BDB it points to starts with "BIOS_DATA_BLOCK". A `$VBT` string alone is not enough.
    static func vbtLength(_ b: ArraySlice<UInt8>, _ at: Int) -> Int? {
        typealias F = VBTHeaderFields
        guard let headerSize = b.read(F.headerSize, at: at), let size = b.read(F.vbtSize, at: at), let bdb = b.read(F.bdbOffset, at: at),
              headerSize >= UInt64(F.length), headerSize <= size, Int(size) <= b.count - at,
              bdb + UInt64(F.bdbSignatureLength) <= size, b.matches(at + Int(bdb), "BIOS_DATA_BLOCK") else { return nil }
        return Int(size)
    }

    /// Option ROMs lying in the input outside every container (a memory dump that also holds a
    /// volume, a flash image with a ROM in a raw region): the plain scan, minus what the walk found.
    /// The covered ranges are sorted and merged once, then both lists are walked in offset order.
    mutating func outsideContainers(_ bytes: [UInt8]) {
        var covered = (report.items.compactMap { i in i.fileOffset.map { ($0, $0 + i.bytes.count) } } + claimed).sorted { $0.0 < $1.0 }
        var merged: [(Int, Int)] = []
        for r in covered {
            if let last = merged.last, r.0 <= last.1 { merged[merged.count - 1].1 = Swift.max(last.1, r.1) } else { merged.append(r) }
        }
        covered = merged
        let roms = bytes.withUnsafeBytes { ROMScanner.scan($0) }.sorted { $0.offset < $1.offset }
        var c = 0
        for rom in roms {
            // Ranges ending at or before this ROM's start cannot overlap it or any later one.
            while c < covered.count, covered[c].1 <= rom.offset { c += 1 }
            if c < covered.count, covered[c].0 < rom.end { continue }
            let slice = bytes[rom.offset..<rom.end]
            append(FirmwareItem(kind: .optionROM, path: ["outside containers"], name: nil, offset: rom.offset,
                                fileOffset: rom.offset, bytes: Array(slice), rom: rom,
                                classCode: ROMParser.parse(Array(slice)).images.first?.pcir?.classCode), at: rom.offset, Context())
        }
    }

    /// Reports an item, drawing on the item and name budgets.
    mutating func append(_ item: FirmwareItem, at offset: Int, _ ctx: Context) {
        guard report.items.count < limits.maxItems else {
            if !stopped { _ = exhausted("more than \(limits.maxItems) items", at: offset, ctx) }
            return
        }
        used.nameBytes += item.path.reduce(item.name?.utf8.count ?? 0) { $0 + $1.utf8.count }
        guard used.nameBytes <= limits.maxNameBytes else {
            if !stopped { _ = exhausted("more than \(limits.maxNameBytes) bytes of names and paths", at: offset, ctx) }
            return
        }
        report.items.append(item)
    }

    // MARK: - coreboot CBFS

    /// The CBFS file whose header is at `h`; returns where its data ends (nil if the header is not sane).
    /// Header (big-endian): magic, len, type, attributes offset, data offset; the name follows.
    mutating func cbfsFile(_ b: ArraySlice<UInt8>, _ h: Int, _ outer: Context) -> Int? {
        typealias F = CBFSFileFields
        guard let file = CBFSFileHeader(b, at: h), file.offset >= F.length, file.offset < 0x10000,
              file.attributesOffset == 0 || (file.attributesOffset >= F.length && file.attributesOffset <= file.offset) else { return nil }
        let dataAt = Int(file.offset), len = Int(file.len)
        let nameEnd = file.attributesOffset == 0 ? dataAt : Int(file.attributesOffset)
        // cbfstool limits names to what fits the header; a hostile one is cut like a UI name.
        let name = capped(b.sub(h, nameEnd)?.ascii(F.length, maxBytes: Swift.min(nameEnd - F.length, limits.maxNameLength)) ?? "")
        var ctx = outer.entering("cbfs \(name.isEmpty ? "(unnamed)" : name) @\(hex(b.startIndex + h))")
        ctx.name = name.isEmpty ? nil : name
        ctx.body = "the CBFS file \(name.isEmpty ? "(unnamed)" : name)"
        guard enter(ctx, at: b.startIndex + h) else { return nil }
        guard let data = b.sub(h + dataAt, len) else {
            note(.error, .badContainer, at: b.startIndex + h, ctx, "the CBFS file says it holds \(len) bytes at +\(hex(dataAt)), past the end of the image")
            return h + F.length
        }
        if file.type == F.deleted { return h + dataAt + len } // deleted / empty space
        let compression = Self.cbfsCompression(b, h, file)
        switch compression {
        case 0: blob(data, ctx)
        // cbfstool writes LZMA as EDK2 does: 5 property bytes, u64 size, the stream.
        case 1: decode(.lzma, data, expected: nil, at: data.startIndex, ctx, holding: .blob)
        default:
            note(.warning, .notDecoded, at: data.startIndex, ctx, "CBFS compression \(compression) (\(compression == 2 ? "LZ4" : "unknown")): not decoded, its contents were not searched")
        }
        return h + dataAt + len
    }

    /// The compression algorithm the file's attributes name (tag "BCZL"), 0 when none does.
    static func cbfsCompression(_ b: ArraySlice<UInt8>, _ h: Int, _ file: CBFSFileHeader) -> UInt64 {
        typealias F = CBFSFileFields
        var compression: UInt64 = 0
        var a = Int(file.attributesOffset)
        while file.attributesOffset != 0, a + F.attributeLength <= Int(file.offset), let tag = b.read(F.attributeTag, at: h + a),
              let size = b.read(F.attributeSize, at: h + a), size >= UInt64(F.attributeLength) {
            if tag == UInt64(F.compressionTag), let algo = b.read(F.compressionAlgorithm, at: h + a) { compression = algo }
            a += Int(size)
        }
        return compression
    }
}

extension FirmwareWalker {
    /// Whether `blob` may hold containers worth walking: a capsule or flash descriptor at its
    /// start, or a `_FVH` / `LARCHIVE` signature anywhere. Two vector-speed passes and no copy, so
    /// plain ROM files and memory dumps keep the scanner's speed (`ContainerSniffer` does the
    /// same on a file read piece by piece).
    public static func mayHoldContainers(_ blob: UnsafeRawBufferPointer) -> Bool {
        startsLikeFirmware(blob) || holdsContainerSignature(blob)
    }

    /// A capsule or an Intel flash descriptor at the start of `blob`.
    public static func startsLikeFirmware(_ blob: UnsafeRawBufferPointer) -> Bool {
        if blob.count >= 0x18, blob.load(fromByteOffset: 0x10, as: UInt8.self) == 0x5A,
           blob[0x11] == 0xA5, blob[0x12] == 0xF0, blob[0x13] == 0x0F { return true }
        if blob.count >= 8 {
            // A vendor package: an archive, or a self-extracting .exe that may hold one.
            let head = Array(blob.prefix(8))[...]
            if Archive.signature(head) != nil || head.starts(with: Array("MZ".utf8)) { return true }
        }
        if blob.count >= 16 {
            // Dell's zlib PFS section or PFS volume, Insyde's iFlash image (`VendorPackages`).
            let head = Array(blob.prefix(16))[...]
            if head.matches(0, "PFS.HDR.") || head.matches(0, "$_IFLASH") || head.matches(8, "_AMIPFAT")
                || head.matches(0, "@HPU") || head.matches(0, "@UAF") || head.matches(0, "_EC\u{01}")   // AMIUCP, LenovoEC
                || head.dropFirst(DellPFSSectionFields.magic.offset).starts(with: DellPFSSectionFields.magicBytes) { return true }
        }
        if blob.count >= 28 {
            let head = Array(blob.prefix(16))[...]
            if let g = GUID(head, at: 0), GUID.capsules.contains(g) { return true }
        }
        return false
    }

    /// The longest signature `holdsContainerSignature` looks for, so that a streamed reader
    /// knows how many bytes to carry from one piece to the next.
    public static let containerSignatureLength = 8

    /// A `_FVH` (firmware volume) or `LARCHIVE` (CBFS entry) signature anywhere in `blob`.
    public static func holdsContainerSignature(_ blob: UnsafeRawBufferPointer) -> Bool {
        guard let base = blob.baseAddress else { return false }
        func at(_ i: Int, _ needle: StaticString) -> Bool {
            needle.withUTF8Buffer { n in i >= 0 && i + n.count <= blob.count && memcmp(base + i, n.baseAddress!, n.count) == 0 }
        }
        // One vector pass over even offsets for each signature's first two pairs (`_F` `FV`,
        // `LA` `AR`): either signature, wherever it starts, has one of them at an even offset.
        // (`_` and `L` alone would stop memchr every 256 bytes of random data.)
        var from = 0
        while let i = ByteSearch.index(ofEvenPair: ((0x5F, 0x46), (0x46, 0x56), (0x4C, 0x41), (0x41, 0x52)),
                                       in: blob, from: from, to: blob.count) {
            if at(i, "_FVH") || at(i - 1, "_FVH") || at(i, "LARCHIVE") || at(i - 1, "LARCHIVE") { return true }
            from = i + 2
        }
        return false
    }
}
