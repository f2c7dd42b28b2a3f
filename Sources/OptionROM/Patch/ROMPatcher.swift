import Core
/// Patches a ROM's bytes: pure, no I/O, so fuzzers can run patch-then-verify.
///
/// Operations are applied in one fixed order, whatever order they were asked in, so that each
/// works on what the previous ones left and a checksum is repaired after every byte it covers
/// has changed:
///
/// 1. `stripHeader`: remove an nvflash `NVGI` header or any bytes before the first image.
/// 2. `extract` (keep one image, alone) or `dropEFI` (remove the EFI images); the image that now
///    ends the chain is marked last (PCIR indicator bit 7, and NPDE's where present).
///    `replaceEFI` drops the EFI images the same way; then `addEFI`/`replaceEFI` builds an EFI
///    image around the driver given (`EFIImageBuilder`) and inserts it where OVMF's PCI bus
///    driver finds it: after the chain's x86/EFI images, before NVIDIA's 0xE0/0x70 ones.
/// 3. `truncate`: cut bytes after the end of the chain.
/// 4. `setIDs`: vendor and device in every PCIR that named the ROM's own IDs, and in revision 3
///    device lists.
/// 5. Checksums: every legacy image when `fixChecksum`, and every legacy image steps 2–4 changed.
/// 6. `padTo`: 0xFF up to a size.
///
/// The result is parsed again; a patch that leaves errors the input did not have is refused.
public enum ROMPatcher {
    /// The largest ROM `info` and `verify` read (and a ROM BAR maps at most): a result past it
    /// is refused, `force` or not, since nothing could read it back.
    public static let maximumSize = 16 << 20

    public static func apply(_ plan: PatchPlan, to input: [UInt8]) throws(PatchError) -> PatchResult {
        var p = Run(bytes: input, plan: plan)
        try p.run()
        return PatchResult(bytes: p.bytes, changes: p.changes, notes: p.notes,
                           layout: p.layout, inputLayout: p.inputLayout)
    }

    struct Run {
        var bytes: [UInt8]
        let plan: PatchPlan
        var layout: ROMLayout
        let inputLayout: ROMLayout
        var changes: [Change] = []
        var notes: [PatchNote] = []
        /// Legacy images (index in the current layout) whose bytes changed and need a checksum.
        var touched: Set<Int> = []
        /// `replaceEFI` on a ROM of EFI images only: the new image replaces the whole chain.
        var replacedAll = false

        init(bytes: [UInt8], plan: PatchPlan) {
            self.bytes = bytes
            self.plan = plan
            self.layout = ROMParser.parse(bytes)
            self.inputLayout = layout
        }

        mutating func reparse() { layout = ROMParser.parse(bytes) }

        /// The names the messages use for operations (the CLI's flags), from the plan.
        var name: PatchNaming { plan.naming }

        /// Pass the override to do it anyway (`why`: what "it" is, as the message says).
        func overrideStep(_ why: String) -> (next: [NextStep], words: String) {
            ([NextStep(.allowBroken, why: why)], "Pass \(name.override) to \(why) anyway.")
        }

        mutating func run() throws(PatchError) {
            guard !layout.images.isEmpty else {
                let why = layout.findings.first { $0.severity == .error }?.message ?? "no option ROM image found"
                throw PatchError(.notAROM, "not an option ROM: " + why)
            }
            if case .efi = plan.extract, plan.dropEFI {
                throw PatchError(.conflict, .dropEFI, "\(name(.extract)) efi and \(name(.dropEFI)) ask for opposite things; choose one.")
            }
            if plan.stripHeader { stripHeader() }
            try checkConflicts()
            let driver = try (plan.addEFI ?? plan.replaceEFI).map { file throws(PatchError) in try checkedDriver(file) }
            if plan.extract != nil || plan.dropEFI || plan.replaceEFI != nil { try selectImages() }
            if let driver { try addEFI(driver) }
            if plan.truncate { try truncate() }
            if let ids = plan.setIDs { try setIDs(ids) }
            try checksums()
            if let size = plan.padTo { try pad(to: size) }
            try verify()
        }

