#!/bin/bash
# The kernel published the real table unchanged; the device sits where the entry says; vbios
# refuses the read (the IDs differ, as amdgpu would) naming exactly the entry the independent
# reader finds, and `scan` finds the image where the reader says, with the entry's IDs.
source "$LAB_DIR/lib/check.sh"
need "$G/devices.txt" "$G/vfct-table.bin" "$G/dump-03.rc" "$G/scan.rc"
same "$G/vfct-table.bin" "$R/host/vfct.dat"
for a in 0000:03:00.0; do grep -qx "$a" "$G/devices.txt" || fail "no device at $a: $(tr '\n' ' ' < "$G/devices.txt")"; done
for n in 03; do
    [ "$(cat "$G/dump-$n.rc")" != 0 ] || fail "dump --source vfct of $n:00.0 (1234:1111) took an image made for another device"
    ! grep -qx "d$n.rom" "$G/files.txt" || fail "a refused dump left d$n.rom"
done
python3 - "$R/host/entries.json" "$G/dump-03.err" "$G/scan.out" <<'PY' || exit 1
import json, sys
table = json.load(open(sys.argv[1]))
entries = [e for e in table["entries"] if e["length"]]
want = ["%02x:%02x.%x %04x:%04x" % (e["bus"], e["device"], e["function"], e["vendorID"], e["deviceID"]) for e in entries]
if len(want) != 1:
    print("the reader finds %d images in the table, expected 1: %s" % (len(want), want)); sys.exit(1)
for err in sys.argv[2:3]:
    text = open(err).read()
    missing = [w for w in want if w not in text]
    if missing:
        print("%s does not name the entries %s: %s" % (err.split("/")[-1], missing, text.strip().splitlines()[-1:])); sys.exit(1)
hits = json.load(open(sys.argv[3]))
got = sorted((h["offset"], h["length"], h["vendorID"], h["deviceID"]) for h in hits)
exp = sorted((e["offset"], e["length"], "%04x" % e["vendorID"], "%04x" % e["deviceID"]) for e in entries)
if got != exp:
    print("scan of the kernel's VFCT: %s, the reader: %s" % (got, exp)); sys.exit(1)
PY
note "entries: $(python3 -c 'import json,sys; print([(e["bus"],e["vendorID"],e["deviceID"],e["length"]) for e in json.load(open(sys.argv[1]))["entries"]])' "$R/host/entries.json")"
exit 0
