#!/bin/sh
# RESULTS/host/vfct.dat: the real VFCT of an ASRock X370 Killer SLI running coreboot (from
# ../shared/firmware: one Raven Ridge entry for 03:00.0, image revision 0, no zero-length entry
# after it; the two-entry ASRock B650 table is 100 KiB, over QEMU's 64 KiB -acpitable limit), and
# RESULTS/host/entries.json, what Tools/oracles/vfct-walk.py (written from amdgpu's
# amdgpu_acpi_vfct_bios(), nothing of vbios) reads in it. A missing table fails the scenario.
set -e
src="$LAB_DIR/../../../shared/firmware/vfct-coreboot-x370-raven.dat"
[ -f "$src" ] || { echo "vfct-real: $src is missing (../shared/firmware)" >&2; exit 1; }
mkdir -p "$1/host"
cp "$src" "$1/host/vfct.dat"
python3 "$LAB_DIR/../oracles/vfct-walk.py" "$1/host/vfct.dat" > "$1/host/entries.json"
