#!/bin/bash
source "$LAB_DIR/lib/check.sh"
for d in 04.0 06.0; do
    need "$G/rom-$d.rc"
    [ "$(cat "$G/rom-$d.rc")" = 0 ] || fail "reading rom of $d failed: $(cat "$G/rom-$d.err")"
done
same "$G/rom-04.0.out" "$R/host/chain.rom"
same "$G/rom-06.0.out" /usr/share/seabios/vgabios-bochs-display.bin
read -r s e fl < <(sed -n 7p "$G/resource-04.0")
note "secondary-vga (class $(cat "$G/class-04.0")) ROM BAR $s-$e: read $(stat -c %s "$G/rom-04.0.out") of $(stat -c %s "$R/host/custom.rom") file bytes (chain only)"
note "bochs-display (class $(cat "$G/class-06.0")) rom = vgabios-bochs-display.bin"
