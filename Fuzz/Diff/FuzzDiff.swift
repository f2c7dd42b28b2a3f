// libFuzzer target for ROMDiff: the input split in two (the first byte says where) is compared
// both ways; ranges come sorted, apart, inside the longer side, and add up to `changedBytes`.
// Built with -DFUZZING; without it, a replay tool (`fuzz-diff FILE...`).
import FuzzSupport
import OptionROM

func checkRanges(_ d: ROMDiff, _ a: [UInt8], _ b: [UInt8]) {
    var end = 0
    var sum = 0
    for r in d.ranges {
        require(r.offset >= end, "ranges overlap or are not sorted")
        require(r.length >= 1 && r.changedBytes >= 1 && r.changedBytes <= r.length, "a range's counts do not hold")
        end = r.offset + r.length
        sum += r.changedBytes
    }
    require(end <= max(a.count, b.count), "a range runs past both inputs")
    require(sum == d.changedBytes, "changedBytes is not the sum of the ranges")
    require(d.changedBytes >= abs(a.count - b.count), "bytes only one side has were not counted")
    require(d.changedBytes <= max(a.count, b.count))
    _ = d.json.rendered(pretty: false)
}


@inline(never)
func check(_ data: UnsafeRawBufferPointer) {
    guard let first = data.first else { return }
    let rest = Array(data.dropFirst())
    // Mostly halves; the first byte shifts the cut so lengths differ too.
    let cut = max(0, min(rest.count, rest.count / 2 + Int(first & 0x0F) - 8))
    let a = Array(rest[..<cut]), b = Array(rest[cut...])
    let ab = ROMDiff.compare(a, b), ba = ROMDiff.compare(b, a)
    checkRanges(ab, a, b)
    checkRanges(ba, a, b)
    require(ab.changedBytes == ba.changedBytes, "the diff is not symmetric in its count")
    require(ROMDiff.compare(a, a).changedBytes == 0, "a ROM differs from itself")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDiff(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
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
