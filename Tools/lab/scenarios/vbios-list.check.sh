#!/bin/bash
# vbios's JSON (list --all, list, bars) must say what the kernel says: IDs, class, boot VGA,
# driver, IOMMU group, each BAR (index, kind, start, size, 64-bit, prefetchable) and the ROM
# resource (start, size of resource 6; shadowed = IORESOURCE_ROM_SHADOW).
source "$LAB_DIR/lib/check.sh"
need "$G/list-all.rc" "$G/sysfs"
for t in list-all list list-text list-root; do
    [ "$(cat "$G/$t.rc")" = 0 ] || fail "vbios ${t/-/ } exited $(cat "$G/$t.rc"): $(tail -n1 "$G/$t.err")"
done
python3 - "$R" <<'PY' || exit 1
import json, os, sys
sys.path.insert(0, os.path.join(os.environ["LAB_DIR"], "lib"))
import sysfs_truth
R = sys.argv[1]; G = os.path.join(R, "guest")
truth = sysfs_truth.snapshot(R)
def load(name):
    try:
        return json.load(open(os.path.join(G, name + ".out")))
    except ValueError as e:
        print(f"vbios {name}: not JSON: {e}"); sys.exit(1)
def norm(a):
    return a if a.count(":") == 2 else "0000:" + a
problems = []
for name in ("list-all", "list-root"):
    got = {norm(d["address"]): d for d in load(name)}
    if set(got) != set(truth):
        problems.append(f"{name}: addresses {sorted(got)} vs sysfs {sorted(truth)}")
    for a in set(got) & set(truth):
        problems += [f"{name}: {p}" for p in sysfs_truth.compare_device(truth[a], got[a])]
display = sorted(a for a, t in truth.items() if t["classCode"].startswith("03"))
got = sorted(norm(d["address"]) for d in load("list"))
if got != display:
    problems.append(f"list (display only): {got}, expected {display}")
for a in ("0000:00:02.0", "0000:00:03.0", "00:04.0", "00:05.0", "0000:00:06.0", "00:09.0", "00:0a.0"):
    rc = open(os.path.join(G, f"bars-{a}.rc")).read().strip()
    if rc != "0":
        problems.append(f"bars {a} exited {rc}: {open(os.path.join(G, f'bars-{a}.err')).read().strip()[-200:]}"); continue
    b = load(f"bars-{a}")
    if not isinstance(b, dict):
        problems.append(f"bars {a} --json: expected an object with bars and rom, got {type(b).__name__}"); continue
    t = dict(truth[norm(a)])
    for k in ("vendorID", "deviceID", "classCode", "bootVGA", "driver", "iommuGroup"):
        b.setdefault(k, t[k])          # bars --json carries only bars and rom
    problems += [f"bars {a}: {p}" for p in sysfs_truth.compare_device(t, b)]
# QEMU's own view (HMP info pci): every BAR vbios reports for a device, with kind, start, end,
# width and prefetch; the ROM BAR's size (QEMU shows a disabled ROM BAR at 0xffffffffffffffff,
# end = size - 2) unless the kernel's ROM resource is the boot VGA shadow.
import re
qemu, dev = {}, None
for line in open(os.path.join(R, "monitor", "info-pci.txt")):
    m = re.match(r"\s*Bus\s+(\d+), device\s+(\d+), function (\d+):", line)
    if m:
        dev = "0000:%02x:%02x.%d" % tuple(int(x) for x in m.groups()); qemu[dev] = {}; continue
    m = re.match(r"\s*BAR(\d): (I/O|32 bit|64 bit)( prefetchable)?(?: memory)? at 0x([0-9a-f]+) \[0x([0-9a-f]+)\]", line)
    if m and dev:
        qemu[dev][int(m.group(1))] = dict(kind="io" if m.group(2) == "I/O" else "memory", is64Bit=m.group(2) == "64 bit",
                                          prefetchable=bool(m.group(3)), start=int(m.group(4), 16), end=int(m.group(5), 16))
if not qemu:
    problems.append("could not parse info pci")
seen = {"io": 0, "64-pref": 0, "64": 0, "rom": 0}
for a in ("0000:00:02.0", "0000:00:03.0", "00:04.0", "00:05.0", "0000:00:06.0", "00:09.0", "00:0a.0"):
    if not os.path.exists(os.path.join(G, f"bars-{a}.out")): continue
    try: b = json.load(open(os.path.join(G, f"bars-{a}.out")))
    except ValueError: continue
    q = qemu.get(norm(a), {})
    for bar in b.get("bars", []):
        qb = q.get(bar["index"])
        if qb is None:
            problems.append(f"bars {a}: BAR{bar['index']} is not in info pci"); continue
        want = dict(kind=qb["kind"], start=qb["start"], size=qb["end"] - qb["start"] + 1, is64Bit=qb["is64Bit"], prefetchable=qb["prefetchable"])
        got = {k: bar[k] for k in want}
        if got != want:
            problems.append(f"bars {a}: BAR{bar['index']} {got} vs info pci {want}")
        k = "io" if bar["kind"] == "io" else "64-pref" if bar["is64Bit"] and bar["prefetchable"] else "64" if bar["is64Bit"] else "32"
        seen[k] = seen.get(k, 0) + 1
    mem_bars = {i for i, x in q.items() if i < 6 and x["start"] != 0xffffffffffffffff}
    if mem_bars != {bar["index"] for bar in b.get("bars", [])}:
        problems.append(f"bars {a}: BARs {sorted(x['index'] for x in b.get('bars', []))} vs info pci {sorted(mem_bars)}")
    rom, qr = b.get("rom"), q.get(6)
    if rom and not rom["shadowed"]:
        if qr is None: problems.append(f"bars {a}: a ROM that info pci does not show")
        elif (qr["end"] + 2) % (1 << 64) != rom["size"] and qr["end"] - qr["start"] + 1 != rom["size"]:
            problems.append(f"bars {a}: ROM size {rom['size']:#x} vs info pci {qr}")
        else: seen["rom"] += 1
    elif not rom and qr is not None:
        problems.append(f"bars {a}: no ROM, but info pci shows BAR6 {qr}")
for k in ("io", "64-pref", "64", "rom"):
    if not seen.get(k): problems.append(f"lab: no {k} BAR among the devices compared with info pci")
if problems:
    print(f"{len(problems)} differences; first: {problems[0]}"); sys.exit(1)
print(f"info pci agrees: {seen}")
if truth["0000:00:06.0"]["driver"] != "vfio-pci":
    print("lab: 06.0 did not bind to vfio-pci; the scenario itself is broken"); sys.exit(1)
print(f"{len(truth)} devices agree")
PY
note "vbios list/bars agree with sysfs on $(ls "$G/sysfs" | wc -l) devices and with QEMU's info pci: $(grep -h '^info pci agrees' "$R/check.log" 2>/dev/null)"
