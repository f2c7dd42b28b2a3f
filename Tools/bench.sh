#!/usr/bin/env bash
# Runs the vbios benchmarks and prints each candidate's time over its baseline's, both measured
# in the same run (lower is better; 1.00 = as fast as the baseline):
#   1. the package-benchmark suite in Benchmarks/ (checksum vs a read-only pass, parse, scan vs
#      read(2), verify vs read(2) with as many threads), from its JMH export;
#   2. the built tool end to end: `vbios scan BLOB` vs `cat BLOB` (512 MiB random and with ROMs,
#      256 vs 257 MiB, decoy blobs vs a plain one of the same density) through Tools/ratio.py,
#      which runs the commands interleaved and reports CPU and wall medians (CPU time is what
#      holds on a shared machine); `vbios verify CORPUS` vs `cat CORPUS/*` and `vbios info ROM`
#      with hyperfine;
#   3. the installed binary (Tools/install.sh, static Swift runtime, stripped): start-up of
#      `vbios --version` vs `/bin/true` and vs the .build release build (static runtime too since
#      issue 25, unstripped), and its size vs that build's.
#   4. the EFI 1.1 decompressor (Benchmarks' bench-efi) vs EDK2's C one, on the same stream.
#   5. system firmware: `vbios scan` of Debian's OVMF vs `UEFIExtract FILE report` and vs xz on
#      its LZMA stream (ratio.py), and in one process (Benchmarks' bench-decode) the firmware
#      walker on one 48 MiB LZMA section vs liblzma alone on the same stream; the images in
#      ../shared/firmware vs UEFIExtract's report, and the Apple one's Tiano streams: the walker
#      vs EDK2's C decoder alone (uefi-firmware).
# Usage: Tools/bench.sh [--quick]   (--quick: skip the package-benchmark suite)
# Needs: hyperfine (apt-get install -y hyperfine), python3 with uefi-firmware (install-deps.sh).
# The data (a 512 MiB blob, 1040 ROM files) is written once to $VBIOS_BENCH_DIR (default $TMPDIR/vbios-bench or /tmp/vbios-bench).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scratch=${SCRATCH:-$root/.build}
quick=${1:-}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== machine"
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB"
swift --version 2>&1 | head -1

echo "== building (release)"
swift build -c release --static-swift-stdlib --scratch-path "$scratch" --product vbios >/dev/null
vbios="$scratch/release/vbios"
swift build -c release --package-path "$root/Benchmarks" --product bench-fixtures >/dev/null
mapfile -t data < <("$root/Benchmarks/.build/release/bench-fixtures")
blob=${data[0]}
corpus=${data[1]}

ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'{a / b:.2f}')" "$1" "$2"; }

