# The boot VGA's ROM resource is the shadow at 0xc0000 that SeaBIOS's VGA BIOS ran from.
# lab: qemu -device VGA,addr=02.0
p=/sys/bus/pci/devices/0000:00:02.0
cat $p/resource > resource
cat $p/boot_vga > boot_vga
lab-try rom-noenable cat $p/rom      # like any rom attribute: EINVAL until `echo 1`
echo 1 > $p/rom
lab-try rom cat $p/rom
echo 0 > $p/rom
lab-try rom-after cat $p/rom        # and again after `echo 0`
