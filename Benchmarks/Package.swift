// swift-tools-version: 6.1
// Benchmarks for vbios, in a package of their own so that building vbios and `swift test` never
// fetch or build the benchmark library. Run: `swift package --package-path Benchmarks benchmark`,
// or `Tools/bench.sh` for the ratios against the baselines.
import PackageDescription

// A path dependency's identity is its directory's name (`vbios`, or a worktree's name), so
// `package:` below is derived from where this manifest sits.
let rootIdentity = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "vbios").lowercased()

let package = Package(
    name: "vbios-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Test data: a large blob with ROMs planted, a corpus of ROM files. Shared by the
        // benchmarks and by Tools/bench.sh (through `bench-fixtures`).
        .target(
            name: "BenchFixtures",
            dependencies: [.product(name: "OptionROM", package: rootIdentity), .product(name: "TestSupport", package: rootIdentity)]
        ),
        .executableTarget(name: "bench-fixtures", dependencies: ["BenchFixtures"]),
        .executableTarget(name: "bench-efi", dependencies: [.product(name: "OptionROM", package: rootIdentity)]),
        // liblzma itself (Debian's liblzma-dev), the floor bench-decode sets the walker against.
        .systemLibrary(name: "CLZMABench", pkgConfig: "liblzma", providers: [.apt(["liblzma-dev"])]),
        .executableTarget(name: "bench-decode", dependencies: ["CLZMABench", .product(name: "Firmware", package: rootIdentity)]),
        .executableTarget(
            name: "VBIOSBenchmarks",
            dependencies: [
                "BenchFixtures",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "OptionROM", package: rootIdentity),
                .product(name: "SystemIO", package: rootIdentity),
            ],
            path: "Benchmarks/VBIOSBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
