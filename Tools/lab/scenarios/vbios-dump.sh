# vbios dump: e1000 (ROM BAR), boot VGA (shadow), custom chain (sysfs), no ROM (must fail).
# lab: needs vbios
# lab: qemu -device VGA,addr=02.0
# lab: qemu -device e1000,romfile=/usr/lib/ipxe/qemu/efi-e1000.rom,addr=03.0
# lab: qemu -device secondary-vga,romfile=$LAB_OUT/host/custom.rom,addr=04.0
# lab: qemu -device e1000,romfile=,addr=05.0
lab-snapshot
v=/sys/bus/pci/devices/0000:00:02.0
echo 1 > $v/rom; cat $v/rom > vga-sysfs.bin; echo 0 > $v/rom
lab-try dump-e1000 vbios dump 0000:00:03.0 -o e1000.rom --source auto --json
lab-try dump-e1000-sysfs vbios dump 00:03.0 -o e1000-sysfs.rom --source sysfs --json
lab-try after-e1000 cat /sys/bus/pci/devices/0000:00:03.0/rom    # left disabled: EINVAL
lab-try dump-vga vbios dump 0000:00:02.0 -o vga.rom --source auto --json
lab-try dump-custom vbios dump 0000:00:04.0 -o custom.rom --source sysfs --json
lab-try dump-norom vbios dump 0000:00:05.0 -o norom.rom --source auto --json
