#!/usr/bin/env python3
"""Builds the fake sysfs trees under Fixtures/hosts/ (each directory stands for /sys).

Python 3 standard library only; run from the repository root: `python3 Tools/gen-fake-sysfs.py`
(`--hosts DIR --roots DIR` writes the trees there instead). The `config` and `resource` files are
written in Swift, through the config-space layout vbios reads (`gen-fake-sysfs-files`, TestSupport's
FakeConfigSpace); this file declares the hosts.
The cards' ROMs are copied from Fixtures/roms/parts (`swift run gen-fixtures` writes them).
The output is committed. Each tree holds what libpci's sysfs backend and vbios read:
bus/pci/devices/ADDR -> devices/pci0000:00/.../ADDR, with vendor, device, class, revision,
subsystem_*, irq, config (256 or 4096 bytes, consistent with the other files), resource,
boot_vga (VGA only), driver and iommu_group links, rom where the card has one, enable and
driver_override. A host may also hold `dev-mem`: physical memory from 0xC0000 to 0xDFFFF (pass
`--dev-mem HOST/dev-mem --dev-mem-base 0xc0000`).

A host whose checks read files outside /sys (doctor's /proc/iomem, /proc/version, /proc/modules,
/proc/cmdline, modprobe.d) also gets Fixtures/roots/NAME: those files, relative to `/`. A test
builds its fake `/` from both: Fixtures/hosts/NAME as ROOT/sys, Fixtures/roots/NAME over ROOT.
"""
import json
import os
import shutil
import struct
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures", "hosts")
ROOTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures", "roots")
PARTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures", "roms", "parts")

# Kernel resource flags (include/linux/ioport.h) with the BAR's low bits, as /sys shows them.
IO = 0x40101            # IORESOURCE_IO | SIZEALIGN | PCI io bit
MEM64 = 0x140204        # MEM | MEM_64 | SIZEALIGN | 64-bit type bits
MEM64_PREF = 0x14220C   # ... | PREFETCH | prefetchable bit
MEM32 = 0x40200
ROM = 0x46200           # MEM | READONLY | CACHEABLE | SIZEALIGN
ROM_SHADOW = 0x212      # MEM | ROM_SHADOW | PCI_FIXED: the boot VGA's copy at 0xC0000


def part(name):
    """A card's ROM from Fixtures/roms/parts (TestSupport's ToolROMs, written by `swift run
    gen-fixtures`): the layout is declared once, in Swift, not here."""
    with open(os.path.join(PARTS, name + ".bin"), "rb") as f:
        return f.read()


def config_space(vendor, device, cls, rev, subsys, bars, rom_bar=0, header_type=0, bus=None,
                 pcie_type=0, ext=False, rebar=None, multifunction=False, command=0x0007, irq_pin=1,
                 flr=False, no_soft_reset=False):
    """Config space as the `config` file shows it (256 bytes, 4096 with `ext`), described here and
    written in Swift through the layout vbios reads (TestSupport's FakeConfigSpace). `bars` are raw
    register values (dwords); `rebar` lists (BAR index, supported-sizes bits, current size as 2^k MiB);
    `flr` sets DevCap bit 28 (Function Level Reset), `no_soft_reset` PMCSR bit 3."""
    return {"vendor": vendor, "device": device, "classCode": cls, "revision": rev, "subsystem": list(subsys),
            "bars": list(bars), "romBAR": rom_bar, "headerType": header_type, "bus": list(bus) if bus else None,
            "pcieType": pcie_type, "extended": ext, "rebar": [list(r) for r in rebar] if rebar else None,
            "multifunction": multifunction, "command": command, "interruptPin": irq_pin, "flr": flr,
            "noSoftReset": no_soft_reset}


# Every device's config and resource files, written at the end by the Swift writer.
PENDING = []


