# A real VFCT (coreboot on an ASRock X370: Raven Ridge at 03:00.0) in the kernel, with a device at the address its entry names: vbios finds the entry through /sys.
# lab: needs vbios
# lab: judge the table the kernel publishes and Tools/oracles/vfct-walk.py's reading of it (amdgpu's rule)
# lab: qemu -device pcie-root-port,id=rp1,bus=pcie.0,addr=10.0,chassis=1 -device pcie-root-port,id=rp2,bus=pcie.0,addr=11.0,chassis=2
# lab: qemu -device pcie-root-port,id=rp3,bus=pcie.0,addr=12.0,chassis=3 -device secondary-vga,bus=rp3,addr=0.0
# lab: qemu -acpitable file=$LAB_OUT/host/vfct.dat
# lab: timeout 180
ls /sys/bus/pci/devices/ > devices.txt
cat /sys/firmware/acpi/tables/VFCT > vfct-table.bin
# The device at 03:00.0 is QEMU's (1234:1111), not the AMD APU the entry names: amdgpu's rule
# takes an image only for the same address and IDs, so the read is refused, naming the entry.
lab-try dump-03 vbios dump 03:00.0 -o d03.rom --source vfct
# What the table holds: the images, where they start and for which IDs.
lab-try scan vbios scan /sys/firmware/acpi/tables/VFCT --json
ls > files.txt
