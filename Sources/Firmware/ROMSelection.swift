import OptionROM
import Core

/// Chooses a card's legacy option ROM among those a firmware image holds (`prepare --rom-from`).
///
/// A ROM matches when its vendor ID is the card's and its device ID is the card's or in its PCI
/// 3.0 device list; a ROM naming the card's device ID in its PCIR outranks one that only lists
/// it. Copies of the same bytes count once. Several different ROMs of the best rank are refused:
/// guessing between them could hand the guest another board's VBIOS.
public enum FirmwareROMSelection {
    public struct Candidate: Sendable {
        public var item: FirmwareItem
        /// True when the PCIR names the device ID; false when only its device list does.
        public var exact: Bool
        /// What decided for this one among several different ROMs that fit.
        public var decidedBy: Decision = .only
        /// Its number among the different ROMs that fit (1-based, in the image's order), and the
        /// others: what a person can pick instead (`choice`).
        public var number = 1
        public var others: [Candidate] = []
        public var summary: String {
            let r = item.rom!
            let at = item.fileOffset.map { "at 0x" + String($0, radix: 16) } ?? "at +0x\(String(item.offset, radix: 16)) (decompressed)"
            return "\(r.pciIDs)\(exact ? "" : " (device list)") "
                + "\(item.bytes.count) bytes \(at)\(item.name.map { " " + RawBytes.quoted($0) } ?? "") in \(item.path.joined(separator: " > "))"
        }
    }

    /// How one ROM was taken among several different ones that fit the card's IDs, in the order
    /// the rules are tried.
    public enum Decision: String, Sendable {
        /// It was the only one.
        case only
        /// A raw VFCT table's entry names the card's bus address (amdgpu's rule).
        case address
        /// Its PCIR's class code is the card's.
        case classCode = "class-code"
        /// It states the card's subsystem IDs (a VFCT entry's, an ATOM BIOS's header).
        case subsystem
        /// The person picked its number.
        case choice
        /// Nothing in the ROMs or the card tells them apart: the first in the image was taken and
        /// the others are named (a Mac's flash holds the same GPU's VBIOS for each memory vendor).
        case first
    }

    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// No legacy ROM for the card; `found` lists the legacy ROMs there are.
        case none(vendorID: UInt16, deviceID: UInt16, found: [String])
        /// The number picked is not one of the candidates'.
        case noSuchChoice(number: Int, candidates: [Candidate])
        /// No legacy ROM for the card, but the card vendor's GOP driver (its summary) and maybe a
        /// VBT: a UEFI image with the card's GOP built in (a community OVMF, a laptop's flash).
        case gopOnly(vendorID: UInt16, deviceID: UInt16, gop: String, vbt: Bool)

        /// What to do instead: look inside the image, or give the ROM itself.
        public var next: [NextStep] {
            switch self {
            case .none: return [NextStep(.scanFirmware), NextStep(.romFile, why: "the card's ROM, taken from the image or elsewhere")]
            case .noSuchChoice(_, let c): return [NextStep(.firmwareROMChoice, "1-\(c.count)", why: "one of the candidates' numbers")]
            case .gopOnly: return [NextStep(.scanFirmware, why: "to extract the GOP driver"),
                                   NextStep(.romFile, why: "the card's VBIOS, from the card or elsewhere"),
                                   NextStep(.addEFIDriver, why: "the GOP driver extracted")]
            }
        }

