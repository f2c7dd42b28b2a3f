// The EFI 1.1 and Tiano decompressors (UEFI spec, "Compression Algorithm Specification"; EDK2
// BaseTools/Source/C/Common/Decompress.c and MdePkg BaseUefiDecompressLib). Both formats are the
// same LZ77 + Huffman stream; they differ only in the width of the position-set count in each
// block header (4 bits for EFI 1.1, 5 for Tiano). PCI option ROMs use EFI 1.1 (compression type
// 1 in the EFI image header); firmware volumes hold either.
//
// Self-contained on purpose: no other file of the module is needed, so the firmware-volume code
// can take this file alone. Every table index is bounds-checked, every write stays below the
// stated size, and output never exceeds `limit`;
// the work is bounded by the output size (each decoded symbol yields at least one byte).

public enum EFICompressionFormat: String, Sendable {
    case efi11
    case tiano
}

public struct EFIDecompressionError: Error, Sendable, CustomStringConvertible {
    /// Byte offset in the input (header included) where the problem was found.
    public let offset: Int
    public let message: String

    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "EFI decompression failed at input byte \(offset): \(message)" }
}

public enum EFIDecompressor {
    /// The size of the header every stream starts with: compressed size, original size (u32 LE each).
    public static let headerLength = 8
    /// The most output per compressed byte a stream may claim (twice what EDK2's compressor reaches).
    public static let maximumRatio = 4096

    /// Decodes a stream with the 8-byte header (compressed size u32, original size u32).
    /// format nil: try EFI 1.1 then Tiano, as UEFITool does. Output never exceeds `limit`.
    ///
    /// With format nil, a stream that decodes in both formats is taken as EFI 1.1 unless the EFI
    /// 1.1 decode needed bits past the stated compressed size and the Tiano decode did not (a
    /// Tiano stream misread as EFI 1.1 runs off its end; a real stream of either never does).
    public static func decompress(
        _ input: [UInt8], format: EFICompressionFormat?, limit: Int
    ) throws(EFIDecompressionError) -> (bytes: [UInt8], format: EFICompressionFormat) {
        if let format {
            return (try decode(input, format: format, limit: limit).bytes, format)
        }
        return try decodeEither(input, limit: limit).chosen.map { ($0.decoded.bytes, $0.format) }.get()
    }

    static let plainDecode: Decode = { input, format, limit throws(EFIDecompressionError) in
        try EFIDecompressor.decode(input, format: format, limit: limit)
    }

    typealias Decode = @Sendable ([UInt8], EFICompressionFormat, Int) throws(EFIDecompressionError) -> Decoded

    /// What format nil does, with the EFI 1.1 attempt kept too for a reader that tries EFI 1.1
    /// alone (OVMF): each format is decoded at most once. `using` lets a test count the decodes.
    static func decodeEither(_ input: [UInt8], limit: Int, using decode: Decode = Self.plainDecode)
        -> (efi11: Result<Decoded, EFIDecompressionError>,
            chosen: Result<(decoded: Decoded, format: EFICompressionFormat), EFIDecompressionError>)
    {
        let efi: Result<Decoded, EFIDecompressionError>
        do { efi = .success(try decode(input, .efi11, limit)) } catch { efi = .failure(error) }
        if case .success(let e) = efi, !e.overran { return (efi, .success((e, .efi11))) }
        let tiano: Result<Decoded, EFIDecompressionError>
        do { tiano = .success(try decode(input, .tiano, limit)) } catch { tiano = .failure(error) }
        switch (efi, tiano) {
        case (.success(let e), .success(let t)):
            return (efi, .success(t.overran ? (e, .efi11) : (t, .tiano)))
        case (.success(let e), .failure):
            return (efi, .success((e, .efi11)))
        case (.failure, .success(let t)):
            return (efi, .success((t, .tiano)))
        case (.failure(let e), .failure(let t)):
            // A header problem reads the same in both formats: say it once.
            if e.message == t.message { return (efi, .failure(e)) }
            return (efi, .failure(EFIDecompressionError(
                offset: e.offset,
                message: "neither EFI 1.1 (\(e.message)) nor Tiano (at input byte \(t.offset): \(t.message))")))
        }
    }

