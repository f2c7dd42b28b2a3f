#!/bin/bash
# What a nested guest's firmware makes of vbios's output, through the real vfio-pci path:
#   bind 01.0 --to vfio-pci: exit 0, driver vfio-pci, /dev/vfio/GROUP;
#   prepare --for qemu: exit 0; bios.bin = the card's ROM (vgabios-stdvga.bin, QEMU's default
#     ROM for -device VGA) byte for byte; qemu-args.txt names vfio-pci,host=0000:01:00.0 and bios.bin;
#   nested QEMU with exactly those arguments: SeaBIOS logs `Running option rom at c000:0003`
#     between `Scan for VGA option rom` and `Scan for option roms` (it ran the ROM as the VGA BIOS);
#   control (same arguments, romfile = Cirrus's VGA BIOS, PCIR 1013:00b8): nothing runs there;
#   prepare --rom that Cirrus ROM: vbios warns about the IDs and sets the card's, and SeaBIOS runs it;
#   each nested QEMU was still running when stopped (no crash); unbind leaves no driver;
#   the Cirrus VGA on the root bus (06.0): boot_vga 0 but resource 6 = the 0xC0000 shadow, and
#     `vbios prepare 06.0` refuses (the boot display's BIOS is not its ROM), writing nothing.
source "$LAB_DIR/lib/check.sh"
need "$G/bind.rc" "$G/prepare.rc" "$G/group"
g=$(cat "$G/group")
# window NAME: SeaBIOS's lines from `Scan for VGA option rom` up to `Scan for option roms`.
window() { sed -n '/^Scan for VGA option rom/,/^Scan for option roms/p' "$G/$1.seabios.log" 2>/dev/null; }
ran_vga() { window "$1" | grep -q '^Running option rom at c000:0003'; }
[ "$(cat "$G/bind.rc")" = 0 ] || fail "bind --to vfio-pci exited $(cat "$G/bind.rc"): $(tail -n1 "$G/bind.err")"
[ "$(cat "$G/driver-bound" 2>/dev/null)" = vfio-pci ] || fail "after bind the driver is $(cat "$G/driver-bound" 2>/dev/null || echo none)"
grep -qx "$g" "$G/dev-vfio" || fail "/dev/vfio/$g did not appear"
[ "$(cat "$G/prepare.rc")" = 0 ] || fail "prepare --for qemu exited $(cat "$G/prepare.rc"): $(tail -n1 "$G/prepare.err")"
same "$G/prep/bios.bin" /usr/share/seabios/vgabios-stdvga.bin
grep -q '^-device vfio-pci,host=0000:01:00.0,romfile=/out/prep/bios.bin' "$G/prep/qemu-args.txt" \
    || fail "qemu-args.txt: $(tr '\n' ' ' < "$G/prep/qemu-args.txt")"
for n in ours other fixed; do
    need "$G/$n.seabios.log"
    grep -q '^Scan for option roms' "$G/$n.seabios.log" \
        || fail "nested run '$n': SeaBIOS never reached its option ROM scan ($(tail -n1 "$G/$n.seabios.log"); qemu: $(tail -n1 "$G/$n.qemu.out"))"
    [ "$(cat "$G/$n.alive")" = yes ] || fail "nested run '$n': QEMU had stopped by itself: $(tail -n1 "$G/$n.qemu.out")"
done
ran_vga ours || fail "SeaBIOS did not run bios.bin on the passed-through card: $(window ours | tr '\n' '|')"
window ours | grep -q '^Start SeaVGABIOS' || fail "the ROM that ran is not the card's VGA BIOS: $(window ours | tr '\n' '|')"
! ran_vga other || fail "SeaBIOS ran a ROM whose IDs (1013:00b8) do not match the card: $(window other | tr '\n' '|')"
[ "$(cat "$G/prepare-refused.rc")" = 1 ] && grep -q '1013:00b8' "$G/prepare-refused.err" && grep -q '1234:1111' "$G/prepare-refused.err" \
    || fail "prepare --rom other-ids without --retarget: exit $(cat "$G/prepare-refused.rc"), not a refusal naming both IDs: $(tail -n1 "$G/prepare-refused.err")"
[ ! -e "$G/prep-refused/bios.bin" ] || fail "prepare --rom other-ids was refused but left bios.bin"
[ "$(cat "$G/prepare-other.rc")" = 0 ] || fail "prepare --rom other-ids --retarget exited $(cat "$G/prepare-other.rc"): $(tail -n1 "$G/prepare-other.err")"
grep -q '1013:00b8' "$G/prepare-other.err" || fail "prepare --rom other-ids gave no warning naming the ROM's IDs"
ran_vga fixed || fail "SeaBIOS did not run the ROM prepare re-IDed: $(window fixed | tr '\n' '|')"
[ "$(cat "$G/unbind.rc")" = 0 ] && [ "$(cat "$G/driver-unbound")" = none ] || fail "unbind: exit $(cat "$G/unbind.rc"), driver $(cat "$G/driver-unbound")"
grep -q '^0x00000000000c0000 0x00000000000dffff' "$G/rootbus-vga-resource6" && [ "$(cat "$G/rootbus-vga-boot_vga")" = 0 ] \
    || fail "lab: 06.0 no longer carries the shadow (resource 6 $(cat "$G/rootbus-vga-resource6"), boot_vga $(cat "$G/rootbus-vga-boot_vga"))"
[ "$(cat "$G/prepare-rootbus.rc")" != 0 ] && grep -q 'boot_vga 0' "$G/prepare-rootbus.err" \
    || fail "prepare 06.0 (shadow of another card as its ROM) exited $(cat "$G/prepare-rootbus.rc"): $(tail -n1 "$G/prepare-rootbus.err")"
[ ! -e "$G/prep-rootbus/bios.bin" ] || fail "prepare 06.0 failed but left bios.bin"
note "prepare 06.0 (root-bus VGA, shadowed, boot_vga 0): exit $(cat "$G/prepare-rootbus.rc"): $(head -c 150 "$G/prepare-rootbus.err")"
note "IOMMU group $g: $(tr '\n' ' ' < "$G/group-devices"); qemu-args.txt: $(tr '\n' ' ' < "$G/prep/qemu-args.txt")"
for n in ours other fixed; do
    note "nested '$n' ($(cat "$G/$n.seconds") s; $(sed -n 's/.*romfile=\([^, ]*\).*/\1/p' "$G/$n.argv")):"
    window $n | grep -e '^Scan for' -e '^Running option rom' -e '^Start SeaVGABIOS' | sed 's/^/    /' >> "$R/report.txt"
    sed -n '/^Scan for option roms/,$p' "$G/$n.seabios.log" | grep -m1 '^Running option rom' | sed 's/^/    (after) /' >> "$R/report.txt"
done
note "prepare --rom other-ids.rom: $(head -c 160 "$G/prepare-refused.err")"
note "prepare --rom other-ids.rom --retarget: $(grep -m1 warning "$G/prepare-other.err" | cut -c1-160)"
