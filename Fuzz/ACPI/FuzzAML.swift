// libFuzzer target for the AML reader: any bytes, taken as a whole table when they carry a DSDT or
// SSDT header and as the AML of one otherwise, are read without trapping, within the reader's
// bounds; every range it reports lies inside the table, and resolving any device's ROM ends.
// Without FUZZING, a replay tool.
import ACPI
import FuzzSupport

@inline(never)
func check(_ data: UnsafeRawBufferPointer) {
    var bytes = Array(data)
    if !(bytes.count >= 4 && (bytes[0..<4].elementsEqual("SSDT".utf8) || bytes[0..<4].elementsEqual("DSDT".utf8))) {
        var header = [UInt8](repeating: 0, count: ACPITableHeaderFields.size)
        header.replaceSubrange(0..<4, with: Array("SSDT".utf8))
        header[8] = 2
        bytes = header + bytes
        let n = UInt32(bytes.count)
        for i in 0..<4 { bytes[4 + i] = UInt8(truncatingIfNeeded: n >> (8 * i)) }
    }
    guard let table = try? ACPITable(name: "SSDT1", bytes: bytes) else { return }
    let ns = AMLNamespace(tables: [table])
    require(ns.objects.count <= AMLNamespace.maximumObjects, "more objects than the budget")
    var devices: [AMLPath] = []
    for o in ns.objects.values {
        require(o.offset >= 0 && o.offset < table.end, "an object declared outside the table")
        require(o.path.segments.count <= 4 * AMLNamespace.maximumDepth + 255, "a path deeper than names allow")
        switch o.kind {
        case let .method(_, body): require(body.lowerBound >= 0 && body.upperBound <= table.end, "a method body outside the table")
        case let .name(.buffer(r)): require(r.lowerBound >= 0 && r.upperBound <= table.end, "a buffer outside the table")
        case .device: devices.append(o.path)
        default: break
        }
    }
    for s in ns.skipped { require(s.offset >= 0 && s.offset <= table.end + 4, "a skip outside the table") }
    for d in devices.sorted().prefix(8) {
        if case let .success(.embedded(e)) = ACPIROMResolver.resolve(device: d, in: ns) {
            require(e.range.lowerBound >= 0 && e.range.upperBound <= table.bytes.count, "an embedded image outside the table")
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAML(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
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
