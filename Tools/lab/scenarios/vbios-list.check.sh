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
for a in ("0000:00:02.0", "0000:00:03.0", "00:04.0", "00:05.0", "0000:00:06.0"):
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
if problems:
    print(f"{len(problems)} differences; first: {problems[0]}"); sys.exit(1)
if truth["0000:00:06.0"]["driver"] != "vfio-pci":
    print("lab: 06.0 did not bind to vfio-pci; the scenario itself is broken"); sys.exit(1)
print(f"{len(truth)} devices agree")
PY
note "vbios list/bars agree with sysfs on $(ls "$G/sysfs" | wc -l) devices"
