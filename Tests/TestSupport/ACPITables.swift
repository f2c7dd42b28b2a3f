// ACPI tables for the tests, written as the kernel reads them.

public enum ACPITables {
    /// A VFCT table (amdgpu_bios.c `amdgpu_acpi_vfct_bios`): the 36-byte ACPI header, the UUID,
    /// `VBIOSImageOffset` at 0x34, then per image a 28-byte `VFCT_IMAGE_HEADER` (PCIBus,
    /// PCIDevice, PCIFunction u32; vendor, device, subsystem vendor, subsystem u16; revision u32;
    /// image length u32) and the image.
    public static func vfct(_ entries: [(bus: UInt32, device: UInt32, function: UInt32, vendorID: UInt16, deviceID: UInt16, image: [UInt8])]) -> [UInt8] {
        typealias B = FirmwareBuilder
        var body: [UInt8] = []
        for e in entries {
            body += B.le32(Int(e.bus)) + B.le32(Int(e.device)) + B.le32(Int(e.function)) + B.le16(Int(e.vendorID)) + B.le16(Int(e.deviceID))
            body += B.le16(0x1002) + B.le16(0x0123) + B.le32(0) + B.le32(e.image.count) + e.image
        }
        let headerLength = 0x48
        var t = Array("VFCT".utf8) + B.le32(headerLength + body.count) + [1, 0] + Array("AMD   ".utf8) + Array("TESTVFCT".utf8)
        t += B.le32(1) + Array("AMD ".utf8) + B.le32(1)
        t += [UInt8](repeating: 0xAB, count: 16) + B.le32(headerLength) + [UInt8](repeating: 0, count: headerLength - 0x38)
        // The ACPI checksum: all bytes sum to zero.
        t[9] = 0 &- (t + body).reduce(0, &+)
        return t + body
    }
}
