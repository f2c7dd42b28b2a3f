import Testing
import Core
import TestSupport
@testable import PCIHost
import OptionROM
import Glibc
import SystemIO

/// `ROMReader`: which sources it picks for a device and a request, what it refuses, and that its
/// failures are typed (the doctor and the CLI switch on them, not on message wording).
@Suite struct ROMReaderTests {
    let radeon = SysfsRoot(hosts + "/radeon-hd7850")
    let igd = SysfsRoot(hosts + "/intel-igd")
    let igdMemory = PhysicalMemory(path: hosts + "/intel-igd/dev-mem", base: 0xC0000)

    func device(_ root: SysfsRoot, _ text: String) throws -> PCIDevice {
        try PCIDevice.load(PCIAddress(parsing: text), root: root)
    }

    @Test func sourcesCarryTheirTraits() throws {
        let a = try PCIAddress(parsing: "01:00.0")
        let sysfs = SysfsROMSource(root: radeon, address: a, shadowed: false)
        let passive = PassiveSysfsROMSource(root: radeon, address: a, shadowed: false)
        let shadow = ShadowROMSource(memory: igdMemory)
        let rombar = ROMBARSource(root: radeon, address: a, memory: PhysicalMemory())
        let vfct = VFCTROMSource(root: radeon, address: a, vendorID: 0x1002, deviceID: 0x6819)
        #expect(sysfs.changesDevice && sysfs.cutsNVIDIAChains && !sysfs.isShadowCopy)
        #expect(!passive.changesDevice && passive.cutsNVIDIAChains)
        #expect(shadow.isShadowCopy && !shadow.changesDevice && !shadow.cutsNVIDIAChains)
        #expect(rombar.changesDevice && !rombar.isShadowCopy)
        #expect(!vfct.changesDevice && !vfct.isShadowCopy)
    }

    @Test func autoPicksBySlotAndBootVGA() throws {
        let card = try ROMReader(root: radeon).sources(for: device(radeon, "01:00.0"))
        #expect(card.map(\.name) == ["sysfs"])
        // The boot VGA device: its own `rom` first, then the 0xC0000 copy. The IGD's ROM resource
        // is the shadow (ROM_SHADOW), so its `rom` is a shadow copy too.
        let boot = try ROMReader(root: igd, memory: igdMemory).sources(for: device(igd, "00:02.0"))
        #expect(boot.map(\.name) == ["sysfs", "shadow"] && boot.map(\.isShadowCopy) == [true, true])
        // Asked for one source: that one only.
        #expect(try ROMReader(root: radeon).sources(for: device(radeon, "01:00.0"), request: .rombar).map(\.name) == ["rombar"])
    }

    @Test func readOnlyLeavesOutWhatChangesTheDevice() throws {
        let reader = ROMReader(root: radeon, access: .readOnly)
        let d = try device(radeon, "01:00.0")
        let auto = try reader.sources(for: d)
        #expect(auto.count == 1 && auto[0] is PassiveSysfsROMSource && !auto[0].changesDevice)
        #expect(throws: ROMReader.Failure.self) { try reader.sources(for: d, request: .rombar) }
    }

    @Test func aFunctionWithoutROMIsNothingToRead() throws {
        let audio = try device(radeon, "01:00.1")
        do {
            _ = try ROMReader(root: radeon).read(audio)
            Issue.record("read")
        } catch {
            guard case let .nothingToRead(address, romPath) = error else { Issue.record("\(error)"); return }
            #expect(address == audio.address && romPath.hasSuffix("0000:01:00.1/rom"))
            #expect(error.advice.steps == [NextStep(.scan), NextStep(.readSource, "rombar")])
        }
    }

    @Test func anotherCardsShadowIsRefusedUnlessAskedFor() throws {
        let tmp = try TempDir()
        try FakeHost.copy("intel-igd", to: tmp.path + "/host")
        let root = SysfsRoot(tmp.path + "/host")
        #expect(system("printf '0\\n' > '\(root.attribute(try PCIAddress(parsing: "00:02.0"), "boot_vga"))'") == 0)
        let d = try device(root, "00:02.0")
        let reader = ROMReader(root: root, memory: PhysicalMemory(path: tmp.path + "/host/dev-mem", base: 0xC0000))
        do {
            _ = try reader.sources(for: d)
            Issue.record("accepted")
        } catch {
            guard case .notBootVGAShadow = error else { Issue.record("\(error)"); return }
            #expect(error.advice.contains("boot_vga 0") && error.advice.steps == [NextStep(.prepareWithROMFile), NextStep(.readSource, "shadow")])
        }
        let shadow = try reader.read(d, request: .shadow)
        #expect(shadow.choice.kept.source.isShadowCopy && !shadow.layout.findings(.shadowCopy).isEmpty)
    }

    /// Each failure keeps its kind: the errno, whether root would help, whether the ROM is disabled.
    @Test func failuresAreTyped() throws {
        let missing = ShadowROMSource(memory: PhysicalMemory(path: "/nonexistent/dev-mem", base: 0xC0000))
        let c = ROMReader.candidate(missing)
        guard case let .memoryOpen(path, e)? = c.error?.reason else { Issue.record("\(String(describing: c.error))"); return }
        #expect(path == "/nonexistent/dev-mem" && e == ENOENT && c.error?.isPermissionDenied == false && c.score == 0)
        #expect(c.summary.contains("cannot open /nonexistent/dev-mem"))
        #expect(ROMReadError.explain(EACCES, source: "sysfs", path: "/x/rom", address: nil).isPermissionDenied)
        #expect(ROMReadError(source: "sysfs", .disabled(path: "/x/rom")).isDisabledNow)
        #expect(!ROMReadError.explain(EINVAL, source: "sysfs", path: "/x/rom", address: nil).isDisabledNow)
        // A read holding no image is a typed failure too.
        let tmp = try TempDir()
        let blank = [UInt8](repeating: 0xFF, count: 0x20000)
        try AtomicFile.write(blank, to: tmp.path + "/mem")
        let empty = ROMReader.candidate(ShadowROMSource(memory: PhysicalMemory(path: tmp.path + "/mem", base: 0xC0000)))
        #expect(empty.error?.reason == .noShadow(path: tmp.path + "/mem"))
    }

    /// Every source failed: `nothingRead` lists each candidate; one source's failure is said as it is.
    @Test func nothingReadSaysEachSource() throws {
        let bad = ShadowROMSource(memory: PhysicalMemory(path: "/nonexistent/dev-mem", base: 0xC0000))
        do {
            _ = try ROMReader.choose([bad])
            Issue.record("chose")
        } catch {
            guard case let .nothingRead(candidates) = error else { Issue.record("\(error)"); return }
            #expect(candidates.count == 1 && error.advice == candidates[0].error?.advice)
        }
    }
}
