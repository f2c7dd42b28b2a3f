#!/usr/bin/env python3
"""The C EFI/Tiano (de)compressor of PyPI's uefi-firmware (EDK2's code), as a test oracle.

    efi-compress.py decompress|compress efi|tiano IN OUT

Exit 0 with OUT written; 1 when the library rejects the input (message on stderr); 3 when
uefi-firmware is not installed (Tools/install-deps.sh installs it).
"""
import sys

try:
    from uefi_firmware import efi_compressor
except ImportError:
    sys.stderr.write("uefi-firmware is not installed: run Tools/install-deps.sh (pip install uefi-firmware)\n")
    sys.exit(3)

if len(sys.argv) != 5 or sys.argv[1] not in ("decompress", "compress") or sys.argv[2] not in ("efi", "tiano"):
    sys.stderr.write(__doc__)
    sys.exit(2)
mode, fmt, src, dst = sys.argv[1:]
data = open(src, "rb").read()
fn = {
    ("decompress", "efi"): efi_compressor.EfiDecompress,
    ("decompress", "tiano"): efi_compressor.TianoDecompress,
    ("compress", "efi"): efi_compressor.EfiCompress,
    ("compress", "tiano"): efi_compressor.TianoCompress,
}[(mode, fmt)]
try:
    out = fn(data, len(data))
except Exception as e:  # the extension raises a bare Exception on bad input
    sys.stderr.write(f"{mode} {fmt}: {e}\n")
    sys.exit(1)
open(dst, "wb").write(out)
