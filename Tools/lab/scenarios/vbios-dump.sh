# vbios dump/diff/info on real ROM reads: e1000 (iPXE, I/O BAR), boot VGA (shadow), custom chain, NVIDIA and AMD fixtures, no ROM; decode off, not root, signals.
# lab: needs vbios
# lab: judge the ROM bytes the kernel's sysfs gives and the files QEMU was handed
# lab: qemu -device VGA,addr=02.0
# lab: qemu -device e1000,romfile=/usr/lib/ipxe/qemu/efi-e1000.rom,addr=03.0
# lab: qemu -device secondary-vga,romfile=$LAB_OUT/host/custom.rom,addr=04.0
# lab: qemu -device e1000,romfile=,addr=05.0
# lab: qemu -device secondary-vga,romfile=$LAB_DIR/../../Fixtures/roms/nvidia.rom,addr=07.0
# lab: qemu -device secondary-vga,romfile=$LAB_DIR/../../Fixtures/roms/amd.rom,addr=08.0
# lab: append iomem=relaxed
# lab: file /usr/share/seabios/vgabios-stdvga.bin
# lab: file /usr/lib/ipxe/qemu/efi-e1000.rom
# lab: timeout 240
S=/sys/bus/pci/devices
e=$S/0000:00:03.0
lab-snapshot
cat /proc/cmdline > cmdline
v=$S/0000:00:02.0
echo 1 > $v/rom; cat $v/rom > vga-sysfs.bin; echo 0 > $v/rom

# e1000: every source gives iPXE's file (rombar: the whole 256 KiB BAR, the file at its start).
lab-try dump-e1000 vbios dump 0000:00:03.0 -o e1000.rom --source auto --json
lab-try dump-e1000-sysfs vbios dump 00:03.0 -o e1000-sysfs.rom --source sysfs --json
lab-try after-e1000 cat $e/rom                      # left disabled: EINVAL
lab-try dump-e1000-rombar vbios dump 00:03.0 -o e1000-rombar.rom --source rombar --json
setpci -s 03.0 ROM_ADDRESS > e1000-romreg-after    # enable bit put back

# Boot VGA: the shadow SeaBIOS ran; diff against the pristine file, info (file and device).
lab-try dump-vga vbios dump 0000:00:02.0 -o vga.rom --source auto --json
lab-try dump-vga-text vbios dump 0000:00:02.0 -o vga-text.rom --source auto
lab-try diff-vga vbios diff /lab/data/vgabios-stdvga.bin vga.rom --json
lab-try info-vga vbios info vga.rom --json
lab-try info-vga-addr vbios info 0000:00:02.0 --json

# The chain's second image is a deliberately bad EFI header (lib/mkrom.py): a verdict of fail, written on request.
lab-try dump-custom vbios dump 0000:00:04.0 -o custom.rom --source sysfs --json --allow-broken
lab-try dump-custom-refused vbios dump 0000:00:04.0 -o custom-refused.rom --source sysfs --json
lab-try dump-norom vbios dump 0000:00:05.0 -o norom.rom --source auto --json

# NVIDIA fixture: PCIR marks image 1 last, NPDE continues; sysfs stops at PCIR, rombar does not.
# The cut copy's EFI header reaches past the cut (a verdict of fail): written only with --allow-broken.
for s in auto sysfs rombar; do
    lab-try dump-nvidia-$s vbios dump 00:07.0 -o nvidia-$s.rom --source $s --json --allow-broken
done
lab-try dump-nvidia-text vbios dump 00:07.0 -o nvidia-text.rom --allow-broken
lab-try dump-nvidia-refused vbios dump 00:07.0 -o nvidia-refused.rom --json
echo 1 > $S/0000:00:07.0/rom; cat $S/0000:00:07.0/rom > nvidia-cat.bin; echo 0 > $S/0000:00:07.0/rom
lab-try dump-amd vbios dump 00:08.0 -o amd.rom --json

