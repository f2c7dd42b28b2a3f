# vbios list/bars against the kernel's own view (lab-snapshot): boot VGA, ROMs, no ROM, I/O BAR, 64-bit BAR, a bound driver.
# lab: needs vbios
# lab: qemu -device intel-iommu -device VGA,addr=02.0
# lab: qemu -device e1000,romfile=/usr/lib/ipxe/qemu/efi-e1000.rom,addr=03.0
# lab: qemu -device secondary-vga,romfile=$LAB_OUT/host/custom.rom,addr=04.0
# lab: qemu -device e1000,romfile=,addr=05.0 -device virtio-rng-pci,addr=06.0
# lab: append intel_iommu=on
# Give 06.0 a driver (the cloud kernel has no built-in driver for any of these devices).
echo vfio-pci > /sys/bus/pci/devices/0000:00:06.0/driver_override
echo 0000:00:06.0 > /sys/bus/pci/drivers_probe
lab-snapshot
lab-try list-all vbios list --all --json
lab-try list vbios list --json
lab-try list-text vbios list --all
lab-try list-root vbios list --all --json --sysfs /sys
for a in 0000:00:02.0 0000:00:03.0 00:04.0 00:05.0 0000:00:06.0; do
    lab-try bars-$a vbios bars $a --json
    lab-try bars-text-$a vbios bars $a
done
