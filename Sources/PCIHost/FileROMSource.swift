/// A ROM already on disk (a dump, a vendor file), so the chooser can weigh it with the rest.
public struct FileROMSource: ROMSource {
    public let path: String
    public init(path: String) { self.path = path }
    public var name: String { "file" }
    public var location: String { path }
    public var isShadowCopy: Bool { false }
    public func read() throws -> [UInt8] { try FileBytes(path: path, limit: maximumROMSize).bytes }
}
