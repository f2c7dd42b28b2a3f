import OptionROM
import Core

/// Chooses a card's legacy option ROM among those a firmware image holds (`prepare --rom-from`).
///
/// A ROM matches when its vendor ID is the card's and its device ID is the card's or in its PCI
/// 3.0 device list; a ROM naming the card's device ID in its PCIR outranks one that only lists
/// it. Copies of the same bytes count once. Several different ROMs of the best rank are refused:
/// guessing between them could hand the guest another board's VBIOS, unless they are variants of
/// one ROM (`variants`): then the first by address is taken and the others named.
public enum FirmwareROMSelection {
    public struct Candidate: Sendable {
        public var item: FirmwareItem
        /// True when the PCIR names the device ID; false when only its device list does.
        public var exact: Bool
        /// Variants of the same ROM passed over for this one (`variants`), first by address wins.
        public var alternatives: [Candidate] = []
        public var summary: String {
            let r = item.rom!
            let at = item.fileOffset.map { "at 0x" + String($0, radix: 16) } ?? "at +0x\(String(item.offset, radix: 16)) (decompressed)"
            return "\(r.pciIDs)\(exact ? "" : " (device list)") "
                + "\(item.bytes.count) bytes \(at)\(item.name.map { " " + RawBytes.quoted($0) } ?? "") in \(item.path.joined(separator: " > "))"
        }
    }

    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// No legacy ROM for the card; `found` lists the legacy ROMs there are.
        case none(vendorID: UInt16, deviceID: UInt16, found: [String])
        /// Several different ROMs fit equally well.
        case ambiguous(vendorID: UInt16, deviceID: UInt16, candidates: [Candidate])

        /// What to do instead: look inside the image, or give the ROM itself.
        public var next: [NextStep] {
            switch self {
            case .none: return [NextStep(.scanFirmware), NextStep(.romFile, why: "the card's ROM, taken from the image or elsewhere")]
            case .ambiguous: return [NextStep(.scanFirmware), NextStep(.romFile, why: "the right one of the candidates"),
                                     NextStep(.firmwareCandidate, why: "its number in the list, from 1")]
            }
        }