        /// Operations asked for together that cannot both be done.
        func checkConflicts() throws(PatchError) {
            if plan.addEFI != nil, plan.replaceEFI != nil {
                throw PatchError(.conflict, .replaceEFI, "\(name(.addEFI)) and \(name(.replaceEFI)) both give a driver; \(name(.replaceEFI)) "
                    + "already adds its driver after dropping the old ones.")
            }
            if plan.addEFI != nil || plan.replaceEFI != nil, plan.extract != nil {
                throw PatchError(.conflict, .extract, "\(name(.extract)) keeps one image alone; adding an EFI image to it is a second step (run patch again).")
            }
            if plan.compressEFI, plan.addEFI == nil, plan.replaceEFI == nil {
                throw PatchError(.conflict, .compressEFI, "\(name(.compressEFI)) compresses the driver that \(name(.addEFI)) or "
                    + "\(name(.replaceEFI)) adds; give one of them.")
            }
        }

        // MARK: 1

        mutating func stripHeader() {
            let n = layout.prefixLength
            guard n > 0 else {
                notes.append(PatchNote(.nothingToStrip, .stripHeader, "\(name(.stripHeader)): no header before the first image; nothing to strip."))
                return
            }
            let what = (layout.prefix ?? .unknown).name
            changes.append(Change(offset: 0, old: Array(bytes[0..<n]), new: [],
                reason: "strip-header: removed \(what) (\(n) bytes) before the first image"))
            bytes.removeFirst(n)
            reparse()
        }

        // MARK: 2

        /// NVIDIA's extended images (code types 0xE0, 0x70) the given kept set would lose.
        func lostExtendedImages(keeping kept: [Int]) -> [Int] {
            layout.images.indices.filter { i in
                let t = layout.images[i].codeType
                return (t == .nvidiaE0 || t == .nvidia70) && !kept.contains(i)
            }
        }

        func describe(_ i: Int) -> String {
            let im = layout.images[i]
            return "image \(i) (\(im.codeType.name) at \(Hex.prefixed(im.offset)), \(im.length) bytes)"
        }

        /// Step 2: the images `extract`, `dropEFI` or `replaceEFI` keep; the rest are cut out and
        /// the image that now ends the chain is marked last.
        mutating func selectImages() throws(PatchError) {
            let all = Array(layout.images.indices)
            var kept = all
            var why = ""
            if let sel = plan.extract {
                kept = [try extractedImage(sel)]
                why = "extract \(sel)"
            }
            if plan.dropEFI || plan.replaceEFI != nil {
                let before = kept
                kept = kept.filter { !layout.images[$0].isEFI }
                let op: PatchOperation = plan.dropEFI ? .dropEFI : .replaceEFI
                if kept == before {
                    notes.append(PatchNote(.noEFIImage, op, "\(name(op)): the ROM has no EFI image; nothing dropped."))
                }
                if kept.isEmpty {
                    if plan.replaceEFI != nil {
                        // An EFI-only ROM: the new image alone, with the old first image's IDs.
                        replacedAll = true
                        return
                    }
                    throw PatchError(.nothingLeft, .dropEFI, "\(name(.dropEFI)): every image of the ROM is an EFI image; nothing would be left.")
                }
                why = why.isEmpty ? op.rawValue : why + ", drop-efi"
            }
            noteDropped(kept: kept, why: why)
            guard kept != all || plan.extract != nil else { return }
            let newLastOffset = rebuild(keeping: kept, why: why)
            // A kept image whose structures lived in bytes now cut (fuzz-patch found one) parses
            // as nothing: say so rather than index an empty chain.
            guard !layout.images.isEmpty else {
                throw PatchError(.unparsableResult, plan.extract != nil ? .extract : .dropEFI,
                    "\(why): what would be left does not parse as an option ROM (the kept image's headers point outside it). "
                    + "Check the input with \(name.inspect); `\(name(.extract)) N` by index may pick a sounder image.")
            }
            markLast(at: newLastOffset, why: why)
        }

