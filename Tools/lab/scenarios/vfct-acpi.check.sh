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
grep -q '"vfct"' "$G/dump-auto.out" || fail "auto did not consider vfct: $(head -c 400 "$G/dump-auto.out")"
note "auto kept: $(grep -o '"source" *: *"[a-z]*"' "$G/dump-auto.out" | head -n1)"
exit 0
