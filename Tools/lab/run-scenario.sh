#!/bin/bash
# Run one lab scenario and judge it: prints `PASS name` or `FAIL name: reason`, exits 0 or 1.
#
# usage: run-scenario.sh [--vbios PATH] [--base BASE.cpio.gz] [--results DIR] SCENARIO
#   SCENARIO: a name under Tools/lab/scenarios/ or a path to NAME.sh.
#   --vbios   the vbios binary to put in the guest (/usr/local/bin/vbios) and give to checks
#   --base    a base initramfs already built (test.sh builds one for all scenarios);
#             without it one is built into Tools/lab/cache/base.cpio.gz
#   --xen-base the dom0 base initramfs (build-dom0-initramfs.sh) for a scenario that boots Xen
#             (`# lab: xen`); without it one is built into Tools/lab/cache/dom0-base.cpio.gz
#   --results where the results go (default Tools/lab/cache/results/NAME)
# Steps: NAME.prep.sh RESULTS (optional, host side, before boot) -> boot (lib/runner.py) ->
#        NAME.check.sh RESULTS (optional; without it the guest script's exit status decides).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
vbios=; base=; xenbase=; results=; scen=
while [ $# -gt 0 ]; do
    case "$1" in
        --vbios) vbios=$2; shift 2 ;;
        --base) base=$2; shift 2 ;;
        --xen-base) xenbase=$2; shift 2 ;;
        --results) results=$2; shift 2 ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        -*) echo "run-scenario.sh: unknown option $1" >&2; exit 2 ;;
        *) scen=$1; shift ;;
    esac
done
[ -n "$scen" ] || { echo "usage: run-scenario.sh [--vbios PATH] [--base BASE] [--results DIR] SCENARIO" >&2; exit 2; }
case "$scen" in */*|*.sh) file=$scen ;; *) file=$here/scenarios/$scen.sh ;; esac
name=$(basename "$file" .sh)
fail() { echo "FAIL $name: $*"; exit 1; }
[ -f "$file" ] || fail "no scenario file $file"
stem=${file%.sh}
results=${results:-$here/cache/results/$name}

if grep -Eq '^#[[:space:]]*lab:[[:space:]]*needs[[:space:]].*\bvbios\b' "$file" && [ -z "$vbios" ]; then
    fail "vbios binary not given (--vbios PATH)"
fi
if [ -n "$vbios" ]; then
    [ -x "$vbios" ] || fail "--vbios $vbios is not an executable file"
    vbios=$(cd "$(dirname "$vbios")" && pwd)/$(basename "$vbios")
fi
if [ -z "$base" ]; then
    "$here/fetch.sh" >/dev/null || fail "fetch.sh failed"
    base=$here/cache/base.cpio.gz
    "$here/build-initramfs.sh" "$base" ${vbios:+--bin "$vbios:vbios"} 2>/dev/null \
        || fail "build-initramfs.sh failed (run it by hand to see why)"
fi

xen=()
if grep -Eq '^#[[:space:]]*lab:[[:space:]]*xen\b' "$file"; then
    if [ -z "$xenbase" ]; then
        xenbase=$here/cache/dom0-base.cpio.gz
        "$here/build-dom0-initramfs.sh" "$xenbase" ${vbios:+--bin "$vbios:vbios"} 2>/dev/null \
            || fail "build-dom0-initramfs.sh failed (run it by hand to see why)"
    fi
    xen=(--xen-base "$xenbase")
fi

rm -rf "$results"; mkdir -p "$results"
# LAB_BASE: the base initramfs, for a prep script that boots a first guest (lib/runner.py).
export LAB_DIR=$here LAB_VBIOS=$vbios LAB_RESULTS=$results LAB_BASE=$base
if [ -x "$stem.prep.sh" ]; then
    "$stem.prep.sh" "$results" > "$results/prep.log" 2>&1 \
        || fail "prep: $(grep -v '^[[:space:]]*$' "$results/prep.log" | tail -n1)"
fi
python3 "$here/lib/runner.py" --no-clean --base "$base" "${xen[@]}" "$file" "$results" 2> "$results/runner.log"
if [ $? -ne 0 ]; then
    reason=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["reason"])' \
             "$results/runner.json" 2>/dev/null) || reason=$(tail -n1 "$results/runner.log")
    fail "$reason"
fi
if [ -x "$stem.check.sh" ]; then
    "$stem.check.sh" "$results" > "$results/check.log" 2>&1 \
        || fail "$(grep -v '^[[:space:]]*$' "$results/check.log" | tail -n1)"
else
    rc=$(cat "$results/rc" 2>/dev/null)
    [ "$rc" = 0 ] || fail "guest script exited with ${rc:-?}: $(tail -n1 "$results/stderr" 2>/dev/null)"
fi
echo "PASS $name"
