/// AMD GPU families by PCI device ID, from Linux's `amdgpu_drv.c` `pciidlist` (and `radeon`'s
/// `radeon_family.h` names): the chips the kernel names by ID. Chips it does not list (GC 11 and
/// later: Phoenix, Hawk Point, Navi 3x, Strix) are found by IP discovery and have no entry here.
/// The generation tells which GOP can drive a chip: AMD's GOP Rev. 1.x drives GCN 1-4 (Southern
/// Islands to Polaris), its Rev. 2+ Vega and later.
public struct AMDASICFamily: Sendable, Equatable {
    public enum Generation: Int, Sendable, Comparable {
        case gcn1 = 1, gcn2, gcn3, vega, navi
        public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
        /// GCN 1-4 (SI, CIK, VI): what GOP Rev. 1.x drives.
        public var isGCNBeforeVega: Bool { self < .vega }
    }

    public var name: String
    public var generation: Generation

    /// The family whose range holds `device` (vendor 1002), nil when the kernel names no range for it.
    public static func of(_ device: UInt16) -> AMDASICFamily? {
        table.first { $0.0.contains(device) }.map { AMDASICFamily(name: $0.1, generation: $0.2) }
    }

    static let table: [(ClosedRange<UInt16>, String, Generation)] = [
        (0x6780...0x679F, "Tahiti (Southern Islands)", .gcn1), (0x6800...0x681F, "Pitcairn (Southern Islands)", .gcn1),
        (0x6820...0x683F, "Cape Verde (Southern Islands)", .gcn1), (0x6600...0x663F, "Oland (Southern Islands)", .gcn1),
        (0x6660...0x667F, "Hainan (Southern Islands)", .gcn1),
        (0x6640...0x665F, "Bonaire (Sea Islands)", .gcn2), (0x67A0...0x67BF, "Hawaii (Sea Islands)", .gcn2),
        (0x1304...0x131D, "Kaveri (Sea Islands APU)", .gcn2), (0x9830...0x983F, "Kabini (Sea Islands APU)", .gcn2),
        (0x9850...0x985F, "Mullins (Sea Islands APU)", .gcn2),
        (0x6900...0x690F, "Topaz (Volcanic Islands)", .gcn3), (0x6920...0x693F, "Tonga (Volcanic Islands)", .gcn3),
        (0x7300...0x730F, "Fiji (Volcanic Islands)", .gcn3), (0x9870...0x987F, "Carrizo (Volcanic Islands APU)", .gcn3),
        (0x98E4...0x98E4, "Stoney (Volcanic Islands APU)", .gcn3), (0x67C0...0x67DF, "Polaris 10", .gcn3),
        (0x67E0...0x67FF, "Polaris 11", .gcn3), (0x6980...0x699F, "Polaris 12", .gcn3), (0x694C...0x694F, "Vega M", .gcn3),
        (0x6860...0x687F, "Vega 10", .vega), (0x69A0...0x69AF, "Vega 12", .vega), (0x66A0...0x66AF, "Vega 20", .vega),
        (0x7388...0x738F, "Arcturus", .vega), (0x7408...0x740F, "Aldebaran", .vega),
        (0x15D8...0x15D8, "Picasso (Raven APU)", .vega), (0x15DD...0x15DD, "Raven (APU)", .vega),
        (0x1636...0x1636, "Renoir (APU)", .vega), (0x1638...0x1638, "Cezanne (Renoir APU)", .vega),
        (0x164C...0x164C, "Lucienne (Renoir APU)", .vega),
        (0x7310...0x731F, "Navi 10", .navi), (0x7340...0x734F, "Navi 14", .navi), (0x7360...0x736F, "Navi 12", .navi),
        (0x73A0...0x73BF, "Sienna Cichlid (Navi 21)", .navi), (0x73C0...0x73DF, "Navy Flounder (Navi 22)", .navi),
        (0x73E0...0x73FF, "Dimgrey Cavefish (Navi 23)", .navi), (0x7420...0x743F, "Beige Goby (Navi 24)", .navi),
        (0x163F...0x163F, "Van Gogh (APU)", .navi), (0x164D...0x164D, "Yellow Carp (Rembrandt APU)", .navi),
        (0x1681...0x1681, "Yellow Carp (Rembrandt APU)", .navi), (0x13FE...0x13FE, "Cyan Skillfish (APU)", .navi),
        (0x143F...0x143F, "Cyan Skillfish (APU)", .navi),
    ]
}
