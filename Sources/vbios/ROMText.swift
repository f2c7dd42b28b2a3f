import OptionROM
import Core

/// The readable report of a ROM's layout, shared by `info`, `dump` and `prepare`.
enum ROMText {
    static func render(_ layout: ROMLayout, file: String?) -> [String] {
        var lines: [String] = []
        lines.append((file.map { "\($0): " } ?? "") + "\(layout.size) bytes, \(layout.images.count) image\(layout.images.count == 1 ? "" : "s")"
            + (layout.prefixLength > 0 ? ", first image at \(Hex.prefixed(layout.prefixLength)) after \((layout.prefix ?? .unknown).name)" : ""))
        for (i, image) in layout.images.enumerated() { lines += imageLines(image, index: i) }
        if let vendor = layout.vendorInfo { lines.append(vendorLine(vendor)) }
        if let vendor = layout.vendorInfo { lines.append("Summary: " + vendor.summary) }
        switch layout.verdict {
        case .ok: lines.append("Verdict: ok (nothing to do)")
        case .note: lines.append("Verdict: note (a valid ROM that needs a step before passthrough; see below)")
        case .fail: lines.append("Verdict: fail (damaged; see below)")
        }
        if layout.findings.isEmpty {
            lines.append("No problems found.")
        } else {
            lines.append("Findings:")
            for f in layout.findings { lines.append("  " + findingLine(f)) }
        }
        return lines
    }

    /// One image: its header, PCIR (and revision 3 fields), NPDE, EFI header.
    static func imageLines(_ image: ROMImage, index i: Int) -> [String] {
        var lines: [String] = []
        var head = "Image \(i) at \(Hex.prefixed(image.offset, width: 4)): \(image.codeType.name), \(image.length) bytes"
        if image.isLast { head += ", last" }
        lines.append(head)
        var sig = "  signature \(image.signature)"
        if image.isLegacy {
            sig += ", size byte \(image.sizeByte) (\(image.runtimeLength) bytes), checksum "
            switch image.checksumValid {
            case true?: sig += "ok"
            case false?: sig += "BAD (sum \(Hex.prefixed(image.checksum ?? 0, width: 2)))"
            case nil: sig += "not checked"
            }
        }
        lines.append(sig)
        guard let p = image.pcir else {
            lines.append("  no PCI data structure (ISA-style ROM)")
            return lines
        }
        var pcir = "  \(p.signature) at \(Hex.prefixed(p.offset, width: 4)), revision \(p.revision), length \(p.length): "
            + "\(p.pciIDs), class \(Hex.string(p.classCode, width: 6))"
            + " (\(className(p.classCode))), code revision \(Hex.prefixed(p.codeRevision, width: 4)), \(p.imageLengthBytes) bytes"
        if p.isLast { pcir += ", last" }
        lines.append(pcir)
        if p.revision >= 3 {
            var r3 = "  revision 3:"
            if let m = p.maxRuntimeLength { r3 += " max runtime \(Int(m) * 512) bytes," }
            r3 += " config utility \(Hex.prefixed(p.configUtilityPointer ?? 0, width: 4)), DMTF CLP \(Hex.prefixed(p.dmtfCLPPointer ?? 0, width: 4))"
            if !p.deviceList.isEmpty { r3 += ", device list " + p.deviceList.map { Hex.string($0, width: 4) }.joined(separator: " ") }
            lines.append(r3)
        }
        if let n = image.npde {
            lines.append("  NPDE at \(Hex.prefixed(n.offset, width: 4)), revision \(n.revision): \(n.imageLengthBytes) bytes\(n.isLast ? ", last" : "")"
                + (image.codeType == .nvidia70 ? " (ignored for code type 0x70)" : " (rules the chain)"))
        }
        if let e = image.efi {
            lines.append("  EFI \(e.subsystemName), \(e.machineTypeName), \(e.compression == 0 ? "not compressed" : e.compressionName), initialization size \(Int(e.initializationSize) * 512) bytes, PE image at \(Hex.prefixed(e.peOffset, width: 4))"
                + (e.signature == EFIHeader.expectedSignature ? "" : ", BAD EFI signature \(Hex.prefixed(e.signature, width: 4))"))
            if let d = image.efiDetails { lines.append("  " + efiDetailsLine(d)) }
        }
        return lines
    }

    /// What the vendor's own tables say.
    static func vendorLine(_ vendor: VendorInfo) -> String {
        switch vendor {
        case .nvidia(let n):
            return "NVIDIA BIT table at \(Hex.prefixed(n.bitOffset, width: 4)) (\(n.entries.count) entries): BIOS version \(n.version ?? "unknown")"
        case .amd(let a):
            return (a.atomHeaderOffset.map { "AMD ATOM BIOS, ATOM header at \(Hex.prefixed($0, width: 4))" } ?? "ATI BIOS before ATOM (ATI's signature, no ATOM table)")
                + ": part number \(a.partNumber ?? "unknown"), version \(a.version ?? "unknown"), built \(a.buildDate ?? "unknown")"
        case .intel(let i):
            return "Intel VBT at \(Hex.prefixed(i.vbtOffset, width: 4)): platform \(i.vbtPlatform.isEmpty ? "unnamed" : i.vbtPlatform), VBT version \(i.vbtVersion.map(String.init) ?? "unknown"), BDB version \(i.bdbVersion.map(String.init) ?? "unknown")"
        }
    }

    /// `driver: PE32+ X64 boot-service driver, 180048 bytes (EFI 1.1 compressed), NVIDIA GPU UEFI Driver 0x60009 (Sep 10 2020)`
    static func efiDetailsLine(_ d: EFIImageDetails) -> String {
        var parts: [String] = []
        if let pe = d.pe { parts.append("\(pe.format.rawValue) \(pe.machineName) \(pe.subsystemName)") }
        if let n = d.decompressedLength {
            parts.append("\(n) bytes" + (d.compressed ? " decompressed (\(d.compressionFormat == .tiano ? "Tiano" : "EFI 1.1"))" : ", uncompressed"))
        }
        if let drv = d.driver {
            parts.append(drv.name + (drv.version.map { " \($0)" } ?? "") + (drv.buildDate.map { " (\($0))" } ?? ""))
        } else if d.pe != nil {
            parts.append("no driver name or version found")
        }
        if let p = d.problem { parts.append("UNREADABLE: \(p)") }
        return "driver: " + parts.joined(separator: ", ")
    }

    static func findingLine(_ f: Finding) -> String {
        "\(f.severity.rawValue) \(f.code)" + (f.offset.map { " at \(Hex.prefixed($0, width: 4))" } ?? "") + ": " + f.message
    }

    static func className(_ code: UInt32) -> String {
        switch code >> 8 {
        case 0x0300: return code & 0xFF == 0 ? "VGA compatible controller" : "VGA controller"
        case 0x0301: return "XGA controller"
        case 0x0302: return "3D controller"
        case 0x0380: return "display controller"
        case 0x0200: return "Ethernet controller"
        case 0x0280: return "network controller"
        case 0x0100...0x01FF: return "storage controller"
        case 0x0C03: return "USB controller"
        default: return code >> 16 == 0x03 ? "display controller" : "class \(Hex.string(code >> 16, width: 2))"
        }
    }
}
