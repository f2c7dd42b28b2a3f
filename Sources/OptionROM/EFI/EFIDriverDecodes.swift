// Each EFI-compressed driver of a ROM decoded once per command and shared by every reader of it:
// `info`'s EFI details (EFI 1.1, then Tiano, as UEFITool) and the OVMF model (EFI 1.1 alone:
// EDK2's PciBusDxe hands compression type 1 to UefiDecompressLib). Without it a ROM of many
// images that each claim megabytes cost three decodes per image. Only what the readers need is
// kept (length, PE header, driver name), not the bytes: 64 drivers of 16 MiB stay out of memory.

public struct EFIDriverDecodes: Sendable {
    /// What one decode gave, its bytes summarised.
    public struct Driver: Sendable, Equatable {
        /// Bytes of the driver after decompression.
        public var length: Int
        public var pe: Result<PEImage, PEImageError>
        /// The name and version the driver carries (only when its PE header parses).
        public var identity: EFIDriverIdentity?

        init(_ bytes: [UInt8]) {
            length = bytes.count
            do {
                pe = .success(try PEImage.parse(bytes))
                identity = EFIDriverIdentity.find(in: bytes)
            } catch {
                pe = .failure(error)
            }
        }
    }

    /// One compressed stream: EFI 1.1 alone, and the format a reader of either takes.
    public struct Stream: Sendable {
        public var efi11: Result<Driver, EFIDecompressionError>
        public var either: Result<(driver: Driver, format: EFICompressionFormat), EFIDecompressionError>
    }

    /// The output bound of each decode.
    public let limit: Int
    /// Keyed by the stream's byte range in the ROM.
    var streams: [Range<Int>: Stream] = [:]
    let decode: EFIDecompressor.Decode

    /// Decodes the compressed driver of every EFI image of `layout`, once each.
    public init(_ layout: ROMLayout, bytes: [UInt8], limit: Int = EFIImagePayload.defaultLimit) {
        self.init(layout, bytes: bytes, limit: limit, decode: EFIDecompressor.plainDecode)
    }

    /// Nothing decoded ahead: each stream is decoded when asked for.
    public init(limit: Int = EFIImagePayload.defaultLimit) {
        self.limit = limit
        decode = EFIDecompressor.plainDecode
    }

    init(_ layout: ROMLayout, bytes: [UInt8], limit: Int, decode: @escaping EFIDecompressor.Decode) {
        self.limit = limit
        self.decode = decode
        for image in layout.images where image.isEFI && image.efi?.compression == 1 {
            guard let range = try? EFIImagePayload.stream(of: image, in: bytes), streams[range] == nil else { continue }
            let both = EFIDecompressor.decodeEither(Array(bytes[range]), limit: limit, using: decode)
            streams[range] = Stream(efi11: both.efi11.map { Driver($0.bytes) },
                                    either: both.chosen.map { (Driver($0.decoded.bytes), $0.format) })
        }
    }

    /// The stream at `range` of `bytes` decoded as EFI 1.1, from what was decoded ahead when it was.
    public func efi11(_ range: Range<Int>, in bytes: [UInt8]) -> Result<Driver, EFIDecompressionError> {
        if let known = streams[range] { return known.efi11 }
        do { return .success(Driver(try decode(Array(bytes[range]), .efi11, limit).bytes)) } catch { return .failure(error) }
    }

    /// The stream at `range` of `bytes` decoded as EFI 1.1, else Tiano (`EFIDecompressor.decompress` format nil).
    public func either(_ range: Range<Int>, in bytes: [UInt8])
        -> Result<(driver: Driver, format: EFICompressionFormat), EFIDecompressionError>
    {
        if let known = streams[range] { return known.either }
        return EFIDecompressor.decodeEither(Array(bytes[range]), limit: limit, using: decode).chosen
            .map { (Driver($0.decoded.bytes), $0.format) }
    }
}
