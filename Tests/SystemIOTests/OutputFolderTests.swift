import Foundation
import Testing
@testable import SystemIO

/// Issue 25 item 10 and issue 28: extracted names are portable whatever the input says, the
/// folder is made here with typed errors, and nothing is written through a symlink.
@Suite struct OutputFolderTests {
    static func folder() throws -> String {
        let d = NSTemporaryDirectory() + "vbios-outfolder-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    static func portable(_ name: String) -> Bool {
        name.utf8.allSatisfy { $0 < 0x80 && (Character(Unicode.Scalar($0)).isLetter || Character(Unicode.Scalar($0)).isNumber || "._-".utf8.contains($0)) }
    }

    /// U+0D4E is a prefix mark: Swift's Character joins it with the `/` after it, so a check per
    /// Character let the slash through. Per scalar, every byte is from the portable set.
    @Test(arguments: ["\u{0D4E}/../../escape", "a/b", "..", ".", "", "-rf", ".hidden", "名前", "\u{202E}gpj.efi",
                      String(repeating: "\u{0301}", count: 250), String(repeating: "x", count: 400), "a\u{0}b"])
    func namesArePortable(_ stem: String) {
        let name = OutputFolder.portableName(stem, ext: "efi")
        #expect(Self.portable(name), "\(name.debugDescription)")
        #expect(!name.contains("/") && !name.hasPrefix(".") && !name.hasPrefix("-"))
        #expect(name.utf8.count <= OutputFolder.maxNameBytes)
        #expect(name.hasSuffix(".efi"))
        #expect(OutputFolder.isPortable(name))
    }

    /// 30,000 items of one name: all distinct, in time linear in their number (a counter per name).
    @Test func thirtyThousandOfOneNameAreDistinct() {
        var names = OutputFolder.UniqueNames()
        var all = Set<String>()
        for _ in 0..<30_000 { all.insert(names.claim("vbt", ext: "vbt")) }
        #expect(all.count == 30_000)
        #expect(all.contains("vbt.vbt") && all.contains("vbt-2.vbt") && all.contains("vbt-30000.vbt"))
        // A long stem keeps its suffix: the stem is cut, not the number.
        var long = OutputFolder.UniqueNames()
        let a = long.claim(String(repeating: "n", count: 300), ext: "efi"), b = long.claim(String(repeating: "n", count: 300), ext: "efi")
        #expect(a != b && b.hasSuffix("-2.efi") && b.utf8.count <= OutputFolder.maxNameBytes)
    }

    /// A symlink planted under the name: without overwrite it is refused as existing; with it,
    /// the link itself is replaced and its target never written.
    @Test func neverWritesThroughASymlink() throws {
        let d = try Self.folder(); defer { try? FileManager.default.removeItem(atPath: d) }
        let outside = d + "-outside"
        FileManager.default.createFile(atPath: outside, contents: Data("keep".utf8)); defer { unlink(outside) }
        try FileManager.default.createSymbolicLink(atPath: d + "/x.efi", withDestinationPath: outside)
        let folder = try OutputFolder(creating: d)
        #expect(throws: AtomicFile.Exists.self) { try folder.write([1, 2, 3], name: "x.efi", overwrite: false) }
        try folder.write([1, 2, 3], name: "x.efi", overwrite: true)
        #expect(try String(contentsOfFile: outside, encoding: .utf8) == "keep")
        #expect(pathKind(d + "/x.efi", followLinks: false) == .file)
        #expect(throws: OutputFolder.UnsafeName.self) { try folder.write([1], name: "../x", overwrite: true) }
        #expect(throws: OutputFolder.UnsafeName.self) { try folder.write([1], name: ".x", overwrite: true) }
        // No temporary file is left.
        #expect(try FileManager.default.contentsOfDirectory(atPath: d) == ["x.efi"])
    }

    /// The folder is made when missing; a file in its place or a missing parent are typed errors.
    @Test func folderErrorsAreTyped() throws {
        let d = try Self.folder(); defer { try? FileManager.default.removeItem(atPath: d) }
        _ = try OutputFolder(creating: d + "/new")
        #expect(pathKind(d + "/new") == .directory)
        FileManager.default.createFile(atPath: d + "/file", contents: Data())
        #expect(throws: OutputFolder.NotAFolder.self) { try OutputFolder(creating: d + "/file") }
        do { _ = try OutputFolder(creating: d + "/missing/child"); Issue.record("no error") } catch let e as SystemError {
            #expect(e.errno == ENOENT && e.hint != nil)
        }
    }
}