    /// The original size a stream's header states, or nil when the input is shorter than the header.
    public static func statedSizes(_ input: [UInt8]) -> (compressed: Int, original: Int)? {
        guard input.count >= headerLength else { return nil }
        return (Int(le32(input, 0)), Int(le32(input, 4)))
    }

    struct Decoded {
        var bytes: [UInt8]
        /// Whether decoding used bits past the stated compressed size (zero padding, as EDK2 does).
        var overran: Bool
    }

    static func decode(_ input: [UInt8], format: EFICompressionFormat, limit: Int) throws(EFIDecompressionError) -> Decoded {
        guard input.count >= headerLength else {
            throw EFIDecompressionError(
                offset: 0, message: "\(input.count) bytes, shorter than the 8-byte header (compressed size, original size)")
        }
        let compressed = Int(le32(input, 0))
        let original = Int(le32(input, 4))
        guard compressed <= input.count - headerLength else {
            throw EFIDecompressionError(
                offset: 0,
                message: "header says \(compressed) compressed bytes but only \(input.count - headerLength) follow the header; the stream is truncated")
        }
        guard original <= max(limit, 0) else {
            throw EFIDecompressionError(
                offset: 4, message: "header says the original is \(original) bytes, over the limit of \(max(limit, 0))")
        }
        // A claimed size no real stream could decode to is refused before any work: EDK2's
        // compressor spends at least one bit per match of at most 256 bytes (2048:1 at best, on
        // zeros), so an 8-byte stream claiming 16 MiB is a bomb, not a driver.
        guard original <= compressed * maximumRatio + 65536 else {
            throw EFIDecompressionError(
                offset: 4, message: "header says the original is \(original) bytes, more than \(compressed) compressed bytes can hold (at most \(maximumRatio):1)")
        }
        if original == 0 { return Decoded(bytes: [], overran: false) }
        // Decoded straight into the result: no zeroing pass, and the hot loop writes through a
        // pointer (an Array property of the state cost a uniqueness check per byte). Every write
        // is below `original` (`run` stops there) and every match source at or after 0.
        var failure: EFIDecompressionError?
        var overran = false
        let bytes = [UInt8](unsafeUninitializedCapacity: original) { buffer, count in
            var state = State(input: input, end: headerLength + compressed, original: original,
                              positionBits: format == .efi11 ? 4 : 5, output: buffer.baseAddress!)
            do throws(EFIDecompressionError) { try state.run() } catch { failure = error; return }
            overran = state.consumedBits > compressed * 8
            count = original
        }
        if let failure { throw failure }
        return Decoded(bytes: bytes, overran: overran)
    }

    @inline(__always)
    static func le32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }
}

// The alphabets: C (characters and match lengths), P (match positions), T (the code lengths of C).
private let maxMatch = 256
private let threshold = 3
private let nc = 0xFF + maxMatch + 2 - threshold  // 510
private let cBit = 9
private let maxNP = (1 << 5) - 1  // 31
private let tBit = 5
private let nt = 16 + 3  // 19
private let npt = max(nt, maxNP)  // 31
/// A Huffman walk past the table is at most 16 - 8 steps on a real stream; stale tree nodes left
/// by an earlier block could otherwise send a hostile one round in circles.
private let maxWalk = 32

private struct State {
    let input: [UInt8]
    /// One past the last compressed byte (header included).
    let end: Int
    let original: Int
    let positionBits: Int

    var inPos = EFIDecompressor.headerLength
    var bitBuf: UInt32 = 0
    var subBitBuf: UInt32 = 0
    var bitCount = 0
    /// Bits loaded into the buffers so far, real or padding.
    var loadedBits = 0
    var blockSize = 0

