#!/bin/bash
source "$LAB_DIR/lib/check.sh"
need "$G/resource" "$G/boot_vga" "$G/rom.rc"
[ "$(cat "$G/boot_vga")" = 1 ] || fail "boot_vga is $(cat "$G/boot_vga"), expected 1"
read -r start end flags < <(sed -n 7p "$G/resource")
[ "$((start))" = $((0xc0000)) ] && [ "$((end))" = $((0xdffff)) ] \
    || fail "resource[6] is $start-$end, expected the shadow 0xc0000-0xdffff"
(( flags & 0x2 )) || fail "resource[6] flags $flags lack IORESOURCE_ROM_SHADOW (0x2)"
[ "$(cat "$G/rom.rc")" = 0 ] || fail "reading rom failed: $(cat "$G/rom.err")"
f=/usr/share/seabios/vgabios-stdvga.bin
[ "$(head -c2 "$G/rom.out" | od -An -tx1 | tr -d ' ')" = 55aa ] || fail "shadow does not start with 55 aa"
n=$(differing "$G/rom.out" "$f")
sz=$(stat -c %s "$G/rom.out")
[ "$n" -gt 0 ] || fail "shadow equals vgabios-stdvga.bin; expected a runtime-modified copy"
note "boot VGA rom: $sz bytes (file $(stat -c %s "$f")), $n bytes differ from vgabios-stdvga.bin; resource[6] = $start $end $flags"
e1=$(errno_of "$G/rom-noenable.err"); e2=$(errno_of "$G/rom-after.err")
[ "$e1" = EINVAL ] && [ "$e2" = EINVAL ] || fail "shadow rom read while disabled gave $e1 / $e2, expected EINVAL"
note "boot VGA rom without echo 1: $e1; after echo 0: $e2 (the sysfs enable flag applies to the shadow too)"
