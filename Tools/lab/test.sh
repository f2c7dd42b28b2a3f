#!/bin/bash
# The lab's test entry point: every scenario in Tools/lab/scenarios/, one line each
# (`PASS name (S s)` / `FAIL name: reason (S s)`), then `N passed, M failed in S s`; exit 1 on
# any failure.
#
# usage: test.sh [--vbios PATH] [--only A,B] [--without-vbios] [--results DIR] [-v] [--list]
#   --vbios PATH     the vbios binary to test (put into the guest; scenarios that declare
#                    `# lab: needs vbios` FAIL without it)
#   --only A,B       run only these scenarios
#   --without-vbios  leave out the scenarios that need vbios (they are named on stderr)
#   --results DIR    results folder (default Tools/lab/cache/results), one subfolder per scenario
#   -v               print each scenario's report.txt (what was observed) under its line
#   --list           list the scenarios and what they need, run nothing
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
vbios=; only=; without=0; results=$here/cache/results; verbose=0; list=0
while [ $# -gt 0 ]; do
    case "$1" in
        --vbios) vbios=${2:?--vbios needs a path}; shift 2 ;;
        --vbios=*) vbios=${1#--vbios=}; shift ;;
        --only) only=${2:?--only needs a list}; shift 2 ;;
        --only=*) only=${1#--only=}; shift ;;
        --without-vbios) without=1; shift ;;
        --results) results=${2:?}; shift 2 ;;
        -v|--verbose) verbose=1; shift ;;
        --list) list=1; shift ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "test.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done

needs_vbios() { grep -Eq '^#[[:space:]]*lab:[[:space:]]*needs[[:space:]].*\bvbios\b' "$1"; }
names=()
for f in "$here"/scenarios/*.sh; do
    case "$f" in *.check.sh|*.prep.sh) continue ;; esac
    names+=("$(basename "$f" .sh)")
done
if [ -n "$only" ]; then
    sel=()
    for n in ${only//,/ }; do
        [ -f "$here/scenarios/$n.sh" ] || { echo "test.sh: no scenario named $n" >&2; exit 2; }
        sel+=("$n")
    done
    names=("${sel[@]}")
fi
if [ $list = 1 ]; then
    for n in "${names[@]}"; do
        f=$here/scenarios/$n.sh
        printf '%-20s %s%s\n' "$n" "$(sed -n '1s/^# *//p' "$f")" "$(needs_vbios "$f" && echo ' [needs vbios]')"
    done
    exit 0
fi
if [ $without = 1 ]; then
    keep=()
    for n in "${names[@]}"; do
        if needs_vbios "$here/scenarios/$n.sh"; then echo "test.sh: leaving out $n (needs vbios)" >&2
        else keep+=("$n"); fi
    done
    names=("${keep[@]}")
fi

passed=0; failed=0
fail_all() { for n in "${names[@]}"; do echo "FAIL $n: $*"; done
             echo "0 passed, ${#names[@]} failed"; exit 1; }
if [ -n "$vbios" ]; then
    [ -f "$vbios" ] && [ -x "$vbios" ] || fail_all "--vbios $vbios is not an executable file"
    vbios=$(cd "$(dirname "$vbios")" && pwd)/$(basename "$vbios")
fi
mkdir -p "$results"
"$here/fetch.sh" > "$results/fetch.log" 2>&1 || fail_all "fetch.sh failed: $(tail -n1 "$results/fetch.log")"
base=$results/base.cpio.gz
"$here/build-initramfs.sh" "$base" ${vbios:+--bin "$vbios:vbios"} > "$results/initramfs.log" 2>&1 \
    || fail_all "build-initramfs.sh failed: $(tail -n1 "$results/initramfs.log")"

# Scenarios that boot Xen (`# lab: xen`) share a dom0 initramfs, built once when one is selected.
xenbase=
for n in "${names[@]}"; do
    grep -Eq '^#[[:space:]]*lab:[[:space:]]*xen\b' "$here/scenarios/$n.sh" || continue
    xenbase=$results/dom0-base.cpio.gz
    "$here/build-dom0-initramfs.sh" "$xenbase" ${vbios:+--bin "$vbios:vbios"} > "$results/dom0-initramfs.log" 2>&1 \
        || fail_all "build-dom0-initramfs.sh failed: $(tail -n1 "$results/dom0-initramfs.log")"
    break
done

t0=$(date +%s)
for n in "${names[@]}"; do
    s0=$(date +%s)
    line=$("$here/run-scenario.sh" --base "$base" ${xenbase:+--xen-base "$xenbase"} ${vbios:+--vbios "$vbios"} \
           --results "$results/$n" "$n" 2>&1 | tail -n1)
    case "$line" in
        "PASS $n") passed=$((passed + 1)) ;;
        "FAIL $n:"*) failed=$((failed + 1)) ;;
        *) line="FAIL $n: run-scenario.sh said: $line"; failed=$((failed + 1)) ;;
    esac
    echo "$line ($(( $(date +%s) - s0 )) s)"
    if [ $verbose = 1 ] && [ -f "$results/$n/report.txt" ]; then sed 's/^/    /' "$results/$n/report.txt"; fi
done
[ $verbose = 1 ] && echo "(results in $results)" >&2
echo "$passed passed, $failed failed in $(( $(date +%s) - t0 )) s"
[ $failed = 0 ]
