import Foundation
import Testing
@testable import OptionROM
import Core

@Suite("Checksum")
struct ChecksumTests {
    static func naive(_ b: [UInt8], _ start: Int, _ count: Int) -> UInt8 {
        var s: UInt8 = 0
        for i in start..<(start + count) { s &+= b[i] }
        return s
    }

    @Test("Matches a byte-by-byte sum for every length 0...300 and unaligned starts")
    func smallLengths() {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<(300 + 16)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        for start in 0..<9 {
            for count in 0...300 {
                #expect(Checksum.sum(bytes, from: start, count: count) == Self.naive(bytes, start, count),
                        "start \(start) count \(count)")
            }
        }
    }

    @Test("Worst case for the lane folding: long runs of 0xFF", arguments: [4096, 4097, 8191, 8192, 65536 + 31, 130560])
    func allOnes(length: Int) {
        let bytes = [UInt8](repeating: 0xFF, count: length + 3)
        for start in [0, 1, 3] {
            #expect(Checksum.sum(bytes, from: start, count: length) == Self.naive(bytes, start, length))
        }
    }

    @Test("Large buffers of mixed bytes, and defaulted and clamped counts")
    func mixed() {
        let bytes = (0..<200_003).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 7) }
        #expect(Checksum.sum(bytes) == Self.naive(bytes, 0, bytes.count))
        #expect(Checksum.sum(bytes, from: 5) == Self.naive(bytes, 5, bytes.count - 5))
        // A count past the end clamps to the end instead of reading beyond it.
        #expect(Checksum.sum(bytes, from: 10, count: 1 << 30) == Self.naive(bytes, 10, bytes.count - 10))
        #expect(Checksum.sum([], from: 0, count: 10) == 0)
        #expect(Checksum.sum(bytes, from: bytes.count, count: 4) == 0)
        #expect(Checksum.sum(bytes, from: bytes.count + 5, count: 4) == 0)
        #expect(Checksum.sum(bytes, from: 0, count: -1) == 0)
    }
}

@Suite("Hex")
struct HexTests {
    @Test func fixedWidth() {
        #expect(Hex.string(0xAB, width: 4) == "00ab")
        #expect(Hex.string(UInt16(0x10DE), width: 4) == "10de")
        #expect(Hex.string(0x030000, width: 6) == "030000")
        #expect(Hex.string(0x12345, width: 4) == "2345")   // keeps the low digits
        #expect(Hex.string(0, width: 0) == "")
        #expect(Hex.string(UInt8(0xFF), width: 2) == "ff")
    }

    @Test func prefixed() {
        #expect(Hex.prefixed(0) == "0x0")
        #expect(Hex.prefixed(5, width: 4) == "0x0005")
        #expect(Hex.prefixed(0x1234, width: 2) == "0x1234")
        #expect(Hex.prefixed(0x12400) == "0x12400")
        #expect(Hex.prefixed(UInt32(0xEF1), width: 4) == "0x0ef1")
        #expect(Hex.prefixed(UInt64.max) == "0xffffffffffffffff")
    }
}

@Suite("JSON")
struct JSONTests {
    @Test("Escapes what JSON requires and keeps the rest")
    func escaping() throws {
        let s = "quote\" backslash\\ nl\n cr\r tab\t bell\u{07} nul\u{00} unit\u{1F} del\u{7F} é 漢 🙂 /"
        let text = JSON.string(s).rendered()
        #expect(text.contains("\\u0007") && text.contains("\\u0000") && text.contains("\\u001f"))
        #expect(text.contains("\\\"") && text.contains("\\\\") && text.contains("\\n"))
        let back = try #require(try parseJSON(text) as? String)
        #expect(back == s)
        let key = JSON.object([("we\"ird\nkey", .int(1))]).rendered(pretty: false)
        let obj = try #require(try parseJSON(key) as? [String: Any])
        #expect(obj["we\"ird\nkey"] as? Int == 1)
    }

