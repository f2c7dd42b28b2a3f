import Foundation
import Testing
import TestSupport

/// `vbios info --json` on every real ROM (../shared/roms, Debian's SeaBIOS and iPXE ROMs) judged by
/// an independent reader, Tools/oracles/pci-rom-walk.py: Python written from the PCI Firmware
/// Specification, SeaBIOS's is_valid_rom() and nouveau's nvbios_imagen(), sharing no code or offset
/// table with vbios. The reader itself is checked against ../shared/roms/MANIFEST.tsv (layouts, IDs,
/// checksums, NPDE lengths, NVGI offsets), facts recorded when the files were collected.
///
/// Where the two readings of a chain differ, the rule is nouveau's: the MANIFEST lists the PCIR
/// chain (1–2 images on the NVIDIA files), but nouveau's nvbios_imagen()
/// (drivers/gpu/drm/nouveau/nvkm/subdev/bios/image.c) takes an image's size and last bit from its
/// NPDE when there is one, so the chain goes on into NVIDIA's 0xE0/0x70 images (3–5 images).
/// The reader encodes that rule itself; the test compares vbios with it, not with a snapshot.
enum IndependentReader {
    static let script = Repository.root + "/Tools/oracles/pci-rom-walk.py"
    static let debian = ["/usr/share/seabios", "/usr/lib/ipxe/qemu"]

    static var sharedFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: Repository.sharedROMs)) ?? [])
            .filter { $0.hasSuffix(".rom") }.sorted().map { Repository.sharedROMs + "/" + $0 }
    }
    static var debianFiles: [String] {
        debian.flatMap { dir in
            ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
                .filter { $0.hasSuffix(".bin") || $0.hasSuffix(".rom") }.sorted().map { dir + "/" + $0 }
        }
    }

    /// Where vbios and the reader disagree and the rule says vbios is wrong (the owner fixes it):
    /// file name → the rule and its source.
    static let knownDisagreements: [String: String] = [:]

    static func run(_ args: [String]) throws -> (status: Int32, out: String) {
        try Python.run(script, args)
    }

    static func read(_ file: String) throws -> [String: Any] {
        let r = try run([file])
        try #require(r.status == 0, "pci-rom-walk.py \(file) exited \(r.status)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
    }

    /// Every field where vbios's image and the reader's differ, as `image N field: vbios X, reader Y`.
    static func differences(_ vbios: [String: Any], _ reader: [String: Any]) -> [String] {
        var out: [String] = []
        let vi = vbios["images"] as? [[String: Any]] ?? [], ri = reader["chain"] as? [[String: Any]] ?? []
        func same(_ a: Any?, _ b: Any?) -> Bool {
            if (a == nil || a is NSNull), (b == nil || b is NSNull) { return true }
            guard let a = a as? NSObject, let b = b as? NSObject else { return false }
            return a.isEqual(b)
        }
        if vi.count != ri.count { out.append("\(vi.count) images, reader \(ri.count)") }
        if !ri.isEmpty, !same(vbios["prefixLength"], reader["firstImage"]) {
            out.append("first image at \(vbios["prefixLength"] ?? "nil"), reader \(reader["firstImage"] ?? "nil")")
        }
        for (n, (v, r)) in zip(vi, ri).enumerated() {
            let ds = v["dataStructure"] as? [String: Any], np = v["npde"] as? [String: Any], rn = r["npde"] as? [String: Any]
            let pairs: [(String, Any?, Any?)] = [
                ("offset", v["offset"], r["offset"]), ("length", v["length"], r["length"]),
                ("signature", v["signature"], r["signature"]), ("size byte", v["sizeByte"], r["sizeByte"]),
                ("code type", v["codeType"], r["codeType"]), ("vendor", v["vendorID"], r["vendorID"]),
                ("device", v["deviceID"], r["deviceID"]), ("class", v["classCode"], r["classCode"]),
                ("last", v["last"], r["last"]), ("checksum valid", v["checksumValid"], r["checksumValid"]),
                ("data structure", ds?["signature"], r["structure"]), ("data structure at", ds?["offset"], r["structureOffset"]),
                ("revision", ds?["revision"], r["revision"]),
                ("NPDE at", np?["offset"], rn?["offset"]), ("NPDE length", np?["imageLength"], rn?["length"]),
                ("NPDE last", np?["last"], rn?["last"]),
            ]
            for (name, a, b) in pairs where !same(a, b) {
                out.append("image \(n) \(name): vbios \(a.map { "\($0)" } ?? "nil"), reader \(b.map { "\($0)" } ?? "nil")")
            }
        }
        return out
    }
}

