#!/bin/bash
source "$LAB_DIR/lib/check.sh"
need "$G/groups" "$G/driver-bound" "$G/driver-after"
[ "$(wc -l < "$G/groups")" -gt 0 ] || fail "/sys/kernel/iommu_groups is empty"
grep -q "0000:00:03.0" "$G/group-devices" || fail "03.0 is in no IOMMU group"
[ "$(cat "$G/driver-bound")" = vfio-pci ] || fail "03.0 bound to '$(cat "$G/driver-bound")', expected vfio-pci"
g=$(cat "$G/group-of-03")
grep -qx "$g" "$G/dev-vfio" || fail "/dev/vfio/$g missing (have: $(tr '\n' ' ' < "$G/dev-vfio"))"
[ "$(cat "$G/override-after")" = "(null)" ] || fail "driver_override not cleared: $(cat "$G/override-after")"
[ "$(cat "$G/driver-after")" = none ] || fail "03.0 still bound to $(cat "$G/driver-after") after unbind"
same "$G/rom.out" /usr/lib/ipxe/qemu/efi-e1000.rom
note "iommu groups: $(tr '\n' ' ' < "$G/groups"); 03.0 in group $g; bound to vfio-pci, /dev/vfio/$g appeared, unbound again"
