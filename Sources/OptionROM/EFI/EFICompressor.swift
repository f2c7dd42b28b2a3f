// An EFI 1.1 (and Tiano) compressor: LZ77 over an 8 KiB window with hash chains, then per block
// three canonical Huffman codes (character/length, position, and the code that codes the
// character/length code lengths), written in the bit layout EDK2's decoder reads
// (BaseTools/Source/C/Common/Decompress.c; EfiCompress.c writes the same layout). Not EDK2's
// encoder: its output differs byte for byte, decodes to the same bytes with any EFI decoder.

public enum EFICompressor {
    /// `bytes` as an EFI-compressed stream with its 8-byte header (compressed size, original size).
    public static func compress(_ bytes: [UInt8], format: EFICompressionFormat) -> [UInt8] {
        var w = BitWriter()
        let positionBits = format == .efi11 ? 4 : 5
        var symbols: [Symbol] = []
        symbols.reserveCapacity(blockSymbols)
        var matcher = Matcher(bytes)
        var i = 0
        while i < bytes.count {
            let m = matcher.longest(at: i)
            if m.length >= 3 {
                symbols.append(Symbol(c: UInt16(m.length + 253), position: UInt16(m.distance - 1)))
                for k in i..<(i + m.length) { matcher.insert(k) }
                i += m.length
            } else {
                symbols.append(Symbol(c: UInt16(bytes[i]), position: 0))
                matcher.insert(i)
                i += 1
            }
            if symbols.count == blockSymbols {
                writeBlock(symbols, positionBits: positionBits, to: &w)
                symbols.removeAll(keepingCapacity: true)
            }
        }
        if !symbols.isEmpty { writeBlock(symbols, positionBits: positionBits, to: &w) }
        let body = w.finish()
        var out: [UInt8] = []
        out.reserveCapacity(8 + body.count)
        for v in [UInt32(body.count), UInt32(bytes.count)] {
            for s in stride(from: 0, to: 32, by: 8) { out.append(UInt8((v >> UInt32(s)) & 0xFF)) }
        }
        return out + body
    }

    /// A block holds at most this many symbols (its size is a 16-bit field).
    static let blockSymbols = 0x4000
    static let window = 1 << 13  // EFI 1.1: 14 position symbols, distances up to 2^13
    static let maxMatch = 256
    static let nc = 510
    static let nt = 19
    static let np = 14

    struct Symbol {
        /// 0...255 a byte; 256...509 a match of length c - 253.
        var c: UInt16
        /// Match distance - 1.
        var position: UInt16
    }

    /// Finds the longest earlier match of the bytes at a position: hash chains on 3-byte prefixes.
    struct Matcher {
        let bytes: [UInt8]
        var head: [Int32]
        var previous: [Int32]
        static let hashBits = 15
        static let chainLimit = 128

        init(_ bytes: [UInt8]) {
            self.bytes = bytes
            head = [Int32](repeating: -1, count: 1 << Self.hashBits)
            previous = [Int32](repeating: -1, count: EFICompressor.window)
        }

        @inline(__always)
        func hash(_ i: Int) -> Int {
            let h = (Int(bytes[i]) << 10) ^ (Int(bytes[i + 1]) << 5) ^ Int(bytes[i + 2])
            return (h &* 2654435761 >> 7) & ((1 << Self.hashBits) - 1)
        }

        mutating func insert(_ i: Int) {
            guard i + 2 < bytes.count else { return }
            let h = hash(i)
            previous[i & (EFICompressor.window - 1)] = head[h]
            head[h] = Int32(i)
        }

        func longest(at i: Int) -> (length: Int, distance: Int) {
            guard i + 2 < bytes.count else { return (0, 0) }
            let limit = min(EFICompressor.maxMatch, bytes.count - i)
            var best = (length: 0, distance: 0)
            var candidate = Int(head[hash(i)])
            var steps = 0
            while candidate >= 0, i - candidate <= EFICompressor.window, steps < Self.chainLimit {
                if bytes[candidate + best.length] == bytes[i + best.length] || best.length == 0 {
                    var n = 0
                    while n < limit, bytes[candidate + n] == bytes[i + n] { n += 1 }
                    if n > best.length {
                        best = (n, i - candidate)
                        if n == limit { break }
                    }
                }
                let next = Int(previous[candidate & (EFICompressor.window - 1)])
                // A slot reused by a newer position ends the chain.
                if next >= candidate { break }
                candidate = next
                steps += 1
            }
            return best
        }
    }

