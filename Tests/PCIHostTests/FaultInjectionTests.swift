import Testing
@testable import PCIHost
import SystemIO
import TestSeams
import OptionROM
import Glibc
import Synchronization

/// The `HostIO` seam in process: a `rom` attribute that fails, changes or vanishes, on the
/// (never written) radeon fake tree, played by a `RecordingHostIO` whose ROM is disabled (reads
/// fail with EINVAL until "1" is written). Each case: the error names the path, the enable is undone.
@Suite struct FaultInjectionTests {
    let root = SysfsRoot(hosts + "/radeon-hd7850")
    let address = try! PCIAddress(parsing: "01:00.0")

    static func kernel(_ configure: (inout RecordingHostIO.Options) -> Void = { _ in },
                       transform: (@Sendable ([UInt8], Int) -> [UInt8])? = nil) -> RecordingHostIO {
        var options = RecordingHostIO.Options()
        options.disabledROM = true
        configure(&options)
        return RecordingHostIO(options, transform: transform)
    }

    @Test func enabledReadFailsAndTheROMIsDisabledAgain() throws {
        for e in [EIO, ENODEV, EACCES, EINVAL] {
            let k = Self.kernel { $0.failEnabledReads = e }
            let source = SysfsROMSource(root: root, address: address, shadowed: false)
            HostIO.$current.withValue(k.io) {
                do { _ = try source.read(); Issue.record("errno \(e) read as success") } catch {
                    #expect(String(describing: error).contains(source.location), "\(error)")
                }
            }
            #expect(k.texts == ["1", "0\n"], "errno \(e): \(k.texts)")
        }
    }

    @Test func aShortReadThenEOFIsKeptAsIs() throws {
        let k = Self.kernel(transform: { bytes, _ in Array(bytes.prefix(100)) })
        let source = SysfsROMSource(root: root, address: address, shadowed: false)
        let bytes = try HostIO.$current.withValue(k.io) { try source.read() }
        #expect(bytes.count == 100 && k.texts == ["1", "0\n"])
        #expect(ROMParser.parse(bytes).findings.contains { $0.severity == .error }, "half a header is said, not hidden")
    }

    @Test func readsThatChangeAreUnstable() throws {
        let k = Self.kernel(transform: { bytes, n in var b = bytes; b[b.count - 1] &+= UInt8(n & 0xFF); return b })
        let source = SysfsROMSource(root: root, address: address, shadowed: false)
        let choice = try HostIO.$current.withValue(k.io) { try ROMReader.choose([source]) }
        #expect(choice.kept.unstable && choice.reason.contains("two reads differed"))
        #expect(k.texts == ["1", "0\n", "1", "0\n"])
    }

    @Test func aVanishedDeviceStillEndsTheRead() throws {
        let k = Self.kernel { $0.failEnabledReads = ENODEV; $0.failDisable = ENOENT }
        let source = SysfsROMSource(root: root, address: address, shadowed: false)
        HostIO.$current.withValue(k.io) {
            #expect(throws: ROMReadError.self) { try source.read() }
        }
        #expect(k.texts == ["1", "0\n"], "the restore was tried")
    }

    /// The failed restore is returned to the caller (`warn`), typed, not printed by the library.
    @Test func aFailedRestoreIsToldToTheCaller() throws {
        let k = Self.kernel { $0.failDisable = EIO }
        let told = Mutex<[ROMSourceWarning]>([])
        let source = SysfsROMSource(root: root, address: address, shadowed: false, warn: { w in told.withLock { $0.append(w) } })
        let bytes = try HostIO.$current.withValue(k.io) { try source.read() }
        #expect(!bytes.isEmpty, "the read itself succeeded")
        let warnings = told.withLock { $0 }
        #expect(warnings.count == 1)
        guard case let .romLeftEnabled(at, path, error)? = warnings.first else { Issue.record("no warning: \(warnings)"); return }
        #expect(at == address && path == source.location)
        #expect(error.description.contains(source.location), "\(error)")
        // Through ROMReader, the reader's `warn` reaches the source.
        let viaReader = Mutex(0)
        let reader = ROMReader(root: root, memory: nil, warn: { _ in viaReader.withLock { $0 += 1 } })
        let sysfs = try #require(try reader.sources(for: PCIDevice.load(address, root: root), request: .sysfs).first)
        _ = try HostIO.$current.withValue(Self.kernel { $0.failDisable = EIO }.io) { try sysfs.read() }
        #expect(viaReader.withLock { $0 } == 1)
    }

    /// Writes never reach the tree, and the fake tree's ROM file is read as it is.
    @Test func theFakeLeavesTheTreeAlone() throws {
        let k = Self.kernel()
        let before = try readSmallFile(root.attribute(address, "rom"), limit: maximumROMSize)
        let source = SysfsROMSource(root: root, address: address, shadowed: false)
        let bytes = try HostIO.$current.withValue(k.io) { try source.read() }
        #expect(bytes == before && k.reads == 2 && k.texts == ["1", "0\n"])
        #expect(try readSmallFile(root.attribute(address, "rom"), limit: maximumROMSize) == before)
    }

    @Test(arguments: ["01:00.0\u{0}", "\u{0}01:00.0", "01\u{0}:00.0", "../../01:00.0", "01:00.0/rom",
                      "01:00.0\n", " 01:00.0", "0x01:00.0", "+1:00.0", "01:00.8", "1:2:3:4.5", ""])
    func hostileAddresses(_ text: String) {
        #expect(throws: PCIAddress.Malformed.self) { try PCIAddress(parsing: text) }
        if let e = (try? PCIAddress(parsing: text)) == nil ? (Result { try PCIAddress(parsing: text) }.failure) : nil {
            #expect(!String(describing: e).contains("\u{0}") && !String(describing: e).contains("\n"), "escaped")
        }
    }
}

private extension Result {
    var failure: Failure? { if case .failure(let f) = self { return f } else { return nil } }
}
