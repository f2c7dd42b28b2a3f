#!/bin/bash
# The kernel linked 00:02.0 to the SSDT's node; acpi-rom resolved VROM at 0xC0000 and read, through
# the real /dev/mem, the VGA BIOS the shadow source reads too (its first size-byte × 512 bytes).
source "$LAB_DIR/lib/check.sh"
need "$G/tables.txt" "$G/node.txt" "$G/dump-acpi.rc" "$G/dump-shadow.rc"
grep -q '\\_SB_.PCI0.GFXA' "$G/node.txt" || fail "00:02.0's firmware_node/path is $(cat "$G/node.txt"), not the SSDT's GFXA"
[ "$(cat "$G/dump-acpi.rc")" = 0 ] || fail "vbios dump --source acpi-rom exited $(cat "$G/dump-acpi.rc"): $(tail -n2 "$G/dump-acpi.err")"
grep -q '"method" *: *"\\\\_SB_.PCI0.GFXA._ROM"' "$G/dump-acpi.out" || fail "no method in the JSON: $(head -c 600 "$G/dump-acpi.out")"
grep -q '"base" *: *786432' "$G/dump-acpi.out" || fail "the base is not 0xC0000: $(head -c 600 "$G/dump-acpi.out")"
[ "$(cat "$G/dump-shadow.rc")" = 0 ] || fail "the shadow read failed: $(tail -n1 "$G/dump-shadow.err")"
n=$(stat -c %s "$G/shadow.rom")
cmp -s -n "$n" "$G/acpi.rom" "$G/shadow.rom" || fail "acpi.rom's first $n bytes differ from the shadow's: $(cmp -n "$n" "$G/acpi.rom" "$G/shadow.rom" | head -n1)"
same "$G/acpi-text.rom" "$G/acpi.rom"
grep -q "ACPI: region base 0xc0000" "$G/dump-acpi-text.out" || fail "the text output shows no ACPI steps: $(head -c 400 "$G/dump-acpi-text.out")"
[ "$(cat "$G/dump-acpi-none.rc")" != 0 ] || fail "acpi-rom of 00:1f.0 succeeded"
grep -q "step findMethod\|does not exist" "$G/dump-acpi-none.err" || fail "no step named for 00:1f.0: $(tail -n2 "$G/dump-acpi-none.err")"
! grep -qx none.rom "$G/files.txt" || fail "a failed dump left none.rom"
note "acpi-rom: $(stat -c %s "$G/acpi.rom") bytes, shadow $n bytes; 00:1f.0: $(tail -n1 "$G/dump-acpi-none.err" | head -c 200)"
note "doctor: $(grep rom-readable "$G/doctor.out" | head -c 300)"
exit 0
