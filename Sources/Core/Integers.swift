/// Decimal, `0x` hex, or with a `K`/`M` suffix (binary units). nil when it is none of those.
public func parseInteger(_ text: String) -> Int? {
    var s = Substring(text.lowercased())
    var scale = 1
    if s.hasSuffix("k") || s.hasSuffix("kib") || s.hasSuffix("kb") {
        scale = 1024; s = s.dropLast(s.hasSuffix("k") ? 1 : (s.hasSuffix("kib") ? 3 : 2))
    } else if s.hasSuffix("m") || s.hasSuffix("mib") || s.hasSuffix("mb") {
        scale = 1 << 20; s = s.dropLast(s.hasSuffix("m") ? 1 : (s.hasSuffix("mib") ? 3 : 2))
    }
    let value: Int?
    if s.hasPrefix("0x") { value = Int(s.dropFirst(2), radix: 16) } else { value = Int(s, radix: 10) }
    guard let value else { return nil }
    let (r, overflow) = value.multipliedReportingOverflow(by: scale)
    return overflow ? nil : r
}
