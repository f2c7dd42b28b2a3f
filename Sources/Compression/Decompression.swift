// Thin, bounded decoders over the system libraries (zlib, liblzma, libbrotli). Every call takes
// a limit on output: a stream that would produce more is stopped there with `.outputLimit`, so a
// decompression bomb costs at most `limit` bytes of memory.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CBrotli
import CLZMA
import CZlib

/// The stream formats vbios decodes.
public enum CompressionFormat: String, Sendable, CustomStringConvertible {
    /// LZMA "alone" (13-byte header: 5 property bytes, u64 uncompressed size), as EDK2's LzmaCompress writes.
    case lzma
    /// The same, with the x86 BCJ filter applied after decoding (EDK2's LzmaF86Compress).
    case lzmaX86 = "lzma-x86"
    /// A raw Brotli stream (RFC 7932).
    case brotli
    /// zlib (RFC 1950).
    case zlib
    /// gzip (RFC 1952); the first member.
    case gzip

    public var description: String { rawValue }
}

/// Why a stream did not decode.
public struct DecompressionError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// The bytes are not a stream of this format, or are corrupt.
        case malformed(String)
        /// The input ended before the stream did.
        case truncated
        /// The stream would decode to more than the limit (or says so in its header).
        case outputLimit(Int)
        /// The library could not get memory or refused the options.
        case library(String)
    }

    public var format: CompressionFormat
    public var reason: Reason
    /// Bytes the decoder produced before it stopped: work done, so a caller's budget counts it
    /// (the firmware walker's total) whatever the outcome. Not part of equality.
    public var produced = 0

    public init(_ format: CompressionFormat, _ reason: Reason, produced: Int = 0) {
        self.format = format
        self.reason = reason
        self.produced = produced
    }

    public static func == (a: Self, b: Self) -> Bool { a.format == b.format && a.reason == b.reason }

    public var description: String {
        switch reason {
        case .malformed(let why): return "not valid \(format) data vbios can decode: \(why)"
        case .truncated: return "the \(format) stream ends early: its input is cut short"
        case .outputLimit(let n): return "the \(format) stream decodes to more than \(n) bytes, the limit; it is refused as a likely decompression bomb"
        case .library(let why): return "the \(format) decoder failed: \(why)"
        }
    }
}

public enum Decompress {
    /// The default limit on any one stream's output: a firmware image is at most 64 MiB.
    public static let defaultLimit = 64 << 20

    public static func decode(_ format: CompressionFormat, _ input: [UInt8], limit: Int = defaultLimit) throws(DecompressionError) -> [UInt8] {
        switch format {
        case .lzma: return try lzma(input, x86: false, limit: limit)
        case .lzmaX86: return try lzma(input, x86: true, limit: limit)
        case .brotli: return try brotli(input, limit: limit)
        case .zlib: return try inflate(input, windowBits: 15, format: .zlib, limit: limit)
        case .gzip: return try inflate(input, windowBits: 16 + 15, format: .gzip, limit: limit)
        }
    }

    public static func gzip(_ input: [UInt8], limit: Int = defaultLimit) throws(DecompressionError) -> [UInt8] {
        try inflate(input, windowBits: 16 + 15, format: .gzip, limit: limit)
    }

    public static func zlib(_ input: [UInt8], limit: Int = defaultLimit) throws(DecompressionError) -> [UInt8] {
        try inflate(input, windowBits: 15, format: .zlib, limit: limit)
    }

    // MARK: - LZMA

    /// EDK2's LZMA section body: 5 property bytes, the uncompressed size (u64 LE), the raw LZMA1
    /// stream. The size is known, so the output is allocated once and the decoder stops there;
    /// with `x86` the BCJ filter runs in the same liblzma chain.
    public static func lzma(_ input: [UInt8], x86: Bool = false, limit: Int = defaultLimit) throws(DecompressionError) -> [UInt8] {
        try lzma(input[...], x86: x86, limit: limit)
    }

