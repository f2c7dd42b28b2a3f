#!/bin/bash
# Obtain what the lab needs: host tools (QEMU, SeaBIOS, iPXE ROMs, busybox, cpio, pci.ids)
# and a Debian cloud kernel with its modules, unpacked under Tools/lab/cache/.
# Idempotent: does nothing when everything is already there. Fails loudly otherwise.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache="$here/cache"
die() { echo "lab/fetch.sh: error: $*" >&2; exit 1; }
trap 'echo "lab/fetch.sh: error: command failed at line $LINENO" >&2' ERR

# --- host packages ---------------------------------------------------------
need_pkgs=()
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
for p in qemu-system-x86 seabios ipxe-qemu busybox-static cpio pciutils python3 kmod; do
    have "$p" || need_pkgs+=("$p")
done
# pci.ids comes from the pci.ids package on Debian 12 (pciutils depends on it).
[ -f /usr/share/misc/pci.ids ] || have pci.ids || need_pkgs+=(pci.ids)
if [ ${#need_pkgs[@]} -gt 0 ]; then
    echo "lab/fetch.sh: installing ${need_pkgs[*]}" >&2
    sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_pkgs[@]}" \
        </dev/null || die "apt-get install ${need_pkgs[*]} failed"
fi
for f in /usr/bin/qemu-system-x86_64 /usr/share/seabios/bios-256k.bin \
         /usr/share/seabios/vgabios-stdvga.bin /usr/lib/ipxe/qemu/efi-e1000.rom \
         /bin/busybox /usr/share/misc/pci.ids; do
    [ -e "$f" ] || die "missing $f after installing packages"
done
command -v cpio >/dev/null || die "cpio not found"

# --- kernel ----------------------------------------------------------------
# Resolve the metapackage to the real image package (linux-image-X.Y.Z-N-cloud-amd64).
kpkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null \
       | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-cloud-amd64\)$/\1/p' | head -n1) || true
if [ -z "$kpkg" ]; then
    sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq || die "apt-get update failed"
    kpkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null \
           | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-cloud-amd64\)$/\1/p' | head -n1) || true
