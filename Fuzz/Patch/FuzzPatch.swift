// libFuzzer target for the patcher: patch, then verify. The first two bytes choose a plan, the
// rest is the ROM. Whatever the bytes, `ROMPatcher.apply` returns or throws, never traps; what it
// returns parses again, and each operation keeps its promise (see `check`). Built with
// -DFUZZING; without it, a replay tool (`fuzz-patch FILE...`) the tests run over Fuzz/regressions.
import FuzzSupport
import OptionROM
import Core

/// byte 0: bit 0 strip-header, 1 fix-checksum, 2 drop-efi, 3 truncate, 4 set-ids, 5 force,
/// 6-7 extract (none, legacy, efi, index); byte 1: bits 0-1 the extract index, 2-3 pad-to
/// (none, 64 KiB, 128 KiB, 1 MiB), 4-5 checksum byte (auto, last, 6, auto).
func plan(_ a: UInt8, _ b: UInt8) -> PatchPlan {
    var p = PatchPlan()
    p.stripHeader = a & 1 != 0
    p.fixChecksum = a & 2 != 0
    p.dropEFI = a & 4 != 0
    p.truncate = a & 8 != 0
    if a & 16 != 0 { p.setIDs = PCIIDs(vendor: 0x10DE, device: UInt16(b) << 8 | 0x42) }
    p.force = a & 32 != 0
    switch a >> 6 {
    case 1: p.extract = .legacy
    case 2: p.extract = .efi
    case 3: p.extract = .index(Int(b & 3))
    default: break
    }
    switch (b >> 2) & 3 {
    case 1: p.padTo = 64 << 10
    case 2: p.padTo = 128 << 10
    case 3: p.padTo = 1 << 20
    default: break
    }
    switch (b >> 4) & 3 {
    case 1: p.checksumByte = .last
    case 2: p.checksumByte = .offset(6)
    default: break
    }
    return p
}


@inline(never)
func check(_ data: UnsafeRawBufferPointer) {
    guard data.count >= 2 else { return }
    let p = plan(data[0], data[1])
    let input = Array(data[2...])
    guard let result = try? ROMPatcher.apply(p, to: input) else { return }
    let out = ROMParser.parse(result.bytes)
    _ = out.json(file: nil).rendered(pretty: false)
    require(out.images.count == result.layout.images.count, "the result's layout is not the result's")
    if p.fixChecksum {
        // Every legacy image whose bytes are all there sums to 0 (nil: not all there, or size 0).
        for (i, image) in out.images.enumerated() where image.checksumValid == false {
            fatalError("fix-checksum returned a ROM whose image \(i) has a bad checksum")
        }
    }
    if p.padTo == nil, !p.stripHeader, p.extract == nil, !p.dropEFI, !p.truncate {
        require(result.bytes.count == input.count, "an in-place patch changed the length")
    }
    if p.stripHeader, p.extract == nil, !p.dropEFI, !p.truncate, p.setIDs == nil, !p.fixChecksum, p.padTo == nil {
        let n = ROMParser.parse(input).prefixLength
        require(result.bytes[...] == input[n...], "strip-header changed more than the header")
    }
    // Patching the result again with the same plan changes nothing (fix-checksum, set-ids, strip).
    if p.extract == nil, !p.dropEFI, !p.truncate, p.padTo == nil,
       let again = try? ROMPatcher.apply(p, to: result.bytes) {
        require(again.bytes == result.bytes, "patching twice differs from patching once")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPatch(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    check(UnsafeRawBufferPointer(start: start, count: start == nil ? 0 : count))
    return 0
}

#if !FUZZING
/// Replay: each argument is a file run through the target, as libFuzzer would.
@main
enum Replay {
    static func main() { replay(Array(CommandLine.arguments.dropFirst()), check) }
}
#endif