        /// The image `extract` keeps, refused when it is missing, cut, or part of the legacy image.
        func extractedImage(_ sel: ImageSelector) throws(PatchError) -> Int {
            let found: Int?
            switch sel {
            case .legacy: found = layout.images.firstIndex { $0.isLegacy }
            case .efi: found = layout.images.firstIndex { $0.isEFI }
            case .index(let n): found = n >= 0 && n < layout.images.count ? n : nil
            }
            let flag = "\(name(.extract)) \(sel)"
            guard let index = found else {
                let listing = layout.images.indices.map { "\($0): \(layout.images[$0].codeType.name)" }.joined(separator: ", ")
                throw PatchError(.noSuchImage, .extract, "\(flag): the ROM has no such image. Its images are \(listing).")
            }
            if layout.images[index].end > bytes.count {
                throw PatchError(.imagePastEnd, .extract, image: index,
                                 "\(flag): \(describe(index)) runs past the end of the file; there is nothing whole to extract.")
            }
            let im = layout.images[index]
            if im.isLegacy, im.runtimeLength > im.length, index + 1 < layout.images.count {
                // Kepler-era laptop ROMs: the size byte and PCIR cover the NVIDIA images NPDE
                // walks to; a BIOS loads them all as the legacy image.
                throw PatchError(.imagesInsideLegacy, .extract, image: index, size: im.runtimeLength, limit: im.length,
                    "\(flag): \(describe(index))'s size byte covers \(im.runtimeLength) bytes, past the "
                    + "\(im.length) its NVIDIA NPDE gives, so the images after it lie inside what a BIOS loads and checksums as the "
                    + "legacy image. Cutting them would break it: for a BIOS the legacy image is the first \(im.runtimeLength) bytes as they are.")
            }
            return index
        }

        /// What was asked for is done; what it drops is named. NVIDIA's extended images matter
        /// to nvflash and NVIDIA's driver, not to a guest's VGA BIOS or OVMF.
        mutating func noteDropped(kept: [Int], why: String) {
            let dropped = layout.images.indices.filter { !kept.contains($0) }
            guard !dropped.isEmpty else { return }
            let lost = Set(lostExtendedImages(keeping: kept))
            notes.append(PatchNote(.imagesDropped, plan.extract != nil ? .extract : plan.dropEFI ? .dropEFI : .replaceEFI,
                "\(why): kept " + kept.map(describe).joined(separator: ", ") + "; dropped "
                + dropped.map(describe).joined(separator: ", ")
                + (lost.isEmpty ? "." : ". NVIDIA's extended images (\(lost.sorted().map { "image \($0)" }.joined(separator: ", "))) "
                    + "matter to nvflash and NVIDIA's driver on the host, not to a guest's VGA BIOS (SeaBIOS, hvmloader) or OVMF.")))
        }

        /// Rebuilds the bytes: prefix (not for extract), kept images, trailing bytes (not for
        /// extract). Returns where the kept image that ends the chain now starts.
        mutating func rebuild(keeping kept: [Int], why: String) -> Int {
            let extracting = plan.extract != nil
            var out: [UInt8] = []
            if !extracting { out += bytes[0..<layout.prefixLength] }
            else if layout.prefixLength > 0 {
                changes.append(Change(offset: 0, old: Array(bytes[0..<layout.prefixLength]), new: [],
                    reason: "\(why): removed the \(layout.prefixLength) bytes before the first image"))
            }
            var removedSoFar = extracting ? layout.prefixLength : 0
            for i in layout.images.indices {
                let im = layout.images[i]
                let end = min(im.end, bytes.count)
                if kept.contains(i) {
                    out += bytes[im.offset..<end]
                } else {
                    changes.append(Change(offset: im.offset - removedSoFar, old: Array(bytes[im.offset..<end]), new: [],
                        reason: "\(why): removed \(describe(i))"))
                    removedSoFar += end - im.offset
                }
            }
            let chainEnd = min(layout.chainEnd, bytes.count)
            if chainEnd < bytes.count {
                if extracting {
                    changes.append(Change(offset: out.count, old: Array(bytes[chainEnd...]), new: [],
                        reason: "\(why): removed the \(bytes.count - chainEnd) bytes after the chain"))
                } else {
                    out += bytes[chainEnd...]
                }
            }
            let newLastOffset = (extracting ? 0 : layout.prefixLength)
                + kept.dropLast().reduce(0) { $0 + layout.images[$1].length }
            bytes = out
            reparse()
            return newLastOffset
        }