def swift_writer(beside=None):
    """The built `gen-fake-sysfs-files`: named by VBIOS_GEN_FAKE_SYSFS_FILES, else the one beside
    the binary `beside` (a vbios of the same build), else built here (`swift build --product`)."""
    tool = os.environ.get("VBIOS_GEN_FAKE_SYSFS_FILES")
    if tool:
        return tool
    if beside and os.access(os.path.join(os.path.dirname(os.path.abspath(beside)), "gen-fake-sysfs-files"), os.X_OK):
        return os.path.join(os.path.dirname(os.path.abspath(beside)), "gen-fake-sysfs-files")
    repo = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    subprocess.run(["swift", "build", "--product", "gen-fake-sysfs-files"], cwd=repo, check=True,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    bin_dir = subprocess.run(["swift", "build", "--show-bin-path"], cwd=repo, check=True, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, text=True).stdout.strip()
    return os.path.join(bin_dir, "gen-fake-sysfs-files")


def write_pending(beside=None):
    r = subprocess.run([swift_writer(beside)], input=json.dumps(PENDING), text=True, stderr=subprocess.PIPE)
    if r.returncode != 0:
        sys.exit("gen-fake-sysfs.py: gen-fake-sysfs-files failed: " + r.stderr)
    PENDING.clear()


def bar64(addr, flags_low):
    return [(addr & 0xFFFFFFF0) | flags_low, addr >> 32]


class Host:
    def __init__(self, name, root=None):
        root = root or ROOT
        self.dir = os.path.join(root, name)
        if os.path.exists(self.dir):
            shutil.rmtree(self.dir)
        if root == ROOT:
            shutil.rmtree(os.path.join(ROOTS, name), ignore_errors=True)
        os.makedirs(os.path.join(self.dir, "bus", "pci", "devices"))
        self.write(os.path.join(self.dir, "bus", "pci", "drivers_probe"), b"")
        self.write(os.path.join(self.dir, "bus", "pci", "rescan"), b"")

    @staticmethod
    def write(path, data, mode=0o644):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        os.chmod(path, mode)

    def host_file(self, path, data):
        """A file outside /sys (`/proc/iomem`), under Fixtures/roots/NAME."""
        self.write(os.path.join(ROOTS, os.path.basename(self.dir), path.lstrip("/")), data)

    def link(self, at, target):
        os.makedirs(os.path.dirname(at), exist_ok=True)
        os.symlink(os.path.relpath(target, os.path.dirname(at)), at)

    def device(self, parents, addr, vendor, device, cls, rev, subsys, config, resources,
               driver=None, group=None, boot_vga=None, rom=None, irq=16, reset_method=None):
        """`parents` are the bridge addresses above the device, root first; `resources` are
        (start, size, flags) for BARs 0-5 and the ROM (size 0: unused)."""
        rel = os.path.join("devices", "pci0000:00", *parents, addr)
        d = os.path.join(self.dir, rel)
        os.makedirs(d)
        w = lambda name, data, mode=0o644: self.write(os.path.join(d, name), data, mode)
        w("vendor", "0x%04x\n" % vendor, 0o444)
        w("device", "0x%04x\n" % device, 0o444)
        w("class", "0x%06x\n" % cls, 0o444)
        w("revision", "0x%02x\n" % rev, 0o444)
        w("subsystem_vendor", "0x%04x\n" % subsys[0], 0o444)
        w("subsystem_device", "0x%04x\n" % subsys[1], 0o444)
        w("irq", "%d\n" % irq, 0o444)
        # config and resource: written in Swift (write_pending); unused BARs are (0, 0, 0).
        PENDING.append({"dir": d, "config": config,
                        "resources": [{"start": s, "size": z, "flags": f} for s, z, f in resources]})
        w("enable", "1\n")
        w("driver_override", "(null)\n")
        if boot_vga is not None:
            w("boot_vga", "%d\n" % boot_vga, 0o444)
        if reset_method is not None:
            # Linux 5.15+: the reset methods the kernel found, in the order it tries them
            # (drivers/pci/pci.c, reset_method_show); empty when it has none.
            w("reset_method", reset_method + "\n")
        if rom is not None:
            w("rom", rom, 0o600)
        if driver:
            drv = os.path.join(self.dir, "bus", "pci", "drivers", driver)
            for f in ("bind", "unbind", "new_id"):
                if not os.path.exists(os.path.join(drv, f)):
                    self.write(os.path.join(drv, f), b"", 0o200)
            self.link(os.path.join(d, "driver"), drv)
            self.link(os.path.join(drv, addr), d)
        if group is not None:
            g = os.path.join(self.dir, "kernel", "iommu_groups", str(group))
            self.link(os.path.join(d, "iommu_group"), g)
            self.link(os.path.join(g, "devices", addr), d)
        self.link(os.path.join(self.dir, "bus", "pci", "devices", addr), d)


def root_port(host, addr, vendor, device, secondary, subordinate, group, parents=()):
    cfg = config_space(vendor, device, 0x060400, 0x09, (0, 0), [0, 0], header_type=1,
                       bus=(int(addr[5:7], 16), secondary, subordinate), pcie_type=4, ext=True)
    host.device(list(parents), addr, vendor, device, 0x060400, 0x09, (0, 0), cfg, [],
                driver="pcieport", group=group)


def radeon_hd7850():
    h = Host("radeon-hd7850")
    root_port(h, "0000:00:01.0", 0x8086, 0x0151, 1, 1, 0)
    vga_bars = bar64(0xC0000000, 0xC) + bar64(0xFE800000, 0x4) + [0xE001, 0]
    rom = part("host-radeon-hd7850")
    cfg = config_space(0x1002, 0x6819, 0x030000, 0x00, (0x174B, 0xE221), vga_bars,
                       rom_bar=0xFE840000, multifunction=True, ext=True)
    h.device(["0000:00:01.0"], "0000:01:00.0", 0x1002, 0x6819, 0x030000, 0x00, (0x174B, 0xE221), cfg,
             [(0xC0000000, 256 << 20, MEM64_PREF), (0, 0, 0), (0xFE800000, 256 << 10, MEM64), (0, 0, 0),
              (0xE000, 0x100, IO), (0, 0, 0), (0xFE840000, 0x20000, ROM)],
             driver="radeon", group=1, boot_vga=0, rom=rom, irq=30, reset_method="pm")
    cfg = config_space(0x1002, 0xAAB0, 0x040300, 0x00, (0x174B, 0xAAB0), bar64(0xFE860000, 0x4), irq_pin=2, ext=True)
    h.device(["0000:00:01.0"], "0000:01:00.1", 0x1002, 0xAAB0, 0x040300, 0x00, (0x174B, 0xAAB0), cfg,
             [(0xFE860000, 16 << 10, MEM64)], driver="snd_hda_intel", group=1, irq=31, reset_method="pm")


def intel_igd():
    h = Host("intel-igd")
    cfg = config_space(0x8086, 0x0C00, 0x060000, 0x06, (0x1043, 0x8534), [], irq_pin=0)
    h.device([], "0000:00:00.0", 0x8086, 0x0C00, 0x060000, 0x06, (0x1043, 0x8534), cfg, [], driver="hsw_uncore", group=0, irq=0)
    bars = bar64(0xF7800000, 0x4) + bar64(0xE0000000, 0xC) + [0xF001, 0]
    # GGC (GMCH Graphics Control, 0x50): GGMS 2 MiB, GMS 0x2 = 64 MiB (DVMT pre-allocated); ASLS
    # (0xFC): the OpRegion the firmware set up. Haswell, gen 7 for QEMU's igd.c.
    cfg = igd_registers(config_space(0x8086, 0x0412, 0x030000, 0x06, (0x1043, 0x8534), bars, rom_bar=0), 0x0210, 0xDAF6E018)
    rom = part("host-intel-igd")
    h.device([], "0000:00:02.0", 0x8086, 0x0412, 0x030000, 0x06, (0x1043, 0x8534), cfg,
             [(0xF7800000, 4 << 20, MEM64), (0, 0, 0), (0xE0000000, 256 << 20, MEM64_PREF), (0, 0, 0),
              (0xF000, 0x40, IO), (0, 0, 0), (0xC0000, 0x20000, ROM_SHADOW)],
             driver="i915", group=1, boot_vga=1, rom=rom, irq=29)
    # Memory at 0xC0000-0xDFFFF: the copy the VGA BIOS left after it ran. It wrote into its own
    # data area (as real VGA BIOSes do), so the copy differs from the `rom` and its checksum fails.
    mem = bytearray(0x20000)
    mem[0:len(rom)] = rom
    for i in range(0x600, 0x640):
        mem[i] ^= 0x5A
    h.write(os.path.join(h.dir, "dev-mem"), bytes(mem))


def igd_registers(cfg, gmch, asls):
    """An IGD's config space with its GMCH Graphics Control (0x50) and ASL Storage (0xFC) values."""
    return dict(cfg, igd=[gmch, asls])


def intel_igd_meteor_lake():
    """A Meteor Lake IGD (8086:7d55, Core Ultra) that QEMU's legacy mode does not know, still held
    by xe, with no OpRegion address (ASLS 0) and no stolen memory (GMS 0): every IGD check fails."""
    h = Host("intel-igd-meteor-lake")
    cfg = config_space(0x8086, 0x7D01, 0x060000, 0x04, (0x1043, 0x1E13), [], irq_pin=0)
    h.device([], "0000:00:00.0", 0x8086, 0x7D01, 0x060000, 0x04, (0x1043, 0x1E13), cfg, [], group=0, irq=0)
    bars = bar64(0x5F000000, 0x4) + bar64(0x4000000000, 0xC) + [0, 0]
    cfg = igd_registers(config_space(0x8086, 0x7D55, 0x030000, 0x08, (0x1043, 0x1E13), bars, rom_bar=0), 0x0000, 0)
    h.device([], "0000:00:02.0", 0x8086, 0x7D55, 0x030000, 0x08, (0x1043, 0x1E13), cfg,
             [(0x5F000000, 16 << 20, MEM64), (0, 0, 0), (0x4000000000, 256 << 20, MEM64_PREF)],
             driver="xe", group=1, boot_vga=1, irq=29)


def second_card():
    h = Host("second-card")
    cfg = config_space(0x8086, 0x3E30, 0x060000, 0x0D, (0x1462, 0x7B17), [], irq_pin=0)
    h.device([], "0000:00:00.0", 0x8086, 0x3E30, 0x060000, 0x0D, (0x1462, 0x7B17), cfg, [], driver="skl_uncore", group=0, irq=0)
    root_port(h, "0000:00:01.0", 0x8086, 0x1901, 1, 1, 1)
    # The first card: the boot VGA device, its ROM shadowed at 0xC0000.
    bars = [0xF6000000] + bar64(0xE0000000, 0xC) + bar64(0xF0000000, 0xC) + [0xE001]
    cfg = config_space(0x10DE, 0x128B, 0x030000, 0xA1, (0x1462, 0x8C93), bars, rom_bar=0, multifunction=True)
    h.device(["0000:00:01.0"], "0000:01:00.0", 0x10DE, 0x128B, 0x030000, 0xA1, (0x1462, 0x8C93), cfg,
             [(0xF6000000, 16 << 20, MEM32), (0xE0000000, 128 << 20, MEM64_PREF), (0, 0, 0),
              (0xF0000000, 32 << 20, MEM64_PREF), (0, 0, 0), (0xE000, 0x80, IO), (0xC0000, 0x20000, ROM_SHADOW)],
             driver="nouveau", group=1, boot_vga=1, rom=part("host-second-card-boot"), irq=16)
    # The second card, behind a root port and a PCIe-to-PCIe bridge: buses 02 and 03.
    root_port(h, "0000:00:1c.0", 0x8086, 0xA290, 2, 3, 8)
    cfg = config_space(0x10B5, 0x8112, 0x060400, 0xAA, (0, 0), [0, 0], header_type=1, bus=(2, 3, 3), pcie_type=7, ext=True)
    h.device(["0000:00:1c.0"], "0000:02:00.0", 0x10B5, 0x8112, 0x060400, 0xAA, (0, 0), cfg, [], group=8, irq=0)
    bars = [0xF8000000] + bar64(0x7000000000, 0xC) + bar64(0x7400000000, 0xC) + [0xD001]
    rom = part("host-second-card-passed")  # legacy (not last) + EFI
    # Resizable BAR 1: 64 MiB up to 8 GiB supported, 256 MiB now; BAR 3: 32 MiB only.
    cfg = config_space(0x10DE, 0x2503, 0x030000, 0xA1, (0x1458, 0x4071), bars, rom_bar=0xF9000000,
                       multifunction=True, ext=True, rebar=[(1, 0x3FC0, 8), (3, 0x20, 5)])
    h.device(["0000:00:1c.0", "0000:02:00.0"], "0000:03:00.0", 0x10DE, 0x2503, 0x030000, 0xA1, (0x1458, 0x4071), cfg,
             [(0xF8000000, 16 << 20, MEM32), (0x7000000000, 256 << 20, MEM64_PREF), (0, 0, 0),
              (0x7400000000, 32 << 20, MEM64_PREF), (0, 0, 0), (0xD000, 0x80, IO), (0xF9000000, 0x80000, ROM)],
             driver="vfio-pci", group=9, boot_vga=0, rom=rom, irq=17)
    cfg = config_space(0x10DE, 0x228E, 0x040300, 0xA1, (0x1458, 0x4071), [0xF9080000], irq_pin=2, ext=True)
    h.device(["0000:00:1c.0", "0000:02:00.0"], "0000:03:00.1", 0x10DE, 0x228E, 0x040300, 0xA1, (0x1458, 0x4071), cfg,
             [(0xF9080000, 16 << 10, MEM32)], driver="vfio-pci", group=9, irq=18)


def identical_twin():
    """Two cards with the same IDs: the boot display 01:00.0 (nouveau, the host's console) and
    03:00.0 meant for the guest. `ids=` would take both."""
    h = Host("identical-twin")
    cfg = config_space(0x8086, 0x3E30, 0x060000, 0x0D, (0x1462, 0x7B17), [], irq_pin=0)
    h.device([], "0000:00:00.0", 0x8086, 0x3E30, 0x060000, 0x0D, (0x1462, 0x7B17), cfg, [], driver="skl_uncore", group=0, irq=0)
    rom = part("host-second-card-passed")
    for port, bus, group, boot in (("0000:00:01.0", 1, 1, True), ("0000:00:1c.0", 3, 8, False)):
        root_port(h, port, 0x8086, 0x1901 if bus == 1 else 0xA290, bus, bus, group)
        a = "0000:%02x:00.0" % bus
        hi = 0x6000000000 + (bus << 32)
        bars = [0xF6000000 - (bus << 24)] + bar64(hi, 0xC) + bar64(hi + (1 << 30), 0xC) + [0xD001 + (bus << 8)]
        cfg = config_space(0x10DE, 0x2503, 0x030000, 0xA1, (0x1458, 0x4071), bars, rom_bar=0 if boot else 0xF9000000 - (bus << 24),
                           multifunction=True, ext=True)
        romres = (0xC0000, 0x20000, ROM_SHADOW) if boot else (0xF9000000 - (bus << 24), 0x80000, ROM)
        h.device([port], a, 0x10DE, 0x2503, 0x030000, 0xA1, (0x1458, 0x4071), cfg,
                 [(0xF6000000 - (bus << 24), 16 << 20, MEM32), (hi, 256 << 20, MEM64_PREF), (0, 0, 0),
                  (hi + (1 << 30), 32 << 20, MEM64_PREF), (0, 0, 0), (0xD000 + (bus << 8), 0x80, IO), romres],
                 driver="nouveau" if boot else "vfio-pci", group=group + 1, boot_vga=1 if boot else 0, rom=rom, irq=16 + bus)
        cfg = config_space(0x10DE, 0x228E, 0x040300, 0xA1, (0x1458, 0x4071), [0xF7080000 - (bus << 24)], irq_pin=2, ext=True)
        h.device([port], a[:-1] + "1", 0x10DE, 0x228E, 0x040300, 0xA1, (0x1458, 0x4071), cfg,
                 [(0xF7080000 - (bus << 24), 16 << 10, MEM32)], driver="snd_hda_intel" if boot else "vfio-pci", group=group + 1, irq=17 + bus)
    # A 6.1 kernel: sysfb registered the firmware framebuffer (BOOTFB) in the boot card's BAR 1
    # and simpledrm took it; nothing in 03:00.0's BARs.
    bar1 = 0x6000000000 + (1 << 32)
    h.host_file("/proc/iomem", iomem_text(bar1, "0000:01:00.0", "BOOTFB", extra=["%x-%x : simpledrm" % (bar1, bar1 + 0x2FFFFF)]))
    h.host_file("/proc/version", "Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0) #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)\n")


def amd_card(h, bus, port, device, audio, group, boot=False, flr=False, no_soft_reset=False, reset_method=None,
             driver="vfio-pci", rom_part="host-radeon-hd7850", rebar=None, bar0=256 << 20):
    """An AMD card (VGA + HDMI audio) at BB:00.0/.1 behind the root port `port`."""
    root_port(h, port, 0x1022, 0x1483, bus, bus, group)
    hi = 0x7000000000 + (bus << 32)
    mmio = 0xFC000000 - (bus << 20)
    bars = bar64(hi, 0xC) + bar64(hi + max(1 << 30, bar0), 0xC) + [0xE001 + (bus << 8), mmio]
    cfg = config_space(0x1002, device, 0x030000, 0xC1, (0x1DA2, 0xE411), bars, rom_bar=0 if boot else mmio + 0x80000,
                       multifunction=True, ext=True, pcie_type=0, flr=flr, no_soft_reset=no_soft_reset, rebar=rebar)
    a = "0000:%02x:00.0" % bus
    romres = (0xC0000, 0x20000, ROM_SHADOW) if boot else (mmio + 0x80000, 0x20000, ROM)
    h.device([port], a, 0x1002, device, 0x030000, 0xC1, (0x1DA2, 0xE411), cfg,
             [(hi, bar0, MEM64_PREF), (0, 0, 0), (hi + max(1 << 30, bar0), 2 << 20, MEM64_PREF), (0, 0, 0),
              (0xE000 + (bus << 8), 0x100, IO), (mmio, 512 << 10, MEM32), romres],
             driver=driver, group=group + 1, boot_vga=1 if boot else 0, rom=part(rom_part), irq=40 + bus,
             reset_method=reset_method)
    cfg = config_space(0x1002, audio, 0x040300, 0x00, (0x1DA2, audio), [mmio + 0xA0000], irq_pin=2, ext=True,
                       flr=flr, no_soft_reset=no_soft_reset)
    h.device([port], a[:-1] + "1", 0x1002, audio, 0x040300, 0x00, (0x1DA2, audio), cfg,
             [(mmio + 0xA0000, 16 << 10, MEM32)], driver=driver, group=group + 1, irq=41 + bus,
             reset_method=reset_method)


def host_bridge(h):
    cfg = config_space(0x1022, 0x1480, 0x060000, 0x00, (0x1022, 0x1480), [], irq_pin=0)
    h.device([], "0000:00:00.0", 0x1022, 0x1480, 0x060000, 0x00, (0x1022, 0x1480), cfg, [], group=0, irq=0)


def navi10_reset_bug():
    """A Radeon RX 5700 XT (Navi 10, 1002:731f; in gnif/vendor-reset's device table) for the
    guest: no FLR, No_Soft_Reset set, and the audio function beside it, so the kernel has no reset
    of its own (vfio's bus hot reset, which Navi 10 does not survive, is all); vendor_reset is not
    loaded."""
    h = Host("navi10-reset-bug")
    host_bridge(h)
    # No FLR, No_Soft_Reset (no PM reset), and a second function on the bus (no bus reset,
    # drivers/pci/pci.c pci_parent_bus_reset): the kernel has no method, so no reset_method file.
    amd_card(h, 0x0B, "0000:00:03.1", 0x731F, 0xAB38, 8, no_soft_reset=True)
    h.host_file("/proc/modules", "vfio_pci 16384 0 - Live 0x0000000000000000\nvfio 45056 2 vfio_pci, Live 0x0000000000000000\n")
    h.host_file("/proc/version", "Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0) #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)\n")


def flr_card():
    """A card whose functions offer Function Level Reset (DevCap bit 28), which the kernel lists
    in reset_method: a clean reset between guest boots. (A Radeon HD 7850's IDs, not in
    vendor-reset's table.)"""
    h = Host("flr-card")
    host_bridge(h)
    amd_card(h, 0x0B, "0000:00:03.1", 0x6819, 0xAAB0, 8, flr=True, reset_method="flr")


def efifb_over_bar():
    """The boot display, whose BAR 0 holds the firmware's framebuffer, claimed by efifb on a 5.10
    kernel: "vfio-pci 0000:0b:00.0: BAR 0: can't reserve [mem ...]"."""
    h = Host("efifb-over-bar")
    host_bridge(h)
    amd_card(h, 0x0B, "0000:00:03.1", 0x6819, 0xAAB0, 8, boot=True, driver=None, reset_method="pm")
    hi = 0x7000000000 + (0x0B << 32)
    h.host_file("/proc/iomem", iomem_text(hi, "0000:0b:00.0", "efifb"))
    h.host_file("/proc/version", "Linux version 5.10.0-28-amd64 (debian-kernel@lists.debian.org) (gcc-10 (Debian 10.2.1-6) 10.2.1 20210110) #1 SMP Debian 5.10.209-2 (2024-01-31)\n")


def iomem_text(bar, owner, holder, holder_size=0x300000, extra=()):
    """/proc/iomem as root reads it: the card's 256 MiB BAR at `bar`, a framebuffer `holder`
    at its start (the firmware put its framebuffer there)."""
    lines = ["00000000-00000fff : Reserved", "00001000-0009ffff : System RAM", "000a0000-000bffff : PCI Bus 0000:00",
             "000c0000-000dffff : PCI Bus 0000:00", "  000c0000-000cffff : Video ROM", "00100000-7fffffff : System RAM",
             "%x-%x : PCI Bus 0000:00" % (bar & ~0xFFFFFFFF, (bar | 0xFFFFFFFF)),
             "  %x-%x : PCI Bus %s" % (bar, bar + (0x50000000 - 1), owner[:7]),
             "    %x-%x : %s" % (bar, bar + (256 << 20) - 1, owner)]
    if holder:
        lines.append("      %x-%x : %s" % (bar, bar + holder_size - 1, holder))
    lines += ["        %s" % e for e in extra]
    return "\n".join(lines) + "\n"


def acpi_table(signature, body, revision=1):
    """An ACPI table as /sys/firmware/acpi/tables/SIG shows it: the 36-byte header (ACPI 6.5,
    5.2.6) with a valid checksum, then `body`."""
    length = 36 + len(body)
    t = bytearray(struct.pack("<4sIBB6s8sI4sI", signature.encode(), length, revision, 0, b"VBIOS ", b"FAKEHOST", 1, b"VBIO", 1) + body)
    t[9] = (-sum(t)) & 0xFF
    return bytes(t)


def dmar(interrupt_remapping):
    """Intel's DMAR table (VT-d 4.1, 8.1): host address width, flags (bit 0 INTR_REMAP, bit 1
    X2APIC_OPT_OUT), 10 reserved bytes, then one DRHD covering every device (INCLUDE_PCI_ALL)."""
    drhd = struct.pack("<HHBBHQ", 0, 16, 1, 0, 0, 0xFED90000)
    return acpi_table("DMAR", struct.pack("<BB10s", 38, 1 if interrupt_remapping else 0, b"") + drhd)


def resized_bar():
    """A Radeon RX 6800 XT (Navi 21, 1002:73bf) whose firmware grew BAR 0 to 16 GiB (Resizable
    BAR on: 256 MiB to 16 GiB supported), the way hosts with "Re-Size BAR support" leave it."""
    h = Host("resized-bar")
    host_bridge(h)
    # Capability bits: 2^8 (256 MiB) to 2^14 (16 GiB) MiB; current 2^14.
    amd_card(h, 0x0C, "0000:00:03.1", 0x73BF, 0xAB28, 9, flr=True, reset_method="flr",
             rebar=[(0, 0x7F00 >> 0, 14)], bar0=16 << 30)


def no_interrupt_remapping():
    """An Intel host whose DMAR table does not set INTR_REMAP (VT-d without interrupt
    remapping, or the firmware's option off): vfio refuses devices unless
    allow_unsafe_interrupts is set."""
    h = Host("no-interrupt-remapping")
    host_bridge(h)
    amd_card(h, 0x01, "0000:00:01.0", 0x6819, 0xAAB0, 1, flr=True, reset_method="flr")
    h.write(os.path.join(h.dir, "firmware", "acpi", "tables", "DMAR"), dmar(False), 0o400)


def with_ids(rom, vendor, device):
    """A legacy image given other PCIR IDs, its checksum made good again in its last byte."""
    r = bytearray(rom)
    pcir = struct.unpack_from("<H", r, 0x18)[0]
    struct.pack_into("<HH", r, pcir + 4, vendor, device)
    end = r[2] * 512
    r[end - 1] = (r[end - 1] - sum(r[:end])) & 0xFF
    return bytes(r)


def vfct(entries):
    """AMD's VFCT table (Linux amdgpu_bios.c, struct acpi_table_vfct): a 16-byte UUID,
    VBIOSImageOffset (0x4C: right after the 0x4C-byte header), Lib1ImageOffset, 4 reserved dwords;
    then each entry's 28-byte header (bus, device, function; vendor, device, subsystem IDs;
    revision; image length) and its image."""
    body = bytearray(16) + struct.pack("<II16s", 0x4C, 0, b"")
    for (bus, dev, fn, vendor, device, ssv, ssd, image) in entries:
        body += struct.pack("<IIIHHHHII", bus, dev, fn, vendor, device, ssv, ssd, 0, len(image)) + image
    return acpi_table("VFCT", bytes(body))


def amd_apu():
    """An AMD Phoenix APU (Radeon 780M, 1002:15bf) at c6:00.0 with its HD-audio function (1002:1640)
    at c6:00.1, behind the internal bridge 00:08.1, as Ryzen 7040/8040 laptops and mini PCs have it:
    no ROM BAR; its VBIOS is the one the firmware ran, in ACPI VFCT (the radeon part given the
    APU's IDs stands in for it)."""
    h = Host("amd-apu")
    host_bridge(h)
    root_port(h, "0000:00:08.1", 0x1022, 0x14EB, 0xC6, 0xC6, 4)
    bars = bar64(0x7C10000000, 0xC) + bar64(0x7C20000000, 0xC) + [0xE001, 0xDC500000]
    cfg = config_space(0x1002, 0x15BF, 0x030000, 0xC1, (0x1F66, 0x0031), bars, multifunction=True, ext=True)
    h.device(["0000:00:08.1"], "0000:c6:00.0", 0x1002, 0x15BF, 0x030000, 0xC1, (0x1F66, 0x0031), cfg,
             [(0x7C10000000, 256 << 20, MEM64_PREF), (0, 0, 0), (0x7C20000000, 2 << 20, MEM64_PREF), (0, 0, 0),
              (0xE000, 0x100, IO), (0xDC500000, 512 << 10, MEM32)],
             driver="vfio-pci", group=5, boot_vga=1, irq=60)
    cfg = config_space(0x1002, 0x1640, 0x040300, 0x00, (0x1F66, 0x0031), [0xDC5C8000], irq_pin=2, ext=True)
    h.device(["0000:00:08.1"], "0000:c6:00.1", 0x1002, 0x1640, 0x040300, 0x00, (0x1F66, 0x0031), cfg,
             [(0xDC5C8000, 16 << 10, MEM32)], driver="vfio-pci", group=5, irq=61)
    image = with_ids(part("host-radeon-hd7850"), 0x1002, 0x15BF)
    h.write(os.path.join(h.dir, "firmware", "acpi", "tables", "VFCT"),
            vfct([(0xC6, 0, 0, 0x1002, 0x15BF, 0x1F66, 0x0031, image)]), 0o400)


def one_card(out, vendor, device, vbios, cls=0x030000):
    """A host with one card of the given IDs at 0000:01:00.0, behind a root port, in its own IOMMU
    group, bound to vfio-pci, not the boot display, its ROM BAR holding a small legacy image
    (the card-template part given the card's IDs by `vbios patch --set-ids`).
    For tests that need a card of some ROM's IDs (the corpus tier); written to `out`, never to
    Fixtures/hosts."""
    rom_path = out + ".rom"
    r = subprocess.run([vbios, "patch", os.path.join(PARTS, "card-template.bin"), "--set-ids", "%04x:%04x" % (vendor, device),
                        "-o", rom_path], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit("gen-fake-sysfs.py: vbios patch --set-ids failed: " + r.stderr)
    with open(rom_path, "rb") as f:
        rom = f.read()
    os.unlink(rom_path)
    h = Host(os.path.basename(out), root=os.path.dirname(os.path.abspath(out)))
    root_port(h, "0000:00:01.0", 0x8086, 0x1901, 1, 1, 1)
    bars = [0xF6000000] + bar64(0xE0000000, 0xC) + bar64(0xF0000000, 0xC) + [0xE001]
    cfg = config_space(vendor, device, cls, 0xA1, (vendor, device), bars, rom_bar=0xF7000000)
    h.device(["0000:00:01.0"], "0000:01:00.0", vendor, device, cls, 0xA1, (vendor, device), cfg,
             [(0xF6000000, 16 << 20, MEM32), (0xE0000000, 128 << 20, MEM64_PREF), (0, 0, 0),
              (0xF0000000, 32 << 20, MEM64_PREF), (0, 0, 0), (0xE000, 0x80, IO), (0xF7000000, 0x80000, ROM)],
             driver="vfio-pci", group=2, boot_vga=0, rom=rom, irq=16)
    write_pending(beside=vbios)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--hosts"] and len(sys.argv) == 5 and sys.argv[3] == "--roots":
        # --hosts DIR --roots DIR: every host written there instead (a test compares them).
        ROOT, ROOTS = sys.argv[2], sys.argv[4]
    elif len(sys.argv) > 1:
        # --card VVVV:DDDD [--class CCCCCC] --vbios BIN --out DIR
        args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
        if "--card" not in args or "--out" not in args or "--vbios" not in args or os.path.exists(args["--out"]):
            sys.exit("usage: gen-fake-sysfs.py [--card VVVV:DDDD [--class CCCCCC] --vbios BIN --out NEW-DIR]")
        v, d = (int(x, 16) for x in args["--card"].split(":"))
        one_card(args["--out"], v, d, args["--vbios"], int(args.get("--class", "030000"), 16))
        sys.exit(0)
    radeon_hd7850()
    intel_igd()
    second_card()
    identical_twin()
    navi10_reset_bug()
    flr_card()
    efifb_over_bar()
    no_interrupt_remapping()
    resized_bar()
    amd_apu()
    intel_igd_meteor_lake()
    write_pending()
    print("wrote", os.path.normpath(ROOT))
