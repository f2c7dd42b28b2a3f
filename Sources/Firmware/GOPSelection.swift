import OptionROM
import Core

/// Chooses the GOP driver a firmware image holds for a card's vendor, so `prepare --rom-from`
/// can give an OVMF guest a display: an APU's VBIOS has no EFI image, and the GOP driver that
/// drives it (`AMDGopDriver`, `IntelGopDriver`) lives in the same firmware image.
///
/// A driver is the vendor's when its UI name, its file GUID or the marker its image carries
/// (`EFIDriverIdentity`, what `info` shows) says so; only X64 drivers count (OVMF for X64 runs
/// those). Copies of the same bytes count once. Several different drivers are refused: a GOP for
/// another generation of the vendor's chips would give the guest no display, or a hang.
public enum FirmwareGOPSelection {
    public struct Candidate: Sendable {
        public var item: FirmwareItem
        /// What says the driver is the vendor's ("UI name AMDGopDriver", "image marker AMD GOP X64 Release Driver").
        public var evidence: [String]

        /// The UI name, else the name its image gives, else "GOP driver".
        public var name: String { item.name ?? item.identity?.name ?? "GOP driver" }
        public var version: String? { item.version }

        public var summary: String {
            let pe = item.executable.map { "\($0.format.rawValue) \($0.machineName), " } ?? ""
            let at = item.fileOffset.map { "at 0x" + String($0, radix: 16) } ?? "at +0x\(String(item.offset, radix: 16)) (decompressed)"
            return RawBytes.quoted(name) + (version.map { " version \($0)" } ?? "") + " (\(pe)\(item.bytes.count) bytes \(at)"
                + (item.fileGUID.map { ", file \($0)" } ?? "") + ")"
        }

        /// `prepare --json`'s `gopDriver`: the driver taken from the firmware image at `source`.
        public func json(source: String) -> JSON {
            .object([
                ("name", .string(name)), ("version", .optional(version)), ("source", .string(source)),
                ("path", .array(item.path.map { .string($0) })), ("fileGUID", .optional(item.fileGUID?.description)),
                ("machineName", .optional(item.executable?.machineName)), ("length", .int(item.bytes.count)),
                ("evidence", .array(evidence.map { .string($0) })),
            ])
        }
    }

    public enum Outcome: Sendable {
        /// The ROM already has an X64 EFI image: nothing to add.
        case notNeeded
        case chosen(Candidate)
        /// Several different drivers fit equally well: none is added.
        case ambiguous(vendor: GPUVendor, candidates: [Candidate])
        /// No X64 GOP driver for the vendor; `found` describes the GOP drivers there are.
        case none(vendor: GPUVendor?, found: [String])

        /// What to do when no driver was chosen: look inside the image, or give the driver yourself.
        public var next: [NextStep] {
            switch self {
            case .notNeeded, .chosen: return []
            case .ambiguous: return [NextStep(.scanFirmware), NextStep(.addEFIDriver, why: "the card's, among the candidates")]
            case .none: return [NextStep(.scanFirmware), NextStep(.addEFIDriver, why: "a driver you pick")]
            }
        }

        /// For prepare's `no-efi-image` note: what the search in `firmwarePath` found, and the
        /// steps that help (worded by the caller).
        public func advice(firmwarePath: String) -> AdvisedText? {
            guard let found = finding(firmwarePath: firmwarePath) else { return nil }
            switch self {
            case .notNeeded, .chosen: return nil
            case .ambiguous:
                return "\(found). Extract them with \(NextStep(.scanFirmware, firmwarePath)) and pass the card's with \(NextStep(.addEFIDriver))."
            case .none:
                return "\(found); \(NextStep(.scanFirmware, firmwarePath)) shows everything in it, and \(NextStep(.addEFIDriver)) adds a driver you pick."
            }
        }

        /// What the search in `firmwarePath` found when it chose no driver, naming no command
        /// (`advice` adds the steps).
        public func finding(firmwarePath: String) -> String? {
            switch self {
            case .notNeeded, .chosen: return nil
            case let .ambiguous(vendor, candidates):
                return "\(firmwarePath) holds \(candidates.count) different X64 GOP drivers for \(vendor.name), equally likely, so none was added: "
                    + candidates.map(\.summary).joined(separator: "; ")
            case let .none(vendor, found):
                return "\(firmwarePath) holds no X64 GOP driver for "
                    + (vendor.map { $0.name } ?? "the card's vendor (vbios knows AMD's, Intel's and NVIDIA's by name)")
                    + (found.isEmpty ? " (it holds no GOP driver at all)" : " (its GOP drivers: " + found.joined(separator: "; ") + ")")
            }
        }
    }

    /// What `prepare` adds to `rom` (the legacy ROM taken from `report`'s image) for an OVMF guest.
    public static func forPreparation(_ report: FirmwareReport, rom: [UInt8], vendorID: UInt16) -> Outcome {
        let layout = ROMParser.parse(rom)
        if layout.efiImages.contains(where: { $0.efi?.machineType == 0x8664 }) { return .notNeeded }
        return choose(report, vendorID: vendorID)
    }

    /// The X64 GOP driver `report` holds for the vendor `vendorID`.
    public static func choose(_ report: FirmwareReport, vendorID: UInt16) -> Outcome {
        let gops = report.items.filter { $0.kind == .gopDriver }
        let found = gops.map { g in
            "\"\(g.name ?? g.identity?.name ?? "unnamed")\" " + (g.executable?.machineName ?? "(no PE header)")
        }
        guard let vendor = GPUVendor(pciVendorID: vendorID) else { return .none(vendor: nil, found: found) }
        var candidates: [Candidate] = []
        for g in gops where g.executable?.machine == 0x8664 {
            let evidence = Self.evidence(g, vendor)
            guard !evidence.isEmpty, !candidates.contains(where: { $0.item.bytes == g.bytes }) else { continue }
            candidates.append(Candidate(item: g, evidence: evidence))
        }
        guard let first = candidates.first else { return .none(vendor: vendor, found: found) }
        guard candidates.count == 1 else { return .ambiguous(vendor: vendor, candidates: candidates) }
        return .chosen(first)
    }

    /// Why `item` is the vendor's GOP driver; empty when nothing says so.
    static func evidence(_ item: FirmwareItem, _ vendor: GPUVendor) -> [String] {
        var out: [String] = []
        // "AMDGopDriver", "AMD GOP Driver", "Intel_GOP": compared without case, spaces or separators.
        let name = item.name.map { String($0.lowercased().filter { $0.isLetter || $0.isNumber }) } ?? ""
        let marker = item.identity?.name ?? ""
        switch vendor {
        case .amd:
            if name.contains("amdgop") { out.append("UI name \(item.name!)") }
            if marker.hasPrefix("AMD GOP") { out.append("image marker \(marker)") }
        case .intel:
            if name.contains("intelgop") { out.append("UI name \(item.name!)") }
            if item.fileGUID == .intelGOP { out.append("file GUID \(GUID.intelGOP) (IntelGopDriver)") }
            if marker.hasPrefix("Intel") { out.append("image marker \(marker)") }
        case .nvidia:
            if name.contains("nvgop") || name.contains("nvidiagop") || (name.contains("nvidia") && name.contains("gop")) {
                out.append("UI name \(item.name!)")
            }
            if marker.hasPrefix("NVIDIA") { out.append("image marker \(marker)") }
        }
        return out
    }
}