        /// Marks the image at `offset` (the one that now ends the chain) last, in PCIR and NPDE.
        mutating func markLast(at offset: Int, why: String) {
            let image = layout.images.first { $0.offset == offset } ?? layout.images[layout.images.count - 1]
            let index = layout.images.firstIndex(of: image) ?? 0
            var marked = false
            if let pcir = image.pcir, !pcir.isLast {
                marked = setByte(pcir.offset + PCIRFields.indicator.offset, pcir.indicator | PCIRFields.lastImage,
                        "\(why): marked image \(index) last in its PCIR indicator (bit 7)")
            }
            if let npde = image.npde, !npde.isLast {
                marked = setByte(npde.offset + NPDEFields.indicator.offset, npde.indicator | PCIRFields.lastImage,
                        "\(why): marked image \(index) last in its NPDE indicator (bit 7)") || marked
            }
            if marked, image.isLegacy { touched.insert(index) }
            reparse()
        }

        // MARK: 2b

        /// The driver of `addEFI`/`replaceEFI`, refused when the guest cannot run it.
        func checkedDriver(_ file: [UInt8]) throws(PatchError) -> EFIDriverInput {
            let driver = try EFIImageBuilder.driver(from: file)
            if !plan.efiMachines.contains(driver.pe.machine), !plan.force {
                let names = plan.efiMachines.sorted().map(PEImage.machineName).joined(separator: " or ")
                let op: PatchOperation = plan.replaceEFI != nil ? .replaceEFI : .addEFI
                throw PatchError(.driver, op, next: [NextStep(.allowBroken, why: "add it")],
                    "\(driver.origin) is \(English.withArticle(driver.pe.machineName)) driver; an x86-64 UEFI guest (OVMF) runs only \(names) "
                    + "drivers and would skip it. Take the \(names) build of the driver, or pass \(name.override) to add it anyway.")
            }
            return driver
        }

        mutating func addEFI(_ driver: EFIDriverInput) throws(PatchError) {
            let op: PatchOperation = plan.replaceEFI != nil ? .replaceEFI : .addEFI
            let what = op.rawValue
            // The IDs and class the card matches on: the legacy image's, else the first image's.
            guard let main = (layout.images.first { $0.isLegacy } ?? layout.images.first)?.pcir else {
                throw PatchError(.noPCIR, op, "\(name(op)): the ROM has no PCI data structure to take vendor and device IDs from.")
            }
            notes.append(try GOPFamilyCheck.enforce(driver, vendor: main.vendorID, device: main.deviceID,
                                                   allowed: plan.force || plan.allowGOPMismatch, operation: op, named: name(op)))
            let nvidia = layout.images.contains { $0.npde != nil }
            // Insert before NVIDIA's extended images (where NVIDIA's own GOP sits), else at the chain's end.
            let at = replacedAll ? 0 : (layout.images.firstIndex { $0.codeType == .nvidiaE0 || $0.codeType == .nvidia70 } ?? layout.images.count)
            let followed = !replacedAll && at < layout.images.count
            let image = EFIImageBuilder.build(driver, vendor: main.vendorID, device: main.deviceID, classCode: main.classCode,
                                              compress: plan.compressEFI, nvidia: nvidia, last: true, npdeLast: !followed)
            let offset = replacedAll ? layout.prefixLength : (at < layout.images.count ? layout.images[at].offset : min(layout.chainEnd, bytes.count))
            if !replacedAll { leadOn(to: at, followed: followed, what: what) }
            let removed: [UInt8] = replacedAll ? Array(bytes[offset..<min(layout.chainEnd, bytes.count)]) : []
            let size = driver.bytes.count
            changes.append(Change(offset: offset, old: removed, new: image,
                reason: "\(what): EFI image for \(main.pciIDs) around "
                    + "\(driver.origin) (\(driver.pe.format.rawValue) \(driver.pe.machineName) \(driver.pe.subsystemName), \(size) bytes"
                    + (plan.compressEFI ? ", EFI-compressed to \(image.count) bytes with headers" : "") + ")"
                    + (nvidia ? ", NPDE after its PCIR" : "")))
            if replacedAll {
                bytes.replaceSubrange(offset..<min(layout.chainEnd, bytes.count), with: image)
            } else {
                bytes.insert(contentsOf: image, at: offset)
            }
            // Touched indices stay valid: the new image goes after every image they name.
            reparse()
            if let bar = plan.romBarSize, bytes.count > bar, !plan.force {
                throw PatchError(.largerThanBAR, op, size: bytes.count, limit: bar,
                    "\(name(op)): the result is \(bytes.count) bytes, larger than the card's \(bar)-byte ROM BAR; firmware reads "
                    + "no further than the BAR. Compress the driver (\(name(.compressEFI))), drop images (\(name(.dropEFI))), "
                    + "or cut what follows the chain (\(name(.truncate))).")
            }
        }

