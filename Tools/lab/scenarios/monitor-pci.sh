# QEMU's own view (HMP `info pci`, on the host) against the guest's sysfs BARs.
# lab: qemu -device VGA,addr=02.0 -device e1000,romfile=/usr/lib/ipxe/qemu/efi-e1000.rom,addr=03.0
for d in /sys/bus/pci/devices/*; do echo "$(basename $d)"; head -n 6 $d/resource; done > sysfs-bars
lab-monitor info-pci info pci
