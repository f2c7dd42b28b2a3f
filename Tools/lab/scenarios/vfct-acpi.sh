# ACPI VFCT handed to the guest kernel with QEMU -acpitable: vbios dump --source vfct takes the entry of 00:02.0 from /sys.
# lab: needs vbios
# lab: judge the table the kernel publishes and the image the prep placed in it
# lab: qemu -device VGA,addr=02.0
# lab: qemu -acpitable file=$LAB_OUT/host/vfct.dat
# lab: timeout 180
ls /sys/firmware/acpi/tables/ > tables.txt
cat /sys/firmware/acpi/tables/VFCT > vfct-table.bin
# The entry for 00:02.0 (1234:1111) sits after a decoy for 00:03.0 with the same IDs.
lab-try dump-vfct vbios dump 00:02.0 -o vfct.rom --source vfct --json
lab-try dump-vfct-text vbios dump 00:02.0 -o vfct-text.rom --source vfct
# No entry for the LPC bridge: an error naming what the table holds, nothing written.
lab-try dump-vfct-none vbios dump 00:1f.0 -o none.rom --source vfct
ls > files.txt
# auto reads sysfs (the shadow, as this is the boot VGA device) and VFCT, and keeps the best.
lab-try dump-auto vbios dump 00:02.0 -o auto.rom --json
