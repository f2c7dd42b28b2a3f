import CLZMA
import CZlib
import Firmware
import OptionROM

// The firmware test writer (formerly Tools/gen-firmware.py), in Swift: volumes, FFS files,
// sections and the compressed streams EDK2's BaseTools writes, every header through Firmware's
// declared layouts (`Layout.swift`, `Headers.swift`). What it writes is judged by UEFIExtract
// (Debian's uefitool-cli) in FirmwareTests, not only by vbios's own walker.
// Layouts: EDK2 MdePkg/Include/Pi/PiFirmwareVolume.h and PiFirmwareFile.h; compression as
// BaseTools writes it (LzmaCompress: 5 property bytes + u64 size; BrotliCompress: u64 size + u64
// scratch size; EFI/Tiano by OptionROM's EFICompressor).

extension FirmwareBuilder {
    /// How a volume is laid out.
    public struct VolumeOptions: Sendable {
        public var fileSystem = FirmwareBuilder.ffs2
        /// Erased bytes (0x00 or 0xFF): the attributes' erase polarity and the fill between files.
        public var erase: UInt8 = 0
        /// nil: EDK2's usual 0x0004FEFF (polarity 1) or 0x0004F6FF (polarity 0).
        public var attributes: UInt32?
        /// 1: the Framework's header (reserved bytes where revision 2 keeps ExtHeaderOffset).
        public var revision: UInt8 = 2
        public var reserved: UInt32 = 0
        /// The volume's name in an extended header (revision 2).
        public var name: [UInt8]?
        /// Block size: the volume is padded to a multiple of it; nil: one block, no padding.
        public var block: Int?

        public init(fileSystem: String = FirmwareBuilder.ffs2, erase: UInt8 = 0, attributes: UInt32? = nil, revision: UInt8 = 2,
                    reserved: UInt32 = 0, name: [UInt8]? = nil, block: Int? = nil) {
            self.fileSystem = fileSystem; self.erase = erase; self.attributes = attributes; self.revision = revision
            self.reserved = reserved; self.name = name; self.block = block
        }
    }

    /// A volume holding `files` (each placed 8-byte aligned, the gaps erased), header checksummed.
    public static func volume(_ files: [[UInt8]], options o: VolumeOptions) -> [UInt8] {
        typealias F = VolumeHeaderFields
        var ext: [UInt8] = []
        if let name = o.name {
            ext.put(VolumeExtHeaderFields.fvName, bytes: name)
            ext.put(VolumeExtHeaderFields.extHeaderSize, UInt64(VolumeExtHeaderFields.length))
        }
        var out = [UInt8](repeating: 0, count: F.minimumLength) + ext
        out += [UInt8](repeating: o.erase, count: -out.count & 7)
        for f in files {
            out += [UInt8](repeating: o.erase, count: -out.count & 7)
            out += f
        }
        if let block = o.block { out += [UInt8](repeating: o.erase, count: (block - out.count % block) % block) }
        let block = o.block ?? out.count
        let attributes = o.attributes ?? (o.erase == 0xFF ? 0x0004_FEFF : 0x0004_F6FF)
        var h = VolumeHeader(fileSystem: GUID(guid(o.fileSystem)[...], at: 0)!, length: UInt64(out.count), attributes: attributes,
                             headerLength: UInt16(F.minimumLength), revision: o.revision,
                             extHeaderOffset: o.revision >= 2 ? (ext.isEmpty ? 0 : UInt16(F.minimumLength)) : nil,
                             reserved: o.reserved, blockMap: [(UInt32(out.count / block), UInt32(block))])
        h.write(into: &out)
        h.checksum = 0 &- VolumeHeader.sum(out[0..<F.minimumLength])
        h.write(into: &out)
        return out
    }

    /// An FFS file as EDK2's GenFfs writes it: the header checksum set, no file checksum (0xAA),
    /// state "constructed, header valid, data valid" in the volume's polarity; `large` writes
    /// FFS v3's large-file header.
    public static func ffsFile(_ name: [UInt8], type: UInt8, _ body: [UInt8], erase: UInt8 = 0xFF, large: Bool = false) -> [UInt8] {
        let headerLength = large ? FileHeaderFields.largeLength : FileHeaderFields.length
        let state: UInt8 = 0x07
        var h = FileHeader(name: GUID(name[...], at: 0)!, type: type, attributes: large ? FileHeaderFields.largeFile : 0,
                           size: headerLength + body.count, state: erase == 0xFF ? ~state : state, large: large)
        return sealed(h) + body
    }

