import Core
/// The devices an AMD GOP driver (AMDGopDriver) says it drives. The driver has no standard place
/// for this; real drivers from Rev. 2.x on (the RX Vega 56's 2.2, the RX 5700's 2.10, the Ryzen
/// 8945HS's 3.8.5) keep a table in their data section of 6-byte records
///
///     { u8 family, u8 variant, u16 first device ID, u16 last device ID }
///
/// sorted by family and ended by a zero record, e.g. `10.01 6860-687F` (Vega 10), `12.01
/// 7310-732F` (Navi 10), `13.01 1636-1638` (Renoir/Cezanne). Rev. 1.x drivers instead map single
/// IDs to marketing names (16-byte `{u64 ID, u64 name address}` records); those lists leave out
/// chips the driver drives (the RX 580's own 1.61 driver does not name its 67DF), so they say
/// nothing either way and are not read. Drivers from Rev. 3 on also drive chips newer than their
/// table (Phoenix's 15BF is absent from the 8945HS's 3.8.5), found, as amdgpu finds them, by IP
/// discovery rather than by ID.
public struct AMDGOPDevices: Sendable, Equatable {
    public struct Range: Sendable, Equatable, CustomStringConvertible {
        public var family: UInt8
        public var variant: UInt8
        public var first: UInt16
        public var last: UInt16

        public func contains(_ device: UInt16) -> Bool { first <= device && device <= last }

        public var description: String {
            Hex.string(family, width: 2) + "." + Hex.string(variant, width: 2) + " "
                + Hex.string(first, width: 4) + (first == last ? "" : "-" + Hex.string(last, width: 4))
        }
    }

    /// Where the table starts in the driver image.
    public var offset: Int
    public var ranges: [Range]

    public static let recordLength = 6

    /// The first range naming `device`, nil when none does.
    public func range(for device: UInt16) -> Range? { ranges.first { $0.contains(device) } }

    /// The table in `pe` (the driver's bytes, decompressed): the longest run of at least two
    /// plausible records, families never decreasing, that a zero record ends. nil when there is none.
    public static func find(in pe: [UInt8]) -> AMDGOPDevices? {
        pe.withUnsafeBytes { raw in
            let v = ByteView(raw)
            var best: AMDGOPDevices?
            var at = 0
            while at + 2 * recordLength <= v.count {
                let run = records(v, at)
                if run.count >= 2, run.count > best?.ranges.count ?? 0, isTerminator(v, at + run.count * recordLength) {
                    best = AMDGOPDevices(offset: at, ranges: run)
                }
                // Past the whole run: each byte is looked at a bounded number of times, so a hostile
                // image of nothing but plausible records costs one pass, not one per offset.
                at += max(2, run.count * recordLength)
            }
            return best
        }
    }

    static func records(_ v: ByteView, _ start: Int) -> [Range] {
        var out: [Range] = []
        var at = start
        while let r = record(v, at), r.family >= (out.last?.family ?? 0) {
            out.append(r)
            at += recordLength
        }
        return out
    }

    /// A record as the drivers write them: families 0x08-0x3F, variants 1-0x3F, IDs from 0x1000
    /// (AMD's GPU IDs), a range of at most 0x400 IDs.
    static func record(_ v: ByteView, _ at: Int) -> Range? {
        guard let family = v.u8(at), let variant = v.u8(at + 1), let first = v.u16(at + 2), let last = v.u16(at + 4),
              (0x08...0x3F).contains(family), (1...0x3F).contains(variant),
              first >= 0x1000, last >= first, last - first < 0x400 else { return nil }
        return Range(family: family, variant: variant, first: first, last: last)
    }

    static func isTerminator(_ v: ByteView, _ at: Int) -> Bool {
        guard let a = v.u16(at), let b = v.u16(at + 2), let c = v.u16(at + 4) else { return false }
        return a == 0 && b == 0 && c == 0
    }
}
