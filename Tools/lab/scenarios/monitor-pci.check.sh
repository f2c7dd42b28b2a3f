#!/bin/bash
source "$LAB_DIR/lib/check.sh"
need "$G/sysfs-bars" "$R/monitor/info-pci.txt"
python3 - "$G/sysfs-bars" "$R/monitor/info-pci.txt" <<'PY' || exit 1
import re, sys
sysfs, dev = {}, None
for line in open(sys.argv[1]):
    w = line.split()
    if len(w) == 1:
        dev, idx = w[0], 0; sysfs[dev] = {}; continue
    s, e, fl = (int(x, 16) for x in w)
    if fl and s: sysfs[dev][idx] = (s, e)
    idx += 1
qemu, dev = {}, None
for line in open(sys.argv[2]):
    m = re.match(r"\s*Bus\s+(\d+), device\s+(\d+), function (\d+):", line)
    if m:
        dev = "0000:%02x:%02x.%d" % tuple(int(x) for x in m.groups()); qemu[dev] = {}; continue
    m = re.match(r"\s*BAR(\d): .* at 0x([0-9a-f]+) \[0x([0-9a-f]+)\]", line)
    if m and dev and int(m.group(1)) < 6 and m.group(2) != "ffffffffffffffff":
        qemu[dev][int(m.group(1))] = (int(m.group(2), 16), int(m.group(3), 16))
if not qemu:
    print("could not parse info pci"); sys.exit(1)
if sysfs != qemu:
    for d in sorted(set(sysfs) | set(qemu)):
        if sysfs.get(d) != qemu.get(d):
            print(f"{d}: sysfs {sysfs.get(d)} vs info pci {qemu.get(d)}"); sys.exit(1)
print(f"{len(qemu)} devices, {sum(len(v) for v in qemu.values())} BARs agree")
PY
note "info pci and sysfs agree on every BAR of $(grep -c '^0000' "$G/sysfs-bars") devices"