    var left = [UInt16](repeating: 0, count: 2 * nc - 1)
    var right = [UInt16](repeating: 0, count: 2 * nc - 1)
    var cLen = [UInt8](repeating: 0, count: nc)
    var ptLen = [UInt8](repeating: 0, count: npt)
    var cTable = [UInt16](repeating: 0, count: 4096)
    var ptTable = [UInt16](repeating: 0, count: 256)

    /// `original` bytes, written in order: `outPos` bytes so far.
    let output: UnsafeMutablePointer<UInt8>
    var outPos = 0

    init(input: [UInt8], end: Int, original: Int, positionBits: Int, output: UnsafeMutablePointer<UInt8>) {
        self.input = input
        self.end = end
        self.original = original
        self.positionBits = positionBits
        self.output = output
    }

    /// Bits taken out of the bit buffer so far: those loaded minus the 32 still buffered and the
    /// ones left in the byte being shifted in.
    var consumedBits: Int { loadedBits - 32 - bitCount }

    /// The input byte the decoder is reading, for error messages.
    var here: Int { min(inPos, input.count) }

    func failure(_ message: String) -> EFIDecompressionError {
        EFIDecompressionError(offset: here, message: message)
    }

    /// Shifts `n` bits out of the 32-bit buffer and refills it; past the end of the compressed
    /// bytes it shifts in zeros, as EDK2 does.
    @inline(__always)
    mutating func fill(_ n: Int) {
        var n = n
        bitBuf = n >= 32 ? 0 : bitBuf << UInt32(n)
        while n > bitCount {
            n -= bitCount
            bitBuf |= n >= 32 ? 0 : subBitBuf << UInt32(n)
            if inPos < end {
                subBitBuf = UInt32(input[inPos])
                inPos += 1
            } else {
                subBitBuf = 0
            }
            bitCount = 8
            loadedBits += 8
        }
        bitCount -= n
        bitBuf |= subBitBuf >> UInt32(bitCount)
    }

    @inline(__always)
    mutating func bits(_ n: Int) -> Int {
        let v = Int(bitBuf >> UInt32(32 - n))
        fill(n)
        return v
    }

    mutating func run() throws(EFIDecompressionError) {
        fill(32)
        while true {
            let c = try decodeC()
            if c < 256 {
                output[outPos] = UInt8(truncatingIfNeeded: c)
                outPos += 1
                if outPos >= original { return }
            } else {
                let length = c - (256 - threshold)
                let distance = try decodeP()
                var from = outPos - distance - 1
                guard from >= 0 else {
                    throw failure("a match reaches \(distance + 1) bytes back from output byte \(outPos), before the start")
                }
                // Overlapping copies repeat the bytes just written, so byte by byte.
                let stop = min(outPos + length, original)
                while outPos < stop {
                    output[outPos] = output[from]
                    outPos += 1
                    from += 1
                }
                if outPos >= original { return }
            }
        }
    }

    mutating func decodeC() throws(EFIDecompressionError) -> Int {
        if blockSize == 0 {
            blockSize = bits(16)
            try readPTLen(count: nt, countBits: tBit, special: 3, what: "code-length")
            try readCLen()
            try readPTLen(count: maxNP, countBits: positionBits, special: -1, what: "position")
        }
        blockSize = (blockSize - 1) & 0xFFFF
        var c = Int(cTable[Int(bitBuf >> 20)])
        if c >= nc {
            c = try walk(c, mask: 1 << 19, limit: nc, what: "character/length")
        }
        fill(Int(cLen[c]))
        return c
    }

    mutating func decodeP() throws(EFIDecompressionError) -> Int {
        var v = Int(ptTable[Int(bitBuf >> 24)])
        if v >= maxNP {
            v = try walk(v, mask: 1 << 23, limit: maxNP, what: "position")
        }
        fill(Int(ptLen[v]))
        if v > 1 {
            return (1 << (v - 1)) + bits(v - 1)
        }
        return v
    }

