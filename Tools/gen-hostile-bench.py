#!/usr/bin/env python3
"""Data for Tools/bench.sh's hostile-input rows (issue 15), written under DIR:
  decoys.bin  64 MiB: a decoy option ROM header every 512 bytes (size byte 0xFF, one-block PCIR
              image, not last), so each starts a chain through the next ones; noise between.
  plain.bin   64 MiB of the same noise without the headers.
  group/      a fake sysfs tree: 3,000 display functions in one IOMMU group.
  groups/     the same 3,000 functions, each in its own group.
Python 3 standard library only. Usage: gen-hostile-bench.py DIR"""
import os, random, sys

def blobs(d):
    size = 64 << 20
    rng = random.Random(15)
    noise = bytearray(rng.getrandbits(8) for _ in range(1 << 20)) * 64
    noise = bytes(b if b != 0x55 else 0x54 for b in noise)
    with open(os.path.join(d, "plain.bin"), "wb") as f:
        f.write(noise)
    blob = bytearray(noise)
    # Fixtures/roms/parts/decoy-header.bin: TestSupport's ToolROMs, written by `swift run gen-fixtures`.
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures", "roms", "parts", "decoy-header.bin"), "rb") as f:
        header = f.read()
    assert len(header) == 0x40
    for at in range(0, size, 512):
        blob[at:at + 0x40] = header
    with open(os.path.join(d, "decoys.bin"), "wb") as f:
        f.write(blob)

def host(root, shared):
    devices = os.path.join(root, "bus/pci/devices")
    os.makedirs(devices)
    os.makedirs(os.path.join(root, "bus/pci/drivers"))
    for n in range(3000):
        bus, dev, fn = 1 + n // 256, (n // 8) % 32, n % 8
        addr = f"0000:{bus:02x}:{dev:02x}.{fn}"
        real = os.path.join(root, "devices/pci0000:00", addr)
        os.makedirs(real)
        for name, text in [("vendor", "0x1002"), ("device", "0x6819"), ("class", "0x030000"), ("revision", "0x00"),
                           ("subsystem_vendor", "0x1002"), ("subsystem_device", "0x0b00"), ("irq", "0"), ("enable", "1")]:
            with open(os.path.join(real, name), "w") as f:
                f.write(text + "\n")
        with open(os.path.join(real, "resource"), "w") as f:
            f.write("0x00000000c0000000 0x00000000cfffffff 0x000000000014220c\n" + "0x0000000000000000 0x0000000000000000 0x0000000000000000\n" * 12)
        with open(os.path.join(real, "config"), "wb") as f:
            f.write(bytes([0x02, 0x10, 0x19, 0x68]) + bytes(60))
        group = "7" if shared else str(n)
        gdir = os.path.join(root, "kernel/iommu_groups", group, "devices")
        os.makedirs(gdir, exist_ok=True)
        os.symlink(os.path.relpath(real, gdir), os.path.join(gdir, addr))
        os.symlink(os.path.relpath(os.path.join(root, "kernel/iommu_groups", group), real), os.path.join(real, "iommu_group"))
        os.symlink(os.path.relpath(real, devices), os.path.join(devices, addr))

def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    if not os.path.exists(os.path.join(d, "decoys.bin")):
        blobs(d)
    for name, shared in [("group", True), ("groups", False)]:
        if not os.path.exists(os.path.join(d, name)):
            host(os.path.join(d, name), shared)

main()
