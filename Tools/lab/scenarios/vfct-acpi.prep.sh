#!/bin/sh
# RESULTS/host/vfct.dat: a VFCT table (ACPI header, checksum, UUID, image offset; a decoy entry for
# 00:03.0, then Fixtures/roms/amd.rom for 00:02.0 1234:1111) and expected.rom, the image vbios must return.
set -e
mkdir -p "$1/host"
exec python3 - "$1/host" "$LAB_DIR/../../Fixtures/roms" <<'PY'
import os, struct, sys
out, roms = sys.argv[1], sys.argv[2]
image = open(os.path.join(roms, "amd.rom"), "rb").read()
decoy = open(os.path.join(roms, "intel.rom"), "rb").read()
def entry(bus, dev, fn, vendor, device, img):
    return struct.pack("<IIIHHHHII", bus, dev, fn, vendor, device, 0x1AF4, 0x1100, 0, len(img)) + img
body = entry(0, 3, 0, 0x1234, 0x1111, decoy) + entry(0, 2, 0, 0x1234, 0x1111, image)
head_len = 0x48
length = head_len + len(body)
header = bytearray(b"VFCT" + struct.pack("<IBB", length, 1, 0) + b"VBIOS " + b"LABVFCT " + struct.pack("<I", 1)
                   + b"VBIO" + struct.pack("<I", 1))
header += bytes(range(16)) + struct.pack("<I", head_len) + b"\0" * (head_len - 0x38)
table = bytearray(header + body)
table[9] = (-sum(table)) & 0xFF
open(os.path.join(out, "vfct.dat"), "wb").write(table)
open(os.path.join(out, "expected.rom"), "wb").write(image)
PY
