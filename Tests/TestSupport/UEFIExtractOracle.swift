import Foundation

/// UEFIExtract (Debian uefitool-cli) dumps every element of an image into a folder tree: the
/// oracle for what a firmware image holds, shared by the library and CLI suites.
public enum UEFIExtractOracle {
    public static let path = "/usr/bin/UEFIExtract"

    /// Every `body.bin` under the dump of `image`, keyed by its folder path.
    public static func bodies(of image: [UInt8]) throws -> [(folder: String, body: [UInt8])] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vbios-uefiextract-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("image.bin")
        try Data(image).write(to: file)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = [file.path, "all"]
        p.currentDirectoryURL = dir
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        Ledger.note(p)
        try p.run()
        p.waitUntilExit()
        var out: [(String, [UInt8])] = []
        let dump = dir.appendingPathComponent("image.bin.dump")
        let walker = FileManager.default.enumerator(atPath: dump.path)
        while let rel = walker?.nextObject() as? String {
            if rel.hasSuffix("/body.bin") {
                out.append((String(rel.dropLast(9)), [UInt8](try Data(contentsOf: dump.appendingPathComponent(rel)))))
            }
        }
        return out
    }

}
