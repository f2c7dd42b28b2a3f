import Foundation
import Testing
import TestSupport

/// The fake hosts' config and resource files are written in Swift (TestSupport's FakeConfigSpace,
/// through PCIHost's config-space layout) for Tools/gen-fake-sysfs.py: regenerated into a temporary
/// directory, every committed tree comes back byte for byte, links and all.
@Suite struct FakeHostWriter {
    @Test func regeneratesTheCommittedHosts() throws {
        try Prerequisite.require(files: ["/usr/bin/python3"], "Debian's python3")
        let binary = try #require(CLI.binary, "the vbios binary was not found; run `swift build` first")
        let writer = URL(fileURLWithPath: binary).deletingLastPathComponent().appendingPathComponent("gen-fake-sysfs-files").path
        try #require(FileManager.default.isExecutableFile(atPath: writer), "\(writer) was not built")
        let tmp = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = [Repository.root + "/Tools/gen-fake-sysfs.py", "--hosts", tmp + "/hosts", "--roots", tmp + "/roots"]
        p.environment = ProcessInfo.processInfo.environment.merging(["VBIOS_GEN_FAKE_SYSFS_FILES": writer]) { $1 }
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        Ledger.note(p)
        try p.run()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "gen-fake-sysfs.py exited \(p.terminationStatus)")
        for (made, committed) in [(tmp + "/hosts", Repository.hosts), (tmp + "/roots", Repository.root + "/Fixtures/roots")] {
            let a = try Tree(made), b = try Tree(committed)
            #expect(a.entries.keys.sorted() == b.entries.keys.sorted(), "the same files and links under \(committed)")
            let configs = a.entries.keys.filter { $0.hasSuffix("/config") || $0.hasSuffix("/resource") }
            #expect(configs.count > 20 || !committed.hasSuffix("hosts"), "\(configs.count) config and resource files")
            for (path, entry) in a.entries where b.entries[path] != entry {
                Issue.record("\(committed)/\(path) differs from the regenerated one")
            }
        }
    }

    /// A tree as (relative path: bytes of a file, or a link's target).
    struct Tree {
        enum Entry: Equatable { case file(Data), link(String), directory }
        var entries: [String: Entry] = [:]

        init(_ root: String) throws {
            let fm = FileManager.default
            guard let walk = fm.enumerator(atPath: root) else { throw CocoaError(.fileReadNoSuchFile) }
            while let rel = walk.nextObject() as? String {
                let path = root + "/" + rel
                let type = try fm.attributesOfItem(atPath: path)[.type] as? FileAttributeType
                switch type {
                case .typeSymbolicLink: entries[rel] = .link(try fm.destinationOfSymbolicLink(atPath: path))
                case .typeDirectory: entries[rel] = .directory
                default: entries[rel] = .file(try Data(contentsOf: URL(fileURLWithPath: path)))
                }
            }
        }
    }
}