@Suite("Real ROMs judged by an independent reader")
struct IndependentReaderTests {
    @Test("The reader agrees with MANIFEST.tsv's facts on every file of ../shared/roms")
    func readerMatchesTheManifest() throws {
        try Prerequisite.require(files: [Repository.sharedROMs + "/MANIFEST.tsv"], "the corpus of real vendor ROMs")
        let r = try IndependentReader.run(["--manifest", Repository.sharedROMs])
        #expect(r.status == 0, "\(r.out)")
        #expect(r.out.contains("\(IndependentReader.sharedFiles.count) MANIFEST rows checked, 0 disagreements"), "\(r.out)")
    }

    @Test("Every real ROM: vbios's chain is the independent reader's (offsets, lengths, IDs, code types, last bits, NPDEs, checksums)",
          Prerequisite.enabled(!IndependentReader.sharedFiles.isEmpty, "the real vendor ROMs in ../shared/roms"))
    func vbiosMatchesTheReader() throws {
        let shared = IndependentReader.sharedFiles, debian = IndependentReader.debianFiles
        try Prerequisite.require(!shared.isEmpty, "the real vendor ROMs in \(Repository.sharedROMs)")
        try Prerequisite.require(debian.count >= 20, "Debian's seabios and ipxe-qemu ROMs (\(debian.count) found)")
        var judged = 0, images = 0
        for file in shared + debian {
            let name = (file as NSString).lastPathComponent
            let r = try CLI.run(["info", "--json", file])
            let vbios = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(name): \(r.stderr)")
            let reader = try IndependentReader.read(file)
            let diff = IndependentReader.differences(vbios, reader)
            if let rule = IndependentReader.knownDisagreements[name] {
                withKnownIssue("\(name): \(rule)", isIntermittent: true) {
                    #expect(diff.isEmpty, "\(name):\n  \(diff.joined(separator: "\n  "))")
                }
            } else {
                #expect(diff.isEmpty, "\(name):\n  \(diff.joined(separator: "\n  "))")
            }
            // An image whose last bit says more follow, in a file that ends there: vbios must say so.
            let chain = reader["chain"] as? [[String: Any]] ?? []
            if let end = chain.last, end["lastBit"] as? Bool == false {
                let codes = (vbios["findings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
                #expect(codes.contains("no-last-image"), "\(name): the chain ends without a last bit; findings \(codes)")
            }
            judged += 1
            images += chain.count
        }
        #expect(judged == shared.count + debian.count && images >= 60, "\(judged) files, \(images) images judged")
    }

    /// The reader's NVIDIA rule can fail: without it (the PCI specification alone) the chains
    /// are the MANIFEST's, and vbios's are longer.
    @Test("On the NVIDIA files nouveau's NPDE rule, not the PCIR chain, gives vbios's image count")
    func nvidiaChainsFollowNPDE() throws {
        let nvidia = IndependentReader.sharedFiles.filter { ($0 as NSString).lastPathComponent.hasPrefix("nvidia-") }
        try Prerequisite.require(nvidia.count >= 6, "the NVIDIA ROMs of ../shared/roms")
        var longer = 0
        for file in nvidia {
            let reader = try IndependentReader.read(file)
            let chain = reader["chain"] as? [Any] ?? [], pci = reader["pciChain"] as? [Any] ?? []
            let r = try CLI.run(["info", "--json", file])
            let vbios = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            #expect((vbios["images"] as? [Any])?.count == chain.count, "\(file)")
            if chain.count > pci.count { longer += 1 }
        }
        #expect(longer == 5, "NPDE chains longer than the PCIR chain on \(longer) files")
    }
}