    /// Follows the tree below a table entry, one bit of the buffer per step, to a symbol < `limit`.
    @inline(__always)
    func walk(_ start: Int, mask: UInt32, limit: Int, what: String) throws(EFIDecompressionError) -> Int {
        var v = start
        var mask = mask
        var steps = 0
        repeat {
            guard v < left.count, steps < maxWalk else {
                throw failure("the \(what) Huffman tree leads nowhere (node \(v))")
            }
            v = Int(bitBuf & mask != 0 ? right[v] : left[v])
            mask >>= 1
            steps += 1
        } while v >= limit
        return v
    }

    /// Reads the code lengths of the T set (count 19, special 3) or the P set, then its table.
    mutating func readPTLen(count nn: Int, countBits: Int, special: Int, what: String) throws(EFIDecompressionError) {
        let number = bits(countBits)
        if number == 0 {
            // One symbol only: every table entry is it, no code bits.
            let only = UInt16(bits(countBits))
            for i in 0..<256 { ptTable[i] = only }
            for i in 0..<nn { ptLen[i] = 0 }
            return
        }
        var i = 0
        while i < number, i < npt {
            // Lengths under 7 are 3 bits; 7 and up are 111 followed by (length - 7) ones and a zero.
            var c = Int(bitBuf >> 29)
            if c == 7 {
                var mask: UInt32 = 1 << 28
                while mask & bitBuf != 0 {
                    mask >>= 1
                    c += 1
                }
            }
            fill(c < 7 ? 3 : c - 3)
            ptLen[i] = UInt8(truncatingIfNeeded: c)
            i += 1
            if i == special {
                // After the third T length, 2 bits count zero lengths that follow.
                var zeros = bits(2)
                while zeros > 0, i < npt {
                    ptLen[i] = 0
                    i += 1
                    zeros -= 1
                }
            }
        }
        while i < nn, i < npt {
            ptLen[i] = 0
            i += 1
        }
        guard Self.makeTable(symbols: nn, lengths: ptLen, tableBits: 8, table: &ptTable, left: &left, right: &right) else {
            throw failure("the \(what) code lengths do not form a Huffman code")
        }
    }

    /// Reads the code lengths of the C set (coded with the T set), then its table.
    mutating func readCLen() throws(EFIDecompressionError) {
        let number = bits(cBit)
        if number == 0 {
            let only = UInt16(bits(cBit))
            for i in 0..<nc { cLen[i] = 0 }
            for i in 0..<4096 { cTable[i] = only }
            return
        }
        var i = 0
        while i < number {
            guard i < nc else {
                throw failure("the block header lists \(number) character/length code lengths, more than the \(nc) there are")
            }
            var c = Int(ptTable[Int(bitBuf >> 24)])
            if c >= nt {
                c = try walk(c, mask: 1 << 23, limit: nt, what: "code-length")
            }
            fill(Int(ptLen[c]))
            if c <= 2 {
                // 0: one zero length; 1: 3 to 18 of them; 2: 20 to 531 of them.
                let zeros = c == 0 ? 1 : c == 1 ? bits(4) + 3 : bits(cBit) + 20
                guard zeros <= nc - i else {
                    throw failure("a run of \(zeros) zero code lengths at symbol \(i) runs past the \(nc) symbols")
                }
                for _ in 0..<zeros {
                    cLen[i] = 0
                    i += 1
                }
            } else {
                cLen[i] = UInt8(c - 2)
                i += 1
            }
        }
        while i < nc {
            cLen[i] = 0
            i += 1
        }
        // EDK2 ignores a bad table here and decodes on with a stale one; a real compressor never
        // writes one, so it is an error.
        guard Self.makeTable(symbols: nc, lengths: cLen, tableBits: 12, table: &cTable, left: &left, right: &right) else {
            throw failure("the character/length code lengths do not form a Huffman code")
        }
    }