    /// The same on a slice (a section body inside a decoded volume), read in place: no copy.
    public static func lzma(_ input: ArraySlice<UInt8>, x86: Bool = false, limit: Int = defaultLimit) throws(DecompressionError) -> [UInt8] {
        let format: CompressionFormat = x86 ? .lzmaX86 : .lzma
        guard input.count >= 13 else { throw DecompressionError(format, .truncated) }
        var size: UInt64 = 0
        for i in 0..<8 { size |= UInt64(input[input.startIndex + 5 + i]) << (8 * UInt64(i)) }
        // All ones means "unknown, ends with a marker": EDK2 never writes it, but LZMA tools may.
        let known = size != UInt64.max
        if known, size > UInt64(limit) { throw DecompressionError(format, .outputLimit(limit)) }

        let lzmaFilter = try lzma1Filter(input, size: known ? size : nil, limit: limit, format: format)
        defer { free(lzmaFilter.options) }
        var filters: [lzma_filter] = []
        if x86 { filters.append(lzma_filter(id: vbios_lzma_filter_x86, options: nil)) }
        filters.append(lzmaFilter)
        filters.append(lzma_filter(id: vbios_lzma_vli_unknown, options: nil))

        var stream = lzma_stream()
        // The dictionary (up to the output's size) in huge pages, as the output (`LargeBuffer`).
        stream.allocator = UnsafePointer(LargeBuffer.lzmaAllocator)
        let initialized = filters.withUnsafeBufferPointer { lzma_raw_decoder(&stream, $0.baseAddress) }
        guard initialized == LZMA_OK else {
            throw DecompressionError(format, .library("lzma_raw_decoder returned \(initialized.rawValue)"))
        }
        defer { lzma_end(&stream) }
        do throws(DecompressionError) {
        return try drive(format: format, input: input, from: 13, expected: known ? Int(size) : nil, limit: limit) {
            (next_in, avail_in, next_out, avail_out) throws(DecompressionError) -> (consumed: Int, produced: Int, done: Bool) in
            stream.next_in = next_in
            stream.avail_in = avail_in
            stream.next_out = next_out
            stream.avail_out = avail_out
            let r = lzma_code(&stream, LZMA_FINISH)
            let consumed = avail_in - stream.avail_in
            let produced = avail_out - stream.avail_out
            switch r {
            case LZMA_STREAM_END: return (consumed, produced, true)
            case LZMA_OK: return (consumed, produced, false)
            case LZMA_BUF_ERROR: return (consumed, produced, false)
            case LZMA_MEM_ERROR, LZMA_MEMLIMIT_ERROR: throw DecompressionError(format, .library("out of memory"))
            default: throw DecompressionError(format, .malformed("corrupt LZMA data (liblzma error \(r.rawValue))"))
            }
        }
        } catch {
            // A step that throws has produced output the loop did not see: liblzma counts it.
            var e = error
            e.produced = Swift.max(e.produced, Int(stream.total_out))
            throw e
        }
    }

    /// The LZMA1 filter for `input`'s 5 property bytes, with its size set (`size`; nil: the stream
    /// ends with a marker). The dictionary is allocated up front at the size the header asks (up
    /// to 4 GiB); it is never needed larger than the output, so it is capped there: memory stays
    /// within the limit. The caller frees `options`.
    static func lzma1Filter(_ input: ArraySlice<UInt8>, size: UInt64?, limit: Int,
                            format: CompressionFormat) throws(DecompressionError) -> lzma_filter {
        var filter = lzma_filter(id: vbios_lzma_filter_lzma1ext, options: nil)
        let decoded = input.withUnsafeBufferPointer { p in lzma_properties_decode(&filter, nil, p.baseAddress, 5) }
        guard decoded == LZMA_OK, let options = filter.options else {
            throw DecompressionError(format, .malformed("bad LZMA properties \(hex(input.prefix(5)))"))
        }
        let lz = options.assumingMemoryBound(to: lzma_options_lzma.self)
        let cap = UInt32(clamping: Swift.max(4096, size.map { Int($0) } ?? limit))
        if lz.pointee.dict_size > cap { lz.pointee.dict_size = cap }
        let ext = size ?? UInt64.max
        lz.pointee.ext_size_low = UInt32(truncatingIfNeeded: ext)
        lz.pointee.ext_size_high = UInt32(truncatingIfNeeded: ext >> 32)
        lz.pointee.ext_flags = vbios_lzma1ext_allow_eopm
        return filter
    }

