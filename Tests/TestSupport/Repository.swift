import Foundation

/// Where the repository's fixtures are, found from this file's path so tests run from any
/// working directory (and from any worktree).
public enum Repository {
    public static let root: String = {
        var p = #filePath
        for _ in 0..<3 { p = String(p[..<p.lastIndex(of: "/")!]) }   // Tests/TestSupport/Repository.swift
        return p
    }()
    /// Fake sysfs roots (Tools/gen-fake-sysfs.py); never written by a test: `FakeHost.copy`.
    public static let hosts = root + "/Fixtures/hosts"
    /// The synthetic ROMs (`ROMFixtures`, written by `swift run gen-fixtures`).
    public static let roms = root + "/Fixtures/roms"
    /// Real vendor ROMs beside the checkout; absent on most machines.
    public static let sharedROMs = URL(fileURLWithPath: root + "/../shared/roms").standardizedFileURL.path

    /// The bytes of Fixtures/roms/NAME.rom.
    public static func fixtureROM(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: roms + "/" + name + ".rom")))
    }
}

/// Fake hosts for tests that write: a private copy of a Fixtures/hosts tree in a temporary
/// directory (the committed trees are never written), removed by `remove()`.
public struct FakeHost: Sendable {
    public struct CopyFailed: Error, CustomStringConvertible {
        public var description: String
    }

    /// The temporary directory holding the copy (and whatever else the test puts beside it).
    public let dir: String
    /// The copy's root: `dir/<leaf>`.
    public let root: String

    /// Copies Fixtures/hosts/NAME to DIR/LEAF, DIR a new temporary directory unless given.
    public init(_ name: String, as leaf: String = "host", into dir: String? = nil) throws {
        self.dir = try dir ?? FakeHost.temporaryDirectory()
        root = try FakeHost.copy(name, to: self.dir + "/" + leaf)
    }

    /// A state directory beside the copy (`dir/run`), for what binding and persist record.
    public var state: String { dir + "/run" }

    public func remove() { try? FileManager.default.removeItem(atPath: dir) }

    /// Adds a driver directory under bus/pci/drivers with its bind/unbind/new_id files (and
    /// pciback's slot files), as the kernel shows a loaded driver.
    public func addDriver(_ name: String) throws {
        let d = root + "/bus/pci/drivers/" + name
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        for f in ["bind", "unbind", "new_id"] + (name == "pciback" ? ["new_slot", "remove_slot"] : []) {
            guard FileManager.default.createFile(atPath: d + "/" + f, contents: Data()) else {
                throw CopyFailed(description: "could not create \(d)/\(f)")
            }
        }
    }

    /// A new temporary directory (`vbios-test-XXXXXX` under $TMPDIR); remove it when done.
    public static func temporaryDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() + "/vbios-test-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw CopyFailed(description: "mkdtemp under \(NSTemporaryDirectory()) failed (errno \(errno))")
        }
        return String(cString: made)
    }

    /// Copies Fixtures/hosts/NAME to DIR/host, DIR a new temporary directory unless given;
    /// returns the copy's path.
    public static func copy(_ name: String, into dir: String? = nil) throws -> String {
        try copy(name, to: (dir ?? temporaryDirectory()) + "/host")
    }

    /// Copies Fixtures/hosts/NAME (links, modes and all, as `cp -a` does) to TARGET, which must
    /// not exist; returns TARGET.
    @discardableResult
    public static func copy(_ name: String, to target: String) throws -> String {
        try copyTree(Repository.hosts + "/" + name, to: target)
    }

    /// `cp -a SOURCE TARGET`: Foundation's copy does not keep modes and dangling links as the
    /// fake trees need.
    @discardableResult
    public static func copyTree(_ source: String, to target: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/cp")
        p.arguments = ["-a", source, target]
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw CopyFailed(description: "cp -a \(source) \(target) exited \(p.terminationStatus)")
        }
        return target
    }
}
