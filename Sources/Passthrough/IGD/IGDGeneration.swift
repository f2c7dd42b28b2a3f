import Core

/// What an Intel IGD's device ID and config space say about QEMU's IGD assignment modes, as QEMU's
/// `hw/vfio/igd.c` decides it (`igd_gen`, `igd_stolen_memory_size`) and `docs/igd-assign.txt`
/// describes: legacy mode (the IGD at guest 00:02.0 running its VBIOS, OpRegion and stolen memory
/// set up by the guest firmware) for the generations `igd_gen` knows, Universal Pass-Through (UPT:
/// the IGD as a secondary display with no VBIOS) for every other one, Broadwell and newer.
public struct IGDGeneration: Sendable, Equatable {
    /// i915's graphics generation (6: Sandy/Ivy Bridge ... 12: Tiger/Alder/Raptor Lake).
    public var gen: Int
    public var name: String

    /// The generation QEMU's `igd_gen` gives `deviceID`; nil where it gives -1 (legacy mode refused:
    /// older parts, and newer ones QEMU has not been taught, e.g. Meteor Lake 7Dxx, Lunar Lake 64xx).
    public static func of(_ deviceID: UInt16) -> IGDGeneration? {
        // Apollo Lake 5A84/5A85: tested on bits 11:1 first, since the 0x0A00 prefix is Haswell's.
        if deviceID & 0xFFE == 0xA84 { return IGDGeneration(gen: 9, name: "Apollo Lake") }
        return families.first { $0.0 == deviceID & 0xFF00 }.map { IGDGeneration(gen: $0.1, name: $0.2) }
    }

    static let families: [(UInt16, Int, String)] = [
        (0x0100, 6, "Sandy Bridge / Ivy Bridge"),
        (0x0400, 7, "Haswell"), (0x0A00, 7, "Haswell"), (0x0C00, 7, "Haswell"), (0x0D00, 7, "Haswell"),
        (0x0F00, 7, "Valleyview / Bay Trail"),
        (0x1600, 8, "Broadwell"), (0x2200, 8, "Cherryview / Braswell"),
        (0x1900, 9, "Skylake"), (0x3100, 9, "Gemini Lake"), (0x5900, 9, "Kaby Lake"), (0x3E00, 9, "Coffee Lake"), (0x9B00, 9, "Comet Lake"),
        (0x8A00, 11, "Ice Lake"), (0x4500, 11, "Elkhart Lake"), (0x4E00, 11, "Jasper Lake"),
        (0x9A00, 12, "Tiger Lake"), (0x4C00, 12, "Rocket Lake"), (0x4600, 12, "Alder Lake"), (0xA700, 12, "Raptor Lake"),
    ]

    /// UPT exists from Broadwell (gen 8) on (igd.c's opening comment); parts older than Sandy Bridge
    /// (the ID families `igd_gen` once listed as "old, untested, unavailable") have neither mode.
    public static func supportsUPT(_ deviceID: UInt16) -> Bool {
        if let g = of(deviceID) { return g.gen >= 8 }
        return ![0x0000, 0x2500, 0x2700, 0x2900, 0x2A00, 0x2E00, 0x3500, 0xA000].contains(deviceID & 0xFF00)
    }


    /// The Data Stolen Memory size in MiB the GGC value `gmch` gives for this generation (QEMU's
    /// `igd_stolen_memory_size`); nil where QEMU refuses the value (gen 6-8 above 0x10: more than
    /// 512 MiB).
    public func stolenMiB(gmch: UInt16) -> Int? {
        let gms = gen < 8 ? Int(gmch >> 3) & 0x1F : Int(gmch >> 8) & 0xFF
        if gen < 9 { return gms > 0x10 ? nil : gms * 32 }
        return gms < 0xF0 ? gms * 32 : (gms - 0xF0) * 4 + 4
    }

    /// The GMS field itself (what QEMU's `x-igd-gms` replaces).
    public func gms(gmch: UInt16) -> Int { gen < 8 ? Int(gmch >> 3) & 0x1F : Int(gmch >> 8) & 0xFF }

    /// GGC bit 1, IGD VGA Disable: the firmware turned the IGD's legacy VGA off.
    public static func vgaDisabled(gmch: UInt16) -> Bool { gmch & 0x2 != 0 }
}
