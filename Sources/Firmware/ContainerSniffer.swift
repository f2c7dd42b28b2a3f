/// `FirmwareWalker.mayHoldContainers` for a file read piece by piece: `vbios scan` streams a
/// plain blob once, and looks at each piece for firmware signatures as it passes, instead of
/// reading the whole file first to decide (which doubled the reads and made memory equal to
/// the file's size).
public struct ContainerSniffer: Sendable {
    /// The first bytes of the stream, until there are enough for `startsLikeFirmware`.
    private var head: [UInt8] = []
    /// The last bytes of the previous piece: a signature may straddle two pieces.
    private var carry: [UInt8] = []
    public private(set) var found = false

    public init() {}

    /// Looks at the next piece of the stream (pieces in order, none left out); true once the
    /// stream may hold containers.
    @discardableResult
    public mutating func feed(_ piece: UnsafeRawBufferPointer) -> Bool {
        guard !found, piece.count > 0 else { return found }
        let headLength = 0x20
        if head.count < headLength {
            head += piece.prefix(headLength - head.count)
            if head.withUnsafeBytes({ FirmwareWalker.startsLikeFirmware($0) }) { found = true; return true }
        }
        let keep = FirmwareWalker.containerSignatureLength - 1
        var seam = carry + piece.prefix(keep)
        if seam.withUnsafeBytes({ FirmwareWalker.holdsContainerSignature($0) }) || FirmwareWalker.holdsContainerSignature(piece) {
            found = true
            return true
        }
        seam += piece.count > keep ? Array(piece.suffix(keep)) : []
        carry = Array(seam.suffix(keep))
        return false
    }
}
