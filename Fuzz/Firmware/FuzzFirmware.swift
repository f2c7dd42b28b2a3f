// libFuzzer target for the firmware walker (and the VFCT parser): any bytes walk without trapping,
// within the bounds given; what is reported at a file offset is the input's own bytes there.
// Without FUZZING, a replay tool.
import Firmware
import FuzzSupport
import OptionROM

@inline(never)
func check(_ data: UnsafeRawBufferPointer) {
    let bytes = Array(data)
    var limits = FirmwareLimits()
    limits.maxDecompressed = 4 << 20
    limits.maxDecompressedTotal = 16 << 20
    limits.maxContainers = 20_000
    limits.maxSearched = 64 << 20
    let report = FirmwareWalker.walk(bytes, limits: limits)
    require(report.decompressedBytes <= limits.maxDecompressedTotal, "decompressed past the total bound")
    // The budget: searching may overrun by one step (a blob or a volume header), never more.
    require(report.searchedBytes <= limits.maxSearched + bytes.count + 0x1000, "searched past the budget")
    require(report.items.count <= limits.maxItems && report.findings.count <= limits.maxFindings, "more items or findings than the budget")
    require(report.findings.filter { $0.finding.code == .limitReached && $0.finding.message.contains("stopped here") }.count <= 1,
            "the budget ran out more than once")
    for item in report.items {
        require(!item.bytes.isEmpty || item.kind == .vbt, "an empty item")
        if let at = item.fileOffset {
            require(at >= 0 && at + item.bytes.count <= bytes.count, "an item outside the input")
            require(Array(bytes[at..<at + item.bytes.count]) == item.bytes, "an item's bytes are not the input's")
        }
        require(item.path.count <= limits.maxDepth + 2, "a path deeper than the bound allows")
        require((item.name?.utf8.count ?? 0) <= limits.maxNameLength, "a name longer than the bound")
    }
    for f in report.findings { require(!f.finding.message.isEmpty, "a finding without a message") }
    // What prepare --rom-from chooses among: the walk, or the plain scan of a file with no container.
    for item in FirmwareWalker.findROMs(bytes, limits: limits).items where item.fileOffset != nil {
        let at = item.fileOffset!
        require(at >= 0 && at + item.bytes.count <= bytes.count && Array(bytes[at..<at + item.bytes.count]) == item.bytes,
                "a ROM offered to prepare is not the input's bytes")
    }
    if let table = try? VFCTTable.parse(bytes) {
        for e in table.entries { require(e.offset >= 0 && e.offset + e.length <= bytes.count, "a VFCT image outside the table") }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFirmware(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
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
