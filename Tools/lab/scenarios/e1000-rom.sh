# The e1000's ROM BAR holds iPXE's legacy+EFI image; sysfs `rom` must read it back byte for byte.
# lab: qemu -device e1000,romfile=/usr/lib/ipxe/qemu/efi-e1000.rom,addr=03.0
p=/sys/bus/pci/devices/0000:00:03.0
cat $p/resource > resource
echo 1 > $p/rom
lab-try rom cat $p/rom
echo 0 > $p/rom