fi
[ -n "$kpkg" ] || die "cannot resolve linux-image-cloud-amd64 to a kernel package (apt-cache depends)"
kver=${kpkg#linux-image-}
kroot="$cache/kernel"
if [ -f "$cache/kernel.version" ] && [ "$(cat "$cache/kernel.version")" = "$kver" ] \
   && [ -f "$kroot/boot/vmlinuz-$kver" ] && [ -f "$kroot/lib/modules/$kver/modules.builtin" ]; then
    :
else
    echo "lab/fetch.sh: fetching $kpkg" >&2
    mkdir -p "$cache/debs"
    rm -rf "$kroot"
    if ! ls "$cache/debs/$kpkg"_*.deb >/dev/null 2>&1; then
        rm -f "$cache/debs"/*.deb
        chmod 777 "$cache/debs"   # apt drops to user _apt for downloads when it can
        (cd "$cache/debs" && apt-get download "$kpkg" </dev/null) \
            || die "apt-get download $kpkg failed"
    fi
    deb=$(ls "$cache/debs/$kpkg"_*.deb 2>/dev/null | head -n1) || true
    [ -n "$deb" ] || die "apt-get download produced no .deb for $kpkg"
    dpkg -x "$deb" "$kroot" || die "dpkg -x $deb failed"
    [ -f "$kroot/boot/vmlinuz-$kver" ] || die "no boot/vmlinuz-$kver in $deb"
    [ -f "$kroot/lib/modules/$kver/modules.builtin" ] || die "no modules tree in $deb"
    echo "$kver" > "$cache/kernel.version"
fi
# The vfio stack must be there, either as modules or built in (the package has no
# modules.dep: depmod runs at install time; lib/kmods.py reads the modules' own depends=).
python3 "$here/lib/kmods.py" "$kroot/lib/modules/$kver" vfio vfio-pci vfio_iommu_type1 >/dev/null \
    || die "kernel $kver lacks part of the vfio stack"
ln -sfn "kernel/boot/vmlinuz-$kver" "$cache/vmlinuz"

# --- Xen 4.17 and a dom0 kernel (scenario xen-dom0) --------------------------------
# The hypervisor, xl/xenstored with the Xen libraries they link, and Debian's generic kernel
# (CONFIG_XEN_DOM0; the cloud kernel has none), unpacked into cache/xen/ like the kernel above.
# Of the generic kernel only /boot and the Xen drivers' modules are kept.
xen_pkgs=(xen-hypervisor-4.17-amd64 xen-utils-4.17 libxencall1 libxenevtchn1 libxenforeignmemory1
          libxengnttab1 libxenmisc4.17 libxenstore4 libxentoollog1 libxendevicemodel1 libxenhypfs1
          libxentoolcore1 libyajl2)
gpkg=$(apt-cache depends linux-image-amd64 2>/dev/null \
       | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n1) || true
[ -n "$gpkg" ] || die "cannot resolve linux-image-amd64 to a kernel package (apt-cache depends)"
gver=${gpkg#linux-image-}
xver=$(apt-cache policy xen-hypervisor-4.17-amd64 2>/dev/null | sed -n 's/^ *Candidate: //p')
[ -n "$xver" ] && [ "$xver" != "(none)" ] || die "apt knows no xen-hypervisor-4.17-amd64"
xroot="$cache/xen"
if [ "$(cat "$cache/xen.version" 2>/dev/null)" = "$xver $gver" ] && [ -f "$cache/xen.elf" ] \
   && [ -f "$xroot/boot/vmlinuz-$gver" ] && [ -x "$xroot/usr/lib/xen-4.17/bin/xl" ]; then
    :
else
    echo "lab/fetch.sh: fetching Xen $xver and $gpkg" >&2
    xdebs="$cache/xen-debs"
    rm -rf "$xdebs" "$xroot" "$cache/xen.elf"
    mkdir -p "$xdebs" "$xroot"; chmod 777 "$xdebs"
    (cd "$xdebs" && apt-get download "${xen_pkgs[@]}" "$gpkg" </dev/null) \
        || die "apt-get download ${xen_pkgs[*]} $gpkg failed"
    for p in "${xen_pkgs[@]}"; do
        deb=$(ls "$xdebs/${p}"_*.deb 2>/dev/null | head -n1) || true
        [ -n "$deb" ] || die "apt-get download produced no .deb for $p"
        dpkg -x "$deb" "$xroot" || die "dpkg -x $deb failed"
    done
    deb=$(ls "$xdebs/${gpkg}"_*.deb 2>/dev/null | head -n1) || true
    [ -n "$deb" ] || die "apt-get download produced no .deb for $gpkg"
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$xroot" --wildcards './boot/*' \
        "./lib/modules/$gver/modules.*" "./lib/modules/$gver/kernel/drivers/xen/*" \
        || die "unpacking $deb failed"
    [ -f "$xroot/boot/vmlinuz-$gver" ] || die "no boot/vmlinuz-$gver in $deb"
    gunzip -c "$xroot/boot/xen-4.17-amd64.gz" > "$cache/xen.elf" || die "no boot/xen-4.17-amd64.gz in the hypervisor package"
    rm -rf "$xdebs"
    echo "$xver $gver" > "$cache/xen.version"
fi
python3 "$here/lib/kmods.py" "$xroot/lib/modules/$gver" xenfs xen-evtchn xen-privcmd xen-gntdev xen-pciback >/dev/null \
    || die "kernel $gver lacks a Xen dom0 module"
grep -q '^CONFIG_XEN_DOM0=y' "$xroot/boot/config-$gver" || die "kernel $gver is not built for dom0"
ln -sfn "xen/boot/vmlinuz-$gver" "$cache/dom0-vmlinuz"
echo "$kver"
