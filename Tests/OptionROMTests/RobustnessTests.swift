import Foundation
import Testing
@testable import OptionROM
import TestSupport
import Core

/// Hostile input: every prefix of a few fixtures and single-byte changes must parse (no trap,
/// no endless walk), keep the image count bounded, and render as JSON.
@Suite("Robustness")
struct RobustnessTests {
    static let subjects = ["legacy-efi", "nvidia-nvflash", "nvidia-type70-unmarked", "amd", "intel", "legacy-openfirmware-unknown", "isa-style", "runtime-shrunk"]

    /// Invariants every layout must hold, whatever the bytes.
    static func check(_ layout: ROMLayout, size: Int, _ what: @autoclosure () -> String) {
        let options = ROMParser.Options()
        #expect(layout.size == size, Comment(rawValue: what()))
        #expect(layout.images.count <= options.maxImages, Comment(rawValue: what()))
        #expect(layout.prefixLength >= 0 && layout.prefixLength <= size, Comment(rawValue: what()))
        var previous = -1
        for image in layout.images {
            // Images start inside the buffer and strictly advance.
            if !(image.offset > previous && image.offset < size && image.length >= 0) {
                Issue.record(Comment(rawValue: "\(what()): image at \(image.offset) length \(image.length) after \(previous)"))
            }
            previous = image.offset
        }
        if layout.images.isEmpty && layout.findings.isEmpty {
            Issue.record(Comment(rawValue: "\(what()): no image and no finding saying why"))
        }
        let text = layout.json(file: "x").rendered(pretty: false)
        if text.isEmpty || (try? parseJSON(text)) == nil {
            Issue.record(Comment(rawValue: "\(what()): JSON does not parse"))
        }
    }

    @Test("Every truncation parses", arguments: subjects)
    func truncations(name: String) throws {
        let bytes = try Paths.fixture(name)
        // Every length across the headers, then a stride through the rest.
        var lengths = Array(0...min(bytes.count, 0x600))
        lengths += stride(from: 0x600, through: bytes.count, by: 37)
        lengths.append(bytes.count)
        for n in lengths {
            let layout = Array(bytes[0..<n]).withUnsafeBytes { ROMParser.parse($0) }
            Self.check(layout, size: n, "\(name) cut to \(n)")
        }
    }

    @Test("Single-byte changes parse", arguments: subjects)
    func mutations(name: String) throws {
        let original = try Paths.fixture(name)
        let layout = ROMParser.parse(original)
        // Every byte of each image's first 0x80 bytes and around its data structure and NPDE,
        // and a stride through the rest, each set to 00, FF and flipped.
        var offsets = Set<Int>()
        for image in layout.images {
            for i in 0..<0x80 { offsets.insert(image.offset + i) }
            if let p = image.pcir { for i in 0..<0x30 { offsets.insert(p.offset + i) } }
            if let n = image.npde { for i in 0..<0x10 { offsets.insert(n.offset + i) } }
        }
        for i in stride(from: 0, to: original.count, by: 53) { offsets.insert(i) }
        var bytes = original
        for at in offsets.sorted() where at >= 0 && at < bytes.count {
            for value in [UInt8(0x00), 0xFF, original[at] ^ 0x80, original[at] &+ 1] {
                bytes[at] = value
                Self.check(ROMParser.parse(bytes), size: bytes.count, "\(name) byte \(Hex.prefixed(at)) = \(Hex.prefixed(value))")
            }
            bytes[at] = original[at]
        }
    }

    @Test("Hostile chains: self-pointing, pointer at the end, huge lengths")
    func hostile() {
        // An image whose PCIR sits at the last possible offset and claims a huge length.
        var spec = ROMBuilder.bareLegacy(units: 2, checksum: false)
        spec.pcirAt = 0x400 - PCIRFields.size
        spec.pcir.imageUnits = 0xFFFF
        var b = spec.build()
        var layout = ROMParser.parse(b)
        Self.check(layout, size: b.count, "huge length")
        #expect(layout.findingCodeSet.contains("truncated"))

        // Only signatures, every 512 bytes, pointers to nothing.
        b = [UInt8](repeating: 0, count: 0x4000)
        for i in stride(from: 0, to: b.count, by: 512) { b[i] = 0x55; b[i + 1] = 0xAA; b.put(ImageHeaderFields.dataStructurePointer, 0x1C, at: i) }
        layout = ROMParser.parse(b)
        Self.check(layout, size: b.count, "signatures only")

        // A buffer of 55 AA pairs.
        b = [UInt8](repeating: 0, count: 0x1000)
        for i in stride(from: 0, to: b.count, by: 2) { b[i] = 0x55; b[i + 1] = 0xAA }
        Self.check(ROMParser.parse(b), size: b.count, "55 AA everywhere")

        // One and two bytes.
        Self.check(ROMParser.parse([0x55]), size: 1, "one byte")
        Self.check(ROMParser.parse([0x55, 0xAA]), size: 2, "two bytes")
    }
}