    /// `h` written with its header checksum: the header sums to zero with state and file
    /// checksum at 0 (PI spec, EFI_FFS_FILE_HEADER.IntegrityCheck.Checksum.Header).
    public static func sealed(_ h: FileHeader) -> [UInt8] {
        var h = h
        var probe = h
        probe.state = 0
        probe.fileChecksum = 0
        var bytes: [UInt8] = []
        probe.write(into: &bytes)
        h.headerChecksum = 0 &- bytes.reduce(0, &+)
        var out: [UInt8] = []
        h.write(into: &out)
        return out
    }

    /// Sections one after another, each starting 4-byte aligned.
    public static func sections(_ parts: [UInt8]...) -> [UInt8] {
        var out: [UInt8] = []
        for p in parts {
            out += [UInt8](repeating: 0, count: -out.count & 3)
            out += p
        }
        return out
    }

    public static func raw(_ data: [UInt8]) -> [UInt8] { unpaddedSection(type: SectionType.raw, data) }

    public static func version(_ text: String, build: Int = 1) -> [UInt8] {
        var h: [UInt8] = []
        h.put(VersionSectionFields.buildNumber, UInt64(build))
        return unpaddedSection(type: SectionType.version, h + text.utf16.flatMap { le16(Int($0)) } + [0, 0])
    }

    /// A UI section without padding after it.
    public static func name(_ text: String) -> [UInt8] {
        unpaddedSection(type: SectionType.userInterface, text.utf16.flatMap { le16(Int($0)) } + [0, 0])
    }

    // MARK: - Compressed sections

    public static let lzmaX86 = "D42AE6BD-1352-4BFB-909A-CA72A6EAE889"
    public static let tiano = "A31280AD-481E-41B6-95E8-127F4C984779"

    /// EDK2's LZMA stream (LzmaCompress): the property byte (lc 3, lp 0, pb 2), the dictionary
    /// size, the u64 uncompressed size, then liblzma's raw LZMA1 (after the x86 BCJ filter when asked).
    public static func lzmaStream(_ data: [UInt8], x86: Bool = false) -> [UInt8] {
        var options = lzma_options_lzma()
        precondition(lzma_lzma_preset(&options, 6) == 0)
        options.dict_size = 1 << 20
        options.lc = 3; options.lp = 0; options.pb = 2
        var out = [UInt8](repeating: 0, count: data.count + data.count / 2 + 4096)
        var written = 0
        let ret: lzma_ret = withUnsafeMutablePointer(to: &options) { opt in
            var filters: [lzma_filter] = (x86 ? [lzma_filter(id: vbios_lzma_filter_x86, options: nil)] : [])
                + [lzma_filter(id: 0x4000_0000_0000_0001 /* LZMA_FILTER_LZMA1 */, options: UnsafeMutableRawPointer(opt)),
                   lzma_filter(id: vbios_lzma_vli_unknown, options: nil)]
            let capacity = out.count
            return out.withUnsafeMutableBufferPointer { o in
                lzma_raw_buffer_encode(&filters, nil, data, data.count, o.baseAddress, &written, capacity)
            }
        }
        precondition(ret == LZMA_OK, "liblzma's raw encoder failed: \(ret)")
        var header: [UInt8] = [(2 * 5 + 0) * 9 + 3]
        header += le32(1 << 20) + le64(data.count)
        return header + out.prefix(written)
    }

    public static func lzmaSection(_ inner: [UInt8], x86: Bool = false) -> [UInt8] {
        guided(x86 ? lzmaX86 : lzma, lzmaStream(inner, x86: x86), attributes: Int(GUIDDefinedSectionFields.processingRequired))
    }

    /// A Brotli stream (RFC 7932) of uncompressed meta-blocks: a window of 2^16, each block's
    /// header (not last, its length, "uncompressed"), the bytes, then the last, empty meta-block.
    /// Any decoder reads it; vbios has no Brotli encoder and needs none.
    public static func brotliStored(_ data: [UInt8]) -> [UInt8] {
        var bits = BitWriter()
        bits.put(0, 1) // WBITS = 16
        var at = 0
        while at < data.count {
            let n = Swift.min(data.count - at, 1 << 16)
            let nibbles = n - 1 < 1 << 16 ? 4 : n - 1 < 1 << 20 ? 5 : 6
            bits.put(0, 1)                        // ISLAST
            bits.put(UInt64(nibbles - 4), 2)      // MNIBBLES
            bits.put(UInt64(n - 1), nibbles * 4)  // MLEN - 1
            bits.put(1, 1)                        // ISUNCOMPRESSED
            bits.align()
            bits.bytes += data[at..<at + n]
            at += n
        }
        bits.put(1, 1); bits.put(1, 1)            // ISLAST, ISLASTEMPTY
        bits.align()
        return bits.bytes
    }

