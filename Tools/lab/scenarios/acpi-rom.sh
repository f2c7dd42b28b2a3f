# An SSDT with a _ROM for 00:02.0 (QEMU -acpitable): vbios dump --source acpi-rom finds it through the kernel's firmware_node and reads /dev/mem.
# lab: needs vbios
# lab: judge the shadow bytes the kernel maps at 0xC0000 and the SSDT iasl compiled (the kernel's firmware_node)
# lab: qemu -device VGA,addr=02.0
# lab: qemu -acpitable file=$LAB_OUT/host/rom-ssdt.aml
# lab: timeout 180
ls /sys/firmware/acpi/tables/ > tables.txt
cat /sys/bus/pci/devices/0000:00:02.0/firmware_node/path > node.txt 2>&1
# The real host: --dev-mem defaults to /dev/mem.
lab-try dump-acpi vbios dump 00:02.0 -o acpi.rom --source acpi-rom --json
lab-try dump-acpi-text vbios dump 00:02.0 -o acpi-text.rom --source acpi-rom
lab-try dump-shadow vbios dump 00:02.0 -o shadow.rom --source shadow
# The LPC bridge has an ACPI node without _ROM: the step is named.
lab-try dump-acpi-none vbios dump 00:1f.0 -o none.rom --source acpi-rom
lab-try doctor vbios doctor 00:02.0
ls > files.txt
