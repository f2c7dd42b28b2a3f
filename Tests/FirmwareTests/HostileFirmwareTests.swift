import Compression
import Foundation
import OptionROM
import Testing
import TestSupport
@testable import Firmware

private typealias B = FirmwareBuilder

/// Issue 25's crashes, hangs and blowups in the walker, one test per class, on inputs built here.
@Suite struct HostileFirmwareTests {
    static func rom() throws -> [UInt8] { try Paths.bytes(Paths.root.appendingPathComponent("Fixtures/roms/amd.rom").path) }

    /// Item 1: an empty CBFS entry with `_FVH` just past it used to loop forever; the finder of
    /// `prepare --rom-from` walks the same way.
    @Test func emptyCBFSEntryBeforeAVolumeSignatureEnds() throws {
        let image = B.emptyCBFSThenFVH()
        #expect(image.count == 44)
        let report = FirmwareWalker.walk(image)
        #expect(report.containers == 1)
        #expect(throws: FirmwareROMSelection.Failure.self) { try FirmwareROMSelection.choose(report, vendorID: 0x1002, deviceID: 0x6819) }
        // Many of them in a row, and the signature at every distance past the entry.
        for gap in 0..<48 {
            let one = B.cbfs(name: [], []) + [UInt8](repeating: 0, count: gap) + Array("_FVH".utf8)
            #expect(FirmwareWalker.walk(one + one + one).containers == 1)
        }
    }

    /// Item 2: thousands of nested encapsulation sections stop at the depth bound with a finding
    /// (no stack overflow), for every kind that used to bypass it.
    @Test(arguments: FirmwareBuilder.Nesting.allCases)
    func nestedSectionsStopAtTheDepthBound(_ kind: FirmwareBuilder.Nesting) throws {
        let image = B.nestedSections(9_500, kind)
        let report = FirmwareWalker.walk(image)
        let limit = report.findings.filter { $0.finding.code == .limitReached }
        #expect(limit.count == 1, "\(report.findings.map(\.finding.message))")
        #expect(limit.allSatisfy { $0.path.count <= FirmwareLimits().maxDepth + 1 && $0.finding.message.contains("deeper") })
        #expect(report.searchedBytes < 64 * image.count)
    }

    /// Item 3: a CBFS entry inside a volume inside a CBFS entry..., 14 levels: each byte is walked
    /// at its own level once (it used to be walked once per enclosing level, 2^14 times).
    @Test func volumeCBFSChainIsWalkedOnce() throws {
        let rom = try Self.rom()
        let shallow = B.volumeCBFSChain(4, payload: rom)
        let found = FirmwareWalker.walk(shallow)
        #expect(found.items.count == 1)
        #expect(found.items.first?.path.count ?? 0 >= 12)
        let deep = B.volumeCBFSChain(14, payload: rom)
        let report = FirmwareWalker.walk(deep)
        // Depth stops the walk at the bound; the work before it stays linear in the input.
        #expect(report.searchedBytes < 64 * deep.count)
        #expect(report.findings.filter { $0.finding.code == .limitReached }.count <= 2)
    }

    /// Item 4: CBFS entries and `_FVH` strings interleaved: every signature is looked at once.
    @Test func cbfsAndVolumeSignaturesAreSearchedOnce() throws {
        let image = B.cbfsAndFVH(20_000)
        let report = FirmwareWalker.walk(image)
        #expect(report.containers == 1)
        #expect(report.searchedBytes <= 2 * image.count)
    }

    /// Item 5: streams that hit the per-stream limit count what they produced, so the total bound
    /// holds; the walk stops with one finding naming where.
    @Test func limitedBrotliStreamsCountTowardTheTotal() throws {
        var limits = FirmwareLimits()
        limits.maxDecompressed = 1 << 20
        limits.maxDecompressedTotal = 4 << 20
        let report = FirmwareWalker.walk(B.brotliSections(200), limits: limits)
        #expect(report.decompressedBytes == 4 << 20)
        let total = report.findings.filter { $0.finding.message.contains("decompressed in all") }
        #expect(total.count == 1)
        #expect(total.first?.path.last?.hasPrefix("brotli @") == true)
        // 4 streams hit their own limit, then the total: nothing more is decoded.
        #expect(report.findings.filter { $0.finding.code == .limitReached }.count == 5)
    }

