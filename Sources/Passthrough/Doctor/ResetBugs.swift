import Core

/// GPUs that do not come back from a reset the kernel can do (the "AMD reset bug"): after a
/// guest shuts down, the card hangs until the host is power-cycled or suspended, unless
/// gnif/vendor-reset's device-specific reset is used.
///
/// Source: gnif/vendor-reset, src/device-db.h (`vendor_reset_devices`, commit 03e525d), the
/// device IDs it handles, by family. Vendor 0x1002 (PCI_VENDOR_ID_ATI) throughout.
public enum ResetBugs {
    public struct Family: Sendable {
        public var name: String
        public var deviceIDs: Set<UInt16>
    }

    public static let families: [Family] = [
        Family(name: "Polaris 10", deviceIDs: [0x67C0, 0x67C1, 0x67C2, 0x67C4, 0x67C7, 0x67D0, 0x67DF, 0x67C8, 0x67C9, 0x67CA, 0x67CC, 0x67CF, 0x6FDF]),
        Family(name: "Polaris 11", deviceIDs: [0x67E0, 0x67E3, 0x67E8, 0x67EB, 0x67EF, 0x67FF, 0x67E1, 0x67E7, 0x67E9]),
        Family(name: "Polaris 12", deviceIDs: [0x6980, 0x6981, 0x6985, 0x6986, 0x6987, 0x6995, 0x6997, 0x699F]),
        Family(name: "Vega 10", deviceIDs: [0x6860, 0x6861, 0x6862, 0x6863, 0x6864, 0x6867, 0x6868, 0x6869, 0x686A, 0x686B, 0x686C, 0x686D, 0x686E, 0x686F, 0x687F]),
        Family(name: "Vega 20", deviceIDs: [0x66A0, 0x66A1, 0x66A2, 0x66A3, 0x66A4, 0x66A7, 0x66AF, 0x164C]),
        // 0x164C is listed under both Vega 20 and Navi 10 there; vendor-reset takes the first
        // entry that matches (Vega 20), and so does `family`.
        Family(name: "Navi 10", deviceIDs: [0x7310, 0x7312, 0x7318, 0x7319, 0x731A, 0x731B, 0x731E, 0x731F, 0x15BF, 0x15DD, 0x15DE, 0x15E7, 0x1636, 0x1638, 0x164C]),
        Family(name: "Navi 14", deviceIDs: [0x7340, 0x7341, 0x7347, 0x734F]),
        Family(name: "Navi 12", deviceIDs: [0x7360, 0x7362]),
        Family(name: "Navi 23", deviceIDs: [0x73FF]),
        Family(name: "Arcturus (Instinct MI100)", deviceIDs: [0x738C]),
    ]

    /// The family of a device vendor-reset knows; nil for any other.
    public static func family(vendorID: UInt16, deviceID: UInt16) -> Family? {
        guard GPUVendor(pciVendorID: vendorID) == .amd else { return nil }
        return families.first { $0.deviceIDs.contains(deviceID) }
    }

    public static let source = "gnif/vendor-reset src/device-db.h"
}
