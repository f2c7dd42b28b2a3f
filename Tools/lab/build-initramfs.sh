#!/bin/bash
# Build the lab's base initramfs: busybox, the vfio module stack, pci.ids, lspci/setpci and
# the given binaries with every shared library ldd lists for them (paths kept, loader too).
#
# usage: build-initramfs.sh [--bin SRC[:NAME]]... [--file SRC[:DEST]]... OUT.cpio.gz [BINARY|BINARY_DIR]...
#        build-initramfs.sh BINARY_DIR OUT.cpio.gz
#        build-initramfs.sh --modules-dir DIR --module NAME... [--lazy-module NAME]... [--sysroot DIR]
#                           [--pre-init SCRIPT] ... OUT.cpio.gz   (another kernel, e.g. Xen's dom0)
#   The argument ending in .cpio.gz is the output; the others are binaries (installed as
#   /usr/local/bin/NAME) or directories, which contribute their `vbios` if they hold one.
#   --bin installs SRC as /usr/local/bin/NAME (default: its own name).
#   --file copies a host file into the image (DEST defaults to SRC), e.g. for dlopen'ed data.
#   --bin-at SRC:DEST installs a binary (with its libraries) at DEST instead of /usr/local/bin.
#   --modules-dir the kernel's lib/modules/VERSION (default: the lab kernel in cache/kernel);
#   --module NAME (repeatable) replaces the vfio stack as the modules /init loads, in order;
#   --lazy-module NAME is copied (with its dependencies) but left for modprobe.
#   --sysroot DIR: a tree unpacked with dpkg -x; ldd looks for libraries there first, and what
#     it finds under DIR goes into the image without the DIR prefix (DIR/usr/lib/x -> /usr/lib/x).
#   --add-on: only the given binaries and files (no busybox, modules or /init), an archive to
#     append after a base one (the kernel unpacks concatenated archives in turn).
#   --pre-init SCRIPT runs (as /etc/lab-pre-init) after the modules, before the scenario.
# The image's /init mounts /proc /sys /dev, loads the modules, then runs /lab/guest-init.sh,
# which a scenario archive appended after this one provides (see lib/runner.py).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
die() { echo "lab/build-initramfs.sh: error: $*" >&2; exit 1; }
trap 'echo "lab/build-initramfs.sh: error: command failed at line $LINENO" >&2' ERR

out=; bins=(); files=(); binats=(); mdir=; mods=(); lazy=(); sysroot=; preinit=; addon=0
while [ $# -gt 0 ]; do
    case "$1" in
        --add-on) addon=1; shift ;;
        --bin-at) [ $# -ge 2 ] || die "--bin-at needs SRC:DEST"; binats+=("$2"); shift 2 ;;
        --modules-dir) [ $# -ge 2 ] && [ -d "$2" ] || die "--modules-dir needs a directory"; mdir=$2; shift 2 ;;
        --module) [ $# -ge 2 ] || die "--module needs a name"; mods+=("$2"); shift 2 ;;
        --lazy-module) [ $# -ge 2 ] || die "--lazy-module needs a name"; lazy+=("$2"); shift 2 ;;
        --sysroot) [ $# -ge 2 ] && [ -d "$2" ] || die "--sysroot needs a directory"; sysroot=$(cd "$2" && pwd); shift 2 ;;
        --pre-init) [ $# -ge 2 ] && [ -f "$2" ] || die "--pre-init needs a file"; preinit=$2; shift 2 ;;
        --file) [ $# -ge 2 ] || die "--file needs an argument"; files+=("$2"); shift 2 ;;
        --file=*) files+=("${1#--file=}"); shift ;;
        --bin) [ $# -ge 2 ] || die "--bin needs an argument"
               src=${2%%:*}; [ -f "$src" ] && [ -x "$src" ] || die "not an executable file: $src"
               bins+=("$2"); shift 2 ;;
        *.cpio.gz) [ -z "$out" ] || die "two outputs given: $out and $1"; out=$1; shift ;;
        -*) die "unknown option $1" ;;
        *) if [ -d "$1" ]; then
               [ -x "$1/vbios" ] && bins+=("$1/vbios")
           elif [ -f "$1" ] && [ -x "$1" ]; then bins+=("$1")
           else die "not an executable file or a directory: $1"; fi
           shift ;;
    esac
done
[ -n "$out" ] || die "no output (OUT.cpio.gz) given"
mkdir -p "$(dirname "$out")"; out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
if [ -z "$mdir" ] && [ $addon = 0 ]; then
    [ -f "$here/cache/kernel.version" ] || die "no kernel in $here/cache; run Tools/lab/fetch.sh first"
    mdir="$here/cache/kernel/lib/modules/$(cat "$here/cache/kernel.version")"
