import OptionROM

// TODO(merge): use OptionROM's ROMPatcher. These are the few byte edits ROMPreparation needs,
// kept internal and minimal so the lead can swap them for the general patcher.
enum ROMEdits {
    /// Writes the PCIR vendor and device IDs of `image` (offsets relative to `bytes`).
    static func setIDs(_ bytes: inout [UInt8], _ image: ROMImage, vendorID: UInt16, deviceID: UInt16) {
        guard let p = image.pcir, p.offset + 8 <= bytes.count else { return }
        put16(&bytes, p.offset + 4, vendorID)
        put16(&bytes, p.offset + 6, deviceID)
    }

    /// Sets the last-image bit in PCIR's indicator, and in NPDE's where NPDE rules the chain.
    static func markLast(_ bytes: inout [UInt8], _ image: ROMImage) {
        if let p = image.pcir, p.offset + 0x15 < bytes.count { bytes[p.offset + 0x15] |= 0x80 }
        if let n = image.npde, n.offset + 0x0A < bytes.count { bytes[n.offset + 0x0A] |= 0x80 }
    }

    /// Where a legacy image keeps the byte that makes its sum zero. AMD's ATOM BIOS reserves 0x21
    /// for it (atomfirmware's header); everyone else's last runtime byte is the safe choice, and
    /// it is the one qemu-dm itself adjusts.
    static func checksumByte(_ image: ROMImage, vendorInfo: VendorInfo?, isFirstLegacy: Bool) -> Int {
        if isFirstLegacy, case .amd? = vendorInfo, image.runtimeLength > 0x21 { return image.offset + 0x21 }
        return image.offset + image.runtimeLength - 1
    }

    /// Makes the image's runtime bytes sum to zero by adjusting the byte at `at`; returns the old sum.
    @discardableResult
    static func fixChecksum(_ bytes: inout [UInt8], _ image: ROMImage, at: Int) -> UInt8 {
        let end = image.offset + image.runtimeLength
        var sum: UInt8 = 0
        for i in image.offset..<end { sum &+= bytes[i] }
        bytes[at] &-= sum
        return sum
    }

    static func put16(_ bytes: inout [UInt8], _ at: Int, _ v: UInt16) {
        bytes[at] = UInt8(v & 0xFF)
        bytes[at + 1] = UInt8(v >> 8)
    }
}
