#!/usr/bin/env bash
# Installs the Debian packages vbios builds and tests with, only those missing.
#   libpci-dev pciutils            libpci for device access, lspci as the test oracle
#   seabios ipxe-qemu              real ROMs to test on; SeaBIOS also runs ROMs in QEMU
#   qemu-system-x86 busybox-static cpio   the lab: a real kernel under QEMU
#   libxen-dev                     Xen's own xl config parser (libxlutil), a test oracle
#   libvirt-clients libxml2-utils  virt-xml-validate, libvirt's schema, a test oracle
#   zlib1g-dev liblzma-dev libbrotli-dev   decompression of firmware sections and /proc/config.gz
#   ovmf uefitool-cli              a real firmware image to scan, UEFIExtract as its oracle
#   xz-utils                       liblzma's own decoder, the LZMA benchmark's reference
set -euo pipefail
packages=(libpci-dev pciutils pci.ids seabios ipxe-qemu qemu-system-x86 busybox-static cpio
          libxen-dev libvirt-clients libxml2-utils python3 gcc pkg-config kmod
          zlib1g-dev liblzma-dev libbrotli-dev ovmf uefitool-cli xz-utils)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0
echo "installing: ${missing[*]}" >&2
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
