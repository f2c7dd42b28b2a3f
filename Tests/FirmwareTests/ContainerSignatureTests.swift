import Testing
import Firmware

/// `holdsContainerSignature` (one vector pass for `_F` and `LA`, then a compare) against a plain
/// substring search, on random buffers seeded with whole and partial signatures at every offset
/// of a 64-byte block and at the very end.
@Suite struct ContainerSignatureTests {
    static func naive(_ b: [UInt8]) -> Bool {
        for needle in [Array("_FVH".utf8), Array("LARCHIVE".utf8)] where b.count >= needle.count {
            for k in 0...(b.count - needle.count) where Array(b[k..<k + needle.count]) == needle { return true }
        }
        return false
    }

    @Test func agreesWithASubstringSearch() {
        var state: UInt64 = 22
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        let pieces = ["_FVH", "_FV", "_F", "FVH", "LARCHIVE", "LARCHIV", "ARCHIVE", "LA", "AR", "L", "_", "__FVH", "LLARCHIVE"].map { Array($0.utf8) }
        for round in 0..<2_000 {
            let count = Int(next() % 300)
            var b = (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) }
            if count > 0 {
                for _ in 0..<Int(next() % 3) {
                    let p = pieces[Int(next()) % pieces.count]
                    let at = round % 5 == 0 ? Swift.max(0, count - p.count) : Int(next()) % count
                    for (i, c) in p.enumerated() where at + i < count { b[at + i] = c }
                }
            }
            let got = b.withUnsafeBytes { FirmwareWalker.holdsContainerSignature($0) }
            #expect(got == Self.naive(b), "round \(round): \(count) bytes")
        }
    }
}
