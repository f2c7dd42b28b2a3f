#!/bin/sh
# dom0's share of Debian's xencommons, run by /init after the Xen modules: xenfs, pciback and
# xenstored (xl talks to it). pciback is loaded by kmod's modprobe, which applies
# `xen-pciback.hide=` from the kernel command line (and options from /etc/modprobe.d), as a
# real boot does; busybox's modprobe would not. Busybox runs its own applets before PATH, so
# kmod is called by path.
mkdir -p /proc/xen /var/run/xenstored /var/lib/xenstored /var/log/xen /var/lib/xen /etc/xen /etc/modprobe.d
mount -t xenfs xenfs /proc/xen || echo "lab-dom0: mount xenfs failed" >&2
: > /etc/xen/xl.conf
/usr/local/bin/depmod || echo "lab-dom0: depmod failed" >&2
/usr/local/bin/modprobe xen-pciback || echo "lab-dom0: modprobe xen-pciback failed" >&2
/usr/local/bin/xenstored --pid-file /run/xenstored.pid || echo "lab-dom0: xenstored failed" >&2
