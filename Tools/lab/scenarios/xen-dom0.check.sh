#!/bin/bash
# Xen 4.17 + Debian's generic kernel as dom0, booted with the kernel-cmdline.txt that
# `vbios prepare --for xen` wrote in a first boot with the same devices (xen-dom0.prep.sh):
#   dom0: /sys/hypervisor/type xen, /proc/xen/capabilities control_d; /proc/cmdline holds
#     kernel-cmdline.txt's words;
#   pciback took both functions of the card (01:00.0, 01:00.1) at boot (driver links, slots),
#     and `xl pci-assignable-list` lists exactly them;
#   `vbios doctor 01:00.0 --for xen --json`: the xen check is ok;
#   `vbios persist 01:00.0 --to pciback --json`: exit 0; its kernelCommandLine is the word this
#     boot used, and the modprobe.d file it wrote has `options xen-pciback hide=` the same list;
#   `vbios bind 00:03.0 --to pciback`: exit 0, driver pciback, xl lists 03.0 too; `unbind`:
#     exit 0, no driver, xl lists the card alone again.
source "$LAB_DIR/lib/check.sh"
need "$R/host/kernel-cmdline.txt" "$G/cmdline" "$G/pal.rc"
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
want=$(cat "$R/host/kernel-cmdline.txt")
hide=$(tr ' ' '\n' < "$G/cmdline" | grep '^xen-pciback.hide=')
[ "$(cat "$G/hypervisor")" = xen ] || fail "not under Xen: /sys/hypervisor/type says $(cat "$G/hypervisor")"
grep -q control_d "$G/capabilities" || fail "not dom0: /proc/xen/capabilities says $(cat "$G/capabilities")"
[ "$want" = "xen-pciback.hide=(01:00.0)(01:00.1)" ] || fail "first boot: kernel-cmdline.txt is '$want', expected xen-pciback.hide=(01:00.0)(01:00.1)"
for w in $want; do tr ' ' '\n' < "$G/cmdline" | grep -qxF -- "$w" || fail "dom0's command line lacks $w: $(cat "$G/cmdline")"; done
for f in 01:00.0 01:00.1; do
    [ "$(cat "$G/driver-$f")" = pciback ] || fail "$f is bound to $(cat "$G/driver-$f") after the boot, not pciback"
done
[ "$(cat "$G/driver-00:03.0")" = none ] || fail "03.0 starts bound to $(cat "$G/driver-00:03.0")"
[ "$(cat "$G/pal.rc")" = 0 ] || fail "xl pci-assignable-list exited $(cat "$G/pal.rc"): $(tail -n1 "$G/pal.err")"
[ "$(tr -d ' ' < "$G/pal.out" | sort | tr '\n' ' ')" = "0000:01:00.0 0000:01:00.1 " ] \
    || fail "xl pci-assignable-list: $(tr '\n' ' ' < "$G/pal.out"), expected the card's two functions"
[ "$(json "$G/doctor.out" '[c["status"] for c in d["checks"] if c["id"] == "xen"][0]')" = ok ] \
    || fail "doctor --for xen: xen check is not ok: $(grep -E '^[a-z]+ +xen:' "$G/doctor-text.out")"
[ "$(cat "$G/persist.rc")" = 0 ] || fail "persist --to pciback exited $(cat "$G/persist.rc"): $(tail -n1 "$G/persist.err")"
[ "$(json "$G/persist.out" 'd["kernelCommandLine"]')" = "$hide" ] \
    || fail "persist says $(json "$G/persist.out" 'd["kernelCommandLine"]'), the boot used $hide"
grep -qxF "options xen-pciback hide=${hide#xen-pciback.hide=}" "$G/modprobe.d" \
    || fail "the modprobe.d file persist wrote has no 'options xen-pciback hide=${hide#xen-pciback.hide=}': $(grep options "$G/modprobe.d")"
[ "$(cat "$G/bind.rc")" = 0 ] && [ "$(cat "$G/driver-03.0-bound")" = pciback ] \
    || fail "bind 03.0 --to pciback: exit $(cat "$G/bind.rc"), driver $(cat "$G/driver-03.0-bound"): $(tail -n1 "$G/bind.err")"
grep -q '0000:00:03.0' "$G/pal-bound.out" || fail "xl pci-assignable-list does not list 03.0 after bind: $(tr '\n' ' ' < "$G/pal-bound.out")"
[ "$(cat "$G/unbind.rc")" = 0 ] && [ "$(cat "$G/driver-03.0-unbound")" = none ] \
    || fail "unbind 03.0: exit $(cat "$G/unbind.rc"), driver $(cat "$G/driver-03.0-unbound"): $(tail -n1 "$G/unbind.err")"
! grep -q '0000:00:03.0' "$G/pal-unbound.out" || fail "xl pci-assignable-list still lists 03.0 after unbind"
note "dom0 command line: $(cat "$G/cmdline")"
note "xl pci-assignable-list after boot:"; sed 's/^/    /' "$G/pal.out" >> "$R/report.txt"
note "xl pci-assignable-list after bind 03.0 --to pciback:"; sed 's/^/    /' "$G/pal-bound.out" >> "$R/report.txt"
note "xl pci-assignable-list after unbind 03.0:"; sed 's/^/    /' "$G/pal-unbound.out" >> "$R/report.txt"
note "doctor --for xen: $(grep -E '^[a-z]+ +xen:' "$G/doctor-text.out")"
note "persist --to pciback: kernelCommandLine $(json "$G/persist.out" 'd["kernelCommandLine"]'); $(grep '^options' "$G/modprobe.d")"
