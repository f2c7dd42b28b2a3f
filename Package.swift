// swift-tools-version: 6.1
import PackageDescription

// Fuzz targets define LLVMFuzzerTestOneInput and, without -DFUZZING, an @main replay tool.
let fuzzSettings: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]
// The test seams (TestSeams' fake HostIO, its environment variables) exist in debug builds only.
let testSeams: [SwiftSetting] = [.define("VBIOS_TEST_SEAMS", .when(configuration: .debug))]

let package = Package(
    name: "vbios",
    products: [
        .executable(name: "vbios", targets: ["vbios"]),
        .library(name: "Core", targets: ["Core"]),
        .library(name: "OptionROM", targets: ["OptionROM"]),
        .library(name: "SystemIO", targets: ["SystemIO"]),
        .library(name: "PCIHost", targets: ["PCIHost"]),
        .library(name: "Passthrough", targets: ["Passthrough"]),
        .library(name: "Firmware", targets: ["Firmware"]),
        .library(name: "ACPI", targets: ["ACPI"]),
        // The tests' one ROM builder, for the benchmarks (a package of their own) to build ROMs with.
        .library(name: "TestSupport", targets: ["TestSupport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    ],
    targets: [
        // libpci from Debian's libpci-dev.
        .systemLibrary(
            name: "CPCI",
            pkgConfig: "libpci",
            providers: [.apt(["libpci-dev"])]
        ),
        // C glue libpci needs: a non-variadic name lookup and an error handler that
        // unwinds (setjmp/longjmp inside C) instead of calling exit().
        .target(name: "CPCIShim", dependencies: ["CPCI"]),
        // Decompression libraries (Debian's zlib1g-dev, liblzma-dev, libbrotli-dev) behind
        // `Compression`'s bounded decoders: firmware sections, /proc/config.gz.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CLZMA", pkgConfig: "liblzma", providers: [.apt(["liblzma-dev"])]),
        .systemLibrary(name: "CBrotli", pkgConfig: "libbrotlidec", providers: [.apt(["libbrotli-dev"])]),
        // libarchive (Debian's libarchive-dev): vendor update packages (zip, 7z, cab, rar, their
        // self-extracting .exe) read in memory by the firmware walker.
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        // glibc's strerrorname_np (2.32), which Swift's Glibc module does not declare: errno names.
        .systemLibrary(name: "CErrnoName"),
        // What runs inside a signal handler, in C (no Swift runtime there): the pending-file table.
        .target(name: "CSignalSafe"),
        .target(name: "Compression", dependencies: ["CZlib", "CLZMA", "CBrotli", "CArchive"]),
        // Pure Swift apart from Compression: system firmware images (volumes, capsules, CBFS) walked
        // for the option ROMs, GOP drivers and VBTs inside. No Foundation, no I/O.
        .target(name: "Firmware", dependencies: ["Core", "OptionROM", "Compression"]),
        // The leaf every module sits on: values with no home of their own (raw-byte strings, hex,
        // JSON, integer parsing, PCI IDs, the GPU vendor). Pure Swift, no dependencies, no I/O.
        .target(name: "Core"),
        // Pure Swift: bytes in, structure out. No Foundation, no I/O.
        .target(name: "OptionROM", dependencies: ["Core"]),
        // Pure Swift: a bounded, static reader of DSDT/SSDT AML (declarations only, no interpreter)
        // and where a device's `_ROM`/`ATRM` reads its image from. No Foundation, no I/O.
        .target(name: "ACPI", dependencies: ["Core", "OptionROM"]),
        // Files and signals on swift-system (Glibc only): bounded reads, atomic files and file sets,
        // the termination-signal mask, and `HostIO`, the one seam for device-file reads and writes.
        .target(
            name: "SystemIO",
            dependencies: ["Core", "CErrnoName", "CSignalSafe", .product(name: "SystemPackage", package: "swift-system")],
        ),
        .target(name: "PCIHost", dependencies: ["Core", "OptionROM", "ACPI", "SystemIO", "CPCIShim", .product(name: "SystemPackage", package: "swift-system")]),
        .target(name: "Passthrough", dependencies: ["Core", "PCIHost", "SystemIO", "OptionROM", "Compression", "Firmware"]),
        // HostIO's test double and its environment-driven fault injection: debug builds only
        // (`testSeams`), so release builds contain neither the code nor the variables' names. Kept
        // out of Sources: SystemIO holds the seam, the debug vbios installs the fake at startup.
        .target(name: "TestSeams", dependencies: ["SystemIO"], path: "Tests/TestSeams", swiftSettings: testSeams),
        .executableTarget(
            name: "vbios",
            dependencies: [
                "Core", "OptionROM", "SystemIO", "PCIHost", "Passthrough", "Firmware", "ACPI", "TestSeams",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: testSeams
        ),
        // libFuzzer targets (Tools/fuzz.sh); plain builds make them replay tools.
        .target(name: "FuzzSupport", path: "Fuzz/Support"),
        .executableTarget(name: "fuzz-parse", dependencies: ["OptionROM", "FuzzSupport"], path: "Fuzz/Parse",
                          swiftSettings: fuzzSettings),
        .executableTarget(name: "fuzz-patch", dependencies: ["Core", "OptionROM", "FuzzSupport"], path: "Fuzz/Patch",
                          swiftSettings: fuzzSettings),
        .executableTarget(name: "fuzz-diff", dependencies: ["OptionROM", "FuzzSupport"], path: "Fuzz/Diff",
                          swiftSettings: fuzzSettings),
        .executableTarget(name: "fuzz-scan", dependencies: ["OptionROM", "FuzzSupport"], path: "Fuzz/Scan",
                          swiftSettings: fuzzSettings),
        .executableTarget(name: "fuzz-efi-decompress", dependencies: ["OptionROM", "FuzzSupport"],
                          path: "Fuzz/EFIDecompress", swiftSettings: fuzzSettings),
        .executableTarget(name: "fuzz-firmware", dependencies: ["Firmware", "OptionROM", "FuzzSupport"], path: "Fuzz/Firmware",
                          swiftSettings: fuzzSettings),
        .executableTarget(name: "fuzz-aml", dependencies: ["ACPI", "FuzzSupport"], path: "Fuzz/ACPI",
                          swiftSettings: fuzzSettings),
        .executableTarget(name: "fuzz-decompress", dependencies: ["Compression", "FuzzSupport"], path: "Fuzz/Decompress",
                          swiftSettings: fuzzSettings),
        .executableTarget(name: "fuzz-bytes", dependencies: ["Core", "OptionROM", "FuzzSupport"], path: "Fuzz/Bytes",
                          swiftSettings: fuzzSettings),
        // The one ROM builder and the fake host the tests share; a product only for Benchmarks/.
        .target(name: "TestSupport", dependencies: ["Core", "OptionROM", "PCIHost", "Firmware", "CLZMA", "CZlib"], path: "Tests/TestSupport"),
        // Writes Fixtures/roms from TestSupport's ROMFixtures.
        .executableTarget(name: "gen-fixtures", dependencies: ["TestSupport"], path: "Tools/GenFixtures"),
        // Writes the config and resource files of Fixtures/hosts for Tools/gen-fake-sysfs.py.
        .executableTarget(name: "gen-fake-sysfs-files", dependencies: ["TestSupport"], path: "Tools/GenFakeSysfs"),
        .testTarget(name: "OptionROMTests", dependencies: ["Core", "OptionROM", "TestSupport"]),
        .testTarget(name: "SystemIOTests", dependencies: ["Core", "SystemIO", "TestSeams", "OptionROM", "TestSupport"]),
        .testTarget(name: "PCIHostTests", dependencies: ["Core", "PCIHost", "SystemIO", "OptionROM", "ACPI", "TestSeams", "TestSupport"]),
        .testTarget(name: "PassthroughTests", dependencies: ["Core", "Passthrough", "PCIHost", "SystemIO", "OptionROM", "TestSupport"]),
        .testTarget(name: "ACPITests", dependencies: ["Core", "ACPI", "OptionROM", "TestSupport"]),
        .testTarget(name: "FirmwareTests", dependencies: ["Core", "Firmware", "Compression", "OptionROM", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["Core", "OptionROM", "SystemIO", "PCIHost", "vbios", "TestSupport",
                                                   .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    ]
)