    @Test("Compact and pretty renderings, key order kept")
    func rendering() throws {
        let v = JSON.object([
            ("z", .int(-3)), ("a", .array([.null, .bool(true), .bool(false), .string("x")])),
            ("empty", .array([])), ("none", .object([])), ("big", .int(Int.max)),
        ])
        #expect(v.rendered(pretty: false) == #"{"z":-3,"a":[null,true,false,"x"],"empty":[],"none":{},"big":9223372036854775807}"#)
        let pretty = v.rendered()
        #expect(pretty.hasPrefix("{\n  \"z\": -3,\n  \"a\": [\n    null,"))
        #expect(pretty.hasSuffix("\n}"))
        let parsed = try #require(try parseJSON(pretty) as? [String: Any])
        #expect(parsed.count == 5)
        #expect(v["a"] == .array([.null, .bool(true), .bool(false), .string("x")]))
        #expect(v["missing"] == nil)
        #expect(JSON.int(1)["a"] == nil)
        #expect(JSON.optional(nil as Int?) == .null && JSON.optional(3 as Int?) == .int(3))
        #expect(JSON.hex4(0x10DE) == .string("10de"))
        // Equality is order-sensitive for objects: the contract's order is part of it.
        #expect(JSON.object([("a", .int(1)), ("b", .int(2))]) != JSON.object([("b", .int(2)), ("a", .int(1))]))
    }

    @Test("Finding JSON: offset only when known")
    func findingJSON() {
        let a = Finding(.warning, .trailingData, at: 16, "m").json
        #expect(a.rendered(pretty: false) == #"{"severity":"warning","code":"trailing-data","offset":16,"message":"m"}"#)
        let b = Finding(.info, .noImage, "x").json
        #expect(b["offset"] == nil)
    }
}

@Suite("ByteView")
struct ByteViewTests {
    @Test("Reads stop at the bounds, whatever the offset")
    func bounds() {
        let bytes: [UInt8] = [0x55, 0xAA, 0x10, 0x20, 0x30, 0x40, 0x50]
        bytes.withUnsafeBytes { raw in
            let v = ByteView(raw)
            #expect(v.count == 7)
            #expect(v.u8(0) == 0x55 && v.u8(6) == 0x50)
            #expect(v.u8(7) == nil && v.u8(-1) == nil && v.u8(Int.max) == nil && v.u8(Int.min) == nil)
            #expect(v.u16(0) == 0xAA55 && v.u16(5) == 0x5040 && v.u16(6) == nil)
            #expect(v.u32(3) == 0x5040_3020 && v.u32(4) == nil && v.u32(-2) == nil)
            #expect(v.contains(0, 7) && v.contains(7, 0) && !v.contains(7, 1) && !v.contains(8, 0))
            #expect(!v.contains(1, Int.max) && !v.contains(Int.max, Int.max) && !v.contains(-1, 1) && !v.contains(0, -1))
            #expect(v.matches(0, [0x55, 0xAA]) && !v.matches(6, [0x50, 0x00]) && !v.matches(-1, [0x55]))
            #expect(!v.matches(5, "PCIR"))
            #expect(v.find([0x30, 0x40]) == 4)
            #expect(v.find([0x30, 0x40], from: 5) == nil)
            #expect(v.find([0x50], from: 6) == 6)
            #expect(v.find([0x50], from: 7) == nil && v.find([0x50], from: 100) == nil && v.find([0x50], from: -3) == nil)
            #expect(v.find([0x30, 0x40], to: 5) == nil && v.find([0x30, 0x40], to: 6) == 4)
            #expect(v.find([], from: 0) == nil)
            #expect(v.find([UInt8](repeating: 0x55, count: 8)) == nil)
            #expect(v.printable(-1, max: 4) == "" && v.printable(7, max: 4) == "")
            #expect(v.tag(4) == "")
            #expect(v.tag(0) == "55aa1020")
        }
        [UInt8]().withUnsafeBytes { raw in
            let v = ByteView(raw)
            #expect(v.u8(0) == nil && v.u16(0) == nil && v.find([1]) == nil && v.contains(0, 0))
        }
    }

    @Test("Text helpers")
    func text() {
        Array("PCIR\u{01}ab  ".utf8).withUnsafeBytes { raw in
            let v = ByteView(raw)
            #expect(v.tag(0) == "PCIR")
            #expect(v.printable(0, max: 100) == "PCIR")
            #expect(v.printable(5, max: 100) == "ab  ")
            #expect(v.printable(5, max: 1) == "a")
            #expect(v.matches(0, "PCIR") && !v.matches(1, "PCIR"))
        }
    }
}