    // MARK: - Brotli

    public static func brotli(_ input: [UInt8], limit: Int = defaultLimit) throws(DecompressionError) -> [UInt8] {
        try brotli(input[...], limit: limit)
    }

    /// The same on a slice, read in place. `sizeHint` (what a container says the stream decodes
    /// to, as EDK2's Brotli section header does) sizes the first buffer; it is not trusted: the
    /// output still grows to `limit`, and a short stream is cut to what it produced.
    public static func brotli(_ input: ArraySlice<UInt8>, limit: Int = defaultLimit, sizeHint: Int? = nil) throws(DecompressionError) -> [UInt8] {
        guard let state = BrotliDecoderCreateInstance(nil, nil, nil) else {
            throw DecompressionError(.brotli, .library("BrotliDecoderCreateInstance failed"))
        }
        defer { BrotliDecoderDestroyInstance(state) }
        var total = 0
        do throws(DecompressionError) {
        return try drive(format: .brotli, input: input, from: 0, expected: nil, limit: limit, sizeHint: sizeHint) {
            (next_in, avail_in, next_out, avail_out) throws(DecompressionError) -> (consumed: Int, produced: Int, done: Bool) in
            var inPtr: UnsafePointer<UInt8>? = next_in
            var inLeft = avail_in
            var outPtr: UnsafeMutablePointer<UInt8>? = next_out
            var outLeft = avail_out
            let r = BrotliDecoderDecompressStream(state, &inLeft, &inPtr, &outLeft, &outPtr, &total)
            let consumed = avail_in - inLeft
            let produced = avail_out - outLeft
            switch r {
            case BROTLI_DECODER_RESULT_SUCCESS: return (consumed, produced, true)
            case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT, BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT:
                return (consumed, produced, false)
            default:
                let code = BrotliDecoderGetErrorCode(state)
                let name = BrotliDecoderErrorString(code).map { String(cString: $0) } ?? "\(code.rawValue)"
                throw DecompressionError(.brotli, .malformed("corrupt Brotli data (\(name))"))
            }
        }
        } catch {
            var e = error
            e.produced = Swift.max(e.produced, total)
            throw e
        }
    }

    // MARK: - zlib / gzip

