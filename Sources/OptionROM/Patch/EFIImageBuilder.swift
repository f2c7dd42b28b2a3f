// Builds an EFI option ROM image around a driver, as EDK2's EfiRom does (BaseTools/Source/C/
// EfiRom/EfiRom.c):
//   0x00 EFI image header (0x1C bytes): 55 AA, initialization size, 0x0EF1, subsystem and machine
//        from the PE header, compression, PE offset, PCIR offset
//   0x1C PCIR revision 3 (0x1C bytes): the ROM's vendor, device and class, code type 3
//   NVIDIA chains only: NPDE at (PCIR + 0x1C + 15) & ~15 = 0x40 (0x10 bytes, as NVIDIA's own GOPs)
//   then the driver (or its EFI-compressed stream), 0xFF to a multiple of 512 bytes.

public struct EFIDriverInput: Sendable, Equatable {
    /// The driver itself (PE32/PE32+/TE).
    public var bytes: [UInt8]
    public var pe: PEImage
    /// Where it came from, for messages: "a PE32+ file" or "EFI image 1 of an option ROM".
    public var origin: String
}

public enum EFIImageBuilder {
    /// Machines an x86-64 UEFI guest (OVMF) runs: X64 natively, EBC through its interpreter.
    public static let x64GuestMachines: Set<UInt16> = [0x8664, 0x0EBC]

    /// The driver in `file`: a PE32/PE32+/TE image, or an EFI option ROM whose first EFI image
    /// (decompressed when it is compressed) is taken. Refuses anything that is not an EFI driver.
    public static func driver(from file: [UInt8]) throws(PatchError) -> EFIDriverInput {
        var bytes = file
        var origin = "the file"
        if file.count >= 2, file[0] == 0x55, file[1] == 0xAA {
            let layout = file.withUnsafeBytes { ROMParser.parse($0) }
            guard let index = layout.images.firstIndex(where: { $0.isEFI && $0.efi?.signature == EFIHeader.expectedSignature }) else {
                let kinds = layout.images.map(\.codeType.name).joined(separator: ", ")
                throw PatchError(.driver, "the option ROM given holds no EFI image (its images: \(kinds.isEmpty ? "none" : kinds)); give a PE32+ driver or an EFI option ROM.")
            }
            do {
                bytes = try EFIImagePayload.driver(of: layout.images[index], in: file).bytes
            } catch {
                throw PatchError(.driver, "the option ROM's EFI image \(index) cannot be read: \(error.description)")
            }
            origin = "EFI image \(index) of the option ROM"
        }
        let pe: PEImage
        do {
            pe = try PEImage.parse(bytes)
        } catch {
            throw PatchError(.driver, "\(origin) is not an EFI driver: \(error.description).")
        }
        guard pe.isEFIDriver else {
            throw PatchError(.driver, "\(origin) is \(English.withArticle(pe.format.rawValue)) \(pe.subsystemName), not an EFI driver: a PCI option ROM may carry only a "
                + "boot-service (11) or runtime (12) driver, which is what UEFI firmware loads from a card.")
        }
        return EFIDriverInput(bytes: bytes, pe: pe, origin: origin)
    }

    /// The image bytes. `last` and `npdeLast` set the indicator bits; `nvidia` adds the NPDE.
    public static func build(
        _ driver: EFIDriverInput, vendor: UInt16, device: UInt16, classCode: UInt32,
        compress: Bool, nvidia: Bool, last: Bool, npdeLast: Bool
    ) -> [UInt8] {
        let payload = compress ? EFICompressor.compress(driver.bytes, format: .efi11) : driver.bytes
        let block = ImageHeaderFields.blockSize
        let pcirAt = EFIHeaderFields.length
        let pcirLength = PCIRFields.sizeRevision3
        let npdeAt = NPDEFields.offset(afterPCIRAt: pcirAt, length: pcirLength)
        let peOffset = nvidia ? npdeAt + NPDEFields.size : pcirAt + pcirLength
        let total = (peOffset + payload.count + block - 1) / block * block
        let units = UInt16(truncatingIfNeeded: total / block)
        var b = [UInt8](repeating: 0xFF, count: total)
        for i in 0..<peOffset { b[i] = 0 }
        let pcir = PCIDataStructure(
            offset: pcirAt, signature: "PCIR", vendorID: vendor, deviceID: device, deviceListPointer: 0,
            length: UInt16(pcirLength), revision: 3, classCode: classCode, imageLength: units, codeRevision: 0,
            codeType: .efi, indicator: last ? PCIRFields.lastImage : 0,
            maxRuntimeLength: 0, configUtilityPointer: 0, dmtfCLPPointer: 0, deviceList: [])
        let header = EFIHeader(initializationSize: units, signature: EFIHeader.expectedSignature,
                               subsystem: driver.pe.subsystem, machineType: driver.pe.machine,
                               compression: compress ? 1 : 0, peOffset: UInt16(peOffset))
        let image = ROMImage(offset: 0, length: total, signature: "55aa", sizeByte: UInt8(truncatingIfNeeded: units),
                             pcir: pcir, npde: nvidia ? NVIDIAExtension(offset: npdeAt, revision: 0x0100, length: UInt16(NPDEFields.size),
                                                                        imageLength: units, indicator: npdeLast ? PCIRFields.lastImage : 0) : nil,
                             efi: header, isLast: last, checksumValid: nil, checksum: nil)
        image.write(into: &b)
        b.replaceSubrange(peOffset..<peOffset + payload.count, with: payload)
        return b
    }
}
