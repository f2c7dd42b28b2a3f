# A secondary display (secondary-vga, class 0380) with a custom romfile exposes a ROM BAR;
# bochs-display brings its own vgabios-bochs-display.bin. Reads stop at the end of the chain.
# lab: qemu -device VGA,addr=02.0
# lab: qemu -device secondary-vga,romfile=$LAB_OUT/host/custom.rom,addr=04.0
# lab: qemu -device bochs-display,addr=06.0
for d in 04.0 06.0; do
    p=/sys/bus/pci/devices/0000:00:$d
    cat $p/resource > resource-$d
    cat $p/class > class-$d
    echo 1 > $p/rom
    lab-try rom-$d cat $p/rom
    echo 0 > $p/rom
done
