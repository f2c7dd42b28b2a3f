import Foundation

/// Writes a fake tree's file whole, then gives it the mode the kernel shows (a 0444 file is
/// written before it is made read-only).
enum FakeFile {
    static func write(_ bytes: [UInt8], to path: String, mode: Int) throws {
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }
}
