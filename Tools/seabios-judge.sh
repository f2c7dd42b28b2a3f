#!/bin/sh
# Runs ROM as the VGA BIOS of QEMU's emulated VGA (1234:1111) under SeaBIOS and prints what
# SeaBIOS did with it: `ran` (run as the VGA BIOS), `bad-checksum` (refused), `not-run`
# (neither: with rombar=1 usually a vendor/device mismatch). SeaBIOS src/optionroms.c.
# Usage: Tools/seabios-judge.sh ROM [rombar=0|1]   (default rombar=1)
# Exit status 0 whatever the verdict; 2 when QEMU is missing or did not start.
set -u
rom=${1:?usage: seabios-judge.sh ROM [rombar=0|1]}
bar=${2:-rombar=1}
case "$bar" in rombar=0|rombar=1) ;; *) echo "seabios-judge: second argument must be rombar=0 or rombar=1" >&2; exit 2 ;; esac
qemu=${QEMU:-qemu-system-x86_64}
if ! command -v "$qemu" >/dev/null 2>&1; then
    echo "seabios-judge: $qemu not found; install Debian's qemu-system-x86 and seabios packages" >&2
    exit 2
fi
[ -r "$rom" ] || { echo "seabios-judge: cannot read $rom" >&2; exit 2; }
case "$rom" in /*) ;; *) rom="$PWD/$rom" ;; esac
case "$rom" in *,*) echo "seabios-judge: the ROM path must not contain a comma (QEMU option syntax)" >&2; exit 2 ;; esac
dir=$(mktemp -d "${TMPDIR:-/tmp}/seabios-judge.XXXXXX") || exit 2
trap 'rm -rf "$dir"' EXIT INT TERM
log="$dir/log"
# SeaBIOS has scanned option ROMs within a second or two under TCG; 6 s leaves room on a busy machine.
timeout "${JUDGE_SECONDS:-6}" "$qemu" -machine pc,accel=tcg -nodefaults -display none -no-reboot \
    -chardev file,id=d,path="$log" -device isa-debugcon,iobase=0x402,chardev=d \
    -device VGA,romfile="$rom",$bar </dev/null >"$dir/qemu.out" 2>&1
rc=$?
if [ ! -s "$log" ]; then
    echo "seabios-judge: QEMU wrote no SeaBIOS log (exit $rc):" >&2
    head -c 2000 "$dir/qemu.out" >&2
    exit 2
fi
# Only what happens between the VGA scan and the general option ROM scan counts: QEMU's own
# kvmvapic ROM also runs at c000:0003 later when there is no VGA BIOS.
verdict=$(awk '
    /Scan for VGA option rom/ { vga = 1; next }
    /Scan for option roms/ { if (vga) { exit } }
    vga && /Found option rom with bad checksum/ { bad = 1 }
    vga && /Running option rom at c000:0003/ { ran = 1 }
    END { if (ran) print "ran"; else if (bad) print "bad-checksum"; else print "not-run" }
' "$log")
echo "$verdict"
