import ACPI
import Foundation
import OptionROM
import Testing
import TestSupport

/// Shapes of `_ROM`/`ATRM` other than the ZenBook's, written in ASL and compiled by ACPICA's own
/// compiler (`iasl`), so the AML the reader meets is the compiler's, not the test's.
@Suite struct CompiledTemplateTests {
    static var present: Bool { FileManager.default.isExecutableFile(atPath: IASLOracleTests.iasl) }
    static var isCI: Bool { Prerequisite.isCI }  // the one rule (TestSupport's Prerequisite)
    static let dgpu = AMLPath(parsing: "\\_SB_.PCI0.GPP0.DGPU")!

    struct CompileFailed: Error { var log: String }

    /// Compiles each ASL text (a DefinitionBlock) into a table named `names[i]`.
    static func compile(_ sources: [(name: String, asl: String)]) throws -> [ACPITable] {
        let dir = try FakeHost.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        return try sources.map { s in
            try s.asl.write(toFile: dir + "/" + s.name + ".asl", atomically: true, encoding: .utf8)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: IASLOracleTests.iasl)
            p.arguments = ["-p", dir + "/" + s.name, dir + "/" + s.name + ".asl"]
            let log = Pipe()
            p.standardInput = FileHandle.nullDevice
            p.standardOutput = log
            p.standardError = log
            Ledger.note(p)
            try p.run()
            let text = String(decoding: log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { throw CompileFailed(log: text) }
            return try ACPITable(name: s.name, bytes: [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/" + s.name + ".aml"))))
        }
    }

    /// A DefinitionBlock holding `outer` at its root and `inner` in Device \_SB.PCI0.GPP0.DGPU.
    static func ssdt(_ id: String, outer: String = "", inner: String) -> String {
        """
        DefinitionBlock ("", "SSDT", 2, "VBIOS", "\(id)", 0x00000001)
        {
            \(outer)
            Scope (\\_SB)
            {
                Device (PCI0)
                {
                    Device (GPP0)
                    {
                        Device (DGPU)
                        {
                            Name (_ADR, Zero)
                            \(inner)
                        }
                    }
                }
            }
        }
        """
    }

    /// AMD's ATRM shape: a region at a constant, read in 32 KiB fields.
    static let atrm = """
        Method (ATRM, 2, Serialized)
        {
            Local0 = Arg0
            If ((Local0 < 0x8000)) { Local2 = RBF1 } Else { Local2 = RBF2 }
            Return (Local2)
        }
        """

    static func region(_ base: String, space: String = "SystemMemory") -> String {
        """
        OperationRegion (VROM, \(space), \(base), 0x00010010)
        Field (VROM, ByteAcc, NoLock, Preserve)
        {
            Offset (0x10),
            RBF1,   262144,
            RBF2,   262144
        }

        """
    }

    @Test(.enabled(if: present || isCI, "iasl (acpica-tools) is absent (a failure when CI=true)"))
    func atrmAtAConstantAddress() throws {
        let t = try Self.compile([("SSDT1", Self.ssdt("ATRMCONS", inner: Self.region("0x7F000000") + Self.atrm))])
        let r = try ACPIROMResolver.resolve(device: Self.dgpu, in: AMLNamespace(tables: t)).get()
        guard case let .region(x) = r else { Issue.record("\(r)"); return }
        #expect(x.method.path.last == "ATRM" && x.base == .constant(0x7F00_0000))
        #expect(x.imageOffset == 0x10 && x.length == .fixed(0x10000) && x.regionLength == 0x10010)
    }

    @Test(.enabled(if: present || isCI, "iasl (acpica-tools) is absent (a failure when CI=true)"))
    func baseNamedInAnotherTable() throws {
        let t = try Self.compile([
            ("SSDT1", Self.ssdt("ROMNAMED", outer: "External (VBAS, IntObj)", inner: Self.region("VBAS") + Self.atrm)),
            ("SSDT2", "DefinitionBlock (\"\", \"SSDT\", 2, \"VBIOS\", \"VBASDEF\", 1) { Name (VBAS, 0x7E000000) }"),
        ])
        let r = try ACPIROMResolver.resolve(device: Self.dgpu, in: AMLNamespace(tables: t)).get()
        guard case let .region(x) = r else { Issue.record("\(r)"); return }
        #expect(x.base == .constant(0x7E00_0000))
    }

    @Test(.enabled(if: present || isCI, "iasl (acpica-tools) is absent (a failure when CI=true)"))
    func whatCannotBeDoneStaticallyIsNamed() throws {
        let outer = """
            OperationRegion (GNVS, SystemMemory, 0x7D000000, 0x100)
            Field (GNVS, AnyAcc, Lock, Preserve) { Offset (0x40), VBAS, 32 }
            """
        let computed = try Self.compile([("SSDT1", Self.ssdt("COMPUTED", outer: outer, inner: Self.region("(VBAS + 0x1000)") + Self.atrm))])
        let undeclared = try Self.compile([("SSDT1", Self.ssdt("UNDECL", outer: "External (NVHA, IntObj)", inner: Self.region("NVHA") + Self.atrm))])
        let pciConfig = try Self.compile([("SSDT1", Self.ssdt("PCICFG", inner: Self.region("Zero", space: "PCI_Config") + Self.atrm))])
        let none = try Self.compile([("SSDT1", Self.ssdt("NOROM", inner: Self.region("0x7F000000")))])
        func failure(_ t: [ACPITable]) -> ACPIROMUnresolved? {
            if case let .failure(e) = ACPIROMResolver.resolve(device: Self.dgpu, in: AMLNamespace(tables: t)) { return e }
            return nil
        }
        let c = failure(computed)
        #expect(c?.step == .resolveBase)
        if case .baseComputed = c?.reason {} else { Issue.record("\(String(describing: c))") }
        let u = failure(undeclared)
        #expect(u?.reason == .baseUndeclared(region: Self.dgpu.appending(["VROM"]), name: AMLName(segments: ["NVHA"])))
        let p = failure(pciConfig)
        #expect(p?.reason == .regionNotMemory(region: Self.dgpu.appending(["VROM"]), space: 2) && p?.step == .findRegion)
        #expect(failure(none)?.reason == .noMethod(node: Self.dgpu))
        #expect(failure(none)?.nextSteps == [.driverCopy, .vendorFirmwareImage])
        // A base word in memory (a field at a constant address) resolves: GNVS+0x40.
        let field = try Self.compile([("SSDT1", Self.ssdt("FIELD", outer: outer, inner: Self.region("VBAS") + Self.atrm))])
        guard case let .success(.region(x)) = ACPIROMResolver.resolve(device: Self.dgpu, in: AMLNamespace(tables: field)),
              case let .field(f) = x.base else { Issue.record("not a field base"); return }
        #expect(f.address == 0x7D00_0040 && f.bitWidth == 32 && f.path.description == "\\VBAS")
    }

    @Test(.enabled(if: present || isCI, "iasl (acpica-tools) is absent (a failure when CI=true)"))
    func anImageHeldInTheAML() throws {
        let rom = try Repository.fixtureROM("legacy-vga")
        let bytes = rom.map { "0x" + String($0, radix: 16) }.joined(separator: ", ")
        let inner = """
            Name (VBIO, Buffer (\(rom.count)) { \(bytes) })
            Method (_ROM, 2, NotSerialized)
            {
                Local0 = Buffer (Arg1) {}
                Local0 = VBIO
                Return (Local0)
            }
            """
        let t = try Self.compile([("SSDT1", Self.ssdt("EMBED", inner: inner))])
        let r = try ACPIROMResolver.resolve(device: Self.dgpu, in: AMLNamespace(tables: t)).get()
        guard case let .embedded(e) = r else { Issue.record("\(r)"); return }
        #expect(e.method.path.last == "_ROM" && e.table == "SSDT1")
        #expect(Array(t[0].bytes[e.range]) == Array(rom.prefix(e.range.count)) && e.range.count == ROMParser.parse(rom).chainEnd)
    }

    /// Dell's VBOR (RVBS first, then the image) and AMD's ATRM in an NVS region (a length word the
    /// method reads, then 4 KiB fields): the image starts after the length word, which gives its length.
    @Test(.enabled(if: present || isCI, "iasl (acpica-tools) is absent (a failure when CI=true)"))
    func theLengthWordBeforeTheImage() throws {
        let vbor = """
            OperationRegion (VBOR, SystemMemory, 0x89AEB018, 0x00030004)
            Field (VBOR, DWordAcc, Lock, Preserve)
            {
                RVBS,   32,
                VBS1,   262144,
                VBS2,   262144
            }
            Method (_ROM, 2, NotSerialized)
            {
                If ((Arg0 >= RVBS)) { Return (Buffer (One) { 0x00 }) }
                If ((Arg0 < 0x8000)) { Local0 = VBS1 } Else { Local0 = VBS2 }
                Return (Local0)
            }
            """
        let cpnv = """
            OperationRegion (CPNV, SystemMemory, 0xBC1A5018, 0x00012000)
            Field (CPNV, AnyAcc, Lock, Preserve)
            {
                Offset (0x5A),
                M105,   32,
                M106,   32768,
                M378,   32768
            }
            """
        let amd = """
            Method (ATRM, 2, Serialized)
            {
                If ((M105 == Zero)) { Return (Buffer (One) { 0x00 }) }
                If ((Arg0 < 0x1000)) { Local2 = M106 } Else { Local2 = M378 }
                Return (Local2)
            }
            """
        let t1 = try Self.compile([("SSDT1", Self.ssdt("VBOR", inner: vbor))])
        guard case let .success(.region(a)) = ACPIROMResolver.resolve(device: Self.dgpu, in: AMLNamespace(tables: t1)) else {
            Issue.record("VBOR did not resolve"); return
        }
        #expect(a.base == .constant(0x89AE_B018) && a.imageOffset == 4 && a.length == .field(name: "RVBS", bitOffset: 0, bitWidth: 32))
        #expect(a.fields == ["VBS1", "VBS2"])
        let t2 = try Self.compile([("SSDT1", Self.ssdt("AMDNVS", outer: cpnv, inner: amd))])
        guard case let .success(.region(b)) = ACPIROMResolver.resolve(device: Self.dgpu, in: AMLNamespace(tables: t2)) else {
            Issue.record("ATRM did not resolve"); return
        }
        #expect(b.region.description == "\\CPNV" && b.base == .constant(0xBC1A_5018))
        #expect(b.imageOffset == 0x5E && b.length == .field(name: "M105", bitOffset: 0x5A * 8, bitWidth: 32))
    }

    /// ASUS's and Toshiba's `_ROM` declare the region per call at `Arg0 + X`: X is the image's base
    /// (a memory word, or 0xC0000); an address computed otherwise is named as such.
    @Test(.enabled(if: present || isCI, "iasl (acpica-tools) is absent (a failure when CI=true)"))
    func aRegionDeclaredPerCall() throws {
        let ram = """
            OperationRegion (RAMW, SystemMemory, 0xAAF8A018, 0x00010000)
            Field (RAMW, ByteAcc, NoLock, Preserve) { Offset (0x20), RBUF, 32 }
            """
        func rom(_ address: String) -> String {
            """
            Method (_ROM, 2, NotSerialized)
            {
                \(address)
                Local1 = (Arg1 << 0x03)
                Name (VBUF, Buffer (Arg1) {})
                OperationRegion (VROM, SystemMemory, Local0, Local1)
                Field (VROM, ByteAcc, NoLock, Preserve) { ROMI, 65536 }
                VBUF = ROMI
                Return (VBUF)
            }
            """
        }
        let asus = try Self.compile([("SSDT1", Self.ssdt("ASUS", outer: ram, inner: rom("Local0 = (Arg0 + RBUF)")))])
        guard case let .success(.region(a)) = ACPIROMResolver.resolve(device: Self.dgpu, in: AMLNamespace(tables: asus)),
              case let .field(f) = a.base else { Issue.record("ASUS's shape did not resolve to a memory word"); return }
        #expect(f.address == 0xAAF8_A038 && f.bitWidth == 32 && a.imageOffset == 0 && a.length == .image(maximum: 1 << 20))
        let toshiba = try Self.compile([("SSDT1", Self.ssdt("TOSHIBA", inner: rom("Local0 = (Arg0 + 0x000C0000)")))])
        guard case let .success(.region(b)) = ACPIROMResolver.resolve(device: Self.dgpu, in: AMLNamespace(tables: toshiba)) else {
            Issue.record("Toshiba's shape did not resolve"); return
        }
        #expect(b.base == .constant(0xC0000))
        let hp = try Self.compile([("SSDT1", Self.ssdt("HP", outer: ram, inner: rom("Local0 = (RBUF + 0x04)\n        Local0 += Arg0")))])
        guard case let .failure(why) = ACPIROMResolver.resolve(device: Self.dgpu, in: AMLNamespace(tables: hp)),
              case .regionInMethod = why.reason else { Issue.record("a computed per-call address was not named"); return }
        #expect(why.step == .resolveBase)
    }
}
