// Writes the synthetic option ROMs of Fixtures/roms (TestSupport's ROMFixtures), each NAME.rom
// with its NAME.expect.json, and the ROMs the Python tools copy (ToolROMs) as parts/NAME.bin.
// Deterministic: the same bytes on every run.
//
//     swift run gen-fixtures [--out DIR]      (default: Fixtures/roms of this checkout)
import Foundation
import TestSupport

var out = Repository.roms
var args = CommandLine.arguments.dropFirst()
while let a = args.popFirst() {
    switch a {
    case "--out":
        guard let dir = args.popFirst() else { FileHandle.standardError.write(Data("gen-fixtures: --out needs a directory\n".utf8)); exit(64) }
        out = dir
    case "-h", "--help":
        print("usage: gen-fixtures [--out DIR]   (default: \(out))")
        exit(0)
    default:
        FileHandle.standardError.write(Data("gen-fixtures: unknown argument \(a); usage: gen-fixtures [--out DIR]\n".utf8))
        exit(64)
    }
}

do {
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    let fixtures = ROMFixtures.all()
    var total = 0
    for f in fixtures {
        try Data(f.bytes).write(to: URL(fileURLWithPath: out).appendingPathComponent(f.name + ".rom"))
        try Data(f.expectation.json.utf8).write(to: URL(fileURLWithPath: out).appendingPathComponent(f.name + ".expect.json"))
        total += f.bytes.count
    }
    precondition(total < 2 * 1024 * 1024, "fixtures grew past 2 MiB")
    print("wrote \(fixtures.count) fixtures (\(total) bytes of ROMs) to \(out)")
    // The walker's hostile shapes (issue 25), small, as fuzz seeds and replayed regressions.
    let regressions = Repository.root + "/Fuzz/regressions"
    for seed in FirmwareBuilder.seeds() {
        try Data(seed.bytes).write(to: URL(fileURLWithPath: regressions).appendingPathComponent(seed.name))
    }
    // The ROMs the Python tools copy (TestSupport's ToolROMs), beside the fixtures.
    let parts = URL(fileURLWithPath: out).appendingPathComponent("parts")
    try FileManager.default.createDirectory(at: parts, withIntermediateDirectories: true)
    for p in ToolROMs.all() {
        try Data(p.bytes).write(to: parts.appendingPathComponent(p.name + ".bin"))
    }
    print("wrote \(ToolROMs.all().count) tool ROMs to \(parts.path)")
} catch {
    FileHandle.standardError.write(Data("gen-fixtures: cannot write to \(out): \(error)\n".utf8))
    exit(1)
}