        /// OVMF walks the PCIR last bits: every image before `at` must lead on to the new one.
        mutating func leadOn(to at: Int, followed: Bool, what: String) {
            for i in 0..<at {
                let im = layout.images[i]
                var changed = false
                if let pcir = im.pcir, pcir.isLast {
                    changed = setByte(pcir.offset + PCIRFields.indicator.offset, pcir.indicator & ~PCIRFields.lastImage,
                                      "\(what): image \(i) no longer last in its PCIR, so firmware walks on to the new EFI image")
                }
                if let npde = im.npde, npde.isLast, !followed {
                    changed = setByte(npde.offset + NPDEFields.indicator.offset, npde.indicator & ~PCIRFields.lastImage,
                                      "\(what): image \(i) no longer last in its NPDE") || changed
                }
                if changed, im.isLegacy { touched.insert(i) }
            }
        }

        // MARK: 3

        mutating func truncate() throws(PatchError) {
            let end = layout.chainEnd
            guard end < bytes.count else {
                notes.append(PatchNote(.nothingToTruncate, .truncate, "\(name(.truncate)): nothing follows the end of the chain."))
                return
            }
            // An NVIDIA image past the end means the walk stopped early, not that the bytes are junk.
            var at = end
            while let hit = bytes.withUnsafeBytes({ ROMParser.findFirstImage(ByteView($0), from: at) }) {
                let ptr = Int(bytes.read(ImageHeaderFields.dataStructurePointer, at: hit) ?? 0)
                let type = UInt8(bytes.read(PCIRFields.codeType, at: hit + ptr) ?? 0)
                if type == 0xE0 || type == 0x70 {
                    notes.append(PatchNote(.extendedImageCut, .truncate,
                        "\(name(.truncate)): cut an NVIDIA extended image (code type \(Hex.prefixed(type, width: 2))) at "
                        + "\(Hex.prefixed(hit)), after the chain's end at \(Hex.prefixed(end)); the card exposes the chain only."))
                    break
                }
                at = hit + 1
            }
            changes.append(Change(offset: end, old: Array(bytes[end...]), new: [],
                reason: "truncate: removed the \(bytes.count - end) bytes after the chain's end"))
            bytes.removeSubrange(end...)
            reparse()
        }

        // MARK: 4

        /// IDs no device has, or of another vendor than the ROM's own tables: refused without `force`.
        func checkIDs(_ ids: PCIIDs) throws(PatchError) {
            guard !plan.force else { return }
            let flag = "\(name(.setIDs)) \(ids)"
            if ids.vendor == 0 || ids.vendor == 0xFFFF {
                let pass = overrideStep("write it")
                throw PatchError(.badIDs, .setIDs, next: pass.next, "\(flag): vendor \(Hex.string(ids.vendor, width: 4)) is not a valid "
                    + "PCI vendor ID (0000 and ffff mean no device). " + pass.words)
            }
            if ids.device == 0xFFFF {
                let pass = overrideStep("write it")
                throw PatchError(.badIDs, .setIDs, next: pass.next, "\(flag): device ffff is what an absent device reads as. " + pass.words)
            }
            let expected: GPUVendor? = switch layout.vendorInfo {
            case .nvidia: .nvidia
            case .amd: .amd
            case .intel: .intel
            case nil: nil
            }
            if let expected, expected != GPUVendor(pciVendorID: ids.vendor) {
                let pass = overrideStep("write the IDs")
                throw PatchError(.badIDs, .setIDs, next: pass.next,
                    "\(flag): the ROM's own tables say it is \(English.withArticle(layout.vendorInfo!.vendorName)) ROM "
                    + "(vendor \(Hex.string(expected.pciVendorID, width: 4))); it will not run on \(English.withArticle(Hex.string(ids.vendor, width: 4))) card. "
                    + pass.words)
            }
        }

