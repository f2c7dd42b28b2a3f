#!/bin/bash
# Build the Xen dom0 base initramfs (scenarios with `# lab: xen`): build-initramfs.sh with
# Debian's generic kernel's Xen modules (xenfs, evtchn, privcmd, gntdev; xen-pciback left for
# modprobe), xl and xenstored with the Xen libraries from cache/xen, kmod's modprobe/depmod,
# the kernel's config as /boot/config-VERSION, lib/dom0-init.sh as the pre-init, and the
# given binaries (vbios) in /usr/local/bin.
#
# usage: build-dom0-initramfs.sh OUT.cpio.gz [--bin SRC[:NAME]|BINARY|BINARY_DIR]...   (after fetch.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
die() { echo "lab/build-dom0-initramfs.sh: error: $*" >&2; exit 1; }
x=$here/cache/xen
ver=$(cut -d' ' -f2 "$here/cache/xen.version" 2>/dev/null) || die "no Xen in $here/cache; run Tools/lab/fetch.sh first"
[ -d "$x/lib/modules/$ver" ] || die "no $x/lib/modules/$ver; run Tools/lab/fetch.sh"
out=${1:?usage: build-dom0-initramfs.sh OUT.cpio.gz [--bin SRC[:NAME]|BINARY|DIR]...}; shift
exec "$here/build-initramfs.sh" --modules-dir "$x/lib/modules/$ver" \
    --module xenfs --module xen-evtchn --module xen-privcmd --module xen-gntdev \
    --lazy-module xen-pciback --sysroot "$x" \
    --bin "$x/usr/lib/xen-4.17/bin/xl" --bin "$x/usr/lib/xen-4.17/bin/xenstored" \
    --bin /usr/bin/kmod:modprobe --bin /usr/bin/kmod:depmod \
    --file "$x/boot/config-$ver:/boot/config-$ver" \
    --pre-init "$here/lib/dom0-init.sh" "$out" "$@"