        /// The fact, naming no command (the CLI words the steps: `vbios/FirmwareWording.swift`).
        public var description: String {
            switch self {
            case let .none(v, d, found):
                let ids = PCIIDs(vendor: v, device: d).description
                return "the firmware image holds no legacy option ROM for \(ids)"
                    + (found.isEmpty ? " (it holds no legacy option ROM at all)." : "; it holds: " + FirmwareROMSelection.listing(found, separator: "; ") + ".")
            case let .ambiguous(v, d, candidates):
                return "the firmware image holds \(candidates.count) different legacy ROMs for \(PCIIDs(vendor: v, device: d)), "
                    + "equally good:\n" + FirmwareROMSelection.listing(candidates.enumerated().map { "  \($0.offset + 1): " + $0.element.summary }, separator: "\n")
            }
        }
    }

    /// At most `shown` entries, then how many more: a hostile image's 20,000 ROMs make a
    /// message of a few lines, not megabytes.
    static func listing(_ entries: [String], separator: String, shown: Int = 10) -> String {
        let head = entries.prefix(shown).joined(separator: separator)
        return entries.count > shown ? head + separator + "and \(entries.count - shown) more" : head
    }

    /// How a ROM fits the card `vendorID:deviceID`: `true` when its PCIR names the device, `false`
    /// when only its device list does (or, for an Intel IGD, `igd`, when it is Intel's all-device
    /// VBIOS naming 8086:FFFF, as `ROMPreparation.anotherChip` accepts it for `--rom`), nil when it
    /// does not fit. The one rule for `prepare --rom-from` and `scan --for`.
    public static func fit(_ rom: EmbeddedROM, bytes: [UInt8], vendorID: UInt16, deviceID: UInt16, igd: Bool = false) -> Bool? {
        guard rom.vendorID == vendorID else { return nil }
        if rom.deviceID == deviceID { return true }
        if igd, vendorID == 0x8086, rom.deviceID == 0xFFFF { return false }
        if let list = ROMParser.parse(bytes).images.first?.pcir?.deviceList, list.contains(deviceID) { return false }
        return nil
    }

    /// Whether `item` is for the card: a ROM that fits it, a GOP driver its vendor's
    /// (`FirmwareGOPSelection`'s evidence), a VBT for an Intel card.
    public static func isFor(_ item: FirmwareItem, vendorID: UInt16, deviceID: UInt16) -> Bool {
        switch item.kind {
        case .optionROM: return item.rom.flatMap { fit($0, bytes: item.bytes, vendorID: vendorID, deviceID: deviceID) } != nil
        case .gopDriver: return GPUVendor(pciVendorID: vendorID).map { !FirmwareGOPSelection.evidence(item, $0).isEmpty } ?? false
        case .vbt: return GPUVendor(pciVendorID: vendorID) == .intel
        }
    }

    /// `address` (bus, device, function), when the card's is known, tells apart ROMs of a raw
    /// VFCT table whose entries carry the same IDs (several GPUs of one model): the one whose entry
    /// names that address is the one amdgpu would take (`amdgpu_acpi_vfct_bios`). `pick` (from 1)
    /// takes that one of the distinct candidates, as the refusal lists them.
    public static func choose(_ report: FirmwareReport, vendorID: UInt16, deviceID: UInt16,
                              address: (bus: UInt8, device: UInt8, function: UInt8)? = nil, igd: Bool = false,
                              pick: Int? = nil) throws(Failure) -> Candidate {
        var legacy: [Candidate] = []
        for item in report.items where item.kind == .optionROM && item.rom?.codeType == .x86 {
            if let exact = fit(item.rom!, bytes: item.bytes, vendorID: vendorID, deviceID: deviceID, igd: igd) {
                legacy.append(Candidate(item: item, exact: exact))
            }
        }
        let best = legacy.contains { $0.exact } ? legacy.filter { $0.exact } : legacy
        // Copies count once: a set of the bytes seen (hashed), not a pairwise comparison.
        var distinct: [Candidate] = []
        var seen = Set<[UInt8]>()
        for c in best where seen.insert(c.item.bytes).inserted { distinct.append(c) }
        guard let first = distinct.first else {
            var ids = Set<String>()
            let found = report.items.filter { $0.kind == .optionROM && $0.rom?.codeType == .x86 }.map {
                $0.rom!.pciIDs.description
            }.filter { ids.insert($0).inserted }
            throw .none(vendorID: vendorID, deviceID: deviceID, found: found)
        }
        if let pick {
            guard distinct.indices.contains(pick - 1) else { throw .ambiguous(vendorID: vendorID, deviceID: deviceID, candidates: distinct) }
            return distinct[pick - 1]
        }
        if distinct.count > 1, let a = address {
            let there = distinct.filter { c in c.item.vfctEntry.map { vfct($0, isAt: a) } ?? false }
            if there.count == 1 { return there[0] }
        }
        guard distinct.count == 1 else {
            // Variants of one board's ROM (an Intel Mac carries two 8600M GT VBIOSes that differ
            // only in a memory table the firmware picks at run time): the first by address is
            // taken, deterministically, and the others are named so the user can pick one.
            if variants(distinct) { return Candidate(item: first.item, exact: first.exact, alternatives: Array(distinct.dropFirst())) }
            throw .ambiguous(vendorID: vendorID, deviceID: deviceID, candidates: distinct)
        }
        return first
    }

    /// amdgpu's rule for a VFCT entry (`amdgpu_acpi_vfct_bios`): its bus, device and function are
    /// the card's. The one rule for `prepare --rom-from` and `scan --for ADDR`.
    public static func vfct(_ entry: VFCTTable.Entry, isAt a: (bus: UInt8, device: UInt8, function: UInt8)) -> Bool {
        entry.bus == UInt32(a.bus) && entry.device == UInt32(a.device) && entry.function == UInt32(a.function)
    }

    /// The most bytes variants of one ROM may differ in: a strap or memory table, not another board's code.
    public static let variantBytes = 256

    /// Whether the candidates are variants of one ROM: none from a VFCT table, the same IDs, each
    /// naming the device in its PCIR, the same length, and at most `variantBytes` bytes apart from the first.
    static func variants(_ cs: [Candidate]) -> Bool {
        // A VFCT table's entries are different GPUs, told apart by address, never variants.
        guard let a = cs.first?.item.bytes, let ra = cs.first?.item.rom, cs.allSatisfy({ $0.item.vfctEntry == nil }) else { return false }
        return cs.dropFirst().allSatisfy { c in
            guard let r = c.item.rom, r.vendorID == ra.vendorID, r.deviceID == ra.deviceID, c.exact,
                  c.item.bytes.count == a.count else { return false }
            var differ = 0
            for i in a.indices where a[i] != c.item.bytes[i] {
                differ += 1
                if differ > variantBytes { return false }
            }
            return true
        }
    }
}
