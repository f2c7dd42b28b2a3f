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

/// Fake hosts for tests that write: a private copy of a Fixtures/hosts tree.
public enum FakeHost {
    public struct CopyFailed: Error, CustomStringConvertible {
        public var description: String
    }

    /// A new temporary directory (`vbios-test-XXXXXX` under $TMPDIR); remove it when done.
    public static func temporaryDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() + "/vbios-test-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw CopyFailed(description: "mkdtemp under \(NSTemporaryDirectory()) failed (errno \(errno))")
        }
        return String(cString: made)
    }

    /// Copies Fixtures/hosts/NAME (links, modes and all, as `cp -a` does) to DIR/host, DIR a new
    /// temporary directory unless given; returns the copy's path.
    public static func copy(_ name: String, into dir: String? = nil) throws -> String {
        let dir = try dir ?? temporaryDirectory()
        let target = dir + "/host"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/cp")
        p.arguments = ["-a", Repository.hosts + "/" + name, target]
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw CopyFailed(description: "cp -a \(Repository.hosts)/\(name) \(target) exited \(p.terminationStatus)")
        }
        return target
    }
}