    public static func brotliSection(_ inner: [UInt8]) -> [UInt8] { brotliSection(brotliStored(inner), size: inner.count) }

    public static func tianoSection(_ inner: [UInt8]) -> [UInt8] {
        guided(tiano, EFICompressor.compress(inner, format: .tiano), attributes: Int(GUIDDefinedSectionFields.processingRequired))
    }

    public static func efiCompressionSection(_ inner: [UInt8]) -> [UInt8] {
        compressionSection(type: 1, length: inner.count, EFICompressor.compress(inner, format: .efi11))
    }

    public static func crc32Section(_ inner: [UInt8]) -> [UInt8] {
        guided(crc32, inner, attributes: Int(GUIDDefinedSectionFields.authStatusValid), extra: le32(Int(CRC32.of(inner))))
    }

    /// A capsule header (EFI, FMP, or Aptio with `romImageOffset`) and `body` after it.
    public static func capsule(_ g: String, headerSize: Int, flags: Int = 0, imageSize: Int? = nil, romImageOffset: Int? = nil, _ body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        CapsuleHeader(guid: GUID(guid(g)[...], at: 0)!, headerSize: UInt32(headerSize), flags: UInt32(flags),
                      imageSize: UInt32(imageSize ?? headerSize + body.count), romImageOffset: romImageOffset.map { UInt16($0) }).write(into: &out)
        out += [UInt8](repeating: 0, count: Swift.max(0, (romImageOffset ?? headerSize) - out.count))
        return out + body
    }
}

/// Bits least significant first, as Brotli and Deflate pack them.
struct BitWriter {
    var bytes: [UInt8] = []
    var used = 8
    mutating func put(_ value: UInt64, _ count: Int) {
        for i in 0..<count {
            if used == 8 { bytes.append(0); used = 0 }
            bytes[bytes.count - 1] |= UInt8((value >> UInt64(i)) & 1) << UInt8(used)
            used += 1
        }
    }
    mutating func align() { used = 8 }
}

/// CRC-32 (IEEE 802.3, reflected), as EDK2's CRC32 GUIDed sections and zlib compute it.
public enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }
    public static func of(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}

extension FirmwareBuilder {
    /// UEFITool's GZIP and AMD zlib GUID-defined sections (`ffs.h`).
    public static let gzipGUID = "1D301FE9-BE79-4353-91C2-D23BC959AE0C"
    public static let zlibAMDGUID = "CE3233F5-2CD6-4D87-9152-4A238BB6D1C4"

    /// zlib's own deflate at level 9: a zlib stream (windowBits 15) or a gzip member (31).
    public static func deflated(_ data: [UInt8], gzip: Bool) -> [UInt8] {
        var stream = z_stream()
        precondition(deflateInit2_(&stream, 9, Z_DEFLATED, gzip ? 31 : 15, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK)
        defer { deflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(data.count))) + 64)
        var input = data
        let written: Int = input.withUnsafeMutableBufferPointer { i in
            out.withUnsafeMutableBufferPointer { o in
                stream.next_in = i.baseAddress; stream.avail_in = UInt32(i.count)
                stream.next_out = o.baseAddress; stream.avail_out = UInt32(o.count)
                precondition(deflate(&stream, Z_FINISH) == Z_STREAM_END, "zlib's deflate did not finish")
                return o.count - Int(stream.avail_out)
            }
        }
        return Array(out.prefix(written))
    }

    public static func gzipSection(_ inner: [UInt8]) -> [UInt8] {
        guided(gzipGUID, deflated(inner, gzip: true), attributes: Int(GUIDDefinedSectionFields.processingRequired))
    }

    /// AMD's zlib section: a 0x100-byte header through `AMDZlibSectionFields` (zeros, the
    /// stream's length), then the zlib stream.
    public static func amdZlibSection(_ inner: [UInt8]) -> [UInt8] {
        let stream = deflated(inner, gzip: false)
        var header = [UInt8](repeating: 0, count: AMDZlibSectionFields.length)
        header.put(AMDZlibSectionFields.compressedSize, UInt64(stream.count))
        return guided(zlibAMDGUID, header + stream, attributes: Int(GUIDDefinedSectionFields.processingRequired))
    }
}
