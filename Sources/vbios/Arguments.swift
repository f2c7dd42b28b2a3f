import ArgumentParser
import OptionROM
import PCIHost
import Core

/// A command-line value type whose parse error says what is wrong and what to write instead.
/// Properties of these types take `transform: T.init(parsingArgument:)`, so the reason reaches
/// ArgumentParser, which prints it after "The value 'X' is invalid for '--opt <v>': ", with the
/// usage, and exits 64 (EX_USAGE) like every other command-line mistake.
protocol ArgumentValue: ExpressibleByArgument {
    init(parsingArgument text: String) throws
}

extension ArgumentValue {
    init?(argument: String) { try? self.init(parsingArgument: argument) }
}

/// Why a command-line value was refused: the sentence after ArgumentParser's "is invalid for".
struct BadArgument: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension ROMReader.Request: ExpressibleByArgument {}

extension PCIAddress: ExpressibleByArgument, ArgumentValue {
    public init?(argument: String) { try? self.init(parsingArgument: argument) }
    init(parsingArgument text: String) throws {
        do { try self.init(parsing: text) } catch let e as Malformed { throw BadArgument(NextStepWording.text(e.advice)) }
    }
}

/// `VVVV:DDDD` in hex (`patch --set-ids`).
extension PCIIDs: ExpressibleByArgument, ArgumentValue {
    public init?(argument: String) { try? self.init(parsingArgument: argument) }
    init(parsingArgument text: String) throws {
        guard let ids = PCIIDs(parsing: text) else { throw BadArgument("expected VVVV:DDDD in hex, for example 10de:1b80.") }
        self = ids
    }
}

/// One image of a ROM: `legacy`, `efi` or its index (`patch --extract`).
extension ImageSelector: ExpressibleByArgument, ArgumentValue {
    public init?(argument: String) { try? self.init(parsingArgument: argument) }
    init(parsingArgument text: String) throws {
        guard let selector = ImageSelector(parsing: text) else {
            throw BadArgument("expected legacy, efi, or an image index (see `vbios info`).")
        }
        self = selector
    }
}

/// The byte that absorbs a checksum: `auto`, `last` or an offset (`patch --checksum-byte`).
extension ChecksumByte: ExpressibleByArgument, ArgumentValue {
    public init?(argument: String) { try? self.init(parsingArgument: argument) }
    init(parsingArgument text: String) throws {
        guard let byte = ChecksumByte(parsing: text) else {
            throw BadArgument("expected auto, last, or an offset such as 6 or 0x21.")
        }
        self = byte
    }
}

/// A size in bytes above 0: decimal, `0x` hex, or with a K or M suffix (binary units).
struct ByteCount: ArgumentValue, Equatable {
    var value: Int
    init(_ value: Int) { self.value = value }
    init(parsingArgument text: String) throws {
        guard let n = parseInteger(text), n > 0 else { throw BadArgument("expected a size such as 64K, 128K, 1M or 0x20000.") }
        value = n
    }
}

/// A size to pad a ROM to (`patch --pad-to`): at most 16 MiB, the largest ROM BAR.
struct PadSize: ArgumentValue, Equatable {
    var value: Int
    init(parsingArgument text: String) throws {
        let size = try ByteCount(parsingArgument: text).value
        guard size <= PatchPlan.maximumPadSize else {
            throw BadArgument("larger than 16M, the largest ROM BAR a PCI device has; choose 16M or less.")
        }
        value = size
    }
}

/// A physical address in hex, with or without `0x` (`--dev-mem-base`).
struct HexAddress: ArgumentValue, Equatable {
    var value: UInt64
    init(_ value: UInt64) { self.value = value }
    init(parsingArgument text: String) throws {
        var t = Substring(text)
        if t.hasPrefix("0x") || t.hasPrefix("0X") { t = t.dropFirst(2) }
        guard let v = UInt64(t, radix: 16) else { throw BadArgument("expected a hex address, for example 0xc0000.") }
        value = v
    }
    var defaultValueDescription: String { String(value, radix: 16) }
}
