import Compression

/// gzip (RFC 1952) for `/proc/config.gz`, through zlib (`Compression`): Foundation on Linux offers
/// no decompression and vbios may not shell out to zcat. Stops at the first member's end.
public enum Gzip {
    public struct Malformed: Error, CustomStringConvertible {
        public var reason: String
        public var description: String { "not a gzip stream vbios can read: \(reason)" }
    }

    public static func decompress(_ data: [UInt8], limit: Int = 64 << 20) throws -> [UInt8] {
        // zlib would also take a bare zlib stream with other window bits; a config.gz is gzip.
        guard data.count >= 18, data[0] == 0x1F, data[1] == 0x8B, data[2] == 8 else { throw Malformed(reason: "no gzip header (1f 8b 08)") }
        do {
            return try Decompress.gzip(data, limit: limit)
        } catch {
            throw Malformed(reason: error.description)
        }
    }
}
