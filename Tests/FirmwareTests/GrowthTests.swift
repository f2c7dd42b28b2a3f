import Foundation
#if canImport(Glibc)
import Glibc
#endif
import OptionROM
import Testing
import TestSupport
@testable import Firmware

private typealias B = FirmwareBuilder

/// The walker's bound (README, "ROMs inside system firmware"): for an input of N bytes, time and
/// memory at most linear in N plus the budget. Each hostile shape is walked at 1x and 8x its
/// size in the same run; linear work grows 8x, the quadratic ones issue 25 found grew 64x. The
/// margin (24x) keeps a loaded two-core machine from failing it, and the best of three runs is
/// taken. The entry points are the ones `scan` and `prepare --rom-from` call.
@Suite(.serialized) struct GrowthTests {
    /// This thread's CPU time, so other processes on a loaded machine do not count.
    static func cpu() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// The best of five runs of each, interleaved, so a slow moment hits both sizes alike.
    static func seconds(_ small: () -> Void, _ large: () -> Void) -> (Double, Double) {
        var best = (Double.infinity, Double.infinity)
        for _ in 0..<5 {
            var start = cpu()
            small()
            best.0 = min(best.0, cpu() - start)
            start = cpu()
            large()
            best.1 = min(best.1, cpu() - start)
        }
        return best
    }

    /// A shape at scale `n` (n = 1 is the base) and what runs on it.
    struct Shape: CustomTestStringConvertible, Sendable {
        var name: String
        var make: @Sendable (Int) throws -> [UInt8]
        var testDescription: String { name }
    }

    static let rom: [UInt8] = (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: Repository.roms + "/amd.rom")))) ?? []

    static let shapes: [Shape] = [
        Shape(name: "CBFS entries with _FVH between (item 4)") { B.cbfsAndFVH(2_000 * $0) },
        Shape(name: "volume-CBFS chains side by side (item 3)") { n in (0..<(40 * n)).flatMap { _ in B.volumeCBFSChain(6, payload: [0x55, 0xAA]) } },
        Shape(name: "chance _FVH with long headers") { n in
            var unit = [UInt8](repeating: 0, count: 64)
            unit.replaceSubrange(0x28..<0x2C, with: Array("_FVH".utf8))
            unit[0x20] = 0xFF; unit[0x21] = 0xFF; unit[0x30] = 0x00; unit[0x31] = 0x10
            return (0..<(2_000 * n)).flatMap { _ in unit }
        },
        Shape(name: "one volume of many files") { n in B.volume((0..<(2_000 * n)).map { B.file(type: 0x07, B.ui("File\($0)") + B.section(type: 0x19, [1, 2, 3, 4]), guid: $0) }) },
        Shape(name: "ROMs outside a volume (item 9)") { n in B.volume([B.file(type: 0x01, [0])]) + (0..<(100 * n)).flatMap { _ in rom } },
        Shape(name: "ROMs in CBFS files (prepare's candidates, item 9)") { n in (0..<(100 * n)).flatMap { i in B.cbfs(name: Array("r\(i)".utf8), rom) } },
        Shape(name: "nested sections in many files (item 2)") { n in B.volume((0..<(20 * n)).map { B.file(type: 0x07, Array(B.nestedSections(40, .uncompressed).dropFirst(0x48 + 24)), guid: $0) }) },
    ]

    @Test(arguments: shapes)
    func walkGrowsLinearly(_ shape: Shape) throws {
        let small = try shape.make(1), large = try shape.make(8)
        #expect(large.count >= 7 * small.count && large.count <= 9 * small.count)
        // Both entry points: the walk (`scan`) and the walk plus the choice (`prepare --rom-from`).
        let run = { (b: [UInt8]) in
            let report = FirmwareWalker.walk(b)
            _ = try? FirmwareROMSelection.choose(report, vendorID: 0x1002, deviceID: 0x6819)
            _ = FirmwareGOPSelection.forPreparation(report, rom: Self.rom, vendorID: 0x1002)
        }
        let (t1, t8) = Self.seconds({ run(small) }, { run(large) })
        // Below a millisecond the clock, not the walk, is measured.
        let ratio = t8 / max(t1, 0.002)
        #expect(ratio < 24, "\(shape.name): \(small.count) bytes in \(t1) s, \(large.count) bytes in \(t8) s (x\(ratio))")
        print("growth: \(shape.name): \(small.count) B \(t1) s, \(large.count) B \(t8) s, x\(ratio)")
        // And a ceiling: far below what the old walker took on the large ones.
        #expect(t8 < 20, "\(shape.name): \(t8) s")
        let report = FirmwareWalker.walk(large)
        #expect(report.searchedBytes <= 64 * large.count + 0x10000 * 64, "\(shape.name): searched \(report.searchedBytes)")
    }
}
