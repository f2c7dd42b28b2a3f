#!/bin/bash
source "$LAB_DIR/lib/check.sh"
need "$G/dump-e1000.rc"
for t in dump-e1000 dump-e1000-sysfs dump-vga dump-custom; do
    [ "$(cat "$G/$t.rc")" = 0 ] || fail "vbios ${t/-/ } exited $(cat "$G/$t.rc"): $(tail -n1 "$G/$t.err")"
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$G/$t.out" 2>/dev/null \
        || fail "vbios ${t/-/ } --json printed no JSON"
done
same "$G/e1000.rom" /usr/lib/ipxe/qemu/efi-e1000.rom
same "$G/e1000-sysfs.rom" /usr/lib/ipxe/qemu/efi-e1000.rom
same "$G/custom.rom" "$R/host/chain.rom"
e=$(errno_of "$G/after-e1000.err"); [ "$e" = EINVAL ] || fail "after vbios dump the e1000 rom reads with $e (expected EINVAL: left disabled)"
need "$G/vga.rom"
if cmp -s "$G/vga.rom" "$G/vga-sysfs.bin"; then
    python3 - "$G/dump-vga.out" <<'PY' || fail "boot VGA dump is the shadow copy but its JSON does not say so (no true shadow/runtime key, no \"shadow\" value)"
import json, re, sys
def says(v, key=""):
    if isinstance(v, dict): return any(says(x, k) for k, x in v.items())
    if isinstance(v, list): return any(says(x, key) for x in v)
    if v is True: return bool(re.search("shadow|runtime", key, re.I))
    return isinstance(v, str) and bool(re.search("shadow", v, re.I))
sys.exit(0 if says(json.load(open(sys.argv[1]))) else 1)
PY
    note "boot VGA dump (auto): the shadow ($(stat -c %s "$G/vga.rom") bytes), reported as such"
elif cmp -s "$G/vga.rom" /usr/share/seabios/vgabios-stdvga.bin; then
    note "boot VGA dump (auto): the pristine vgabios-stdvga.bin"
else
    fail "boot VGA dump is neither the shadow nor vgabios-stdvga.bin ($(stat -c %s "$G/vga.rom") bytes)"
fi
[ "$(cat "$G/dump-norom.rc")" != 0 ] || fail "vbios dump of a device without ROM succeeded"
note "dump of a device without ROM: exit $(cat "$G/dump-norom.rc"): $(tail -n1 "$G/dump-norom.err")"
