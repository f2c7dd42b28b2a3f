import OptionROM
import Core

extension FirmwareItem {
    /// `scan --json` element for what sits in containers (README, "JSON"): `kind`, `path`, `name`, then
    /// what the kind has. `offset` counts from the start of the file when `decoded` is false, else
    /// from the start of the last decompressed section named in `path`.
    public var json: JSON {
        var pairs: [(String, JSON)] = [
            ("kind", .string(kind.rawValue)),
            ("path", .array(path.map { .string($0) })),
            ("name", .optional(name)),
            ("offset", .int(offset)),
            ("decoded", .bool(fileOffset == nil)),
            ("length", .int(bytes.count)),
            ("volumeGUID", .optional(volumeGUID?.description)),
            ("fileGUID", .optional(fileGUID?.description)),
        ]
        if let rom {
            pairs += [("vendorID", .hex4(rom.vendorID)), ("deviceID", .hex4(rom.deviceID)),
                      ("codeType", .int(Int(rom.codeType.rawValue))), ("images", .int(rom.imageCount)),
                      ("classCode", .optional(classCode.map { Int($0) })), ("vbios", .bool(isVBIOS))]
        }
        if let executable {
            // The section kind (PE32 or TE), as scan has always said; `info` tells PE32 from PE32+.
            pairs += [("format", .string(executable.format == .te ? "TE" : "PE32")), ("machine", .int(Int(executable.machine))),
                      ("machineName", .string(executable.machineName))]
        }
        if kind == .gopDriver || version != nil { pairs.append(("version", .optional(version))) }
        return .object(pairs)
    }
}

extension FirmwareFinding {
    /// A finding in `scan --json`'s array: `kind` "finding", with `severity`, `code`, `offset`, `message`, `path`.
    public var json: JSON {
        .object([
            ("kind", .string("finding")),
            ("path", .array(path.map { .string($0) })),
            ("severity", .string(finding.severity.rawValue)),
            ("code", .string(finding.code.rawValue)),
            ("offset", .optional(finding.offset)),
            ("message", .string(finding.message)),
        ])
    }
}
