#!/usr/bin/env python3
# A synthetic two-image ROM (legacy x86 8 KiB + EFI 4 KiB, last bit on the second) followed by
# 4 KiB of 0xff that is not part of the chain. IDs 1234:5678 do not match the device, so
# SeaBIOS leaves it alone (it never runs it).
import os, struct, sys
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
    return b
rom = image(8192, 0, False, 0x11) + image(4096, 3, True, 0x22) + b"\xff" * 4096
out = os.path.join(sys.argv[1], "host")
os.makedirs(out, exist_ok=True)
open(os.path.join(out, "custom.rom"), "wb").write(rom)
open(os.path.join(out, "chain.rom"), "wb").write(rom[:12288])