    /// Item 5: an LZMA stream of unknown size, and CBFS's LZMA, count the same way.
    @Test func lzmaOfUnknownSizeAndCBFSLZMACount() throws {
        var limits = FirmwareLimits()
        limits.maxDecompressed = 1 << 20
        let stream = try Paths.fixture("zeros-8m.lzma")
        let unknown = FirmwareWalker.walk(B.lzmaUnknownSize(stream), limits: limits)
        #expect(unknown.decompressedBytes == 1 << 20)
        #expect(unknown.findings.contains { $0.finding.code == .limitReached })
        var sizeless = stream
        for i in 5..<13 { sizeless[i] = 0xFF }
        let cbfs = FirmwareWalker.walk(B.cbfs(name: Array("fallback/payload".utf8), sizeless, lzma: true), limits: limits)
        #expect(cbfs.decompressedBytes == 1 << 20)
        #expect(cbfs.findings.contains { $0.finding.code == .limitReached && $0.path.last?.hasPrefix("lzma") == true })
        // A corrupt stream counts what it produced before failing.
        var corrupt = stream
        for i in 600..<corrupt.count { corrupt[i] ^= 0x5A }
        let failed = FirmwareWalker.walk(B.volume([B.file(type: 0x07, B.guided(B.lzma, corrupt, attributes: 1))]))
        #expect(failed.findings.contains { $0.finding.code == .decompressionFailed })
        #expect(failed.decompressedBytes > 0)
    }

    /// Item 6: a decoder's result keeps no more memory than it holds (growth doubled the buffer,
    /// and shrinking kept the capacity).
    @Test func decodedBuffersAreSizedToTheirContents() throws {
        let out = try Decompress.brotli(B.brotliZeros8M, limit: 64 << 20)
        #expect(out.count == 8 << 20)
        #expect(out.capacity <= out.count + (1 << 20))
        var short = try Paths.fixture("zeros-8m.lzma")
        for i in 5..<13 { short[i] = 0xFF }
        let unknown = try Decompress.lzma(short, limit: 64 << 20)
        #expect(unknown.capacity <= unknown.count + (1 << 20))
    }

    /// Item 7: a CBFS name of 65,000 characters is cut to the name bound; so is a UI name.
    @Test func namesFromTheInputAreBounded() throws {
        let rom = try Self.rom()
        let long = B.cbfs(name: [UInt8](repeating: UInt8(ascii: "n"), count: 65_000), rom)
        let report = FirmwareWalker.walk(long)
        let item = try #require(report.items.first)
        #expect(item.name?.utf8.count == FirmwareLimits().maxNameLength)
        #expect(item.path.allSatisfy { $0.utf8.count < 300 })
        let ui = String(repeating: "\u{0D4E}", count: 400)
        let gop = B.volume([B.file(type: 0x07, B.ui("Gop" + ui) + B.section(type: 0x10, [UInt8](repeating: 0, count: 64)))])
        let named = try #require(FirmwareWalker.walk(gop).items.first)
        #expect(named.name!.utf8.count <= FirmwareLimits().maxNameLength)
        #expect(named.name!.hasPrefix("Gop"))
    }

    /// Item 11: a capsule whose image size is smaller than its header: a finding, and what is
    /// inside is still walked.
    @Test func capsuleSmallerThanItsHeaderIsAFinding() throws {
        let volume = try Paths.fixture("everything.fd")
        let plain = FirmwareWalker.walk(volume)
        let report = FirmwareWalker.walk(B.capsuleSmallerThanHeader(volume))
        #expect(report.items.count == plain.items.count)
        #expect(report.findings.contains { $0.finding.code == .badContainer && $0.finding.message.contains("smaller than its header") })
    }

    /// The budget: containers, items and name bytes run out into one finding with the path.
    @Test func exhaustingTheBudgetIsOneFinding() throws {
        var limits = FirmwareLimits()
        limits.maxContainers = 100
        let report = FirmwareWalker.walk(B.cbfsAndFVH(1_000), limits: limits)
        let limit = report.findings.filter { $0.finding.code == .limitReached }
        #expect(limit.count == 1)
        #expect(limit.first?.path.first?.hasPrefix("cbfs") == true)
        limits = FirmwareLimits()
        limits.maxSearched = 1000
        let searched = FirmwareWalker.walk(try Paths.fixture("everything.fd"), limits: limits)
        #expect(searched.findings.filter { $0.finding.code == .limitReached }.count == 1)
    }

    /// The committed fuzz seeds are what the builder makes (`swift run gen-fixtures` rewrites them).
    @Test func fuzzSeedsAreCurrent() throws {
        for seed in FirmwareBuilder.seeds() {
            let committed = try Paths.bytes(Repository.root + "/Fuzz/regressions/" + seed.name)
            #expect(committed == seed.bytes, "\(seed.name): run `swift run gen-fixtures`")
            _ = FirmwareWalker.walk(seed.bytes)
        }
    }
}
