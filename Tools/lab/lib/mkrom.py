#!/usr/bin/env python3
"""mkrom.py DIR: write DIR/custom.rom, a synthetic two-image option ROM (legacy x86 8 KiB with a
valid checksum, then EFI 4 KiB with the last-image bit) followed by 4 KiB of 0xff outside the
chain, and DIR/chain.rom, the chain alone (what the kernel's sysfs `rom` read returns).
IDs 1234:5678 match no QEMU device, so SeaBIOS never runs it."""
import os
import struct
import sys


def image(size, code_type, last, fill):
    b = bytearray([fill]) * size
    b[0:2] = b"\x55\xaa"
    b[2] = size // 512
    struct.pack_into("<H", b, 0x18, 0x40)
    pcir = struct.pack("<4sHHHHBBBBHHBBH", b"PCIR", 0x1234, 0x5678, 0, 0x18, 0, 0, 0x80, 0x03,
                       size // 512, 1, code_type, 0x80 if last else 0, 0)
    b[0x40:0x40 + len(pcir)] = pcir
    if code_type == 0:
        b[-1] = (-sum(b[:-1])) & 0xff
    return bytes(b)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    chain = image(8192, 0, False, 0x11) + image(4096, 3, True, 0x22)
    with open(os.path.join(out, "custom.rom"), "wb") as f:
        f.write(chain + b"\xff" * 4096)
    with open(os.path.join(out, "chain.rom"), "wb") as f:
        f.write(chain)


if __name__ == "__main__":
    main()
