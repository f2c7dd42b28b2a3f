import Testing
@testable import OptionROM
import TestSupport
import Core

/// Properties of the parser and the patcher over generated ROMs: seeded random chains of legacy,
/// EFI and NVIDIA images with random IDs, classes, NPDEs, checksums, prefixes and trailing bytes
/// (the shapes of TestSupport's ROMFixtures, drawn at random), plus random byte damage.
@Suite("Properties")
struct PropertyTests {
    /// SplitMix64: small, deterministic, the same sequence on every machine.
    struct Rng {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
        mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }
        mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
    }

    enum Kind { case legacy, efi, nvidiaE0 }

    /// One image of `kind` over random bytes, built by TestSupport's ImageSpec.
    static func image(_ kind: Kind, units: Int, last: Bool, vendor: Int, device: Int, withNPDE: Bool, validChecksum: Bool, rng: inout Rng) -> [UInt8] {
        let fill = (0..<(units * 512)).map { _ in rng.byte() }
        let code: UInt8 = kind == .legacy ? 0x00 : kind == .efi ? 0x03 : 0xE0
        var p = ImageSpec.PCIR(vendor: UInt16(vendor), device: UInt16(device), codeType: code)
        p.last = last
        p.codeRevision = 1
        p.classCode = rng.chance(80) ? 0x030000 : 0x038000
        var s = ImageSpec(units: units, pcir: p)
        s.fill = .bytes(fill)
        s.clear = [ImageHeaderFields.sizeByte.offset..<EFIHeaderFields.length]
        switch kind {
        case .legacy:
            s.sizeByte = UInt8(units)
            s.entry = [0xCB]  // retf
            s.pcirAt = 0x40
            s.checksum = .last
        case .efi:
            var e = ImageSpec.EFI()
            e.peOffset = 0x80
            s.efi = e
            s.pcirAt = EFIHeaderFields.length
        case .nvidiaE0:
            s.pcirAt = EFIHeaderFields.length
        }
        if withNPDE { s.npde = .init(last: last) }
        var b = s.build()
        if kind == .legacy, !validChecksum { b[b.count - 1] &+= UInt8(rng.int(1...255)) }
        return b
    }

    /// A ROM: an optional prefix, a chain of 1–4 images, optional trailing bytes.
    static func rom(seed: UInt64) -> [UInt8] {
        var rng = Rng(state: seed)
        let nvidia = rng.chance(30)
        let vendor = nvidia ? 0x10DE : [0x1002, 0x8086, 0x1AF4, 0x15AD][rng.int(0...3)]
        let device = rng.int(1...0xFFFE)
        var out: [UInt8] = []
        if rng.chance(20) { out += [UInt8](repeating: 0, count: 16 * rng.int(1...32)) }
        let count = rng.int(1...4)
        for i in 0..<count {
            let kind: Kind = i == 0 ? (rng.chance(85) ? .legacy : .efi) : (nvidia && rng.chance(40) ? .nvidiaE0 : (rng.chance(70) ? .efi : .legacy))
            out += image(kind, units: rng.int(1...8), last: i == count - 1, vendor: vendor, device: device,
                         withNPDE: nvidia && rng.chance(60), validChecksum: rng.chance(60), rng: &rng)
        }
        if rng.chance(20) { out += [UInt8](repeating: 0xFF, count: rng.int(1...2048)) }
        return out
    }

    static let seeds: [UInt64] = Array(1...150)

    @Test func parseAndJSONNeverTrap() {
        for seed in Self.seeds {
            var bytes = Self.rom(seed: seed)
            var rng = Rng(state: seed &* 31)
            for round in 0..<4 {
                let layout = ROMParser.parse(bytes)
                #expect(layout.size == bytes.count)
                #expect(!layout.json(file: "x").rendered(pretty: true).isEmpty)
                if round == 0 { #expect(!layout.images.isEmpty, "seed \(seed): a generated ROM parses") }
                // Damage a few bytes, cut or not, and go again.
                for _ in 0..<rng.int(1...8) where !bytes.isEmpty { bytes[rng.int(0...(bytes.count - 1))] = rng.byte() }
                if rng.chance(30), bytes.count > 1 { bytes.removeLast(rng.int(1...(bytes.count - 1))) }
            }
        }
    }

    @Test func fixChecksumLeavesEveryLegacyImageValid() throws {
        var plan = PatchPlan(); plan.fixChecksum = true
        for seed in Self.seeds {
            let bytes = Self.rom(seed: seed)
            let result = try ROMPatcher.apply(plan, to: bytes)
            let out = ROMParser.parse(result.bytes)
            #expect(out.images.count == ROMParser.parse(bytes).images.count, "seed \(seed)")
            for (i, image) in out.images.enumerated() where image.isLegacy {
                #expect(image.checksumValid == true, "seed \(seed): image \(i)")
            }
            #expect(result.bytes.count == bytes.count)
            // Only checksum bytes changed: one per legacy image at most.
            let changed = zip(bytes, result.bytes).filter { $0 != $1 }.count
            #expect(changed <= out.images.filter(\.isLegacy).count, "seed \(seed)")
        }
    }

    @Test func stripHeaderRemovesExactlyThePrefix() throws {
        var plan = PatchPlan(); plan.stripHeader = true
        for seed in Self.seeds {
            let bytes = Self.rom(seed: seed)
            let prefix = ROMParser.parse(bytes).prefixLength
            let result = try ROMPatcher.apply(plan, to: bytes)
            #expect(result.bytes[...] == bytes[prefix...], "seed \(seed)")
            #expect(ROMParser.parse(result.bytes).prefixLength == 0)
        }
    }

    /// --extract keeps the image's bytes but for the last-image bits (PCIR and NPDE indicator)
    /// and the checksum byte those changes need.
    @Test func extractPreservesTheImage() throws {
        var extracted = 0
        for seed in Self.seeds {
            let bytes = Self.rom(seed: seed)
            let layout = ROMParser.parse(bytes)
            for (index, image) in layout.images.enumerated() where image.end <= bytes.count {
                var plan = PatchPlan(); plan.extract = .index(index); plan.force = true
                guard let result = try? ROMPatcher.apply(plan, to: bytes) else { continue }
                extracted += 1
                let original = Array(bytes[image.offset..<image.end])
                #expect(result.bytes.count == original.count, "seed \(seed) image \(index)")
                guard result.bytes.count == original.count else { continue }
                var allowed: Set<Int> = []
                if let p = image.pcir { allowed.insert(p.offset - image.offset + 0x15) }
                if let n = image.npde { allowed.insert(n.offset - image.offset + 0x0A) }
                if image.isLegacy {
                    allowed.insert(image.runtimeLength - 1)
                    allowed.insert(ChecksumConvention.locate(original, image: 0, runtime: image.runtimeLength, choice: .auto).offset)
                }
                for i in original.indices where original[i] != result.bytes[i] {
                    #expect(allowed.contains(i), "seed \(seed) image \(index): byte \(i) changed")
                    if i == (image.pcir.map { $0.offset - image.offset + 0x15 }) {
                        #expect(original[i] | 0x80 == result.bytes[i], "only bit 7 of the indicator")
                    }
                }
                #expect(ROMParser.parse(result.bytes).images.count == 1, "seed \(seed) image \(index)")
            }
        }
        #expect(extracted > 150)
    }

    @Test func patchingTwiceEqualsPatchingOnce() throws {
        var plans: [PatchPlan] = []
        var p = PatchPlan(); p.fixChecksum = true; plans.append(p)
        p = PatchPlan(); p.stripHeader = true; p.fixChecksum = true; plans.append(p)
        p = PatchPlan(); p.setIDs = PCIIDs(vendor: 0x10DE, device: 0x1234); p.force = true; plans.append(p)
        p = PatchPlan(); p.dropEFI = true; p.force = true; plans.append(p)
        p = PatchPlan(); p.truncate = true; p.fixChecksum = true; p.force = true; plans.append(p)
        for seed in Self.seeds {
            let bytes = Self.rom(seed: seed)
            for plan in plans {
                guard let once = try? ROMPatcher.apply(plan, to: bytes) else { continue }
                let twice = try ROMPatcher.apply(plan, to: once.bytes)
                #expect(twice.bytes == once.bytes, "seed \(seed) plan \(plan)")
                #expect(twice.changes.isEmpty, "seed \(seed) plan \(plan): \(twice.changes.map(\.reason))")
            }
        }
    }
}
