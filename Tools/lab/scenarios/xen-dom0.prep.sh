#!/bin/bash
# Host side of xen-dom0: a first boot of the lab kernel with the same devices runs
# `vbios prepare 0000:00:04.0 --for xen` (scenarios/xen-dom0.first-boot); its
# kernel-cmdline.txt goes to RESULTS/host/, from where the dom0 boot appends it.
set -euo pipefail
R=$1
[ -n "${LAB_BASE:-}" ] && [ -f "$LAB_BASE" ] || { echo "xen-dom0.prep.sh: no base initramfs (LAB_BASE)"; exit 1; }
python3 "$LAB_DIR/lib/runner.py" --base "$LAB_BASE" "$LAB_DIR/scenarios/xen-dom0.first-boot" "$R/first-boot" \
    || { echo "first boot failed: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["reason"])' "$R/first-boot/runner.json")"; exit 1; }
g=$R/first-boot/guest
[ "$(cat "$g/prepare.rc")" = 0 ] || { echo "vbios prepare --for xen failed: $(tail -n1 "$g/prepare.err")"; exit 1; }
mkdir -p "$R/host"
cp "$g/prep/kernel-cmdline.txt" "$R/host/kernel-cmdline.txt"
echo "kernel-cmdline.txt: $(cat "$R/host/kernel-cmdline.txt")"
