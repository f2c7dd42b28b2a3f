#!/bin/bash
# What the kernel says, and what `vbios doctor`/`persist` say about it:
#   reset (e1000e, e1000, VGA, virtio-rng behind a root port; QEMU 7.2 has no igb): doctor's evidence is the device's reset_method as the kernel wrote it; FLR in doctor's
#     evidence (libpci's capability list) iff lspci says FLReset+ iff reset_method lists flr;
#   framebuffer: doctor's verdict on the VGA device agrees with the holders /proc/iomem shows
#     inside its BARs (judged here from iomem itself), and it is not `unknown` (root reads ranges);
#   interrupt-remapping: doctor's INTR_REMAP agrees with the DMAR table's byte 37;
#   persist: ids= refused (exit 1, shared-ids, naming 00:06.0); --by-address writes the install
#     line; run, it sets driver_override on 05.0 only; the kernel binds 05.0 to vfio-pci and leaves
#     06.0 alone; the control (new_id, what ids= does) takes both.
source "$LAB_DIR/lib/check.sh"
need "$G/iomem" "$G/doctor-00:03.0.out" "$G/persist-ids.rc" "$G/persist-addr.rc"
python3 - "$G" <<'PY' > "$R/doctor-host.py.out" 2>&1 || fail "$(tail -n1 "$R/doctor-host.py.out")"
import json, os, re, sys
G = sys.argv[1]
def read(n): return open(os.path.join(G, n)).read()
def check(doc, cid):
    c = [c for c in json.loads(read(doc))["checks"] if c["id"] == cid]
    assert c, f"{doc}: no {cid} check"
    return c[0]
notes = []
for a in ["00:02.0", "00:03.0", "01:00.0", "00:05.0"]:
    rc = read(f"doctor-{a}.rc").strip()
    assert rc in ("0", "1"), f"doctor {a} exited {rc}: {read(f'doctor-{a}.err')[-300:]}"
    reset = check(f"doctor-{a}.out", "reset")
    methods = read(f"reset-{a}").strip()
    ev = {e["source"].rsplit("/", 1)[-1]: e["value"] for e in reset["evidence"]}
    said = ev.get("reset_method")
    if methods == "ABSENT":
        assert said.startswith("(absent"), f"{a}: no reset_method file, doctor says {said}"
    else:
        assert said == (methods or "(empty: no reset method)"), f"{a}: reset_method {methods!r}, doctor read {said!r}"
    lspci = read(f"lspci-{a}")
    flr_lspci = "FLReset+" in lspci
    flr_doctor = [v for k, v in ev.items() if "DevCap" in k]
    assert flr_doctor and (flr_doctor[0] == "FLR") == flr_lspci, f"{a}: lspci FLReset{'+' if flr_lspci else '-'}, doctor {flr_doctor}"
    if methods != "ABSENT":
        assert ("flr" in methods.split()) == flr_lspci, f"{a}: reset_method {methods!r} vs lspci FLReset{'+' if flr_lspci else '-'}"
    notes.append(f"{a}: reset_method '{methods}', FLR {'yes' if flr_lspci else 'no'}, doctor reset {reset['status']}")
# framebuffer on the VGA device, judged from /proc/iomem itself.
ranges, holders = [], []
for line in read("iomem").splitlines():
    m = re.match(r"\s*([0-9a-f]+)-([0-9a-f]+) : (.*)", line)
    if not m: continue
    s, e, name = int(m[1], 16), int(m[2], 16), m[3].strip()
    if name == "0000:00:02.0": ranges.append((s, e))
    if name in ("efifb", "vesafb", "simplefb", "simple-framebuffer", "simpledrm", "BOOTFB"): holders.append((s, e, name))
inside = [h for h in holders if any(h[0] <= e and s <= h[1] for s, e in ranges)]
fb = check("doctor-00:02.0.out", "framebuffer")
assert fb["status"] == ("fail" if inside else "ok"), f"framebuffer {fb['status']} but iomem holders inside 02.0's BARs: {inside}"
notes.append(f"iomem: {len(ranges)} ranges of 02.0, holders {[h[2] for h in holders] or 'none'}; doctor framebuffer {fb['status']}; {read('version').split(' (')[0]}")
# interrupt remapping.
ir = check("doctor-00:03.0.out", "interrupt-remapping")
if os.path.exists(os.path.join(G, "dmar")):
    flag = open(os.path.join(G, "dmar"), "rb").read()[37] & 1
    assert ir["status"] == ("ok" if flag else "fail"), f"DMAR INTR_REMAP {flag}, doctor {ir['status']}"
    notes.append(f"DMAR INTR_REMAP {flag}: doctor interrupt-remapping {ir['status']}")
# persist.
assert read("persist-ids.rc").strip() == "1", "persist by ids= was not refused"
err = json.loads(read("persist-ids.out"))["error"]
assert err["code"] == "shared-ids" and "0000:00:06.0" in err["message"], err
assert read("persist-addr.rc").strip() == "0", read("persist-addr.err")
conf = read("persist.conf")
assert "install vfio-pci for a in 0000:00:05.0;" in conf and "options vfio-pci ids=" not in conf, conf
assert read("install.rc").strip() == "0", read("install.out")
assert read("override-05.0").strip() == "vfio-pci" and read("override-06.0").strip() == "(null)", (read("override-05.0"), read("override-06.0"))
assert read("driver-05.0").strip() == "vfio-pci" and read("driver-06.0").strip() == "none", (read("driver-05.0"), read("driver-06.0"))
assert read("ids-driver-05.0").strip() == "vfio-pci" and read("ids-driver-06.0").strip() == "vfio-pci", \
    f"control: new_id gave {read('ids-driver-05.0').strip()}, {read('ids-driver-06.0').strip()}"
notes.append("persist: ids= refused naming 0000:00:06.0; by address: 05.0 -> vfio-pci, 06.0 untouched; new_id (ids=) took both")
print("\n".join(notes))
PY
while read -r l; do note "$l"; done < "$R/doctor-host.py.out"
