#!/usr/bin/env bash
# Installs the Debian packages vbios builds and tests with, only those missing.
#   libpci-dev pciutils            libpci for device access, lspci as the test oracle
#   seabios ipxe-qemu              real ROMs to test on; SeaBIOS also runs ROMs in QEMU
#   ovmf                           the UEFI guest firmware, judge of the EFI images vbios builds
#   qemu-system-x86 busybox-static cpio   the lab: a real kernel under QEMU
#   libxen-dev                     Xen's own xl config parser (libxlutil), a test oracle
#   libvirt-clients libxml2-utils  virt-xml-validate, libvirt's schema, a test oracle
#   dpkg-dev man-db bash-completion zsh fish   the package tier: dpkg-shlibdeps, man, the shells
#   zlib1g-dev liblzma-dev libbrotli-dev   decompression of firmware sections and /proc/config.gz
#   libarchive-dev                 vendor update packages (zip, 7z, cab, rar) read by the firmware walker
#   PyPI py7zr                     an independent 7z writer for the archive tests (pip)
#   gcab                           GNOME's cab writer (MSZIP), the independent writer of the cab archive test
#   ovmf uefitool-cli              a real firmware image to scan, UEFIExtract as its oracle
#   xz-utils                       liblzma's own decoder, the LZMA benchmark's reference
#   acpica-tools                   iasl, ACPICA's disassembler: the oracle of the AML reader
#   strace                         the judge that a --sysfs tree never opens the real /dev/mem
#   python3-pip, PyPI uefi-firmware  EDK2's C EFI/Tiano (de)compressor, a test oracle (pip)
#   PyPI biosutilities             platomav's BIOSUtilities: the judge of the Dell PFS and Insyde iFlash readers (pip)
#   PyPI brotli                    Tools/gen-firmware.py's Brotli sections (regenerating fixtures)
set -euo pipefail
packages=(libpci-dev pciutils pci.ids seabios ipxe-qemu qemu-system-x86 busybox-static cpio
          libxen-dev libvirt-clients libxml2-utils python3 python3-pip gcc pkg-config kmod
          dpkg-dev man-db bash-completion zsh fish
          zlib1g-dev liblzma-dev libbrotli-dev libarchive-dev ovmf uefitool-cli xz-utils acpica-tools strace gcab)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The python3 on PATH is the one the tests run; Debian's own refuses a plain pip install (PEP 668).
if ! python3 -c 'import uefi_firmware' 2>/dev/null; then
  echo "installing: uefi-firmware (pip)" >&2
  python3 -m pip install --quiet uefi-firmware 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages uefi-firmware \
    || $sudo python3 -m pip install --quiet --break-system-packages uefi-firmware
fi
if ! python3 -c 'import brotli' 2>/dev/null; then
  echo "installing: brotli (pip)" >&2
  python3 -m pip install --quiet brotli 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages brotli \
    || $sudo python3 -m pip install --quiet --break-system-packages brotli
fi
if ! python3 -c 'import biosutilities' 2>/dev/null; then
  echo "installing: biosutilities (pip)" >&2
  python3 -m pip install --quiet biosutilities 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages biosutilities \
    || $sudo python3 -m pip install --quiet --break-system-packages biosutilities
fi
if ! python3 -c 'import py7zr' 2>/dev/null; then
  echo "installing: py7zr (pip)" >&2
  python3 -m pip install --quiet py7zr 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages py7zr \
    || $sudo python3 -m pip install --quiet --break-system-packages py7zr
fi