# Memory decode off (COMMAND bit 1): the kernel maps no image (EIO); vbios must say so, write
# nothing and leave `rom` disabled (EINVAL on a plain read afterwards).
setpci -s 03.0 COMMAND > command-before
setpci -s 03.0 COMMAND=0000:0002
setpci -s 03.0 COMMAND > command-off
lab-try decode-off vbios dump 00:03.0 -o decode-off.rom
lab-try decode-off-rombar vbios dump 00:03.0 -o decode-off-rombar.rom --source rombar
setpci -s 03.0 COMMAND=0002:0002
lab-try after-decode-off cat $e/rom
ls -a | grep -c 'vbios-' > decode-off-temps

# Not root: the rom attribute is 0600; vbios must name it and suggest sudo.
echo 'lab:x:1000:1000:lab:/tmp:/bin/sh' >> /etc/passwd
echo 'lab:x:1000:' >> /etc/group
mkdir -p /tmp/user && chmod 777 /tmp/user
lab-try nonroot-id su lab -s /bin/sh -c id
lab-try nonroot su lab -s /bin/sh -c 'cd /tmp/user && vbios dump 00:03.0 -o u.rom'
lab-try nonroot-vga su lab -s /bin/sh -c 'cd /tmp/user && vbios dump 00:02.0 -o v.rom'
ls -a /tmp/user > nonroot-files

# Signals mid-dump (issue 8): SIGINT/SIGTERM at random moments within one dump's duration over
# N runs; after each, either killed (130/143) with no output and no temp file, or finished with
# the whole ROM; `rom` disabled either way. signals.txt: n signal delay_ms rc output temps rom-after
# A background job of a shell without job control starts with SIGINT ignored (POSIX), and vbios
# leaves a signal its parent ignored ignored (as nohup expects): INT runs must finish whole. TERM
# goes anywhere in the dump and must kill it cleanly.
mkdir -p /tmp/sig && cd /tmp/sig
want=$(md5sum /lab/data/efi-e1000.rom | cut -d' ' -f1)
ms() { read -r up _ < /proc/uptime; echo $(( ${up%.*} * 1000 + 1${up#*.}0 - 1000 )); }
a=$(ms); vbios dump 00:03.0 -o t.rom --source sysfs > /dev/null; b=$(ms); rm -f t.rom
dur=$((b - a)); echo "$dur" > $OUT/dump-ms
n=0
while [ $n -lt 24 ]; do
    rm -f sig.rom
    if [ $((n % 4)) = 0 ]; then s=INT; d=$(( RANDOM % (dur + 1) ))
    else s=TERM; d=$(( RANDOM % (dur + 1) )); fi
    vbios dump 00:03.0 -o sig.rom --source sysfs > /dev/null 2> err-$n & pid=$!
    ( sleep 20; kill -KILL $pid 2>/dev/null ) & dog=$!       # a hang shows as exit 137
    # The delay counts from vbios's start, not the fork's: a signal before the exec would reach the
    # forked shell, before it set SIGINT ignored for the background job (a race of the harness).
    while [ "$(cat /proc/$pid/comm 2>/dev/null)" != vbios ] && kill -0 $pid 2>/dev/null; do usleep 500; done
    usleep $((d * 1000)); kill -$s $pid 2>/dev/null; wait $pid; rc=$?
    kill $dog 2>/dev/null
    m=none; [ -e sig.rom ] && m=$(md5sum sig.rom | cut -d' ' -f1)
    [ "$m" = "$want" ] && m=complete
    t=$(ls -a | grep -c 'vbios-')
    cat $e/rom > /dev/null 2> rom-err; grep -q 'Invalid argument' rom-err && r=EINVAL || r="other:$(cat rom-err)"
    echo "$n $s $d $rc $m $t $r" >> $OUT/signals.txt
    n=$((n + 1))
done
cat err-* > $OUT/signals-stderr 2>/dev/null
cd $OUT
