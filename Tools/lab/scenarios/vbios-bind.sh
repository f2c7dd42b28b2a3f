# vbios bind/unbind with vfio-pci under intel-iommu; pci-stub is not in the cloud kernel.
# lab: needs vbios
# lab: qemu -device intel-iommu -device VGA,addr=02.0
# lab: qemu -device e1000,romfile=/usr/lib/ipxe/qemu/efi-e1000.rom,addr=03.0
# lab: append intel_iommu=on
p=/sys/bus/pci/devices/0000:00:03.0
drv() { [ -e $p/driver ] && basename "$(readlink $p/driver)" || echo none; }
drv > driver-0
lab-try dry vbios bind 0000:00:03.0 --to vfio-pci --dry-run
drv > driver-dry
lab-try bind vbios bind 0000:00:03.0 --to vfio-pci --json
drv > driver-bound
lab-snapshot sysfs-bound
lab-try list-bound vbios list --all --json
lab-try unbind vbios unbind 0000:00:03.0
drv > driver-unbound
cat $p/driver_override > override-unbound
lab-try stub vbios bind 0000:00:03.0 --to pci-stub
drv > driver-stub