    /// The canonical Huffman decoding table of EDK2's MakeTable: codes up to `tableBits` long
    /// fill table slots directly; longer ones hang a binary tree (nodes numbered from `symbols`
    /// up, in `left`/`right`) off their slot. False when the lengths are not a complete code.
    static func makeTable(
        symbols: Int, lengths: [UInt8], tableBits: Int,
        table: inout [UInt16], left: inout [UInt16], right: inout [UInt16]
    ) -> Bool {
        guard let code = codeStarts(symbols: symbols, lengths: lengths, tableBits: tableBits) else { return false }
        var start = code.start
        let juBits = 16 - tableBits
        let tableSize = 1 << tableBits
        var i = start[tableBits + 1] >> juBits
        if i != 0 {
            while i < tableSize {
                table[i] = 0
                i += 1
            }
        }
        var avail = symbols
        for ch in 0..<symbols {
            let l = Int(lengths[ch])
            if l == 0 { continue }
            let next = start[l] + code.weight[l]
            if l <= tableBits {
                if next > tableSize { return false }
                for k in start[l]..<next { table[k] = UInt16(ch) }
            } else if !hang(code: start[l], length: l, symbol: ch, tableBits: tableBits, avail: &avail,
                            table: &table, left: &left, right: &right) {
                return false
            }
            start[l] = next
        }
        return true
    }

    /// MakeTable's first half: the first code of each length (table slots for lengths up to
    /// `tableBits`) and the slots one code of each length spans. Nil when the lengths are not a
    /// complete code.
    static func codeStarts(symbols: Int, lengths: [UInt8], tableBits: Int) -> (start: [Int], weight: [Int])? {
        var count = [Int](repeating: 0, count: 17)
        for i in 0..<symbols {
            let l = Int(lengths[i])
            if l > 16 { return nil }
            count[l] += 1
        }
        var start = [Int](repeating: 0, count: 18)
        for l in 1...16 {
            start[l + 1] = start[l] + count[l] << (16 - l)
        }
        // Kraft: the codes must fill the 16-bit code space exactly.
        if start[17] != 1 << 16 { return nil }
        let juBits = 16 - tableBits
        var weight = [Int](repeating: 0, count: 17)
        for l in 1...16 {
            if l <= tableBits {
                start[l] >>= juBits
                weight[l] = 1 << (tableBits - l)
            } else {
                weight[l] = 1 << (16 - l)
            }
        }
        return (start, weight)
    }

    /// A code longer than `tableBits`: its table slot leads through tree nodes (allocated from
    /// `avail` up) to `symbol`, one node per bit past the table's. False when it does not fit.
    static func hang(code start: Int, length l: Int, symbol ch: Int, tableBits: Int, avail: inout Int,
                     table: inout [UInt16], left: inout [UInt16], right: inout [UInt16]) -> Bool {
        let juBits = 16 - tableBits
        let mask = 1 << (15 - tableBits)
        var code = start
        // Where the next link is written: the table slot, then left or right of a node.
        enum Slot { case table(Int), left(Int), right(Int) }
        var slot = Slot.table(code >> juBits)
        if code >> juBits >= 1 << tableBits { return false }
        for _ in 0..<(l - tableBits) {
            var node: Int
            switch slot {
            case .table(let k): node = Int(table[k])
            case .left(let k): node = Int(left[k])
            case .right(let k): node = Int(right[k])
            }
            if node == 0 {
                guard avail < left.count else { return false }
                left[avail] = 0
                right[avail] = 0
                node = avail
                switch slot {
                case .table(let k): table[k] = UInt16(avail)
                case .left(let k): left[k] = UInt16(avail)
                case .right(let k): right[k] = UInt16(avail)
                }
                avail += 1
            }
            guard node < left.count else { return false }
            slot = code & mask != 0 ? .right(node) : .left(node)
            code = (code << 1) & 0xFFFF
        }
        switch slot {
        case .table(let k): table[k] = UInt16(ch)
        case .left(let k): left[k] = UInt16(ch)
        case .right(let k): right[k] = UInt16(ch)
        }
        return true
    }
}
