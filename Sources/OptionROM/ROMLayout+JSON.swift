import Core
/// The `info --json` contract (README, "JSON", version 1).
extension ROMLayout {
    public func json(file: String?) -> JSON {
        .object([
            ("file", .optional(file)),
            ("size", .int(size)),
            ("prefixLength", .int(prefixLength)),
            ("prefix", prefix.map { .string($0.word) } ?? .null),
            ("verdict", .string(verdict.rawValue)),
            ("images", .array(images.map { $0.json })),
            ("vendorInfo", vendorInfo?.json ?? .object([])),
            ("findings", .array(findings.map { $0.json })),
        ])
    }
}

extension Finding {
    public var json: JSON {
        var pairs: [(String, JSON)] = [("severity", .string(severity.rawValue)), ("code", .string(code.rawValue))]
        if let offset { pairs.append(("offset", .int(offset))) }
        pairs.append(("message", .string(message)))
        return .object(pairs)
    }
}

extension ROMImage {
    public var json: JSON {
        var pairs: [(String, JSON)] = [
            ("offset", .int(offset)),
            ("length", .int(length)),
            ("signature", .string(signature)),
            ("sizeByte", .int(Int(sizeByte))),
            ("dataStructure", pcir?.json ?? .null),
            ("codeType", .int(Int(codeType.rawValue))),
            ("codeTypeName", .string(codeType.name)),
            ("vendorID", pcir.map { .hex4($0.vendorID) } ?? .null),
            ("deviceID", pcir.map { .hex4($0.deviceID) } ?? .null),
            ("classCode", pcir.map { .string(Hex.string($0.classCode, width: 6)) } ?? .null),
            ("last", .bool(isLast)),
            ("checksumValid", .optional(checksumValid)),
        ]
        if let npde {
            pairs.append(("npde", .object([
                ("offset", .int(npde.offset)),
                ("revision", .int(Int(npde.revision))),
                ("length", .int(Int(npde.length))),
                ("imageLength", .int(npde.imageLengthBytes)),
                ("last", .bool(npde.isLast)),
            ])))
        }
        if let efi {
            var e: [(String, JSON)] = [
                ("initializationSize", .int(Int(efi.initializationSize) * 512)),
                ("signatureValid", .bool(efi.signature == EFIHeader.expectedSignature)),
                ("subsystem", .int(Int(efi.subsystem))),
                ("subsystemName", .string(efi.subsystemName)),
                ("machineType", .string(Hex.string(efi.machineType, width: 4))),
                ("machineTypeName", .string(efi.machineTypeName)),
                ("compression", .int(Int(efi.compression))),
                ("compressionName", .string(efi.compressionName)),
                ("peOffset", .int(Int(efi.peOffset))),
            ]
            if let d = efiDetails { e += d.jsonPairs }
            pairs.append(("efi", .object(e)))
        }
        return .object(pairs)
    }
}

extension PCIDataStructure {
    public var json: JSON {
        var pairs: [(String, JSON)] = [
            ("offset", .int(offset)),
            ("signature", .string(signature)),
            ("revision", .int(Int(revision))),
            ("length", .int(Int(length))),
            ("imageLength", .int(imageLengthBytes)),
            ("codeRevision", .int(Int(codeRevision))),
            ("indicator", .int(Int(indicator))),
            ("deviceListPointer", .int(Int(deviceListPointer))),
        ]
        if revision >= 3 {
            pairs.append(("deviceList", .array(deviceList.map { .hex4($0) })))
            pairs.append(("maxRuntimeLength", .optional(maxRuntimeLength.map { Int($0) * 512 })))
            pairs.append(("configUtilityPointer", .optional(configUtilityPointer.map { Int($0) })))
            pairs.append(("dmtfCLPPointer", .optional(dmtfCLPPointer.map { Int($0) })))
        }
        return .object(pairs)
    }
}

extension VendorInfo {
    public var json: JSON {
        switch self {
        case .nvidia(let n):
            return .object([
                ("vendor", .string("nvidia")),
                ("summary", .string(summary)),
                ("version", .optional(n.version)),
                ("bitOffset", .int(n.bitOffset)),
                ("bitVersion", .int(Int(n.bitVersion))),
                ("bitEntries", .array(n.entries.map {
                    .object([("id", .string($0.idName)), ("version", .int(Int($0.version))),
                             ("length", .int(Int($0.length))), ("offset", .int(Int($0.offset)))])
                })),
            ])
        case .amd(let a):
            return .object([
                ("vendor", .string("amd")),
                ("summary", .string(summary)),
                ("partNumber", .optional(a.partNumber)),
                ("version", .optional(a.version)),
                ("buildDate", .optional(a.buildDate)),
                ("atomHeaderOffset", .optional(a.atomHeaderOffset)),
            ])
        case .intel(let i):
            return .object([
                ("vendor", .string("intel")),
                ("summary", .string(summary)),
                ("vbtPlatform", .string(i.vbtPlatform)),
                ("vbtVersion", .optional(i.vbtVersion.map { Int($0) })),
                ("bdbVersion", .optional(i.bdbVersion.map { Int($0) })),
                ("vbtOffset", .int(i.vbtOffset)),
                ("vbtSize", .optional(i.vbtSize.map { Int($0) })),
                ("bdbOffset", .optional(i.bdbOffset)),
            ])
        }
    }
}

extension EFIImageDetails {
    /// Keys added to an image's `efi` object once the driver was opened.
    public var jsonPairs: [(String, JSON)] {
        [
            ("compressed", .bool(compressed)),
            ("compressionFormat", .optional(compressionFormat?.rawValue)),
            ("decompressedLength", .optional(decompressedLength)),
            ("pe", pe.map { pe in
                .object([
                    ("format", .string(pe.format.rawValue)),
                    ("machineType", .string(Hex.string(pe.machine, width: 4))),
                    ("machineTypeName", .string(pe.machineName)),
                    ("subsystem", .int(Int(pe.subsystem))),
                    ("subsystemName", .string(pe.subsystemName)),
                    ("sizeOfImage", .optional(pe.sizeOfImage.map { Int($0) })),
                    ("entryPoint", .int(Int(pe.entryPoint))),
                ])
            } ?? .null),
            ("driver", driver.map { d in
                .object([("name", .string(d.name)), ("version", .optional(d.version)), ("buildDate", .optional(d.buildDate))])
            } ?? .null),
            ("problem", .optional(problem)),
        ]
    }
}
