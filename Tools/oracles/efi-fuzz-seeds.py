#!/usr/bin/env python3
"""Seeds for fuzz-efi-decompress: real EFI-compressed streams, each after the format byte the
target reads first (0 EFI 1.1, 1 Tiano, 2 either).

    efi-fuzz-seeds.py OUTDIR

Streams: the compressed GOPs of ../shared/roms (when present) and, with uefi-firmware installed,
small pieces of Debian's iPXE EFI driver compressed both ways by the C compressor.
"""
import os, struct, sys

out = sys.argv[1]
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
n = 0

def emit(fmt, stream):
    global n
    with open(os.path.join(out, f"efi-seed-{n}"), "wb") as f:
        f.write(bytes([fmt]) + stream)
    n += 1

def compressed_images(rom):
    """(offset, stream) of each EFI image whose header says EFI-compressed, at 512-byte steps."""
    for off in range(0, len(rom) - 0x1A, 512):
        if rom[off:off + 2] != b"\x55\xaa" or struct.unpack_from("<I", rom, off + 4)[0] != 0x0EF1:
            continue
        init, = struct.unpack_from("<H", rom, off + 2)
        comp, = struct.unpack_from("<H", rom, off + 0xC)
        pe, = struct.unpack_from("<H", rom, off + 0x16)
        if comp == 1 and pe < init * 512:
            yield off, rom[off + pe:off + init * 512]

shared = os.path.join(root, "..", "shared", "roms")
if os.path.isdir(shared):
    for name in sorted(os.listdir(shared)):
        if name.endswith(".rom"):
            for _, stream in compressed_images(open(os.path.join(shared, name), "rb").read()):
                emit(0, stream)
                break  # one per file keeps the corpus small
try:
    from uefi_firmware import efi_compressor
    rom = open("/usr/lib/ipxe/qemu/efi-e1000.rom", "rb").read()
    pe = rom.find(b"MZ", 0x12600)
    for size in (64, 1024, 16384):
        piece = rom[pe:pe + size]
        emit(0, efi_compressor.EfiCompress(piece, len(piece)))
        emit(1, efi_compressor.TianoCompress(piece, len(piece)))
        emit(2, efi_compressor.EfiCompress(piece, len(piece)))
except ImportError:
    pass
print(n)
