import Core
// What an EFI image of a ROM holds once opened: the driver decompressed (bounded), its PE/TE
// header checked against the EFI image header, and the driver's name and version. `info` asks
// for it; the plain parse does not, so `verify` and `scan` stay fast on large inputs.

public struct EFIImageDetails: Sendable, Equatable {
    /// The EFI header says EFI-compressed.
    public var compressed: Bool
    /// The format the stream decoded as (compressed images only).
    public var compressionFormat: EFICompressionFormat?
    /// Bytes of the driver after decompression (for uncompressed images, the bytes after the PE offset).
    public var decompressedLength: Int?
    public var pe: PEImage?
    public var driver: EFIDriverIdentity?
    /// Why the driver could not be opened, when it could not.
    public var problem: String?
}

/// Takes the driver (PE/TE bytes) out of one EFI image of a ROM.
public enum EFIImagePayload {
    /// Output bound for one driver: the largest EFI GOPs decompress to about 200 KiB.
    public static let defaultLimit = 16 << 20

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let offset: Int
        public let message: String
        public var description: String { "EFI image at \(Hex.prefixed(offset)): \(message)" }
    }

    /// The driver bytes of `image` (decompressed when the header says so) and the format used.
    public static func driver(of image: ROMImage, in bytes: [UInt8], limit: Int = defaultLimit) throws(Failure)
        -> (bytes: [UInt8], format: EFICompressionFormat?)
    {
        let range = try stream(of: image, in: bytes)
        let payload = Array(bytes[range])
        guard image.efi?.compression == 1 else { return (payload, nil) }
        do {
            let out = try EFIDecompressor.decompress(payload, format: nil, limit: limit)
            return (out.bytes, out.format)
        } catch {
            throw Failure(offset: range.lowerBound + error.offset, message: error.message)
        }
    }

    /// Where the driver of `image` lies in `bytes` (compressed or not), its compression type checked.
    public static func stream(of image: ROMImage, in bytes: [UInt8]) throws(Failure) -> Range<Int> {
        guard let efi = image.efi, efi.signature == EFIHeader.expectedSignature else {
            throw Failure(offset: image.offset, message: "no EFI image header (signature 0x0ef1) here")
        }
        // As EDK2's PciBusDxe reads it: the driver runs from the PE offset to the initialization size.
        let start = image.offset + Int(efi.peOffset)
        let end = min(image.offset + Int(efi.initializationSize) * 512, bytes.count)
        guard Int(efi.peOffset) > 0, start < end else {
            throw Failure(offset: image.offset,
                          message: "the PE offset \(Hex.prefixed(efi.peOffset)) is not inside the initialization size (\(Int(efi.initializationSize) * 512) bytes)")
        }
        guard efi.compression <= 1 else {
            throw Failure(offset: image.offset + 0x0C, message: "compression type \(efi.compression) is neither 0 (none) nor 1 (EFI)")
        }
        return start..<end
    }

    /// The driver of `image` as `decodes` read it (decompressed once per command), or its bytes
    /// summarised when it is not compressed.
    static func summary(of image: ROMImage, in bytes: [UInt8], decodes: EFIDriverDecodes) throws(Failure)
        -> (driver: EFIDriverDecodes.Driver, format: EFICompressionFormat?)
    {
        let range = try stream(of: image, in: bytes)
        guard image.efi?.compression == 1 else { return (EFIDriverDecodes.Driver(Array(bytes[range])), nil) }
        switch decodes.either(range, in: bytes) {
        case .success(let out): return (out.driver, out.format)
        case .failure(let error): throw Failure(offset: range.lowerBound + error.offset, message: error.message)
        }
    }
}

extension ROMLayout {
    /// The layout with every EFI image opened (`ROMImage.efiDetails`) and findings for drivers
    /// that cannot be read or whose PE header contradicts the EFI header.
    public func withEFIDetails(_ bytes: [UInt8], limit: Int = EFIImagePayload.defaultLimit) -> ROMLayout {
        withEFIDetails(bytes, decodes: EFIDriverDecodes(self, bytes: bytes, limit: limit))
    }

    /// The same, from drivers already decoded (shared with `GuestFirmware.ovmf`).
    public func withEFIDetails(_ bytes: [UInt8], decodes: EFIDriverDecodes) -> ROMLayout {
        var out = self
        for (index, image) in images.enumerated() {
            guard image.isEFI, let efi = image.efi, efi.signature == EFIHeader.expectedSignature else { continue }
            var d = EFIImageDetails(compressed: efi.compression == 1)
            do {
                let driver = try EFIImagePayload.summary(of: image, in: bytes, decodes: decodes)
                d.compressionFormat = driver.format
                d.decompressedLength = driver.driver.length
                do {
                    let pe = try driver.driver.pe.get()
                    d.pe = pe
                    d.driver = driver.driver.identity
                    var differ: [String] = []
                    if pe.machine != efi.machineType {
                        differ.append("machine \(pe.machineName) in the PE header, \(efi.machineTypeName) in the EFI header")
                    }
                    if pe.subsystem != efi.subsystem {
                        differ.append("subsystem \(pe.subsystemName) in the PE header, \(efi.subsystemName) in the EFI header")
                    }
                    if !differ.isEmpty {
                        out.findings.append(Finding(.efiHeaderMismatch, at: image.offset, advice: "Image \(index)'s driver contradicts "
                            + "its EFI header: \(differ.joined(separator: "; ")). UEFI firmware picks images by the EFI header; rebuild the "
                            + "image from the driver (\(NextStep(.patchCommand, "replace-efi")))."))
                    }
                } catch {
                    d.problem = error.description
                    out.findings.append(Finding(.badEFIImage, at: image.offset + Int(efi.peOffset) + (efi.compression == 1 ? 0 : error.offset),
                        "Image \(index)'s driver is not a PE/TE image: \(error.message)"
                        + (efi.compression == 1 ? " (after decompression)" : "") + ". UEFI firmware cannot load it."))
                }
            } catch {
                d.problem = error.description
                out.findings.append(Finding(.badEFIImage, at: error.offset,
                    "Image \(index)'s driver cannot be \(efi.compression == 1 ? "decompressed" : "read"): \(error.message). UEFI firmware cannot load it."))
            }
            out.images[index].efiDetails = d
        }
        return out
    }
}
