import Foundation
import Testing
import TestSupport

/// HP's and Lenovo's update wrappers through the CLI (issue 22 item 4): what `scan --extract`
/// takes out of each is what it takes out of the image inside, byte for byte, and `prepare
/// --rom-from` builds the same bios.bin from the wrapper as from the image.
@Suite(.serialized) struct HPLenovoCLITests {
    typealias B = FirmwareBuilder
    static let firmware = Repository.root + "/Fixtures/firmware"

    static func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

    /// Each wrapper around `image`: an HP updater .exe (AMI UCP, the image EFI-compressed as
    /// `@R00` with its signature), a Lenovo capsule, a Lenovo $PFH .FL1.
    static func wrappers(_ image: [UInt8]) -> [(String, [UInt8])] {
        [("hp.exe", B.exeStub() + B.amiUCP([.init("@R00", image, compressed: true), .init("@S00", [UInt8](repeating: 0xA5, count: 0x100))])),
         ("lenovo.cap", B.capsule(B.lenovoCapsule, headerSize: 0x50, image)),
         ("lenovo.fl1", B.lenovoPFH([("Bios", image, 0xFF80_0000), ("Ec", [UInt8](repeating: 0xEC, count: 0x40), 0)]))]
    }

    /// `scan --extract` out of each wrapper around everything.fd (every section kind) gives the
    /// files it gives out of everything.fd, and each item's path starts with the wrapper's name.
    @Test func scanExtractsWhatTheImageHolds() throws {
        let dir = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let image = try Self.bytes(Self.firmware + "/everything.fd")
        let direct = try ArchiveCLITests.scan(Self.firmware + "/everything.fd", extract: dir + "/direct")
        func files(_ d: String) throws -> [[UInt8]] { try FileManager.default.contentsOfDirectory(atPath: d).map { try Self.bytes(d + "/" + $0) } }
        let want = try files(dir + "/direct")
        for (name, wrapped) in Self.wrappers(image) {
            try Data(wrapped).write(to: URL(fileURLWithPath: dir + "/" + name))
            let got = try ArchiveCLITests.scan(dir + "/" + name, extract: dir + "/" + name + ".out")
            #expect(got.codes.isEmpty, "\(name): \(got.codes)")
            #expect(got.items.count == direct.items.count, "\(name): \(got.items.map { $0["path"] ?? "" })")
            let first = got.items.compactMap { ($0["path"] as? [String])?.first }
            let prefix = ["hp.exe": "AMI UCP package @HPU", "lenovo.cap": "capsule Lenovo", "lenovo.fl1": "Lenovo $PFH table"][name]!
            #expect(first.count == got.items.count && first.allSatisfy { $0.hasPrefix(prefix) }, "\(name): \(first)")
            let out = try files(dir + "/" + name + ".out")
            #expect(out.count == want.count && want.allSatisfy { out.contains($0) }, "\(name): the extracted files differ")
        }
    }

    /// prepare --rom-from takes each wrapper around the APU image: the same bios.bin (VBIOS and
    /// GOP driver) as from the image itself.
    @Test func prepareTakesTheCardsROMOutOfEachWrapper() throws {
        let dir = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let image = try Self.bytes(Self.firmware + "/apu.fd")
        var sources = [Self.firmware + "/apu.fd"]
        for (name, wrapped) in Self.wrappers(image) {
            try Data(wrapped).write(to: URL(fileURLWithPath: dir + "/" + name))
            sources.append(dir + "/" + name)
        }
        var outputs: [[UInt8]] = []
        for source in sources {
            let root = try PrepareFromFirmwareTests.host(device: "0x1636")
            defer { try? FileManager.default.removeItem(atPath: root) }
            let r = try HostCLI.run(["prepare", "01:00.0", "--for", "qemu", "--display", "secondary", "--sysfs", root + "/sys",
                                     "--out", root + "/out", "--rom-from", source])
            #expect(r.status == 0, "\(source): \(r.err)")
            outputs.append((try? Self.bytes(root + "/out/bios.bin")) ?? [])
        }
        #expect(outputs[0].count > 0x200 && outputs.allSatisfy { $0 == outputs[0] }, "\(outputs.map(\.count))")
    }
}