if [[ "$quick" != "--quick" ]]; then
    echo "== package-benchmark suite (Benchmarks/)"
    (cd "$root/Benchmarks" && swift package --allow-writing-to-directory "$out" benchmark \
        --format jmh --path "$out" --no-progress >"$out/suite.log" 2>&1) || { tail -40 "$out/suite.log"; exit 1; }
    cp "$out"/*.jmh.json "$(dirname "$blob")/last-suite.jmh.json"
    python3 - "$out"/*.jmh.json <<'PY'
import json, sys
rows = {}
for e in json.load(open(sys.argv[1])):
    # JMH names read `benchmark.VBIOSBenchmarks.checksum_64_KiB`.
    name = e["benchmark"].split("VBIOSBenchmarks.", 1)[-1].replace("_", " ")
    m = e["secondaryMetrics"]["Time (wall clock)"]
    rows[name] = (m["scorePercentiles"]["50.0"], m["scoreUnit"])
pairs = [
    ("checksum 64 KiB", "baseline read 64 KiB", "<= 1.25 (80%+ of a read-only pass)"),
    ("checksum 16 MiB", "baseline read 16 MiB", "<= 1.25 (80%+ of a read-only pass)"),
    ("parse 1 MiB NVIDIA-style ROM", "baseline memcpy 1 MiB", "(information)"),
    ("scan 512 MiB blob", "baseline read 512 MiB blob", "<= 1.2"),
    ("verify 1040 files", "baseline read 1040 files", "<= 1.5"),
    ("scan 64 MiB of decoys", "baseline scan 64 MiB plain", "<= 2"),
]
print("wall clock p50 per sample (x1000 iterations for the KiB/1 MiB rows); ratio = candidate / baseline time")
print(f"{'candidate':30} {'p50':>14}   {'baseline':28} {'p50':>14}   ratio  target")
for cand, base, target in pairs:
    if cand not in rows or base not in rows:
        print(f"{cand}: missing from the run ({sorted(rows)})"); continue
    (c, unit), (b, bunit) = rows[cand], rows[base]
    print(f"{cand:30} {c:>10.1f} {unit:3}   {base:28} {b:>10.1f} {bunit:3}   {c / b:5.2f}  {target}")
PY
fi

echo "== end to end (hyperfine, page cache warm)"
mean() { python3 -c "import json, sys; r = json.load(open(sys.argv[1]))['results']; print(r[int(sys.argv[2])]['median'])" "$out/$1.json" "$2"; }

# The blob with 16 ROMs planted, and one of random bytes only, each against cat; files of 256
# MiB or less are also looked at for firmware signatures as they stream (`ContainerSniffer`), so
# 256 MiB against 257 MiB shows what that costs (target: no step). Tools/ratio.py runs the
# commands interleaved and gives CPU and wall medians (CPU moves far less on a shared machine),
# with `vbios --version` (start-up alone; the release build links the Swift runtime statically, as the installed one does) for scale.
# Then the peak memory of a plain scan (target: 64 MiB whatever the size: the file is streamed).
random=$(dirname "$blob")/random-512.bin
[[ -f $random ]] || head -c $((512 << 20)) /dev/urandom >"$random"
head -c $((256 << 20)) "$random" >"$out/r256.bin"
head -c $((257 << 20)) "$random" >"$out/r257.bin"
: >"$out/empty"
echo "vbios scan against cat, 512 MiB (target <= 1.2), interleaved, 9 rounds:"
python3 "$root/Tools/ratio.py" 9 "cat random-512=cat $random" "vbios scan random-512=$vbios scan $random" \
    "cat blob-512 (16 ROMs)=cat $blob" "vbios scan blob-512 (16 ROMs)=$vbios scan $blob" \
    "cat empty file=cat $out/empty" "vbios --version (start-up)=$vbios --version"
echo "vbios scan, 256 MiB (sniffed for firmware) against 257 MiB (not), random bytes (target: no step):"
python3 "$root/Tools/ratio.py" 9 "cat 256 MiB=cat $out/r256.bin" "vbios scan 256 MiB=$vbios scan $out/r256.bin" \
    "cat 257 MiB=cat $out/r257.bin" "vbios scan 257 MiB=$vbios scan $out/r257.bin"
for mib in 200 256 257 512; do
    head -c $((mib << 20)) "$random" >"$out/rss.bin"
    rss=$(/usr/bin/time -f %M "$vbios" scan "$out/rss.bin" 2>&1 >/dev/null | tail -1)
    printf "%-44s %8s KiB (target <= 65536)\n" "vbios scan peak RSS, $mib MiB random" "$rss"
done
rm -f "$out/rss.bin" "$out/r256.bin" "$out/r257.bin"

# verify exits 1: a quarter of the corpus is damaged on purpose (-i keeps hyperfine going).
# Both on one CPU: verify's workers against one cat, at the same thread count.
hyperfine -i --warmup 2 --runs 10 --export-json "$out/verify.json" \
    "taskset -c 0 $vbios verify $corpus" "taskset -c 0 sh -c 'cat $corpus/* > /dev/null'" >/dev/null 2>&1
s=$(mean verify 0); c=$(mean verify 1)
printf "%-44s %8.1f ms   cat %8.1f ms   ratio %s (target <= 1.5)\n" "vbios verify ($(ls "$corpus" | wc -l) files, one CPU)" "$(python3 -c "print($s*1000)")" "$(python3 -c "print($c*1000)")" "$(ratio "$s" "$c")"

rom=/usr/lib/ipxe/qemu/efi-e1000.rom
hyperfine -N --warmup 5 --runs 100 --export-json "$out/info.json" "$vbios info $rom" "$vbios --version" >/dev/null 2>&1
i=$(mean info 0); v=$(mean info 1)
printf "%-44s %8.2f ms   (target < 15 ms; 'vbios --version', start-up alone: %.2f ms)\n" "vbios info $(basename $rom)" "$(python3 -c "print($i*1000)")" "$(python3 -c "print($v*1000)")"
echo "libraries vbios loads: $(ldd "$vbios" | awk '{print $1}' | grep -E 'swift|Foundation|dispatch' | tr '\n' ' ')"

echo "== the installed binary (Tools/install.sh: Swift runtime linked statically, stripped)"
"$root/Tools/install.sh" --prefix "$out/prefix" 2>"$out/install.log" || { cat "$out/install.log"; exit 1; }
installed="$out/prefix/bin/vbios"
hyperfine -N --warmup 10 --runs 200 --export-json "$out/startup.json" \
    "/bin/true" "$vbios --version" "$installed --version" >/dev/null 2>&1
t=$(mean startup 0); d=$(mean startup 1); s=$(mean startup 2)
ms() { python3 -c "print(f'{float(__import__(\"sys\").argv[1]) * 1000:.2f}')" "$1"; }
printf "%-44s %8s ms   /bin/true %s ms, ratio %s; .build release %s ms, ratio %s\n" "start-up, installed 'vbios --version'" \
    "$(ms "$s")" "$(ms "$t")" "$(ratio "$s" "$t")" "$(ms "$d")" "$(ratio "$s" "$d")"
# CPU time (user + system) moves less than wall time on a busy machine.
cpu() { python3 -c "import json, sys; r = json.load(open(sys.argv[1]))['results'][int(sys.argv[2])]; print(r['user'] + r['system'])" "$out/startup.json" "$1"; }
printf "%-44s %8s ms   .build release %s ms, ratio %s\n" "start-up CPU (user+sys), installed" \
    "$(ms "$(cpu 2)")" "$(ms "$(cpu 1)")" "$(ratio "$(cpu 2)" "$(cpu 1)")"
# The dynamic build's real footprint includes the toolchain libraries it loads.
size() { stat -L -c %s "$1"; }
dyn_libs=0
for l in $(ldd "$vbios" | awk '$3 ~ /swift|Foundation|dispatch|BlocksRuntime/ {print $3}'); do dyn_libs=$((dyn_libs + $(size "$l"))); done
mib() { python3 -c "import sys; print(f'{int(sys.argv[1]) / 1048576:.1f}')" "$1"; }
printf "%-44s %8s MiB  dynamic build %s MiB (ratio %s), with the Swift libraries it loads %s MiB (ratio %s)\n" "size, installed binary" \
    "$(mib "$(size "$installed")")" "$(mib "$(size "$vbios")")" "$(ratio "$(size "$installed")" "$(size "$vbios")")" \
    "$(mib $(($(size "$vbios") + dyn_libs)))" "$(ratio "$(size "$installed")" $(($(size "$vbios") + dyn_libs)))"
echo "libraries the installed vbios loads: $(ldd "$installed" | awk '{print $1}' | tr '\n' ' ')"
echo "== EFI decompression: Swift vs EDK2's C decoder (PyPI uefi-firmware), same stream"
# The stream: iPXE's EFI driver of efi-e1000.rom (170 KiB PE) as EDK2's C compressor writes it.
swift build -c release --package-path "$root/Benchmarks" --product bench-efi >/dev/null
stream="$out/efi-stream.bin"
c=$(python3 - "$stream" <<'PY'
import sys, timeit
from uefi_firmware import efi_compressor as e
rom = open("/usr/lib/ipxe/qemu/efi-e1000.rom", "rb").read()
pe = rom.find(b"MZ", 0x12600)
s = e.EfiCompress(rom[pe:], len(rom) - pe)
open(sys.argv[1], "wb").write(s)
print(min(timeit.repeat(lambda: e.EfiDecompress(s, len(s)), number=20, repeat=5)) / 20)
PY
)
s=$("$root/Benchmarks/.build/release/bench-efi" decompress "$stream" 20)
printf "%-44s %8.2f ms   C %8.2f ms   ratio %s (target <= 2)\n" "EFI 1.1 decode, $(stat -c %s "$stream") -> 170 KiB" "$(python3 -c "print($s*1000)")" "$(python3 -c "print($c*1000)")" "$(ratio "$s" "$c")"
echo "== system firmware (Firmware module)"
# Debian's OVMF against UEFIExtract walking it in `report` mode (its structure, nothing written
# but the report: the work `vbios scan` does), and the LZMA
# path (FirmwareWalker -> Compression -> liblzma) against liblzma's own xz on the same stream.
fw=$(mktemp -d); trap 'rm -rf "$out" "$fw"' EXIT
# bench-decode: in one process, FirmwareWalker.walk of an image (decode through Compression, then
# the walk of the decoded bodies) against liblzma alone on the image's LZMA stream.
swift build -c release --package-path "$root/Benchmarks" --product bench-decode >/dev/null
decode() {
    read -r w l r < <("$root/Benchmarks/.build/release/bench-decode" "$2" "$3" 7)
    printf "%-44s %8.1f ms   liblzma alone %8.1f ms   speed %s of liblzma's (CPU, median of 7 rounds; target >= 0.90)\n" \
        "$1" "$(python3 -c "print($w*1000)")" "$(python3 -c "print($l*1000)")" "$(python3 -c "print(f'{$r:.2f}')")"
}
ovmf=/usr/share/OVMF/OVMF_CODE_4M.fd
if [[ -f $ovmf ]] && command -v UEFIExtract >/dev/null; then
    cp "$ovmf" "$fw/ovmf.fd"
    # UEFIExtract refuses to write over an earlier report, so each of its runs removes it first.
    # The LZMA stream of OVMF's compressed volume, for xz: the floor no walker can beat.
    python3 - "$fw/ovmf.fd" "$fw/ovmf.lzma" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
s = 0x90    # OVMF's one GUID-defined LZMA section (file at 0x78, its header 0x18 bytes)
size, off = int.from_bytes(d[s:s + 3], "little"), int.from_bytes(d[s + 20:s + 22], "little")
open(sys.argv[2], "wb").write(d[s + off:s + size])
PY
    echo "vbios scan OVMF_CODE_4M.fd against UEFIExtract's report mode (target <= 0.30) and xz on its LZMA stream:"
    python3 "$root/Tools/ratio.py" 9 "UEFIExtract ovmf.fd report=rm -rf $fw/ovmf.fd.dump $fw/ovmf.fd.report.txt; UEFIExtract $fw/ovmf.fd report" \
        "vbios scan ovmf.fd=$vbios scan $fw/ovmf.fd" "xz -dc of its LZMA stream=xz --format=lzma -dc $fw/ovmf.lzma" \
        "vbios --version (start-up)=$vbios --version"
    decode "FirmwareWalker.walk, OVMF_CODE_4M.fd" "$fw/ovmf.fd" "$fw/ovmf.lzma"
else
    echo "OVMF or UEFIExtract missing (Tools/install-deps.sh installs ovmf uefitool-cli): skipped"
fi
# The real images in ../shared/firmware: each `vbios scan` against UEFIExtract's report, in the
# same run. The Apple image's 187 Tiano streams (EFI_COMPRESSION_SECTION type 1) against EDK2's
# C decoder (PyPI uefi-firmware) decoding each of them once, in one Python process, and the
# walker in one process (bench-decode --walk): the walk includes its search for ROMs and VBTs
# and, as UEFITool does, an EFI 1.1 attempt before Tiano.
shared=$root/../shared/firmware
for image in fw-ovmf-gk41-glk-intelgop-vbt.fd fw-apple-mbp31-0070-07b.fd; do
    [[ -f $shared/$image ]] || { echo "$shared/$image missing: skipped"; continue; }
    cp "$shared/$image" "$fw/$image"
    echo "vbios scan $image against UEFIExtract's report mode (target <= 0.30):"
    python3 "$root/Tools/ratio.py" 9 "UEFIExtract report=rm -rf $fw/$image.dump $fw/$image.report.txt; UEFIExtract $fw/$image report" \
        "vbios scan=$vbios scan $fw/$image"
done
if [[ -f $fw/fw-apple-mbp31-0070-07b.fd ]]; then
    c=$(python3 - "$fw/fw-apple-mbp31-0070-07b.fd" <<'PY'
import sys, timeit
from uefi_firmware import efi_compressor as e
d = open(sys.argv[1], "rb").read()
u = lambda o, n: int.from_bytes(d[o:o + n], "little")
streams, i = [], 0
# EFI_COMPRESSION_SECTION: size (3), type 1, uncompressed length, compression type 1, the
# stream (its header: compressed size, original size). Each decoded as whichever format fits.
while i + 17 < len(d):
    size, comp, orig = u(i, 3), u(i + 9, 4), u(i + 13, 4)
    if d[i + 3] == 1 and d[i + 8] == 1 and orig == u(i + 4, 4) and orig > 0 and comp + 17 <= size <= comp + 25:
        s = d[i + 9:i + 17 + comp]
        for f in (e.EfiDecompress, e.TianoDecompress):
            try:
                if len(f(s, len(s))) == orig:
                    streams.append((f, s)); break
            except Exception:
                pass
        i += size
        continue
    i += 1
print(min(timeit.repeat(lambda: [f(s, len(s)) for f, s in streams], number=3, repeat=7)) / 3, len(streams))
PY
)
    read -r cs n <<<"$c"
    w=$("$root/Benchmarks/.build/release/bench-decode" --walk "$fw/fw-apple-mbp31-0070-07b.fd" 7)
    printf "%-44s %8.1f ms   EDK2's C decoder alone on its %s streams %8.1f ms   ratio %s (CPU; target <= 1.3)\n" \
        "FirmwareWalker.walk, Apple MBP3,1 (Tiano)" "$(python3 -c "print($w*1000)")" "$n" "$(python3 -c "print($cs*1000)")" "$(ratio "$w" "$cs")"
fi
if python3 "$root/Tools/gen-firmware.py" --bench --out "$fw" 2>/dev/null; then
    decode "FirmwareWalker.walk, one 48 MiB LZMA section" "$fw/bench-lzma.fd" "$fw/bench-lzma.lzma"
else
    echo "Tools/gen-firmware.py --bench failed (pip brotli, uefi-firmware missing?): LZMA ratio skipped"
fi
# Hostile inputs (issues 15, 28): blobs of decoy headers against a plain blob of the same size
# and the same 0x55 / `55 AA` density, in the same run (Tools/gen-hostile-bench.py says what
# each shape is); and one IOMMU group of 3,000 functions against 3,000 groups of one.
hostile=${VBIOS_BENCH_DIR:-${TMPDIR:-/tmp}/vbios-bench}/hostile
python3 "$root/Tools/gen-hostile-bench.py" "$hostile"
echo "vbios scan of decoy blobs against a plain blob of the same size and density (target <= 2), interleaved:"
for shape in decoys:plain reach:plain32 far:plain32 tail:plain32 through:plain32; do
    d=${shape%%:*}; p=${shape##*:}
    python3 "$root/Tools/ratio.py" 7 "vbios scan $p.bin=$vbios scan $hostile/$p.bin" \
        "vbios scan $d.bin ($(($(stat -c %s "$hostile/$d.bin") >> 20)) MiB)=$vbios scan $hostile/$d.bin" | tail -1
done
hyperfine --warmup 1 --runs 5 --export-json "$out/group.json" \
    "$vbios list --all --sysfs $hostile/group" "$vbios list --all --sysfs $hostile/groups" >/dev/null 2>&1
s=$(mean group 0); c=$(mean group 1)
printf "%-44s %8.1f ms   3,000 groups %8.1f ms   ratio %s (target <= 3)\n" "vbios list, one group of 3,000" "$(python3 -c "print($s*1000)")" "$(python3 -c "print($c*1000)")" "$(ratio "$s" "$c")"
