# vbios list/bars against the kernel's view (lab-snapshot) and QEMU's (info pci): boot VGA, ROMs, no ROM, I/O BARs, 64-bit prefetchable and non-prefetchable BARs, a bound driver.
# lab: needs vbios
# lab: judge the kernel's sysfs (lab-snapshot, lib/sysfs_truth.py) and QEMU's info pci
# lab: qemu -device intel-iommu -device VGA,addr=02.0
# lab: qemu -device e1000,romfile=/usr/lib/ipxe/qemu/efi-e1000.rom,addr=03.0
# lab: qemu -device secondary-vga,romfile=$LAB_OUT/host/custom.rom,addr=04.0
# lab: qemu -device e1000,romfile=,addr=05.0 -device virtio-rng-pci,addr=06.0
# lab: qemu -device virtio-net-pci,addr=09.0 -device nvme,serial=lab,addr=0a.0
# lab: append intel_iommu=on
# Give 06.0 a driver (the cloud kernel has no built-in driver for any of these devices).
echo vfio-pci > /sys/bus/pci/devices/0000:00:06.0/driver_override
echo 0000:00:06.0 > /sys/bus/pci/drivers_probe
lab-snapshot
lab-try list-all vbios list --all --json
lab-try list vbios list --json
lab-try list-text vbios list --all
lab-try list-root vbios list --all --json --sysfs /sys
lab-monitor info-pci info pci
for a in 0000:00:02.0 0000:00:03.0 00:04.0 00:05.0 0000:00:06.0 00:09.0 00:0a.0; do
    lab-try bars-$a vbios bars $a --json
    lab-try bars-text-$a vbios bars $a
done
