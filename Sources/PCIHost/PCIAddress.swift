import OptionROM
import Core

/// A PCI function's address, `DDDD:BB:DD.F`. Parsed strictly: hex digits of the right count, a
/// device number below 0x20 and a function below 8, so a typo never names another device.
public struct PCIAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var domain: UInt32
    public var bus: UInt8
    public var device: UInt8
    public var function: UInt8

    public init(domain: UInt32 = 0, bus: UInt8, device: UInt8, function: UInt8) {
        self.domain = domain
        self.bus = bus
        self.device = device
        self.function = function
    }

    public struct Malformed: Error, Advised {
        public var text: String
        public var reason: String
        /// The text as typed, cut to 40 characters, with anything not printable ASCII escaped
        /// (a zero-width space or a control character would otherwise hide what was wrong).
        var shown: String { Malformed.shown(text) }

        static func shown(_ text: String) -> String {
            let escaped = text.prefix(40).unicodeScalars.map {
                $0.value >= 0x20 && $0.value < 0x7F ? String($0) : $0.escaped(asASCII: true)
            }.joined()
            return text.count > 40 ? escaped + "… (\(text.count) characters)" : escaped
        }

        public var advice: AdvisedText {
            "'\(shown)' is not a PCI address (\(reason)). Write it as DDDD:BB:DD.F or BB:DD.F in hex, "
                + "for example 0000:01:00.0 or 01:00.0; \(NextStep(.listAll)) shows the addresses on this machine."
        }
    }

    /// Parses `DDDD:BB:DD.F` or `BB:DD.F`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        func hex(_ s: Substring, digits: ClosedRange<Int>, _ what: String) throws -> UInt32 {
            guard digits.contains(s.utf8.count), s.utf8.allSatisfy({ hexDigit($0) != nil }) else {
                throw Malformed(text: text, reason: "the \(what) must be \(digits.lowerBound == digits.upperBound ? "\(digits.lowerBound)" : "\(digits.lowerBound)-\(digits.upperBound)") hex digit\(digits.upperBound == 1 ? "" : "s"), not '\(Malformed.shown(String(s)))'")
            }
            return s.utf8.reduce(0) { $0 << 4 | UInt32(hexDigit($1)!) }
        }
        let domainPart: Substring?
        let busPart: Substring
        let slotPart: Substring
        switch parts.count {
        case 3: (domainPart, busPart, slotPart) = (parts[0], parts[1], parts[2])
        case 2: (domainPart, busPart, slotPart) = (nil, parts[0], parts[1])
        default: throw Malformed(text: text, reason: "expected two or three fields separated by ':'")
        }
        let slot = slotPart.split(separator: ".", omittingEmptySubsequences: false)
        guard slot.count == 2 else { throw Malformed(text: text, reason: "expected DD.F after the bus, not '\(Malformed.shown(String(slotPart)))'") }
        let domain = try domainPart.map { try hex($0, digits: 4...4, "domain") } ?? 0
        let bus = try hex(busPart, digits: 2...2, "bus")
        let device = try hex(slot[0], digits: 2...2, "device")
        let function = try hex(slot[1], digits: 1...1, "function")
        guard device < 0x20 else { throw Malformed(text: text, reason: "device \(Hex.string(device, width: 2)) is above 1f") }
        guard function < 8 else { throw Malformed(text: text, reason: "function \(function) is above 7") }
        self.init(domain: domain, bus: UInt8(bus), device: UInt8(device), function: UInt8(function))
    }

    /// `DDDD:BB:DD.F`, lowercase, as sysfs names devices.
    public var description: String {
        Hex.string(domain, width: 4) + ":" + Hex.string(bus, width: 2) + ":" + Hex.string(device, width: 2) + "." + String(function)
    }

    /// `BB:DD.F`, as xen-pciback.hide wants it.
    public var short: String { Hex.string(bus, width: 2) + ":" + Hex.string(device, width: 2) + "." + String(function) }

    public static func < (a: PCIAddress, b: PCIAddress) -> Bool {
        (a.domain, a.bus, a.device, a.function) < (b.domain, b.bus, b.device, b.function)
    }
}

/// The value of one ASCII hex digit.
func hexDigit(_ c: UInt8) -> UInt8? {
    switch c {
    case 0x30...0x39: return c - 0x30
    case 0x41...0x46: return c - 0x41 + 10
    case 0x61...0x66: return c - 0x61 + 10
    default: return nil
    }
}

/// Parses hex with or without `0x`, as sysfs writes it; nil for anything else.
func parseHex(_ text: Substring) -> UInt64? {
    var s = text
    if s.hasPrefix("0x") || s.hasPrefix("0X") { s = s.dropFirst(2) }
    guard !s.isEmpty, s.utf8.count <= 16 else { return nil }
    var v: UInt64 = 0
    for c in s.utf8 {
        guard let d = hexDigit(c) else { return nil }
        v = v << 4 | UInt64(d)
    }
    return v
}