fi
kver=$(basename "${mdir:-none}")
[ ${#mods[@]} -gt 0 ] || mods=(vfio vfio_iommu_type1 vfio-pci)
for t in /bin/busybox /usr/share/misc/pci.ids /usr/bin/lspci /usr/bin/setpci; do
    [ -e "$t" ] || die "missing $t; run Tools/lab/fetch.sh"
done
command -v cpio >/dev/null || die "cpio missing; run Tools/lab/fetch.sh"

root=$(mktemp -d); trap 'rm -rf "$root"' EXIT
chmod 755 "$root"
if [ $addon = 0 ]; then
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,proc,sys,dev,tmp,run,etc,lab,out,usr/share/misc}
cp /bin/busybox "$root/bin/busybox"
for a in $(/bin/busybox --list-full); do   # same as `busybox --install -s`, done on the host
    [ -e "$root/$a" ] || ln -s /bin/busybox "$root/$a"
done
cp /usr/share/misc/pci.ids "$root/usr/share/misc/pci.ids"
fi

# Copy a file to the same path in the image, following symlinks but keeping the link name
# (a file inside --sysroot goes to its path below the sysroot).
copy_path() {
    local src=$1 dst=${2:-$1}
    if [ -n "$sysroot" ] && [ "${dst#"$sysroot"/}" != "$dst" ]; then dst=/${dst#"$sysroot"/}; fi
    [ -e "$src" ] || die "missing $src"
    mkdir -p "$root$(dirname "$dst")"
    cp -L "$src" "$root$dst"
}
add_binary() {
    local bin=$1 dest=$2
    mkdir -p "$root$(dirname "$dest")"
    rm -f "$root$dest"   # a busybox link there points at the host's /bin/busybox: never write through it
    cp -L "$bin" "$root$dest"; chmod 755 "$root$dest"
    # Scripts and static binaries need no libraries.
    [ "$(head -c4 "$bin" | od -An -c | tr -d ' ')" = '177ELF' ] || return 0
    local lines
    if [ -n "$sysroot" ]; then
        lines=$(LD_LIBRARY_PATH="$sysroot/usr/lib/x86_64-linux-gnu:$sysroot/lib/x86_64-linux-gnu" ldd "$bin" 2>&1) || true
    else
        lines=$(ldd "$bin" 2>&1) || true
    fi
    case "$lines" in *"not a dynamic executable"*|*"statically linked"*) return 0 ;; esac
    [ -n "$lines" ] && ! grep -q '^ldd: ' <<<"$lines" || die "ldd $bin failed: $lines"
    if grep -q 'not found' <<<"$lines"; then die "ldd $bin: $(grep 'not found' <<<"$lines")"; fi
    # "name => /path (addr)" and "/lib64/ld-linux-x86-64.so.2 (addr)"; skip the vdso.
    while read -r lib; do
        [ -n "$lib" ] && copy_path "$lib"
    done < <(sed -n 's/.*=> \(\/[^ ]*\) (.*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p' <<<"$lines" | sort -u)
}
if [ $addon = 0 ]; then
    add_binary /usr/bin/lspci /usr/bin/lspci
    add_binary /usr/bin/setpci /usr/bin/setpci
fi
for b in "${bins[@]}"; do
    case "$b" in *:*) add_binary "${b%%:*}" "/usr/local/bin/${b#*:}" ;;
                 *) add_binary "$b" "/usr/local/bin/$(basename "$b")" ;; esac
done
for b in "${binats[@]}"; do add_binary "${b%%:*}" "${b#*:}"; done
for f in "${files[@]}"; do
    case "$f" in *:*) copy_path "${f%%:*}" "${f#*:}" ;; *) copy_path "$f" ;; esac
done

if [ $addon = 0 ]; then
# Kernel modules, in load order (dependencies first).
load=$(python3 "$here/lib/kmods.py" "$mdir" "${mods[@]}") \
    || die "cannot resolve the modules ${mods[*]}"
extra=
if [ ${#lazy[@]} -gt 0 ]; then
    extra=$(python3 "$here/lib/kmods.py" "$mdir" "${lazy[@]}") || die "cannot resolve the modules ${lazy[*]}"
fi
: > "$root/etc/lab-modules"
for m in $load $extra; do
    mkdir -p "$root/lib/modules/$kver/$(dirname "$m")"
    cp "$mdir/$m" "$root/lib/modules/$kver/$m"
done
for m in $load; do echo "/lib/modules/$kver/$m" >> "$root/etc/lab-modules"; done
[ -z "$preinit" ] || { cp "$preinit" "$root/etc/lab-pre-init"; chmod 755 "$root/etc/lab-pre-init"; }
cp "$mdir/modules.builtin" "$mdir/modules.order" "$root/lib/modules/$kver/"
# kmod's depmod (dom0) reads the built-in modules' info too.
[ ! -f "$mdir/modules.builtin.modinfo" ] || cp "$mdir/modules.builtin.modinfo" "$root/lib/modules/$kver/"

cat > "$root/init" <<'INIT'
#!/bin/sh
export PATH=/usr/local/bin:/usr/bin:/usr/sbin:/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
while read -r m; do
    insmod "$m" || echo "lab-init: insmod $m failed" >&2
done < /etc/lab-modules
[ -x /etc/lab-pre-init ] && /etc/lab-pre-init
if [ -x /lab/guest-init.sh ]; then
    /lab/guest-init.sh
else
    echo "lab-init: no /lab/guest-init.sh (no scenario archive appended)" >&2
fi
sync
poweroff -f
INIT
chmod 755 "$root/init"
fi

mkdir -p "$(dirname "$out")"
tmp="$out.tmp.$$"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1 > "$tmp") \
    || { rm -f "$tmp"; die "cpio failed"; }
mv "$tmp" "$out"
echo "lab/build-initramfs.sh: wrote $out ($(du -h "$out" | cut -f1)), binaries: $([ $addon = 1 ] || echo "lspci setpci ")${bins[*]} ${binats[*]}" >&2
