/// Just enough gzip (RFC 1952) and DEFLATE (RFC 1951) to read `/proc/config.gz`: Foundation on
/// Linux offers no decompression and vbios may not shell out to zcat. Modelled on zlib's `puff.c`:
/// small and slow, which is fine for a 50 KiB file. Stops at the first member's end.
public enum Gzip {
    public struct Malformed: Error, CustomStringConvertible {
        public var reason: String
        public var description: String { "not a gzip stream vbios can read: \(reason)" }
    }

    public static func decompress(_ data: [UInt8], limit: Int = 64 << 20) throws -> [UInt8] {
        guard data.count >= 18, data[0] == 0x1F, data[1] == 0x8B, data[2] == 8 else { throw Malformed(reason: "no gzip header (1f 8b 08)") }
        let flags = data[3]
        var pos = 10
        if flags & 4 != 0 { // FEXTRA
            guard pos + 2 <= data.count else { throw Malformed(reason: "truncated extra field") }
            pos += 2 + Int(data[pos]) | Int(data[pos + 1]) << 8
        }
        if flags & 8 != 0 { while pos < data.count, data[pos] != 0 { pos += 1 }; pos += 1 } // FNAME
        if flags & 16 != 0 { while pos < data.count, data[pos] != 0 { pos += 1 }; pos += 1 } // FCOMMENT
        if flags & 2 != 0 { pos += 2 } // FHCRC
        guard pos < data.count else { throw Malformed(reason: "truncated header") }
        var inflater = Inflater(input: data, position: pos, limit: limit)
        try inflater.run()
        return inflater.output
    }
}

struct Inflater {
    let input: [UInt8]
    var position: Int
    let limit: Int
    var bitBuffer = 0
    var bitCount = 0
    var output: [UInt8] = []

    init(input: [UInt8], position: Int, limit: Int) {
        self.input = input
        self.position = position
        self.limit = limit
    }

    mutating func bits(_ need: Int) throws -> Int {
        var val = bitBuffer
        while bitCount < need {
            guard position < input.count else { throw Gzip.Malformed(reason: "ran out of input") }
            val |= Int(input[position]) << bitCount
            position += 1
            bitCount += 8
        }
        bitBuffer = val >> need
        bitCount -= need
        return val & ((1 << need) - 1)
    }

    /// Canonical Huffman code: symbol counts per length and symbols in code order.
    struct Huffman {
        var count = [Int](repeating: 0, count: 16)
        var symbol: [Int]

        init(lengths: [Int]) throws {
            symbol = [Int](repeating: 0, count: lengths.count)
            for l in lengths { count[l] += 1 }
            var offs = [Int](repeating: 0, count: 16)
            for len in 1..<15 { offs[len + 1] = offs[len] + count[len] }
            for (s, l) in lengths.enumerated() where l != 0 {
                symbol[offs[l]] = s
                offs[l] += 1
            }
        }
    }

    mutating func decode(_ h: Huffman) throws -> Int {
        var code = 0, first = 0, index = 0
        for len in 1...15 {
            code |= try bits(1)
            let count = h.count[len]
            if code - count < first { return h.symbol[index + (code - first)] }
            index += count
            first += count
            first <<= 1
            code <<= 1
        }
        throw Gzip.Malformed(reason: "bad Huffman code")
    }

    static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
                           4097, 6145, 8193, 12289, 16385, 24577]
    static let distExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    mutating func codes(_ lit: Huffman, _ dist: Huffman) throws {
        while true {
            let sym = try decode(lit)
            if sym < 256 {
                output.append(UInt8(sym))
            } else if sym == 256 {
                return
            } else {
                let s = sym - 257
                guard s < 29 else { throw Gzip.Malformed(reason: "bad length symbol") }
                let len = Self.lengthBase[s] + (try bits(Self.lengthExtra[s]))
                let d = try decode(dist)
                guard d < 30 else { throw Gzip.Malformed(reason: "bad distance symbol") }
                let distance = Self.distBase[d] + (try bits(Self.distExtra[d]))
                guard distance <= output.count else { throw Gzip.Malformed(reason: "distance too far back") }
                for _ in 0..<len { output.append(output[output.count - distance]) }
            }
            if output.count > limit { throw Gzip.Malformed(reason: "more than \(limit) bytes") }
        }
    }

    mutating func run() throws {
        var last = 0
        repeat {
            last = try bits(1)
            switch try bits(2) {
            case 0:
                bitBuffer = 0; bitCount = 0
                guard position + 4 <= input.count else { throw Gzip.Malformed(reason: "truncated stored block") }
                let len = Int(input[position]) | Int(input[position + 1]) << 8
                position += 4
                guard position + len <= input.count else { throw Gzip.Malformed(reason: "truncated stored block") }
                output.append(contentsOf: input[position..<position + len])
                position += len
            case 1:
                var lengths = [Int](repeating: 8, count: 288)
                for i in 144..<256 { lengths[i] = 9 }
                for i in 256..<280 { lengths[i] = 7 }
                try codes(try Huffman(lengths: lengths), try Huffman(lengths: [Int](repeating: 5, count: 30)))
            case 2:
                let nlen = try bits(5) + 257, ndist = try bits(5) + 1, ncode = try bits(4) + 4
                let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
                var cl = [Int](repeating: 0, count: 19)
                for i in 0..<ncode { cl[order[i]] = try bits(3) }
                let lencode = try Huffman(lengths: cl)
                var lengths: [Int] = []
                while lengths.count < nlen + ndist {
                    let sym = try decode(lencode)
                    if sym < 16 { lengths.append(sym); continue }
                    var repeatValue = 0, times = 0
                    switch sym {
                    case 16:
                        guard let prev = lengths.last else { throw Gzip.Malformed(reason: "repeat with no previous length") }
                        repeatValue = prev; times = 3 + (try bits(2))
                    case 17: times = 3 + (try bits(3))
                    default: times = 11 + (try bits(7))
                    }
                    guard lengths.count + times <= nlen + ndist else { throw Gzip.Malformed(reason: "too many lengths") }
                    lengths += [Int](repeating: repeatValue, count: times)
                }
                try codes(try Huffman(lengths: Array(lengths[0..<nlen])), try Huffman(lengths: Array(lengths[nlen...])))
            default:
                throw Gzip.Malformed(reason: "reserved block type")
            }
        } while last == 0
    }
}
