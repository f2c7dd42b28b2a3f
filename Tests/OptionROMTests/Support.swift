import Foundation
@testable import OptionROM
import TestSupport
import Core

/// Where the repository's fixtures are, found from this file's path so the tests run from any
/// working directory.
enum Paths {
    static let repositoryRoot = URL(fileURLWithPath: Repository.root)
    static let roms = URL(fileURLWithPath: Repository.roms)

    /// Names of the fixtures (NAME for NAME.rom), sorted. Empty when the directory is missing;
    /// `FixtureTests.fixturesExist` fails loudly in that case.
    static func fixtureNames() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: roms.path)) ?? []
        return files.filter { $0.hasSuffix(".rom") }.map { String($0.dropLast(4)) }.sorted()
    }

    static func bytes(_ url: URL) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url))
    }

    static func fixture(_ name: String) throws -> [UInt8] {
        try bytes(roms.appendingPathComponent(name + ".rom"))
    }
}

/// What NAME.expect.json says (TestSupport's ROMFixtures; `swift run gen-fixtures` writes it).
struct Expectation: Decodable {
    struct Image: Decodable, Equatable, CustomStringConvertible {
        var offset: Int
        var length: Int
        var signature: String
        var codeType: Int
        var vendorID: String?
        var deviceID: String?
        var classCode: String?
        var last: Bool
        var checksumValid: Bool?
        var description: String {
            "@\(offset)+\(length) \(signature) type \(codeType) \(vendorID ?? "-"):\(deviceID ?? "-") class \(classCode ?? "-") last \(last) checksum \(checksumValid.map(String.init) ?? "nil")"
        }
    }

    enum Value: Decodable, Equatable {
        case string(String), int(Int)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let i = try? c.decode(Int.self) { self = .int(i) } else { self = .string(try c.decode(String.self)) }
        }
        var json: JSON {
            switch self {
            case .string(let s): return .string(s)
            case .int(let i): return .int(i)
            }
        }
    }

    var size: Int
    var prefixLength: Int
    var images: [Image]
    var vendorInfo: [String: Value]
    var findingCodes: [String]

    static func load(_ name: String) throws -> Expectation {
        let data = try Data(contentsOf: Paths.roms.appendingPathComponent(name + ".expect.json"))
        return try JSONDecoder().decode(Expectation.self, from: data)
    }
}

extension ROMImage {
    /// The image as the expectation files describe it, from the contract's point of view.
    var expectation: Expectation.Image {
        Expectation.Image(
            offset: offset, length: length, signature: signature, codeType: Int(codeType.rawValue),
            vendorID: pcir.map { Hex.string($0.vendorID, width: 4) },
            deviceID: pcir.map { Hex.string($0.deviceID, width: 4) },
            classCode: pcir.map { Hex.string($0.classCode, width: 6) },
            last: isLast, checksumValid: checksumValid)
    }
}

extension ROMLayout {
    var findingCodeSet: [String] { Array(Set(findings.map(\.code.rawValue))).sorted() }
}

/// Parses rendered JSON back with Foundation, to prove it is valid JSON.
func parseJSON(_ text: String) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
}
