// Lenovo ThinkPad .FL2 embedded-controller images with an `_EC` header: the header (its own
// length, 0x20), the EC image, and a 0x100-byte signature either after the image or counted in
// it. Layout from hamishcoleman/thinkpad-ec `scripts/FL2_copyIMG` (package FL2::prefix_head_EC,
// fields "a3CVVVVSSC"). An EC image holds no GPU ROM; it is opened so that the path says what the
// bytes are and a file that lies about its sizes gets a finding, not a silent raw scan.

/// The `_EC` header.
public enum LenovoECFields {
    public static let signature = FirmwareField(0x00, 3)
    public static let version = FirmwareField(0x03, 1)
    /// The whole file's size: the header is believed only when it matches.
    public static let fileSize = FirmwareField(0x04, 4)
    public static let imageSize = FirmwareField(0x08, 4)
    public static let hashAlgorithm = FirmwareField(0x0C, 4)
    public static let signAlgorithm = FirmwareField(0x10, 4)
    public static let hashCRC16 = FirmwareField(0x14, 2)
    public static let headerCRC16 = FirmwareField(0x16, 2)
    public static let length = 0x20
    public static let signatureText = "_EC"
    public static let versionValue: UInt64 = 1
    public static let trailerLength = 0x100
}

extension FirmwareWalker {
    /// An `_EC` header at the start of `b` whose file size is `b`'s: the image walked. False when
    /// there is none.
    mutating func lenovoEC(_ b: ArraySlice<UInt8>, _ ctx: Context) -> Bool {
        typealias F = LenovoECFields
        guard b.matches(0, "_EC"), b.read(F.version) == F.versionValue, b.read(F.fileSize) == UInt64(b.count),
              let size = b.read(F.imageSize) else { return false }
        report.containers += 1
        var ectx = ctx.entering("Lenovo EC image @\(hex(b.startIndex + F.length))")
        guard enter(ectx, at: b.startIndex) else { return true }
        let room = b.count - F.length
        if size != UInt64(room), size + UInt64(F.trailerLength) != UInt64(room) {
            note(.warning, .badContainer, at: b.startIndex, ectx, "the _EC header says its image is \(size) bytes, but \(room) follow the header (neither the image alone nor the image and its \(F.trailerLength)-byte signature): walking what is there")
        }
        ectx.inPackage = true
        ectx.body = "the EC image"
        blob(b.sub(F.length, Int(Swift.min(size, UInt64(room))))!, ectx)
        return true
    }
}