        mutating func setIDs(_ ids: PCIIDs) throws(PatchError) {
            try checkIDs(ids)
            guard let main = layout.images.first(where: { $0.isLegacy || $0.isEFI })?.pcir ?? layout.images.first?.pcir else {
                throw PatchError(.noPCIR, .setIDs, "\(name(.setIDs)): the ROM has no PCI data structure to hold IDs (an ISA-style image).")
            }
            let old = PCIIDs(vendor: main.vendorID, device: main.deviceID)
            for (i, image) in layout.images.enumerated() {
                guard let pcir = image.pcir else { continue }
                guard pcir.vendorID == old.vendor, pcir.deviceID == old.device else {
                    notes.append(PatchNote(.otherIDsLeft, .setIDs, image: i,
                        "\(name(.setIDs)): image \(i) names \(pcir.pciIDs), "
                        + "not the ROM's \(old); left as it is."))
                    continue
                }
                var changed = false
                if pcir.vendorID != ids.vendor {
                    changed = setU16(pcir.offset + PCIRFields.vendorID.offset, ids.vendor, "set-ids: image \(i)'s PCIR vendor \(Hex.string(pcir.vendorID, width: 4)) → \(Hex.string(ids.vendor, width: 4))") || changed
                }
                if pcir.deviceID != ids.device {
                    changed = setU16(pcir.offset + PCIRFields.deviceID.offset, ids.device, "set-ids: image \(i)'s PCIR device \(Hex.string(pcir.deviceID, width: 4)) → \(Hex.string(ids.device, width: 4))") || changed
                }
                if pcir.revision >= 3, pcir.deviceListPointer != 0 {
                    let list = pcir.offset + Int(pcir.deviceListPointer)
                    for (n, id) in pcir.deviceList.enumerated() where id == old.device && id != ids.device {
                        changed = setU16(list + 2 * n, ids.device, "set-ids: image \(i)'s PCIR device list entry \(n) \(Hex.string(id, width: 4)) → \(Hex.string(ids.device, width: 4))") || changed
                    }
                }
                if changed, image.isLegacy { touched.insert(i) }
            }
            reparse()
        }

        // MARK: 5

        mutating func checksums() throws(PatchError) {
            // Last image first: a size byte may cover bytes of the images after it (a runtime
            // copy, a damaged ROM), so those must be final before its sum is taken.
            for (i, image) in layout.images.enumerated().reversed() where image.isLegacy {
                guard plan.fixChecksum || touched.contains(i) else { continue }
                let runtime = image.runtimeLength
                guard runtime > 0 else {
                    notes.append(PatchNote(.emptyRuntimeImage, image: i, "checksum: image \(i)'s size byte is 0; there is no runtime image to sum."))
                    continue
                }
                guard image.offset + runtime <= bytes.count else {
                    throw PatchError(.checksum, image: i, size: runtime, limit: bytes.count - image.offset, "checksum: image \(i)'s size byte covers \(runtime) bytes but only "
                        + "\(bytes.count - image.offset) remain; the ROM is truncated and its checksum cannot be repaired.")
                }
                let sum = bytes.withUnsafeBytes { Checksum.sum($0, from: image.offset, count: runtime) }
                guard sum != 0 else {
                    if plan.fixChecksum, !touched.contains(i) {
                        notes.append(PatchNote(.checksumValid, .fixChecksum, image: i, "fix-checksum: image \(i)'s checksum is already valid."))
                    }
                    continue
                }
                let (rel, convention) = ChecksumConvention.locate(bytes, image: image.offset, runtime: runtime, choice: plan.checksumByte)
                try checkChecksumByte(rel, image: image, index: i)
                let at = image.offset + rel
                let reason = plan.fixChecksum ? "fix-checksum" : "checksum repaired after the changes above"
                setByte(at, bytes[at] &- sum, "\(reason): image \(i)'s \(runtime) bytes summed to \(Hex.prefixed(sum, width: 2)); "
                    + "\(convention.words(name)) absorbs it")
            }
            reparse()
        }

