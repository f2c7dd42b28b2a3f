# intel-iommu + intel_iommu=on: IOMMU groups exist and vfio-pci binds 03.0 and lets it go.
# lab: qemu -device intel-iommu -device VGA,addr=02.0
# lab: qemu -device e1000,romfile=/usr/lib/ipxe/qemu/efi-e1000.rom,addr=03.0
# lab: append intel_iommu=on
a=0000:00:03.0
p=/sys/bus/pci/devices/$a
ls /sys/kernel/iommu_groups > groups
for g in /sys/kernel/iommu_groups/*; do echo "$(basename $g): $(ls $g/devices | tr '\n' ' ')"; done > group-devices
basename "$(readlink $p/iommu_group)" > group-of-03
basename "$(readlink $p/driver 2>/dev/null)" > driver-before 2>/dev/null
echo vfio-pci > $p/driver_override
[ -e $p/driver ] && echo $a > $p/driver/unbind
echo $a > /sys/bus/pci/drivers_probe
basename "$(readlink $p/driver)" > driver-bound
ls /dev/vfio > dev-vfio
# vfio-pci owns it now; the ROM still reads through sysfs.
echo 1 > $p/rom; lab-try rom cat $p/rom; echo 0 > $p/rom
echo > $p/driver_override
cat $p/driver_override > override-after
echo $a > $p/driver/unbind
[ -e $p/driver ] && basename "$(readlink $p/driver)" > driver-after || echo none > driver-after
dmesg | grep -iE 'dmar|iommu|vfio' > dmesg-iommu
