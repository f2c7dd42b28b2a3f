# doctor and persist against a real kernel: reset_method and FLR (e1000e, e1000, virtio behind a root port), /proc/iomem, DMAR; identical e1000s persisted by address.
# lab: needs vbios
# lab: judge the kernel's reset_method, lspci's FLReset, /proc/iomem and the DMAR table, and the kernel's own probe after persist's install line
# lab: qemu -device intel-iommu -device VGA,addr=02.0
# lab: qemu -device e1000e,addr=03.0 -device pcie-root-port,id=rp1,chassis=1,addr=04.0 -device virtio-rng-pci,bus=rp1
# lab: qemu -device e1000,romfile=,addr=05.0 -device e1000,romfile=,addr=06.0
# lab: append intel_iommu=on
# lab: timeout 240
for a in 00:02.0 00:03.0 01:00.0 00:05.0; do
    p=/sys/bus/pci/devices/0000:$a
    if [ -e $p/reset_method ]; then cat $p/reset_method > reset-$a; else echo ABSENT > reset-$a; fi
    lspci -vv -s $a > lspci-$a 2>&1
    lab-try doctor-$a vbios doctor 0000:$a --for qemu --json
done
cat /proc/iomem > iomem
cat /proc/version > version
cp /sys/firmware/acpi/tables/DMAR dmar 2>/dev/null
drv() { p=/sys/bus/pci/devices/0000:00:$1; [ -e $p/driver ] && basename "$(readlink $p/driver)" || echo none; }
# persist: ids= would take the twin, so it is refused; by address it is written.
mkdir -p /etc/modprobe.d
lab-try persist-ids vbios persist 00:05.0 --to vfio-pci --json
lab-try persist-addr vbios persist 00:05.0 --to vfio-pci --by-address --json
cp /etc/modprobe.d/vbios-passthrough.conf persist.conf 2>/dev/null
# At boot modprobe runs the install line's command before loading vfio-pci; run its shell part
# here (vfio-pci is loaded already), then let the kernel probe both twins.
line=$(grep '^install ' /etc/modprobe.d/vbios-passthrough.conf | cut -d' ' -f3-)
sh -c "${line%%; exec *}" > install.out 2>&1; echo $? > install.rc
for a in 05.0 06.0; do
    cat /sys/bus/pci/devices/0000:00:$a/driver_override > override-$a
    echo 0000:00:$a > /sys/bus/pci/drivers_probe 2>/dev/null
    drv $a > driver-$a
done
# The control: what ids= does (new_id with the IDs) takes both twins.
echo 0000:00:05.0 > /sys/bus/pci/devices/0000:00:05.0/driver/unbind 2>/dev/null
echo > /sys/bus/pci/devices/0000:00:05.0/driver_override
echo "8086 100e" > /sys/bus/pci/drivers/vfio-pci/new_id 2>/dev/null
for a in 05.0 06.0; do drv $a > ids-driver-$a; done
