# Xen 4.17 with Debian's generic kernel as dom0, booted with vbios's kernel-cmdline.txt: pciback hides the card, xl lists it, doctor --for xen passes, bind/unbind --to pciback, persist.
# lab: needs vbios
# lab: judge Xen's xl pci-assignable-list and pciback
# lab: xen console=com1 dom0_mem=512M smap=0 smep=0
# lab: qemu -cpu max -device VGA,addr=02.0 -device e1000,addr=03.0 -device pcie-root-port,id=rp,chassis=1,addr=04.0 -device VGA,bus=rp,addr=00.0,multifunction=on -device intel-hda,bus=rp,addr=00.1
# lab: append-file $LAB_OUT/host/kernel-cmdline.txt
# lab: memory 1024
# lab: timeout 420
# The card: a VGA at 01:00.0 with an audio function at 01:00.1 (like a GPU's HDMI audio), behind
# a root port as a discrete GPU sits. 03.0 (e1000)
# is not hidden: bind/unbind --to pciback run on it. smap=0 smep=0: under QEMU's TCG a PV dom0
# dies at its first page fault with them on (Xen's create_bounce_frame faults, observed).
drv() { p=/sys/bus/pci/devices/0000:$1; [ -e $p/driver ] && basename "$(readlink $p/driver)" || echo none; }
cat /proc/cmdline > cmdline
cat /sys/hypervisor/type > hypervisor 2>&1
cat /proc/xen/capabilities > capabilities 2>&1
for f in 01:00.0 01:00.1 00:03.0 00:02.0; do drv $f > driver-$f; done
cat /sys/bus/pci/drivers/pciback/slots > pciback-slots 2>&1
lab-try pal xl pci-assignable-list
lab-try doctor vbios doctor 0000:01:00.0 --for xen --json
lab-try doctor-text vbios doctor 0000:01:00.0 --for xen
lab-try persist vbios persist 0000:01:00.0 --to pciback --json
cat /etc/modprobe.d/* > modprobe.d 2>&1
lab-try bind vbios bind 0000:00:03.0 --to pciback --json
drv 00:03.0 > driver-03.0-bound
lab-try pal-bound xl pci-assignable-list
lab-try unbind vbios unbind 0000:00:03.0 --json
drv 00:03.0 > driver-03.0-unbound
lab-try pal-unbound xl pci-assignable-list
lab-try list vbios list --all --json
dmesg | grep -i -e pciback -e xen: | tail -n 40 > dmesg-pciback
