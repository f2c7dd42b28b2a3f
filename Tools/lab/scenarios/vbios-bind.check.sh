#!/bin/bash
# What `vbios bind`/`unbind` must do on a real kernel (driver_override protocol):
#   bind --dry-run [--json]: exit 0, shows the writes (driver_override among them), changes nothing;
#   bind --to vfio-pci --json: exit 0, JSON devices[].driver = vfio-pci, previousDriver null; the
#     kernel's driver link is vfio-pci, driver_override = vfio-pci, /dev/vfio/GROUP appears;
#     list --all --json shows driver vfio-pci for 03.0;
#   unbind: exit 0, no driver again (the previous one was none), driver_override cleared ((null));
#   bind --to pci-stub: fails (not in this kernel), naming pci-stub, and changes nothing.
source "$LAB_DIR/lib/check.sh"
need "$G/bind.rc" "$G/driver-bound" "$G/group"
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
g=$(cat "$G/group")
[ "$(cat "$G/driver-0")" = none ] && [ "$(cat "$G/override-0")" = "(null)" ] || fail "lab: 03.0 starts bound to $(cat "$G/driver-0") / override $(cat "$G/override-0")"
for t in dry dry-json; do
    [ "$(cat "$G/$t.rc")" = 0 ] || fail "bind --dry-run exited $(cat "$G/$t.rc"): $(tail -n1 "$G/$t.err")"
done
grep -q driver_override "$G/dry.out" || fail "bind --dry-run does not show the driver_override write: $(head -c 300 "$G/dry.out")"
[ "$(json "$G/dry-json.out" 'd["dryRun"]')" = True ] || fail "bind --dry-run --json: dryRun is not true"
json "$G/dry-json.out" '[w["path"] for x in d["devices"] for w in x["writes"]]' | grep -q driver_override \
    || fail "bind --dry-run --json lists no driver_override write"
[ "$(cat "$G/driver-dry")" = none ] && [ "$(cat "$G/override-dry")" = "(null)" ] || fail "bind --dry-run changed the device: driver $(cat "$G/driver-dry"), override $(cat "$G/override-dry")"
! grep -qx "$g" "$G/dev-vfio-dry" || fail "/dev/vfio/$g exists after a dry run"
[ "$(cat "$G/bind.rc")" = 0 ] || fail "bind exited $(cat "$G/bind.rc"): $(tail -n1 "$G/bind.err")"
[ "$(json "$G/bind.out" 'd["devices"][0]["driver"]')" = vfio-pci ] || fail "bind --json: driver is $(json "$G/bind.out" 'd["devices"][0]["driver"]')"
[ "$(json "$G/bind.out" 'd["devices"][0]["previousDriver"]')" = None ] || fail "bind --json: previousDriver $(json "$G/bind.out" 'd["devices"][0]["previousDriver"]'), expected null"
[ "$(cat "$G/driver-bound")" = vfio-pci ] || fail "after bind the kernel says driver $(cat "$G/driver-bound")"
[ "$(cat "$G/override-bound")" = vfio-pci ] || fail "after bind driver_override is $(cat "$G/override-bound")"
grep -qx "$g" "$G/dev-vfio-bound" || fail "/dev/vfio/$g did not appear (have: $(tr '\n' ' ' < "$G/dev-vfio-bound"))"
python3 - "$G/list-bound.out" <<'PY' || fail "list --all --json after bind does not show 03.0 with driver vfio-pci"
import json, sys
d = [x for x in json.load(open(sys.argv[1])) if x["address"].endswith("00:03.0")]
sys.exit(0 if d and d[0].get("driver") == "vfio-pci" else 1)
PY
[ "$(cat "$G/unbind.rc")" = 0 ] || fail "unbind exited $(cat "$G/unbind.rc"): $(tail -n1 "$G/unbind.err")"
[ "$(cat "$G/driver-unbound")" = none ] || fail "after unbind the driver is $(cat "$G/driver-unbound"), expected none (as before bind)"
[ "$(cat "$G/override-unbound")" = "(null)" ] || fail "driver_override left as $(cat "$G/override-unbound") after unbind"
[ "$(cat "$G/stub.rc")" != 0 ] || fail "bind --to pci-stub succeeded on a kernel without pci-stub"
grep -q pci-stub "$G/stub.err" || fail "bind --to pci-stub: the error does not name pci-stub: $(tail -n1 "$G/stub.err")"
[ "$(cat "$G/driver-stub")" = none ] && [ "$(cat "$G/override-stub")" = "(null)" ] || fail "failed bind --to pci-stub changed the device"
note "bind 03.0 --to vfio-pci: /dev/vfio/$g appeared, list shows vfio-pci; unbind: no driver, driver_override (null); state: $(tr '\n' ' ' < "$G/state-bound" | cut -c1-100)"
note "after unbind: /dev/vfio has $(tr '\n' ' ' < "$G/dev-vfio-unbound"); state: $(tr '\n' ' ' < "$G/state-unbound" | cut -c1-100)"
note "bind --to pci-stub: exit $(cat "$G/stub.rc"): $(tail -n1 "$G/stub.err")"