    static func inflate(_ input: [UInt8], windowBits: Int32, format: CompressionFormat, limit: Int) throws(DecompressionError) -> [UInt8] {
        var stream = z_stream()
        let r = inflateInit2_(&stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard r == Z_OK else { throw DecompressionError(format, .library("inflateInit2 returned \(r)")) }
        defer { inflateEnd(&stream) }
        return try drive(format: format, input: input[...], from: 0, expected: nil, limit: limit) {
            (next_in, avail_in, next_out, avail_out) throws(DecompressionError) -> (consumed: Int, produced: Int, done: Bool) in
            // zlib counts in uInt; chunks stay below 4 GiB.
            let inChunk = Swift.min(avail_in, Int(UInt32.max))
            let outChunk = Swift.min(avail_out, Int(UInt32.max))
            stream.next_in = UnsafeMutablePointer(mutating: next_in)
            stream.avail_in = UInt32(inChunk)
            stream.next_out = next_out
            stream.avail_out = UInt32(outChunk)
            let r = CZlib.inflate(&stream, Z_NO_FLUSH)
            let consumed = inChunk - Int(stream.avail_in)
            let produced = outChunk - Int(stream.avail_out)
            switch r {
            case Z_STREAM_END: return (consumed, produced, true)
            case Z_OK, Z_BUF_ERROR: return (consumed, produced, false)
            case Z_MEM_ERROR: throw DecompressionError(format, .library("out of memory"))
            default:
                let why = stream.msg.map { String(cString: $0) } ?? "error \(r)"
                throw DecompressionError(format, .malformed(why))
            }
        }
    }

    // MARK: - The loop all three share

    /// Runs `step` until the stream ends, growing the output up to `limit`. `expected` (a size the
    /// header gave) sizes the buffer once; a stream reaching it is complete even without an end marker.
    static func drive(format: CompressionFormat, input: ArraySlice<UInt8>, from start: Int, expected: Int?, limit: Int,
                      sizeHint: Int? = nil, _ step: Step) throws(DecompressionError) -> [UInt8] {
        try input.withUnsafeBufferPointer { i throws(DecompressionError) in
            let rest = UnsafeBufferPointer(rebasing: i[Swift.min(start, i.count)...])
            if let expected { return try drive(format: format, input: rest, size: expected, step) }
            return try drive(format: format, input: rest, limit: limit, first: sizeHint, step)
        }
    }

    typealias Step = (UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<UInt8>?, Int) throws(DecompressionError)
        -> (consumed: Int, produced: Int, done: Bool)

    /// A stream of known size: decoded straight into one uninitialised buffer of that size (no
    /// zeroing pass, no regrowth, no copy out), in huge pages where it spans them.
    static func drive(format: CompressionFormat, input: UnsafeBufferPointer<UInt8>, size: Int,
                      _ step: Step) throws(DecompressionError) -> [UInt8] {
        guard size > 0 else { return [] }
        var failure: DecompressionError?
        let output = [UInt8](unsafeUninitializedCapacity: size) { o, count in
            LargeBuffer.advise(UnsafeMutableRawBufferPointer(o))
            var inAt = 0, outAt = 0, stalled = 0
            do throws(DecompressionError) {
                while outAt < size {
                    let r = try step(input.baseAddress.map { $0 + inAt }, input.count - inAt, o.baseAddress! + outAt, size - outAt)
                    inAt += r.consumed
                    outAt += r.produced
                    if r.done { break }
                    if r.consumed == 0 && r.produced == 0 {
                        // No progress with room for output: the stream is cut short.
                        stalled += 1
                        if stalled >= 2 { throw DecompressionError(format, .truncated) }
                    } else {
                        stalled = 0
                    }
                }
            } catch {
                var e = error
                e.produced = outAt
                failure = e
            }
            count = outAt
        }
        if let failure { throw failure }
        return output
    }

    /// A stream of unknown size: the output grows (doubling) up to `limit`, from `first` bytes
    /// (a hint; one byte more, so that a stream ending exactly there is seen to end without growing).
    /// A hint past 1024:1 is ignored: a 159-byte stream claiming 512 MiB would otherwise cost
    /// 512 MiB of zeroed memory before it fails (issue 25's Brotli bomb, 200 sections).
    static func drive(format: CompressionFormat, input: UnsafeBufferPointer<UInt8>, limit: Int, first: Int? = nil,
                      _ step: Step) throws(DecompressionError) -> [UInt8] {
        let plausible = first.flatMap { $0 <= input.count * 1024 + 65536 ? $0 + 1 : nil }
        let start = plausible ?? Swift.max(4096, input.count * 4)
        var output = [UInt8](repeating: 0, count: Swift.min(limit, Swift.max(4096, start)))
        var inAt = 0
        var outAt = 0
        var stalled = 0
        do throws(DecompressionError) {
            while true {
                if outAt == output.count {
                    guard output.count < limit else { throw DecompressionError(format, .outputLimit(limit)) }
                    output.append(contentsOf: [UInt8](repeating: 0, count: Swift.min(limit - output.count, Swift.max(output.count, 4096))))
                }
                let result = try output.withUnsafeMutableBufferPointer { o throws(DecompressionError) in
                    try step(input.baseAddress.map { $0 + inAt }, input.count - inAt, o.baseAddress.map { $0 + outAt }, o.count - outAt)
                }
                inAt += result.consumed
                outAt += result.produced
                if result.done { break }
                if result.consumed == 0 && result.produced == 0 {
                    // No progress with room on both sides, or no input left: the stream is cut short.
                    if inAt >= input.count || outAt < output.count { stalled += 1 }
                    if stalled >= 2 { throw DecompressionError(format, .truncated) }
                } else {
                    stalled = 0
                }
            }
        } catch {
            var e = error
            e.produced = outAt
            throw e
        }
        // Growth doubles the buffer, and shrinking an Array keeps its capacity: a short result in
        // a large buffer is copied out, so what the caller keeps is what was decoded.
        if output.capacity - outAt > Swift.max(4096, outAt / 8) { return Array(output[..<outAt]) }
        output.removeSubrange(outAt...)
        return output
    }

    static func hex(_ bytes: ArraySlice<UInt8>) -> String {
        let digits: [Character] = Array("0123456789abcdef")
        var s = ""
        for b in bytes { s.append(digits[Int(b >> 4)]); s.append(digits[Int(b & 15)]) }
        return s
    }
}

/// Large decode buffers in huge pages. A firmware volume decodes to 10-50 MiB that is written
/// once, in order, into memory the process has never touched: with 4 KiB pages that is one page
/// fault (and a zeroed page) per 4 KiB of output and again of liblzma's dictionary, a fifth of
/// `scan`'s time on OVMF, plus TLB misses on every match the decoder copies from far back.
/// `MADV_HUGEPAGE` (Linux `Documentation/admin-guide/mm/transhuge.rst`) asks for 2 MiB pages where
/// transparent huge pages are `madvise` or `always`; elsewhere it is a no-op.
enum LargeBuffer {
    static let hugePage = 2 << 20

