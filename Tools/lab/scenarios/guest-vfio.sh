# A nested QEMU in the lab guest, started with what `vbios prepare --for qemu` wrote, runs the card's ROM through vfio-pci (SeaBIOS's log); a ROM with other IDs is skipped.
# lab: needs vbios
# lab: judge SeaBIOS in a nested QEMU, through vfio-pci
# lab: qemu -device intel-iommu,caching-mode=on -device VGA,addr=02.0
# lab: qemu -device pcie-root-port,id=rp,chassis=1,addr=05.0 -device VGA,bus=rp,addr=00.0
# lab: qemu -device cirrus-vga,addr=06.0
# lab: append intel_iommu=on no_timer_check
# lab: memory 1536
# lab: timeout 420
# lab: initrd $LAB_DIR/cache/nested-qemu.cpio.gz
# lab: file $LAB_OUT/host/other-ids.rom other-ids.rom
# The card is a second VGA (QEMU's stdvga with its default ROM, vgabios-stdvga.bin) behind a
# root port, as a discrete GPU sits; 02.0 is the lab's boot display. A VGA on the root bus
# (06.0, Cirrus) gets the 0xC0000 shadow as its ROM resource too (see README): vbios must refuse
# to prepare the boot display's BIOS for it. caching-mode=on lets the nested QEMU map its RAM
# for DMA through the emulated IOMMU.
a=0000:01:00.0
p=/sys/bus/pci/devices/$a
basename "$(readlink $p/iommu_group)" > group
ls /sys/kernel/iommu_groups/$(cat group)/devices > group-devices
lab-try bind vbios bind $a --to vfio-pci --json
[ -e $p/driver ] && basename "$(readlink $p/driver)" > driver-bound
ls /dev/vfio > dev-vfio
lab-try prepare vbios prepare $a --for qemu --out /out/prep
sed -n 7p /sys/bus/pci/devices/0000:00:06.0/resource > rootbus-vga-resource6
cat /sys/bus/pci/devices/0000:00:06.0/boot_vga > rootbus-vga-boot_vga
lab-try prepare-rootbus vbios prepare 0000:00:06.0 --for qemu --out /out/prep-rootbus
# The control: the same arguments with the romfile swapped for a ROM with other IDs.
sed 's|romfile=[^, ]*|romfile=/lab/data/other-ids.rom|' /out/prep/qemu-args.txt > other-args.txt
# And what vbios makes of that ROM: refused as a ROM for another chip (nothing written), and
# with --retarget the card's IDs are set.
lab-try prepare-refused vbios prepare $a --for qemu --rom /lab/data/other-ids.rom --out /out/prep-refused
lab-try prepare-other vbios prepare $a --for qemu --rom /lab/data/other-ids.rom --retarget --out /out/prep-other

# nested NAME ARGS-FILE: qemu-system-x86_64 (TCG) with exactly ARGS-FILE's arguments (shell
# words, one device per line) plus SeaBIOS's debug console; stopped once SeaBIOS has passed
# its option ROM scans (or after 150 s). Keeps NAME.seabios.log, NAME.qemu.out, NAME.argv,
# NAME.alive (yes: it was still running when stopped) and NAME.seconds.
nested() {
    name=$1
    eval "set -- $(tr '\n' ' ' < "$2")"
    printf '%s\n' "$@" > $name.argv
    t0=$(date +%s)
    qemu-system-x86_64 -machine q35,accel=tcg -m 64 -nodefaults -display none -no-reboot \
        -chardev file,id=dbg,path=/out/$name.seabios.log -device isa-debugcon,iobase=0x402,chardev=dbg \
        "$@" > $name.qemu.out 2>&1 < /dev/null &
    pid=$!
    i=0
    while [ $i -lt 150 ] && kill -0 $pid 2>/dev/null; do
        grep -q -e 'Space available for UMB' -e 'No bootable device' /out/$name.seabios.log 2>/dev/null && break
        sleep 1; i=$((i + 1))
    done
    kill -0 $pid 2>/dev/null && echo yes > $name.alive || echo no > $name.alive
    kill $pid 2>/dev/null; wait $pid
    echo $(( $(date +%s) - t0 )) > $name.seconds
}
[ -f /out/prep/qemu-args.txt ] && nested ours /out/prep/qemu-args.txt
[ -f /out/prep/qemu-args.txt ] && nested other other-args.txt
[ -f /out/prep-other/qemu-args.txt ] && nested fixed /out/prep-other/qemu-args.txt
lab-try unbind vbios unbind $a
[ -e $p/driver ] && basename "$(readlink $p/driver)" > driver-unbound || echo none > driver-unbound