    static func positionSymbol(_ p: Int) -> Int {
        p == 0 ? 0 : Int.bitWidth - p.leadingZeroBitCount
    }

    static func writeBlock(_ symbols: [Symbol], positionBits: Int, to w: inout BitWriter) {
        var cFreq = [Int](repeating: 0, count: nc)
        var pFreq = [Int](repeating: 0, count: np)
        for s in symbols {
            cFreq[Int(s.c)] += 1
            if s.c >= 256 { pFreq[positionSymbol(Int(s.position))] += 1 }
        }
        w.put(16, symbols.count)
        let cLen = Huffman.lengths(cFreq, maxLength: 16)
        let cCode = Huffman.codes(cLen)
        if let only = Huffman.single(cFreq) {
            // One character/length symbol: no T set, no lengths, the symbol itself.
            w.put(5, 0); w.put(5, 0)
            w.put(9, 0); w.put(9, only)
        } else {
            let runs = cLengthRuns(cLen)
            var tFreq = [Int](repeating: 0, count: nt)
            for r in runs { tFreq[r.t] += 1 }
            let tLen = Huffman.lengths(tFreq, maxLength: 16)
            let tCode = Huffman.codes(tLen)
            if let only = Huffman.single(tFreq) {
                w.put(5, 0); w.put(5, only)
            } else {
                writePTLen(tLen, countBits: 5, special: 3, to: &w)
            }
            let n = (cLen.lastIndex { $0 != 0 } ?? -1) + 1
            w.put(9, n)
            for r in runs {
                if tLen[r.t] > 0 { w.put(tLen[r.t], tCode[r.t]) }
                if let extra = r.extra { w.put(extra.bits, extra.value) }
            }
        }
        let pLen = Huffman.lengths(pFreq, maxLength: 16)
        let pCode = Huffman.codes(pLen)
        if let only = Huffman.single(pFreq) {
            w.put(positionBits, 0); w.put(positionBits, only)
        } else if pFreq.allSatisfy({ $0 == 0 }) {
            w.put(positionBits, 0); w.put(positionBits, 0)
        } else {
            writePTLen(pLen, countBits: positionBits, special: -1, to: &w)
        }
        let singleC = Huffman.single(cFreq) != nil
        let singleP = Huffman.single(pFreq) != nil
        for s in symbols {
            let c = Int(s.c)
            if !singleC { w.put(cLen[c], cCode[c]) }
            if c >= 256 {
                let p = Int(s.position)
                let sym = positionSymbol(p)
                if !singleP { w.put(pLen[sym], pCode[sym]) }
                if sym > 1 { w.put(sym - 1, p - (1 << (sym - 1))) }
            }
        }
    }

    /// The character/length code lengths as T-set symbols: 0 one zero, 1 + 4 bits 3...18 zeros,
    /// 2 + 9 bits 20 or more zeros, length + 2 otherwise (up to the last non-zero length).
    static func cLengthRuns(_ cLen: [Int]) -> [(t: Int, extra: (bits: Int, value: Int)?)] {
        let n = (cLen.lastIndex { $0 != 0 } ?? -1) + 1
        var out: [(t: Int, extra: (bits: Int, value: Int)?)] = []
        var i = 0
        while i < n {
            if cLen[i] != 0 {
                out.append((cLen[i] + 2, nil))
                i += 1
                continue
            }
            var k = 0
            while i + k < n, cLen[i + k] == 0 { k += 1 }
            i += k
            if k <= 2 {
                for _ in 0..<k { out.append((0, nil)) }
            } else if k <= 18 {
                out.append((1, (4, k - 3)))
            } else if k == 19 {
                out.append((0, nil))
                out.append((1, (4, 15)))
            } else {
                out.append((2, (9, k - 20)))
            }
        }
        return out
    }

    /// T or P code lengths: 3 bits each under 7, else 111, (length - 7) ones and a zero; for the
    /// T set, 2 bits after the third length count the zero lengths that follow (up to 3).
    static func writePTLen(_ lengths: [Int], countBits: Int, special: Int, to w: inout BitWriter) {
        let n = (lengths.lastIndex { $0 != 0 } ?? -1) + 1
        w.put(countBits, n)
        var i = 0
        while i < n {
            let l = lengths[i]
            i += 1
            if l < 7 {
                w.put(3, l)
            } else {
                w.put(l - 3, (1 << (l - 3)) - 2)  // l - 4 ones, then a zero
            }
            if i == special {
                var k = 0
                while i + k < n, k < 3, lengths[i + k] == 0 { k += 1 }
                w.put(2, k)
                i += k
            }
        }
    }

