"""Read back a guest `lab-snapshot` (RESULTS/guest/sysfs/ADDR/...) as the kernel's truth,
in the shape of vbios's JSON contract (README, "JSON", version 1)."""
import os

IORESOURCE_IO, IORESOURCE_MEM = 0x100, 0x200
IORESOURCE_PREFETCH, IORESOURCE_MEM_64 = 0x2000, 0x100000
IORESOURCE_ROM_SHADOW = 0x2


def _read(path, default=None):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


def device(d):
    addr = os.path.basename(d)
    res = [tuple(int(x, 16) for x in line.split()) for line in _read(os.path.join(d, "resource"), "").splitlines()]
    bars = []
    for i, (start, end, flags) in enumerate(res[:6]):
        if not flags or not end:
            continue
        bars.append({"index": i, "kind": "io" if flags & IORESOURCE_IO else "memory",
                     "start": start, "size": end - start + 1,
                     "is64Bit": bool(flags & IORESOURCE_MEM_64),
                     "prefetchable": bool(flags & IORESOURCE_PREFETCH)})
    rom = None
    if len(res) > 6 and res[6][2] and res[6][1]:
        start, end, flags = res[6]
        rom = {"start": start, "size": end - start + 1, "shadowed": bool(flags & IORESOURCE_ROM_SHADOW)}
    cls = _read(os.path.join(d, "class"), "0x000000")
    group = _read(os.path.join(d, "iommu_group"))
    return {"address": addr,
            "vendorID": _read(os.path.join(d, "vendor"))[2:].lower(),
            "deviceID": _read(os.path.join(d, "device"))[2:].lower(),
            "classCode": cls[2:].lower(),
            "bootVGA": _read(os.path.join(d, "boot_vga")) == "1",
            "driver": _read(os.path.join(d, "driver")),
            "iommuGroup": int(group) if group is not None else None,
            "hasROMAttribute": _read(os.path.join(d, "has_rom")) == "1",
            "bars": bars, "rom": rom}


def snapshot(results):
    root = os.path.join(results, "guest", "sysfs")
    return {a: device(os.path.join(root, a)) for a in sorted(os.listdir(root))}


def compare_device(truth, got):
    """Differences between one device of vbios's JSON and the kernel's truth, as strings."""
    out = []
    a = truth["address"]
    for k in ("vendorID", "deviceID", "classCode", "bootVGA", "driver", "iommuGroup"):
        if k in got and got[k] != truth[k] and not (k == "iommuGroup" and str(got[k]) == str(truth[k])):
            out.append(f"{a} {k}: vbios {got[k]!r}, sysfs {truth[k]!r}")
        elif k not in got:
            out.append(f"{a}: no {k}")
    gb = {b.get("index"): b for b in got.get("bars") or []}
    tb = {b["index"]: b for b in truth["bars"]}
    if set(gb) != set(tb):
        out.append(f"{a} bars: vbios indexes {sorted(gb)}, sysfs {sorted(tb)}")
    for i in set(gb) & set(tb):
        for k, v in tb[i].items():
            if gb[i].get(k) != v:
                out.append(f"{a} bar {i} {k}: vbios {gb[i].get(k)!r}, sysfs {v!r}")
    tr, gr = truth["rom"], got.get("rom")
    if (tr is None) != (gr is None):
        out.append(f"{a} rom: vbios {gr!r}, sysfs {tr!r}")
    elif tr:
        for k, v in tr.items():
            if gr.get(k) != v:
                out.append(f"{a} rom {k}: vbios {gr.get(k)!r}, sysfs {v!r}")
    return out
