#!/bin/bash
# The kernel published the table QEMU was given; vbios took the 00:02.0 entry, not the decoy,
# refused a device without one (naming what the table holds) and auto considered VFCT.
source "$LAB_DIR/lib/check.sh"
need "$G/tables.txt" "$G/dump-vfct.rc"
grep -qx VFCT "$G/tables.txt" || fail "the guest kernel shows no VFCT table: $(tr '\n' ' ' < "$G/tables.txt")"
same "$G/vfct-table.bin" "$R/host/vfct.dat"
[ "$(cat "$G/dump-vfct.rc")" = 0 ] || fail "vbios dump --source vfct exited $(cat "$G/dump-vfct.rc"): $(tail -n1 "$G/dump-vfct.err")"
same "$G/vfct.rom" "$R/host/expected.rom"
same "$G/vfct-text.rom" "$R/host/expected.rom"
[ "$(cat "$G/dump-vfct-none.rc")" != 0 ] || fail "dump --source vfct of 00:1f.0 succeeded"
grep -q "holds no image for 0000:00:1f.0" "$G/dump-vfct-none.err" || fail "no-entry message: $(tail -n1 "$G/dump-vfct-none.err")"
grep -q "00:02.0 1234:1111" "$G/dump-vfct-none.err" || fail "the message does not list the table's entries: $(tail -n1 "$G/dump-vfct-none.err")"
! grep -qx none.rom "$G/files.txt" || fail "a failed dump left none.rom"
[ "$(cat "$G/dump-auto.rc")" = 0 ] || fail "vbios dump (auto) exited $(cat "$G/dump-auto.rc"): $(tail -n1 "$G/dump-auto.err")"
# auto's JSON: a vfct candidate read without error, the size of the image the prep placed; the
# source it kept is one it read, and when that is vfct the file is that image.
kept=$(python3 - "$G/dump-auto.out" "$R/host/expected.rom" "$G/auto.rom" <<'PY'
import json, os, sys
def fail(m): print(m); sys.exit(1)
d = json.load(open(sys.argv[1]))
vfct = [s for s in d.get("sources", []) if s.get("source") == "vfct"]
if not vfct or vfct[0].get("error") is not None or vfct[0].get("size") != os.path.getsize(sys.argv[2]):
    fail("auto's vfct candidate: %s (expected a read of %d bytes)" % (vfct, os.path.getsize(sys.argv[2])))
if d.get("source") not in [s.get("source") for s in d["sources"] if s.get("error") is None]:
    fail("auto kept %r, not among the sources it read: %s" % (d.get("source"), d["sources"]))
if d["source"] == "vfct" and open(sys.argv[3], "rb").read() != open(sys.argv[2], "rb").read():
    fail("auto kept vfct but auto.rom is not the table's image")
print(d["source"])
PY
) || fail "$kept"
note "auto kept: $kept"
exit 0
