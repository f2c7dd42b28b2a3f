#!/usr/bin/env python3
"""Data for Tools/bench.sh's hostile-input rows (issues 15 and 28), written under DIR:
  decoys.bin   64 MiB: a decoy option ROM header every 512 bytes (size byte 0xFF, one-block PCIR
               image, not last), so each starts a chain through the next ones; noise between.
  plain.bin    64 MiB of the same noise, with a `55 AA` every 512 bytes whose pointer is 0: the
               same 0x55 and `55 AA` density, each pair refused at its first rule.
  reach.bin    32 MiB (issue 28): a header every 512 bytes over 15 MiB, each image reaching to
               the end of that region, not last; a chain of three images there, the last marked last.
  far.bin      32 MiB: the same headers over 15 MiB, each image reaching 16 MiB further: every
               chain is longer than a ROM can be.
  tail.bin     32 MiB: headers over 15 MiB whose images all end at one shared tail of 60 one-block
               images, then an image of length 0 that breaks every chain (issue 15's scanner
               walked the tail again for each header: 25x a plain blob).
  through.bin  32 MiB: a one-block image every 512 bytes, not last, and an EFI image marked last
               at the end: each start's chain runs through all the later ones.
  plain32.bin  32 MiB: plain.bin's first half (the baseline of the 32 MiB shapes).
  group/       a fake sysfs tree: 3,000 display functions in one IOMMU group.
  groups/      the same 3,000 functions, each in its own group.
Python 3 standard library only. Usage: gen-hostile-bench.py DIR"""
import os, random, struct, sys

MIB = 1 << 20

def header(units, last, size_byte=0xFF, code=0, ptr=0x1C):
    """The first 0x40 bytes of an image: PCIR at 0x1C, `units` blocks of 512 bytes."""
    h = bytearray([0x90]) * 0x40
    h[0:4] = bytes([0x55, 0xAA, size_byte, 0xE9])
    struct.pack_into("<H", h, 0x18, ptr)
    h[ptr:ptr + 4] = b"PCIR"
    struct.pack_into("<HHHHB", h, ptr + 4, 0x9090, 0x9090, 0, 0x18, 0)
    struct.pack_into("<HHBB", h, ptr + 0x10, units, 0, code, 0x80 if last else 0)
    return bytes(h)

def image(units, last, code=0):
    """A whole image with a valid checksum."""
    b = bytearray([0x90]) * (units * 512)
    b[0:0x40] = header(min(units, 0xFF), last, code=code)
    struct.pack_into("<H", b, 0x1C + 0x10, units)
    b[-1] = (-sum(b[:-1])) & 0xFF
    return bytes(b)

def noise(size):
    rng = random.Random(15)
    one = bytes(rng.getrandbits(8) for _ in range(MIB)).replace(b"\x55", b"\x54")
    return bytearray(one * (size // MIB))

def plain(size):
    b = noise(size)
    for at in range(0, size, 512):
        b[at:at + 0x1A] = b"\x55\xAA" + bytes(0x18)  # pointer 0: refused by rule 1
    return b

def headers(b, region, end):
    for at in range(0, region, 512):
        b[at:at + 0x40] = header(min(0xFFFF, (end - at) // 512), False)

def shapes():
    # 15 MiB: the chains from the first headers fit in 16 MiB (a ROM's longest).
    size, region = 32 * MIB, 15 * MIB
    reach = noise(size)
    headers(reach, region, region)
    chain = image(8, False) + image(8, False, 3) + image(4, True, 3)
    reach[region:region + len(chain)] = chain
    far = noise(size)
    headers(far, region, region + 16 * MIB)
    tail = noise(size)
    headers(tail, region, region)
    for i in range(60):
        tail[region + i * 512:region + i * 512 + 0x40] = header(1, False, size_byte=1, code=3)
    tail[region + 60 * 512:region + 60 * 512 + 0x40] = header(0, False, code=3)
    through = noise(size)
    for at in range(0, size - 512, 512):
        through[at:at + 0x40] = header(1, False)
    through[size - 512:size - 512 + 0x40] = header(1, True, code=3)
    return {"reach": reach, "far": far, "tail": tail, "through": through, "plain32": plain(size)}

def blobs(d):
    size = 64 * MIB
    with open(os.path.join(d, "plain.bin"), "wb") as f:
        f.write(plain(size))
    blob = noise(size)
    # Fixtures/roms/parts/decoy-header.bin: TestSupport's ToolROMs, written by `swift run gen-fixtures`.
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures", "roms", "parts", "decoy-header.bin"), "rb") as f:
        header = f.read()
    assert len(header) == 0x40
    for at in range(0, size, 512):
        blob[at:at + 0x40] = header
    with open(os.path.join(d, "decoys.bin"), "wb") as f:
        f.write(blob)
    for name, b in shapes().items():
        with open(os.path.join(d, name + ".bin"), "wb") as f:
            f.write(b)

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
    if not os.path.exists(os.path.join(d, "plain32.bin")):
        blobs(d)
    for name, shared in [("group", True), ("groups", False)]:
        if not os.path.exists(os.path.join(d, name)):
            host(os.path.join(d, name), shared)

main()
