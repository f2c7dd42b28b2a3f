import Foundation
import Testing
@testable import OptionROM
import TestSupport
import Core

/// Issue 27: the patcher's notes and refusals are values with a code, and the library names no
/// CLI flag: a message names an operation only through the plan's `PatchNaming`.
@Suite struct PatchMessageTests {
    /// Every operation alone and in the pairs that conflict, on every committed fixture ROM.
    static func plans(driver: [UInt8]) -> [PatchPlan] {
        func plan(_ edit: (inout PatchPlan) -> Void) -> PatchPlan { var p = PatchPlan(); edit(&p); return p }
        return [
            plan { $0.stripHeader = true }, plan { $0.truncate = true }, plan { $0.fixChecksum = true },
            plan { $0.fixChecksum = true; $0.checksumByte = .offset(0x3) }, plan { $0.fixChecksum = true; $0.checksumByte = .last },
            plan { $0.extract = .legacy }, plan { $0.extract = .efi }, plan { $0.extract = .index(7) }, plan { $0.dropEFI = true },
            plan { $0.extract = .efi; $0.dropEFI = true }, plan { $0.setIDs = PCIIDs(vendor: 0, device: 1) },
            plan { $0.setIDs = PCIIDs(vendor: 0x10DE, device: 0xFFFF) }, plan { $0.setIDs = PCIIDs(vendor: 0x1234, device: 0x5678) },
            plan { $0.padTo = 100_000 }, plan { $0.padTo = 1024 }, plan { $0.padTo = 32 << 20 }, plan { $0.compressEFI = true },
            plan { $0.addEFI = driver }, plan { $0.replaceEFI = driver }, plan { $0.addEFI = driver; $0.romBarSize = 4096 },
            plan { $0.addEFI = driver; $0.replaceEFI = driver }, plan { $0.addEFI = driver; $0.extract = .legacy },
            plan { $0.addEFI = [0x55, 0xAA, 1, 2] },
        ]
    }

    /// (code, operation, message) of each note and refusal, the plans run with `naming`.
    static func messages(naming: PatchNaming) throws -> [(code: String, operation: PatchOperation?, message: String)] {
        let names = try FileManager.default.contentsOfDirectory(atPath: Repository.roms).filter { $0.hasSuffix(".rom") }.sorted()
        #expect(names.count > 20)
        let driver = try Repository.fixtureROM("legacy-efi")
        var out: [(String, PatchOperation?, String)] = []
        for name in names {
            let rom = try Repository.fixtureROM(String(name.dropLast(4)))
            for var plan in plans(driver: driver) {
                plan.naming = naming
                do {
                    let r = try ROMPatcher.apply(plan, to: rom)
                    out += r.notes.map { ($0.code.rawValue, $0.operation, $0.message) }
                } catch {
                    out.append((error.code.rawValue, error.operation, error.message))
                }
            }
        }
        return out
    }

    @Test func theLibraryNamesNoFlag() throws {
        let all = try Self.messages(naming: .names)
        // Every kind of refusal and most notes occur: the check is not vacuous.
        let codes = Set(all.map(\.code))
        for c in [PatchError.Code.conflict, .noSuchImage, .badIDs, .padSize, .driver, .largerThanBAR, .notAROM] {
            #expect(codes.contains(c.rawValue), "\(c) never raised")
        }
        for c in [PatchNote.Code.nothingToStrip, .noEFIImage, .imagesDropped, .padNotPowerOfTwo, .checksumValid, .remainingFinding] {
            #expect(codes.contains(c.rawValue), "\(c) never noted")
        }
        // A remaining finding and a failed verification quote the parser's findings, which still name
        // `vbios patch --fix-checksum` and `--strip-header` (their JSON text is kept as it was;
        // issue 27 leaves them for a wording hook in Finding's JSON).
        let quoting = [PatchNote.Code.remainingFinding.rawValue, PatchError.Code.verificationFailed.rawValue]
        for m in all where !quoting.contains(m.code) {
            #expect(!m.message.contains("--"), "\(m.code): \(m.message)")
        }
    }

    /// With a naming that marks every name, each mark is an operation or the override, and a
    /// message about an operation names it (but for those that begin with the step's label, as
    /// the change reasons do: the images kept and dropped, a checksum already valid).
    @Test func namesComeFromTheNaming() throws {
        let naming = PatchNaming(operations: Dictionary(uniqueKeysWithValues: PatchOperation.allCases.map { ($0, "<\($0.rawValue)>") }),
                                 override: "<override>", inspect: "<inspect>", check: "<check>")
        let marks = Set(PatchOperation.allCases.map { "<\($0.rawValue)>" } + ["<override>", "<inspect>", "<check>"])
        let all = try Self.messages(naming: naming)
        for m in all {
            for found in m.message.matches(of: /<[a-z-]+>/) { #expect(marks.contains(String(found.output)), "\(m.message)") }
            let labelled = [PatchNote.Code.imagesDropped.rawValue, PatchNote.Code.checksumValid.rawValue, PatchError.Code.unparsableResult.rawValue]
            if let op = m.operation, !labelled.contains(m.code) {
                #expect(m.message.contains("<\(op.rawValue)>"), "\(m.code) is about \(op): \(m.message)")
            }
        }
        // The override is worded where a refusal offers it, and is a typed next step there.
        #expect(all.contains { $0.code == PatchError.Code.badIDs.rawValue && $0.message.contains("Pass <override> to write it anyway.") })
    }

    @Test func refusalsThatTheOverrideLiftsSaySoAsANextStep() throws {
        var plan = PatchPlan()
        plan.setIDs = PCIIDs(vendor: 0xFFFF, device: 0x1234)
        let rom = try Repository.fixtureROM("amd")
        #expect(throws: PatchError.self) { try ROMPatcher.apply(plan, to: rom) }
        do { _ = try ROMPatcher.apply(plan, to: rom) } catch {
            #expect(error.code == .badIDs && error.operation == .setIDs)
            #expect(error.next.map(\.action) == [.allowBroken])
        }
        plan.force = true
        #expect(throws: Never.self) { try ROMPatcher.apply(plan, to: rom) }
    }
}