    enum Huffman {
        /// The one symbol used, when exactly one is.
        static func single(_ freq: [Int]) -> Int? {
            var found: Int?
            for (s, f) in freq.enumerated() where f > 0 {
                if found != nil { return nil }
                found = s
            }
            return found
        }

        /// Huffman code lengths no longer than `maxLength`: frequencies are halved (never to 0)
        /// until the tree is shallow enough. Unused symbols get 0; a single symbol gets 0.
        static func lengths(_ freq: [Int], maxLength: Int) -> [Int] {
            var f = freq
            while true {
                let l = plainLengths(f)
                if (l.max() ?? 0) <= maxLength { return l }
                f = f.map { $0 == 0 ? 0 : max(1, $0 / 2) }
            }
        }

        static func plainLengths(_ freq: [Int]) -> [Int] {
            let used = freq.indices.filter { freq[$0] > 0 }
            var lengths = [Int](repeating: 0, count: freq.count)
            guard used.count >= 2 else { return lengths }
            // Nodes: leaves 0..<used.count, then internal ones; a small binary heap on (weight, id).
            var weight = used.map { freq[$0] }
            var parent = [Int](repeating: -1, count: 2 * used.count)
            var heap: [Int] = Array(0..<used.count)
            func less(_ a: Int, _ b: Int) -> Bool { weight[a] != weight[b] ? weight[a] < weight[b] : a < b }
            func down(_ start: Int) {
                var i = start
                while true {
                    let l = 2 * i + 1, r = l + 1
                    var m = i
                    if l < heap.count, less(heap[l], heap[m]) { m = l }
                    if r < heap.count, less(heap[r], heap[m]) { m = r }
                    if m == i { return }
                    heap.swapAt(i, m)
                    i = m
                }
            }
            func up(_ start: Int) {
                var i = start
                while i > 0, less(heap[i], heap[(i - 1) / 2]) {
                    heap.swapAt(i, (i - 1) / 2)
                    i = (i - 1) / 2
                }
            }
            func pop() -> Int {
                let top = heap[0]
                heap[0] = heap[heap.count - 1]
                heap.removeLast()
                if !heap.isEmpty { down(0) }
                return top
            }
            for i in stride(from: heap.count / 2, through: 0, by: -1) { down(i) }
            while heap.count > 1 {
                let a = pop(), b = pop()
                let node = weight.count
                weight.append(weight[a] + weight[b])
                parent[a] = node
                parent[b] = node
                heap.append(node)
                up(heap.count - 1)
            }
            for (leaf, symbol) in used.enumerated() {
                var depth = 0
                var n = leaf
                while parent[n] >= 0 { n = parent[n]; depth += 1 }
                lengths[symbol] = depth
            }
            return lengths
        }

        /// Canonical codes as the decoder's table builder assigns them: by length, then symbol.
        static func codes(_ lengths: [Int]) -> [Int] {
            var count = [Int](repeating: 0, count: 18)
            for l in lengths where l > 0 { count[l] += 1 }
            var next = [Int](repeating: 0, count: 18)
            for l in 1...16 { next[l + 1] = (next[l] + count[l]) << 1 }
            var codes = [Int](repeating: 0, count: lengths.count)
            for (s, l) in lengths.enumerated() where l > 0 {
                codes[s] = next[l]
                next[l] += 1
            }
            return codes
        }
    }

    /// Bits out, most significant first, as the decoder's 32-bit buffer takes them in.
    struct BitWriter {
        var out: [UInt8] = []
        var acc: UInt64 = 0
        var count = 0

        mutating func put(_ n: Int, _ value: Int) {
            guard n > 0 else { return }
            acc = (acc << UInt64(n)) | (UInt64(value) & ((1 << UInt64(n)) - 1))
            count += n
            while count >= 8 {
                count -= 8
                out.append(UInt8((acc >> UInt64(count)) & 0xFF))
            }
            acc &= (1 << UInt64(count)) - 1
        }

        mutating func finish() -> [UInt8] {
            if count > 0 { out.append(UInt8((acc << UInt64(8 - count)) & 0xFF)) }
            acc = 0
            count = 0
            return out
        }
    }
}
