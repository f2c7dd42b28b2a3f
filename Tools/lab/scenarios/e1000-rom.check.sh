#!/bin/bash
source "$LAB_DIR/lib/check.sh"
need "$G/rom.rc"
[ "$(cat "$G/rom.rc")" = 0 ] || fail "reading rom failed: $(cat "$G/rom.err")"
same "$G/rom.out" /usr/lib/ipxe/qemu/efi-e1000.rom
rom=$(sed -n 7p "$G/resource")
note "e1000 rom: $(stat -c %s "$G/rom.out") bytes, identical to efi-e1000.rom; resource[6] = $rom"
