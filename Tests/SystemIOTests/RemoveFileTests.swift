import Foundation
import SystemIO
import Testing

/// `removeFile`, the one `unlink` (persist's --remove): a link goes, never what it points at;
/// failures are typed SystemErrors with the errno and the path.
@Suite struct RemoveFileTests {
    @Test func removesTheLinkNotItsTargetAndSaysWhyItCannot() throws {
        let dir = NSTemporaryDirectory() + "/vbios-remove-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("keep".utf8).write(to: URL(fileURLWithPath: dir + "/target"))
        try FileManager.default.createSymbolicLink(atPath: dir + "/link", withDestinationPath: dir + "/target")
        try removeFile(dir + "/link")
        #expect(!FileManager.default.fileExists(atPath: dir + "/link") && FileManager.default.contents(atPath: dir + "/target") == Data("keep".utf8))
        try removeFile(dir + "/target")
        #expect(!FileManager.default.fileExists(atPath: dir + "/target"))
        #expect { try removeFile(dir + "/target") } throws: { e in
            (e as? SystemError).map { $0.errnoName == "ENOENT" && $0.path == dir + "/target" && $0.operation == .remove } ?? false
        }
        try FileManager.default.createDirectory(atPath: dir + "/folder", withIntermediateDirectories: false)
        #expect { try removeFile(dir + "/folder") } throws: { e in
            (e as? SystemError).map { ["EISDIR", "EPERM"].contains($0.errnoName) } ?? false
        }
        #expect(FileManager.default.fileExists(atPath: dir + "/folder"))
    }
}