        /// The byte chosen to absorb image `index`'s sum must be its own and free.
        func checkChecksumByte(_ rel: Int, image: ROMImage, index i: Int) throws(PatchError) {
            let runtime = image.runtimeLength
            guard rel >= 0, rel < runtime else {
                throw PatchError(.checksum, .checksumByte, image: i, "checksum: byte \(Hex.prefixed(rel)) lies outside image \(i)'s "
                    + "\(runtime) runtime bytes; choose another \(name(.checksumByte)).")
            }
            if rel >= image.length, image.length > 0 {
                throw PatchError(.checksum, image: i, "checksum: image \(i)'s size byte covers \(runtime) bytes, past its own \(image.length); the byte that "
                    + "would absorb the sum (\(Hex.prefixed(image.offset + rel))) belongs to the image after it, whose checksum it would "
                    + "break. The size byte is wrong: take the ROM from another source.")
            }
            if let r = ChecksumConvention.protectedRanges(image).first(where: { $0.contains(rel) }) {
                throw PatchError(.checksum, .checksumByte, image: i, "checksum: byte \(Hex.prefixed(rel)) of image \(i) is part of its header or data structures "
                    + "(\(Hex.prefixed(r.lowerBound))..<\(Hex.prefixed(r.upperBound))); changing it would break the image. "
                    + "Choose another \(name(.checksumByte)) (last, 6 or an offset).")
            }
        }

        // MARK: 6

        mutating func pad(to size: Int) throws(PatchError) {
            let flag = "\(name(.padTo)) \(size)"
            guard size <= PatchPlan.maximumPadSize else {
                throw PatchError(.padSize, .padTo, size: size, limit: PatchPlan.maximumPadSize, "\(flag): larger than 16 MiB, the largest ROM BAR a PCI device has; no firmware would map the rest.")
            }
            guard size >= bytes.count else {
                throw PatchError(.padSize, .padTo, size: size, limit: bytes.count, "\(flag): the ROM is already \(bytes.count) bytes. Pass \(name(.truncate)) to cut what "
                    + "follows the chain, or choose a larger size.")
            }
            if size & (size - 1) != 0 {
                notes.append(PatchNote(.padNotPowerOfTwo, .padTo, "\(flag): not a power of two; a ROM BAR's size always is, so firmware and QEMU round it up."))
            }
            guard size > bytes.count else { return }
            let fill = [UInt8](repeating: 0xFF, count: size - bytes.count)
            changes.append(Change(offset: bytes.count, old: [], new: fill,
                reason: "pad-to: added \(fill.count) bytes of 0xFF to make \(size) bytes"))
            bytes += fill
            reparse()
        }

        // MARK: verification

        mutating func verify() throws(PatchError) {
            if bytes.count > ROMPatcher.maximumSize {
                throw PatchError(.tooLarge, size: bytes.count, limit: ROMPatcher.maximumSize, "the result would be \(bytes.count) bytes, more than the \(ROMPatcher.maximumSize >> 20) MiB "
                    + "(\(ROMPatcher.maximumSize) bytes) an option ROM can be: \(name.inspect) and \(name.check) would refuse it, "
                    + "and no ROM BAR maps it. Nothing was written.")
            }
            let before = Set(inputLayout.findings.filter { $0.severity == .error }.map(\.code))
            let new = layout.findings.filter { $0.severity == .error && !before.contains($0.code) }
            if !new.isEmpty, !plan.force {
                throw PatchError(.verificationFailed, findings: new, next: [NextStep(.allowBroken, why: "write it")],
                    "the patched ROM does not verify: " + new.map { "\($0.code): \($0.message)" }.joined(separator: "; ")
                    + ". Nothing was written; pass \(name.override) to write it anyway.")
            }
            for f in layout.findings where f.severity != .info {
                notes.append(PatchNote(.remainingFinding, finding: f, "the result still has: \(f.code): \(f.message)"))
            }
        }

        // MARK: byte edits

        @discardableResult
        mutating func setByte(_ at: Int, _ value: UInt8, _ reason: String) -> Bool {
            guard bytes[at] != value else { return false }
            changes.append(Change(offset: at, old: [bytes[at]], new: [value], reason: reason))
            bytes[at] = value
            return true
        }

