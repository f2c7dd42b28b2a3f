#!/bin/bash
# Host side of guest-vfio: the nested QEMU (binary, the libraries ldd lists, SeaBIOS) as an
# add-on archive, cached under cache/ and rebuilt when QEMU or SeaBIOS changes; and the
# control ROM, SeaBIOS's Cirrus VGA BIOS (PCIR 1013:00b8, not the card's 1234:1111).
set -euo pipefail
R=$1
here=${LAB_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
add=$here/cache/nested-qemu.cpio.gz
q=/usr/bin/qemu-system-x86_64 bios=/usr/share/seabios/bios-256k.bin
tcg=/usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so   # Debian builds TCG as a module
if [ ! -s "$add" ] || [ "$q" -nt "$add" ] || [ "$bios" -nt "$add" ]; then
    "$here/build-initramfs.sh" --add-on --bin-at "$q:$q" --bin-at "$tcg:$tcg" \
        --file "$bios" --file /usr/share/qemu/kvmvapic.bin "$add"
fi
mkdir -p "$R/host"
cp /usr/share/seabios/vgabios-cirrus.bin "$R/host/other-ids.rom"
