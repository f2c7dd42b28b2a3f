#!/usr/bin/env bash
# Builds a Debian package of vbios with dpkg-deb: Tools/install.sh --prefix /usr into a staging
# root (static Swift runtime, man pages, completions), Depends computed from what the binary links
# (dpkg-shlibdeps and the libraries' symbols files; without dpkg-dev, ldd + dpkg -S), the version
# from git (Tools/version.sh). Prints the path of the .deb it wrote.
# Usage: Tools/package-deb.sh [--out DIR]   (default: out/ in the repository)
# Maintainer field: $DEBFULLNAME <$DEBEMAIL> when set.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/out
die() { echo "package-deb.sh: $*" >&2; exit 1; }
while (($#)); do
  case $1 in
    --out) (($# >= 2)) || die "--out needs a directory"; out=$2; shift 2 ;;
    --out=*) out=${1#*=}; shift ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (try --help)" ;;
  esac
done
command -v dpkg-deb >/dev/null || die "needs dpkg-deb (Debian's dpkg package)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage=$work/root
"$root/Tools/install.sh" --prefix /usr --destdir "$stage" --gzip-man
{ read -r version; read -r commit; } < <("$root/Tools/version.sh")
arch=$(dpkg --print-architecture)
bin=$stage/usr/bin/vbios

# Depends: one entry per shared library the binary needs, with the lowest version whose symbols
# it uses (dpkg-shlibdeps reads the libraries' symbols files), e.g. libpci3 (>= 1:3.5.1).
depends=""
if command -v dpkg-shlibdeps >/dev/null && [[ ${VBIOS_DEPENDS_FROM:-} != ldd ]]; then
  mkdir -p "$work/src/debian"
  printf 'Source: vbios\n\nPackage: vbios\nArchitecture: any\n' > "$work/src/debian/control"
  depends=$(cd "$work/src" && dpkg-shlibdeps -O --warnings=0 -e"$bin" 2>"$work/shlibdeps.log") \
    || { cat "$work/shlibdeps.log" >&2; die "dpkg-shlibdeps failed"; }
  depends=${depends#shlibs:Depends=}
else
  # Without dpkg-dev (or with VBIOS_DEPENDS_FROM=ldd): for each library the binary names
  # (NEEDED), the package that owns the file ldd resolves it to, at least at the version installed
  # here (stricter than needed, never too loose). dpkg may know the file under /lib or /usr/lib.
  while read -r name; do
    # "libpci.so.3 => /lib/.../libpci.so.3 (addr)", or for the loader "/lib64/ld-linux-x86-64.so.2 (addr)".
    path=$(ldd "$bin" | awk -v n="$name" '$1 == n && $2 == "=>" {print $3; exit}
                                          $1 ~ /^\// { k = split($1, a, "/"); if (a[k] == n) {print $1; exit} }')
    [[ -n $path ]] || die "ldd does not resolve $name, which $bin needs"
    pkg=""
    for p in "$path" "$(readlink -f "$path")" "${path#/usr}" "/usr$path"; do
      pkg=$(dpkg -S "$p" 2>/dev/null | head -1 | cut -d: -f1) && [[ -n $pkg ]] && break
    done
    [[ -n $pkg ]] || die "no installed package owns $path ($name), which $bin needs"
    [[ ", $depends" == *", $pkg ("* ]] && continue   # libc6 owns libc, libm and the loader
    depends+="${depends:+, }$pkg (>= $(dpkg-query -W -f='${Version}' "$pkg"))"
  done < <(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
fi
[[ -n $depends ]] || die "found no libraries $bin links; is it a dynamic executable?"
grep -qi swift <<<"$depends" && die "Depends names a Swift package ($depends): the runtime is not static"

mkdir -p "$stage/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat > "$stage/DEBIAN/control" <<EOF
Package: vbios
Version: $version
Architecture: $arch
Maintainer: ${DEBFULLNAME:-vbios developers} <${DEBEMAIL:-vbios@localhost}>
Installed-Size: $size
Depends: $depends
Section: admin
Priority: optional
Description: read, check, repair and hand over GPU option ROMs for passthrough
 vbios reads a graphics card's option ROM from the running host (sysfs, the
 shadow copy, the ROM BAR), parses and verifies every image (legacy x86, EFI,
 NVIDIA's extended images), decodes the vendor tables, patches what needs
 patching, and writes bios.bin with Xen xl, QEMU and libvirt configuration for
 passing the card through to a virtual machine.
 .
 Built from commit $commit.
EOF
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) > "$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/md5sums"
find "$stage" -type d -exec chmod 0755 {} +

mkdir -p "$out"
deb="$(cd "$out" && pwd)/vbios_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "package-deb.sh: $(basename "$deb"): Depends: $depends" >&2
echo "$deb"
