#!/usr/bin/env python3
"""mkrom.py DIR: write DIR/custom.rom, a synthetic two-image option ROM (legacy x86 8 KiB with a
valid checksum, then EFI 4 KiB with the last-image bit) followed by 4 KiB of 0xff outside the
chain, and DIR/chain.rom, the chain alone (what the kernel's sysfs `rom` read returns).
IDs 1234:5678 match no QEMU device, so SeaBIOS never runs it.
The chain is Fixtures/roms/parts/lab-chain.bin (TestSupport's ToolROMs, written by `swift run
gen-fixtures`): the lab prep runs before any Swift build, so it copies the committed bytes."""
import os
import sys

CHAIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "Fixtures", "roms", "parts", "lab-chain.bin")


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    with open(CHAIN, "rb") as f:
        chain = f.read()
    with open(os.path.join(out, "custom.rom"), "wb") as f:
        f.write(chain + b"\xff" * 4096)
    with open(os.path.join(out, "chain.rom"), "wb") as f:
        f.write(chain)


if __name__ == "__main__":
    main()
