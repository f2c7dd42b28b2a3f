#!/usr/bin/env bash
# The main job, on a machine without a GPU: builds vbios and runs it on the bundled examples.
# With a GPU, run the same commands with the card's address instead (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
Tools/install-deps.sh
swift build -c release --product vbios
vbios=.build/release/vbios
out=${1:-out/example}
mkdir -p "$out"
echo "== vbios info on SeaBIOS's VGA BIOS (a real ROM)"
"$vbios" info /usr/share/seabios/vgabios-stdvga.bin
echo "== vbios info on iPXE's legacy+EFI ROM"
"$vbios" info /usr/lib/ipxe/qemu/efi-e1000.rom
