# vbios bind/unbind (driver_override) with vfio-pci under intel-iommu; --dry-run writes nothing; pci-stub is not in the cloud kernel.
# lab: needs vbios
# lab: judge the kernel's driver links, driver_override and /dev/vfio
# lab: qemu -device intel-iommu -device VGA,addr=02.0
# lab: qemu -device e1000,romfile=/usr/lib/ipxe/qemu/efi-e1000.rom,addr=03.0
# lab: append intel_iommu=on
a=0000:00:03.0
p=/sys/bus/pci/devices/$a
drv() { [ -e $p/driver ] && basename "$(readlink $p/driver)" || echo none; }
basename "$(readlink $p/iommu_group)" > group
drv > driver-0; cat $p/driver_override > override-0
lab-try dry vbios bind $a --to vfio-pci --dry-run
lab-try dry-json vbios bind 00:03.0 --to vfio-pci --dry-run --json
drv > driver-dry; cat $p/driver_override > override-dry; ls /dev/vfio > dev-vfio-dry
lab-try bind vbios bind $a --to vfio-pci --json
drv > driver-bound; cat $p/driver_override > override-bound
ls /dev/vfio > dev-vfio-bound
ls -R /run/vbios > state-bound 2>&1
lab-try list-bound vbios list --all --json
lab-try unbind vbios unbind $a --json
drv > driver-unbound
cat $p/driver_override > override-unbound
ls /dev/vfio > dev-vfio-unbound; ls -R /run/vbios > state-unbound 2>&1
lab-try stub vbios bind $a --to pci-stub
drv > driver-stub; cat $p/driver_override > override-stub
