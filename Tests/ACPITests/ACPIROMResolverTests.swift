import ACPI
import Foundation
import Testing
import TestSupport

@Suite struct ACPIROMResolverTests {
    @Test(.enabled(if: Zenbook.present || Zenbook.isCI, Comment(rawValue: Zenbook.absent)))
    func zenbookOptimusROMResolvesToNVHMAtNVHA() throws {
        let ns = AMLNamespace(tables: try Zenbook.tables())
        let resolved = try ACPIROMResolver.resolve(device: Zenbook.gpu, in: ns).get()
        guard case let .region(r) = resolved else { Issue.record("not a region: \(resolved)"); return }
        #expect(r.method.path.description == "\\_SB_.PCI0.RP05.PEGP._ROM")
        #expect(r.method.table == "SSDT3")
        #expect(r.region.description == "\\_SB_.PCI0.RP05.PEGP.NVHM")
        #expect(r.regionLength == 0x30400)
        #expect(r.imageOffset == 0x20)
        #expect(r.length == .field(name: "RVBS", bitOffset: 0xE0, bitWidth: 32))
        #expect(r.fields == ["RBF1", "RBF2", "RBF3", "RBF4", "RBF5", "RBF6"])
        guard case let .field(nvha) = r.base else { Issue.record("base not a field: \(r.base)"); return }
        #expect(nvha.path.description == "\\NVHA")
        #expect(nvha.table == "SSDT7")
        #expect(nvha.region.description == "\\SANV")
        #expect(nvha.regionBase == 0x99AC_7D18)
        #expect(nvha.bitWidth == 32 && nvha.address == 0x99AC_7DD8)
    }
}
