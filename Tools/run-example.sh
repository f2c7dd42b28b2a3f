#!/usr/bin/env bash
# The main job, on a machine without a GPU: builds vbios and runs it on the bundled examples.
# With a GPU, run the same commands with the card's address instead (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
Tools/install-deps.sh
swift build -c release --static-swift-stdlib --product vbios
vbios=.build/release/vbios
out=${1:-out/example}
mkdir -p "$out"
echo "== vbios info on SeaBIOS's VGA BIOS (a real ROM)"
"$vbios" info /usr/share/seabios/vgabios-stdvga.bin
echo "== vbios info on iPXE's legacy+EFI ROM"
"$vbios" info /usr/lib/ipxe/qemu/efi-e1000.rom
echo "== vbios prepare on the bundled example host (a Radeon HD 7850 at 01:00.0 in a fake sysfs tree)"
host=Fixtures/hosts/radeon-hd7850
for target in xen qemu libvirt; do
  echo "-- prepare --for $target"
  "$vbios" prepare 01:00.0 --for "$target" --sysfs "$host" --out-dir "$out/$target" --force
done
for target in xen qemu libvirt; do
  echo "-- $out/$target"
  ls -l "$out/$target"
  for f in "$out/$target"/*.cfg "$out/$target"/*.txt "$out/$target"/*.xml; do
    [ -e "$f" ] || continue
    echo "---- $f"
    cat "$f"
  done
done
echo "== what vbios bind would write to hand the card to vfio-pci (dry run on the second-card host)"
"$vbios" bind 01:00.0 --to vfio-pci --sysfs Fixtures/hosts/second-card --dry-run