        mutating func setU16(_ at: Int, _ value: UInt16, _ reason: String) -> Bool {
            let new = [UInt8(value & 0xFF), UInt8(value >> 8)]
            let old = Array(bytes[at..<(at + 2)])
            guard old != new else { return false }
            changes.append(Change(offset: at, old: old, new: new, reason: reason))
            bytes[at] = new[0]
            bytes[at + 1] = new[1]
            return true
        }
    }
}

/// What to do to a ROM. Each field is one operation; `ROMPatcher` applies them in its fixed order.
public struct PatchPlan: Sendable, Equatable {
    public var stripHeader = false
    public var extract: ImageSelector?
    public var dropEFI = false
    public var truncate = false
    public var setIDs: PCIIDs?
    public var fixChecksum = false
    public var checksumByte: ChecksumByte = .auto
    public var padTo: Int?
    /// The largest `padTo`: 16 MiB, the largest PCI ROM BAR (the ROM BAR's address field).
    public static let maximumPadSize = 16 << 20
    /// `--add-efi FILE`: the file's bytes (a PE32/PE32+/TE driver or an EFI option ROM).
    public var addEFI: [UInt8]?
    /// `--replace-efi FILE`: the EFI images dropped, then this driver added.
    public var replaceEFI: [UInt8]?
    /// Store the added driver EFI-compressed.
    public var compressEFI = false
    /// Machines the guest runs; a driver for another is refused (X64 and EBC: an x86-64 OVMF).
    public var efiMachines: Set<UInt16> = EFIImageBuilder.x64GuestMachines
    /// The card's ROM BAR size when known: a larger result is refused.
    public var romBarSize: Int?
    /// Write what would otherwise be refused: IDs that cannot be right (vendor 0000/ffff, another
    /// vendor than the ROM's tables), a result with new errors. The CLI's `--allow-broken`.
    public var force = false
    /// How messages name operations and the override (the CLI: its flags).
    public var naming: PatchNaming = .names
    /// Add a GOP driver that `GOPFamilyCheck` finds is not for the ROM's chip (only that refusal).
    public var allowGOPMismatch = false

    public init() {}

    /// Whether any operation is asked for.
    public var isEmpty: Bool {
        !stripHeader && extract == nil && !dropEFI && !truncate && setIDs == nil && !fixChecksum && padTo == nil
            && addEFI == nil && replaceEFI == nil
    }
}

public enum ImageSelector: Sendable, Equatable, CustomStringConvertible {
    case legacy, efi, index(Int)

    public init?(parsing s: String) {
        switch s.lowercased() {
        case "legacy", "x86": self = .legacy
        case "efi", "uefi": self = .efi
        default:
            guard let n = Int(s), n >= 0 else { return nil }
            self = .index(n)
        }
    }

    public var description: String {
        switch self {
        case .legacy: return "legacy"
        case .efi: return "efi"
        case .index(let n): return String(n)
        }
    }
}

/// One change a patch made. `offset` counts in the bytes as they stood when the step ran: for
/// byte edits (IDs, last bits, checksums), which come after every removal, that is the output's
/// offset; a removal has `new` empty, padding `old` empty.
public struct Change: Sendable, Equatable {
    public var offset: Int
    public var old: [UInt8]
    public var new: [UInt8]
    public var reason: String
    public init(offset: Int, old: [UInt8], new: [UInt8], reason: String) {
        self.offset = offset
        self.old = old
        self.new = new
        self.reason = reason
    }

    public var json: JSON {
        var pairs: [(String, JSON)] = [("offset", .int(offset))]
        if old.count <= 16, new.count <= 16 {
            pairs.append(("old", .string(old.map { Hex.string($0, width: 2) }.joined())))
            pairs.append(("new", .string(new.map { Hex.string($0, width: 2) }.joined())))
        }
        pairs.append(("oldLength", .int(old.count)))
        pairs.append(("newLength", .int(new.count)))
        pairs.append(("reason", .string(reason)))
        return .object(pairs)
    }
}

public struct PatchResult: Sendable {
    public var bytes: [UInt8]
    public var changes: [Change]
    /// What was not done or is worth knowing (nothing to strip, a size that is not a power of two).
    public var notes: [PatchNote]
    /// The result's layout, parsed again.
    public var layout: ROMLayout
    public var inputLayout: ROMLayout
}
