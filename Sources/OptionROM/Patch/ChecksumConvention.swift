import Core
/// Which byte of a legacy x86 image absorbs its checksum.
///
/// The PCI spec only asks that the image's bytes sum to zero; each tool picks its own byte, and
/// repairing a checksum in a byte the image uses for code breaks it. So a repair keeps the
/// image's own convention when it can be seen, and otherwise does what most tools do.
public enum ChecksumByte: Sendable, Equatable, CustomStringConvertible {
    /// Detect the image's convention (`ChecksumConvention.locate`).
    case auto
    /// The last byte of the runtime image (size byte × 512 − 1).
    case last
    /// A fixed offset from the image's start (QEMU's vfio uses 6).
    case offset(Int)

    public var description: String {
        switch self {
        case .auto: return "auto"
        case .last: return "last"
        case .offset(let o): return Hex.prefixed(o, width: 2)
        }
    }

    /// Parses `auto`, `last`, a decimal or a `0x` hex offset.
    public init?(parsing s: String) {
        switch s.lowercased() {
        case "auto": self = .auto
        case "last": self = .last
        default:
            if let v = parseInteger(s), v >= 0 { self = .offset(v) } else { return nil }
        }
    }
}

public enum ChecksumConvention {
    /// Why `locate` chose its byte.
    public enum Reason: Sendable, Equatable {
        /// `ChecksumByte.last`, as asked.
        case chosenLast
        /// `ChecksumByte.offset`, as asked.
        case chosenOffset(Int)
        case amd
        case loneLastByte
        case afterJump
        case lastByDefault

        /// The byte and why, in words; `naming` names the choice the user made.
        public func words(_ naming: PatchNaming = .names) -> String {
            switch self {
            case .chosenLast: return "the last byte of the runtime image (\(naming(.checksumByte)) last)"
            case .chosenOffset(let o): return "byte \(Hex.prefixed(o, width: 2)) of the image (\(naming(.checksumByte)))"
            case .amd: return "byte 0x21, where AMD ATOM ROMs keep their checksum"
            case .loneLastByte: return "the last byte, which the image already uses as its checksum (a lone byte after padding)"
            case .afterJump: return "byte 6, the first free header byte after the entry jump, where SeaBIOS's VGA BIOSes and iPXE keep it (and QEMU's vfio adjusts it)"
            case .lastByDefault: return "the last byte of the runtime image, as most tools do"
            }
        }
    }

    /// AMD's ATOM ROMs keep the checksum at 0x21 (what AMD's own tools and every ATOM editor adjust).
    public static let amdOffset = 0x21
    /// The first header byte after a 3-byte near `jmp` at 3: SeaBIOS's VGA BIOSes and iPXE keep
    /// their checksum there, and QEMU's vfio code adjusts it.
    public static let headerOffset = ImageHeaderFields.entry.end

    /// Where the image at `image` (absolute offset) with `runtime` bytes keeps its checksum,
    /// relative to the image's start, and why that byte.
    ///
    /// Order for `.auto`:
    /// 1. AMD ATOM (` 761295520` at 0x30): 0x21.
    /// 2. A lone byte after at least 16 bytes of 0x00/0xFF fill at the end: that last byte (the
    ///    "pad, then checksum" convention of nvflash-era tools and hand-built ROMs).
    /// 3. A near `jmp` (E9) at 3, so that 6 is the first free header byte: 6.
    /// 4. Otherwise the last byte, as most tools do.
    public static func locate(_ bytes: [UInt8], image: Int, runtime: Int, choice: ChecksumByte) -> (offset: Int, why: Reason) {
        switch choice {
        case .last: return (runtime - 1, .chosenLast)
        case .offset(let o): return (o, .chosenOffset(o))
        case .auto: break
        }
        let amd = Array(" 761295520".utf8)
        if image + 0x30 + amd.count <= bytes.count, Array(bytes[(image + 0x30)..<(image + 0x30 + amd.count)]) == amd {
            return (amdOffset, .amd)
        }
        if runtime >= 32, image + runtime <= bytes.count {
            let last = bytes[image + runtime - 1]
            let fill = bytes[image + runtime - 2]
            if fill == 0x00 || fill == 0xFF, last != fill {
                var run = 0
                var at = image + runtime - 2
                while at >= image, bytes[at] == fill, run < 16 { run += 1; at -= 1 }
                if run >= 16 {
                    return (runtime - 1, .loneLastByte)
                }
            }
        }
        if image + ImageHeaderFields.entry.offset < bytes.count, bytes[image + ImageHeaderFields.entry.offset] == 0xE9, runtime > headerOffset {
            return (headerOffset, .afterJump)
        }
        return (runtime - 1, .lastByDefault)
    }

    /// Byte ranges (relative to the image) a checksum must not be put in: the signature and
    /// size byte, the data-structure pointer, PCIR with its device list, NPDE.
    static func protectedRanges(_ image: ROMImage) -> [Range<Int>] {
        var out: [Range<Int>] = [0..<ImageHeaderFields.sizeByte.end,
                                  ImageHeaderFields.dataStructurePointer.offset..<ImageHeaderFields.dataStructurePointer.end]
        if let p = image.pcir {
            let at = p.offset - image.offset
            out.append(at..<(at + max(Int(p.length), PCIRFields.size)))
            if p.revision >= 3, p.deviceListPointer != 0 {
                let list = at + Int(p.deviceListPointer)
                out.append(list..<(list + 2 * (p.deviceList.count + 1)))
            }
        }
        if let n = image.npde {
            let at = n.offset - image.offset
            out.append(at..<(at + max(Int(n.length), NPDEFields.indicator.end)))
        }
        return out
    }
}
