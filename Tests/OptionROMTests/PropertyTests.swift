import Testing
@testable import OptionROM

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

    static func u16(_ b: inout [UInt8], _ at: Int, _ v: Int) { b[at] = UInt8(v & 0xFF); b[at + 1] = UInt8((v >> 8) & 0xFF) }

    static func pcir(_ b: inout [UInt8], at: Int, vendor: Int, device: Int, units: Int, codeType: UInt8, last: Bool, rng: inout Rng) {
        b.replaceSubrange(at..<at + 4, with: Array("PCIR".utf8))
        u16(&b, at + 4, vendor)
        u16(&b, at + 6, device)
        u16(&b, at + 8, 0)
        u16(&b, at + 0x0A, 0x18)
        b[at + 0x0C] = 0
        b[at + 0x0D] = 0; b[at + 0x0E] = rng.chance(80) ? 0x00 : 0x80; b[at + 0x0F] = 0x03
        u16(&b, at + 0x10, units)
        u16(&b, at + 0x12, 1)
        b[at + 0x14] = codeType
        b[at + 0x15] = last ? 0x80 : 0
        u16(&b, at + 0x16, 0)
    }

    static func npde(_ b: inout [UInt8], at: Int, units: Int, last: Bool) {
        b.replaceSubrange(at..<at + 4, with: Array("NPDE".utf8))
        u16(&b, at + 4, 0x0101)
        u16(&b, at + 6, 0x10)
        u16(&b, at + 8, units)
        b[at + 0x0A] = last ? 0x80 : 0
    }

    static func image(_ kind: Kind, units: Int, last: Bool, vendor: Int, device: Int, withNPDE: Bool, validChecksum: Bool, rng: inout Rng) -> [UInt8] {
        var b = (0..<(units * 512)).map { _ in rng.byte() }
        b[0] = 0x55; b[1] = 0xAA
        for i in 2..<0x1A { b[i] = 0 }
        let pcirAt: Int
        switch kind {
        case .legacy:
            b[2] = UInt8(units)
            b[3] = 0xCB  // retf
            pcirAt = 0x40
        case .efi:
            u16(&b, 2, units)
            u16(&b, 4, 0x0EF1); u16(&b, 6, 0)
            u16(&b, 8, 11); u16(&b, 0x0A, 0x8664)
            u16(&b, 0x16, 0x80)
            pcirAt = 0x1C
        case .nvidiaE0:
            pcirAt = 0x1C
        }
        u16(&b, 0x18, pcirAt)
        b[0x1A] = 0; b[0x1B] = 0
        let code: UInt8 = kind == .legacy ? 0x00 : kind == .efi ? 0x03 : 0xE0
        pcir(&b, at: pcirAt, vendor: vendor, device: device, units: units, codeType: code, last: last, rng: &rng)
        if withNPDE { npde(&b, at: (pcirAt + 0x18 + 0x0F) & ~0x0F, units: units, last: last) }
        if kind == .legacy {
            b[b.count - 1] = 0
            let sum = b.reduce(UInt8(0), &+)
            b[b.count - 1] = 0 &- sum &+ (validChecksum ? 0 : UInt8(rng.int(1...255)))
        }
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
