import Core
/// Intel's Video BIOS Table (Linux `i915/display/intel_bios.c`, `intel_vbt_defs.h`): `$VBT` and
/// the platform name (20 bytes), version u16 at 0x14, header size 0x16, VBT size 0x18, BDB offset
/// u32 at 0x1C; the BDB begins `BIOS_DATA_BLOCK ` then its version u16.
public struct IntelInfo: Sendable, Equatable {
    public var vbtOffset: Int
    public var vbtPlatform: String
    public var vbtVersion: UInt16?
    public var vbtSize: UInt16?
    public var bdbOffset: Int?
    public var bdbVersion: UInt16?

    static let signature: [UInt8] = Array("$VBT".utf8)

    static func decode(_ v: ByteView, romStart: Int, end: Int, findings: inout [Finding]) -> IntelInfo? {
        guard let vbt = v.find(signature, from: romStart, to: end) else { return nil }
        let platform = v.printable(vbt + 4, max: 16).trimmingSpaces()
        var info = IntelInfo(vbtOffset: vbt, vbtPlatform: platform, vbtVersion: v.u16(vbt + 0x14),
                             vbtSize: v.u16(vbt + 0x18), bdbOffset: nil, bdbVersion: nil)
        if let rel = v.u32(vbt + 0x1C) {
            let bdb = vbt + Int(rel)
            if rel < 0x100_0000, v.matches(bdb, "BIOS_DATA_BLOCK ") {
                info.bdbOffset = bdb
                info.bdbVersion = v.u16(bdb + 16)
            } else {
                findings.append(Finding(.vendorTable, at: vbt + 0x1C,
                    "The Intel VBT at \(Hex.prefixed(vbt)) points to its BIOS data block at +\(Hex.prefixed(rel)), but `BIOS_DATA_BLOCK` is not there."))
            }
        }
        return info
    }
}
