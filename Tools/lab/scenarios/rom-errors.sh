# Failure paths: rom read with memory decode off, without `echo 1`, and a device without ROM.
# lab: qemu -device e1000,romfile=/usr/lib/ipxe/qemu/efi-e1000.rom,addr=03.0
# lab: qemu -device e1000,romfile=,addr=05.0
p=/sys/bus/pci/devices/0000:00:03.0
setpci -s 03.0 COMMAND > command-before
setpci -s 03.0 COMMAND=0000:0002            # clear Memory Space Enable
setpci -s 03.0 COMMAND > command-off
echo 1 > $p/rom; lab-try decode-off cat $p/rom; echo 0 > $p/rom
setpci -s 03.0 COMMAND=0002:0002
lab-try not-enabled cat $p/rom               # never enabled: EINVAL
echo 1 > $p/rom; lab-try decode-on cat $p/rom; echo 0 > $p/rom
q=/sys/bus/pci/devices/0000:00:05.0
sed -n 7p $q/resource > noroms-resource
lab-try norom ls $q/rom
dmesg | grep 'ROM header' > dmesg-rom