    /// Advises the whole 2 MiB pages inside `buffer`; smaller buffers keep small pages.
    static func advise(_ buffer: UnsafeMutableRawBufferPointer) {
        guard buffer.count >= 2 * hugePage, let base = buffer.baseAddress else { return }
        let start = (Int(bitPattern: base) + hugePage - 1) & ~(hugePage - 1)
        let end = (Int(bitPattern: base) + buffer.count) & ~(hugePage - 1)
        #if os(Linux)
        if end > start { _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_HUGEPAGE) }
        #endif
    }

    /// liblzma's allocator: blocks of 4 MiB or more (the dictionary) start on a 2 MiB boundary,
    /// rounded up to whole huge pages, and are advised; smaller ones are plain `malloc`.
    nonisolated(unsafe) static let lzmaAllocator: UnsafeMutablePointer<lzma_allocator> = {
        let a = UnsafeMutablePointer<lzma_allocator>.allocate(capacity: 1)
        a.initialize(to: lzma_allocator(alloc: { _, count, size in
            let (bytes, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow else { return nil }
            guard bytes >= 2 * LargeBuffer.hugePage else { return malloc(bytes) }
            let rounded = (bytes + LargeBuffer.hugePage - 1) & ~(LargeBuffer.hugePage - 1)
            var p: UnsafeMutableRawPointer?
            guard posix_memalign(&p, LargeBuffer.hugePage, rounded) == 0, let p else { return nil }
            LargeBuffer.advise(UnsafeMutableRawBufferPointer(start: p, count: rounded))
            return p
        }, free: { _, p in free(p) }, opaque: nil))
        return a
    }()
}