        /// The fact, naming no command (the CLI words the steps: `vbios/FirmwareWording.swift`).
        public var description: String {
            switch self {
            case let .none(v, d, found):
                let ids = PCIIDs(vendor: v, device: d).description
                return "the firmware image holds no legacy option ROM for \(ids)"
                    + (found.isEmpty ? " (it holds no legacy option ROM at all)." : "; it holds: " + FirmwareROMSelection.listing(found, separator: "; ") + ".")
            case let .gopOnly(v, d, gop, vbt):
                return "the firmware image holds no legacy option ROM for \(PCIIDs(vendor: v, device: d)), but it holds the card vendor's GOP driver "
                    + "(\(gop))\(vbt ? " and a VBT" : ""): a UEFI image with the card's GOP built in (a guest firmware such as a community OVMF "
                    + "build, or a laptop's flash). A UEFI guest can boot with such an OVMF as its firmware and needs no ROM from the card; "
                    + "a ROM for the card needs its VBIOS from elsewhere, with this GOP driver added to it."
            case let .noSuchChoice(number, candidates):
                let n = candidates.count
                return "there is no candidate \(number): the firmware image holds \(n == 1 ? "one legacy ROM" : "\(n) different legacy ROMs") for the card:\n"
                    + FirmwareROMSelection.listing(candidates.map { "  \($0.number). " + $0.summary }, separator: "\n")
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

    /// What a ROM says of the board it was built for, where it says it: a VFCT entry's subsystem
    /// IDs, or an ATOM BIOS's (`ATOM_ROM_HEADER`). NVIDIA and Intel VBIOSes state none.
    static func statedSubsystem(_ item: FirmwareItem) -> PCIIDs? {
        // Firmware often leaves a VFCT entry's subsystem IDs 0 (the real tables here do): unstated.
        if let e = item.vfctEntry { return e.subsystemVendorID == 0 ? nil : PCIIDs(vendor: e.subsystemVendorID, device: e.subsystemID) }
        if case .amd(let a)? = ROMParser.parse(item.bytes).vendorInfo, let v = a.subsystemVendorID, let d = a.subsystemID,
           !(v == 0 && d == 0) {
            return PCIIDs(vendor: v, device: d)
        }
        return nil
    }

    /// Whether a ROM sits where the card is: a raw VFCT table's entry is the GPU at its bus
    /// address (amdgpu's rule, `amdgpu_acpi_vfct_bios`: bus, device, function and IDs). When the
    /// table has an entry fitting the card at its address, the entries at other addresses are not
    /// the card's; a table with none there (one taken from another machine) is chosen from by IDs.
    public static func atCard(_ item: FirmwareItem, _ card: Card) -> Bool {
        guard let a = card.address, let e = item.vfctEntry else { return true }
        return e.bus == UInt32(a.bus) && e.device == UInt32(a.device) && e.function == UInt32(a.function)
    }

    /// The card, as far as its host reports it: what tells apart different ROMs with its IDs.
    public struct Card: Sendable {
        public var vendorID: UInt16
        public var deviceID: UInt16
        /// (bus, device, function): a raw VFCT table's entries carry it (`amdgpu_acpi_vfct_bios`).
        public var address: (bus: UInt8, device: UInt8, function: UInt8)?
        public var classCode: UInt32?
        public var subsystem: PCIIDs?
        public var igd = false
        public init(vendorID: UInt16, deviceID: UInt16, address: (bus: UInt8, device: UInt8, function: UInt8)? = nil,
                    classCode: UInt32? = nil, subsystem: PCIIDs? = nil, igd: Bool = false) {
            self.vendorID = vendorID; self.deviceID = deviceID; self.address = address
            self.classCode = classCode; self.subsystem = subsystem; self.igd = igd
        }
    }

    /// The ROM for `vendorID:deviceID` (the older entry point: IDs and address only).
    public static func choose(_ report: FirmwareReport, vendorID: UInt16, deviceID: UInt16,
                              address: (bus: UInt8, device: UInt8, function: UInt8)? = nil, igd: Bool = false) throws(Failure) -> Candidate {
        try choose(report, for: Card(vendorID: vendorID, deviceID: deviceID, address: address, igd: igd))
    }

    /// The different ROMs that fit the card best (exact IDs over a device list), in the image's
    /// order, copies counted once; numbered from 1.
    public static func candidates(_ report: FirmwareReport, for card: Card, byAddress: Bool = true) -> [Candidate] {
        var legacy: [Candidate] = []
        for item in report.items where item.kind == .optionROM && item.rom?.codeType == .x86 {
            if let exact = fit(item.rom!, bytes: item.bytes, vendorID: card.vendorID, deviceID: card.deviceID, igd: card.igd) {
                legacy.append(Candidate(item: item, exact: exact))
            }
        }
        if byAddress, legacy.contains(where: { $0.item.vfctEntry != nil && atCard($0.item, card) }) {
            legacy.removeAll { !atCard($0.item, card) }
        }
        let best = legacy.contains { $0.exact } ? legacy.filter { $0.exact } : legacy
        // Copies count once: a set of the bytes seen (hashed), not a pairwise comparison.
        var distinct: [Candidate] = []
        var seen = Set<[UInt8]>()
        for c in best where seen.insert(c.item.bytes).inserted {
            var c = c
            c.number = distinct.count + 1
            distinct.append(c)
        }
        return distinct
    }

    /// Narrows several different ROMs by what the card reports, in order: a VFCT entry at its
    /// address, its class code, its subsystem IDs. Each rule applies only when it keeps some
    /// candidates and drops others; what is left and the rule that decided.
    public static func narrow(_ distinct: [Candidate], for card: Card) -> ([Candidate], Decision) {
        var left = distinct
        var decided = Decision.first
        func apply(_ rule: Decision, _ keep: (Candidate) -> Bool) {
            guard left.count > 1 else { return }
            let kept = left.filter(keep)
            if !kept.isEmpty, kept.count < left.count { left = kept; decided = rule }
        }
        if let a = card.address {
            apply(.address) { c in
                c.item.vfctEntry.map { $0.bus == UInt32(a.bus) && $0.device == UInt32(a.device) && $0.function == UInt32(a.function) } ?? false
            }
        }
        if let cls = card.classCode { apply(.classCode) { $0.item.classCode.map { $0 == cls } ?? false } }
        if let sub = card.subsystem { apply(.subsystem) { statedSubsystem($0.item) == sub } }
        return (left, left.count == 1 && distinct.count > 1 ? decided : (distinct.count == 1 ? .only : .first))
    }

    /// The card's ROM. Several different ones are told apart by `narrow`; `choice` (a number from
    /// the candidates' listing) picks one; when nothing tells them apart the first in the image is
    /// taken, with the others named in `others` (the caller says so: a warning, not a guess kept quiet).
    public static func choose(_ report: FirmwareReport, for card: Card, choice: Int? = nil) throws(Failure) -> Candidate {
        let distinct = candidates(report, for: card)
        guard !distinct.isEmpty else {
            var ids = Set<String>()
            let found = report.items.filter { $0.kind == .optionROM && $0.rom?.codeType == .x86 }.map {
                $0.rom!.pciIDs.description
            }.filter { ids.insert($0).inserted }
            if found.isEmpty, let gop = report.items.first(where: { $0.kind == .gopDriver && isFor($0, vendorID: card.vendorID, deviceID: card.deviceID) }) {
                let vbt = report.items.contains { $0.kind == .vbt && isFor($0, vendorID: card.vendorID, deviceID: card.deviceID) }
                throw .gopOnly(vendorID: card.vendorID, deviceID: card.deviceID, gop: (gop.name ?? "unnamed") + " in " + gop.path.joined(separator: " > "), vbt: vbt)
            }
            throw .none(vendorID: card.vendorID, deviceID: card.deviceID, found: found)
        }
        if let choice {
            guard (1...distinct.count).contains(choice) else { throw .noSuchChoice(number: choice, candidates: distinct) }
            var c = distinct[choice - 1]
            c.decidedBy = distinct.count == 1 ? .only : .choice
            c.others = distinct.filter { $0.number != choice }
            return c
        }
        let (left, decision) = narrow(distinct, for: card)
        var c = left[0]
        c.decidedBy = decision
        if decision == .only, candidates(report, for: card, byAddress: false).count > 1 { c.decidedBy = .address }
        if decision == .first { c.others = distinct.filter { $0.number != c.number } }
        return c
    }
}
