import Testing
@testable import PCIHost
import OptionROM
import Glibc

/// The `SysfsIO` seam in process: a `rom` attribute that fails, changes or vanishes, on the
/// (never written) radeon fake tree. Each case: the error names the path, the enable is undone.
@Suite struct FaultInjectionTests {
    let root = SysfsRoot(hosts + "/radeon-hd7850")
    let address = try! PCIAddress(parsing: "01:00.0")

    /// Records writes; reads fail with EINVAL until "1" is written (the kernel's disabled ROM),
    /// then do what `enabled` says.
    final class Kernel: @unchecked Sendable {
        var writes: [String] = []
        var enabled = false
        var reads = 0
        func io(enabled read: @escaping @Sendable (Kernel, String) -> (bytes: [UInt8], errno: Int32?),
                failWrite: Int32? = nil) -> SysfsIO {
            SysfsIO(read: { path in
                self.reads += 1
                return self.enabled ? read(self, path) : ([], EINVAL)
            }, write: { _, text in
                self.writes.append(text)
                if text.hasPrefix("0"), let failWrite { return failWrite }
                self.enabled = text.hasPrefix("1")
                return nil
            })
        }
    }

    @Test func enabledReadFailsAndTheROMIsDisabledAgain() throws {
        for e in [EIO, ENODEV, EACCES, EINVAL] {
            let k = Kernel()
            let source = SysfsROMSource(root: root, address: address, shadowed: false)
            SysfsIO.$current.withValue(k.io(enabled: { _, _ in ([], e) })) {
                do { _ = try source.read(); Issue.record("errno \(e) read as success") } catch {
                    #expect(String(describing: error).contains(source.location), "\(error)")
                }
            }
            #expect(k.writes == ["1", "0\n"], "errno \(e): \(k.writes)")
        }
    }

    @Test func aShortReadThenEOFIsKeptAsIs() throws {
        let k = Kernel()
        let source = SysfsROMSource(root: root, address: address, shadowed: false)
        let bytes = try SysfsIO.$current.withValue(k.io(enabled: { _, p in
            let r = SysfsIO.system.read(p); return (Array(r.bytes.prefix(100)), r.errno) })) { try source.read() }
        #expect(bytes.count == 100 && k.writes == ["1", "0\n"])
        #expect(ROMParser.parse(bytes).findings.contains { $0.severity == .error }, "half a header is said, not hidden")
    }

    @Test func readsThatChangeAreUnstable() throws {
        let k = Kernel()
        let source = SysfsROMSource(root: root, address: address, shadowed: false)
        let choice = try SysfsIO.$current.withValue(k.io(enabled: { k, p in
            var r = SysfsIO.system.read(p); r.bytes[r.bytes.count - 1] &+= UInt8(k.reads & 0xFF); return r })) {
            try ROMReader.choose([source])
        }
        #expect(choice.kept.unstable && choice.reason.contains("two reads differed"))
        #expect(k.writes == ["1", "0\n", "1", "0\n"])
    }

    @Test func aVanishedDeviceStillEndsTheRead() throws {
        let k = Kernel()
        let source = SysfsROMSource(root: root, address: address, shadowed: false)
        SysfsIO.$current.withValue(k.io(enabled: { _, _ in ([], ENODEV) }, failWrite: ENOENT)) {
            #expect(throws: ROMReadError.self) { try source.read() }
        }
        #expect(k.writes == ["1", "0\n"], "the restore was tried")
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
