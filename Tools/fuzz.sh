#!/usr/bin/env bash
# Bounded libFuzzer runs of every fuzz target (Fuzz/*), seeded from Fixtures/ and Debian's real
# ROMs. A crash fails the run and its input is kept under Fuzz/crashes/TARGET/ to become a
# regression fixture (Fuzz/regressions/, replayed by the test suite).
#   Tools/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
# It fails, never skips: a target not in Package.swift, a binary without coverage counters, and a
# target that executed fewer than FUZZ_MIN_RUNS inputs (default 2 per second of its budget, 120
# for the default minute: more than the ~70 seeds, so it must have mutated; on a loaded 2-core
# machine the slowest target, fuzz-efi-decompress, runs about 4 a second, the others 20 to 3000; a
# target that barely ran tested nothing) are failures, as is a crash.
# Each run draws a fresh seed and prints it; `FUZZ_SEED=N Tools/fuzz.sh` repeats that run's
# mutations (with the same seeds folder and time budget).
# Coverage: swift-driver hands the frontend only the LAST `-sanitize=` option, and SwiftPM emits
# `--sanitize fuzzer --sanitize address` in Set order, which Swift's per-process hash seed
# shuffles: half the builds compiled with `-sanitize=address` alone, so no SanitizerCoverage
# (`__sancov_cntrs`) and libFuzzer ran blind. The trailing `-Xswiftc -sanitize=fuzzer,address`
# is one option naming both, and it comes last. `--sanitize fuzzer` stays so SwiftPM links a
# libFuzzer binary (its own main, not the target's). Every binary is checked for the counters.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}; shift || true
targets=("$@")
((${#targets[@]})) || targets=(fuzz-parse fuzz-patch fuzz-diff fuzz-scan fuzz-bytes fuzz-efi-decompress fuzz-firmware fuzz-decompress fuzz-aml)
export SWIFT_BACKTRACE=enable=no
# A fresh seed every run (a fixed one would explore the same paths forever); never 0, which
# would let libFuzzer pick one we could not print.
seed=${FUZZ_SEED:-$(( (RANDOM << 15 | RANDOM) + 1 ))}
min_runs=${FUZZ_MIN_RUNS:-$((seconds * 2))}
echo "fuzz: seed $seed (FUZZ_SEED=$seed Tools/fuzz.sh $seconds ${targets[*]} reproduces it); at least $min_runs runs per target"
scratch=.build-fuzz

seeds=$(mktemp -d); trap 'rm -rf "$seeds"' EXIT
cp Fixtures/roms/*.rom Fixtures/roms/parts/*.bin "$seeds/" 2>/dev/null || true
cp /usr/share/seabios/vgabios-stdvga.bin /usr/lib/ipxe/qemu/efi-e1000.rom /usr/lib/ipxe/qemu/pxe-rtl8139.rom "$seeds/"
cp Fuzz/regressions/* "$seeds/" 2>/dev/null || true
# fuzz-aml: real DSDT/SSDTs (../shared, never committed) when present.
cp ../shared/firmware/acpi-*/SSDT* "$seeds/" 2>/dev/null || true

failed=0; passed=0
for t in "${targets[@]}"; do
  grep -q "\"$t\"" Package.swift || { echo "fuzz: $t FAILED: no such target in Package.swift"; failed=$((failed + 1)); continue; }
  bin="$scratch/release/$t"
  rm -f "$bin"   # a failed build must not leave an older binary to fuzz
  swift build -c release --scratch-path "$scratch" --sanitize fuzzer --sanitize address \
    -Xswiftc -sanitize=fuzzer,address --product "$t" -Xswiftc -DFUZZING 2>&1 \
    | grep -E "error|warning: unre|Compiling|Build" | tail -3
  [[ -x $bin ]] || { echo "fuzz: $t FAILED: the build made no $bin"; failed=$((failed + 1)); continue; }
  # Not `objdump | grep -q`: under pipefail, grep's early exit SIGPIPEs objdump and fails the check.
  sections=$(objdump -h "$bin" 2>/dev/null || true)
  if ! grep -q __sancov_cntrs <<<"$sections"; then
    echo "fuzz: $t FAILED: $bin has no __sancov_cntrs section: not instrumented for coverage, libFuzzer would run blind."
    echo "fuzz:   check the swift-frontend line of \`swift build -v\` for -sanitize=fuzzer,address."
    failed=$((failed + 1)); continue
  fi
  work=$(mktemp -d); cp "$seeds"/* "$work/"
  # The decompressor's inputs are compressed streams, not ROMs: real ones as seeds too.
  [[ $t != fuzz-efi-decompress ]] || python3 Tools/oracles/efi-fuzz-seeds.py "$work" >/dev/null || true
  # Firmware volumes with every section kind; for the decoders, the streams with a format byte
  # (0 LZMA, 1 LZMA+x86, 2 Brotli) in front.
  # and vendor packages (a zip and a 7z holding a volume) for the libarchive path.
  [[ $t != fuzz-firmware ]] || cp Fixtures/firmware/*.fd Fixtures/firmware/*.zip Fixtures/firmware/*.7z "$work/"
  if [[ $t == fuzz-decompress ]]; then
    { printf '\x00'; cat Fixtures/firmware/zeros-8m.lzma; } >"$work/lzma"
    { printf '\x01'; cat Fixtures/firmware/zeros-8m-x86.lzma; } >"$work/lzma-x86"
    { printf '\x02'; cat Fixtures/firmware/zeros-8m.br; } >"$work/brotli"
    { printf '\x04'; gzip -c /etc/services; } >"$work/gzip"
  fi
  crashes="Fuzz/crashes/$t"; mkdir -p "$crashes"
  echo "fuzz: $t for ${seconds}s"
  if timeout $((seconds + 60)) "$bin" -seed="$seed" -max_total_time="$seconds" -max_len=262144 -rss_limit_mb=2048 \
       -timeout=10 -artifact_prefix="$crashes/" -print_final_stats=1 "$work" >"$work.log" 2>&1; then
    # The last status line: total runs, coverage (cov: edges, ft: features), corpus, exec/s.
    { grep -E "^#[0-9]+.*cov:" "$work.log" || true; } | tail -1 | sed "s/^/fuzz: $t /"
    runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$work.log" | tail -1)
    rmdir "$crashes" 2>/dev/null || true
    if ((${runs:-0} < min_runs)); then
      echo "fuzz: $t FAILED: ${runs:-no} runs, fewer than $min_runs (FUZZ_MIN_RUNS); a target this slow tests next to nothing"
      tail -5 "$work.log"
      failed=$((failed + 1))
    else
      echo "fuzz: $t ${runs} runs"
      passed=$((passed + 1))
    fi
  else
    echo "fuzz: $t FAILED; the input is in $crashes/ (replay: swift build --product $t && .build/debug/$t FILE; FUZZ_SEED=$seed Tools/fuzz.sh $seconds $t repeats the run)"
    grep -E "ERROR|Fatal|panic|SUMMARY|precondition" "$work.log" | head -10
    failed=$((failed + 1))
  fi
  rm -rf "$work" "$work.log"
done
echo "fuzz: $passed passed, $failed failed of ${#targets[@]} targets (seed $seed)"
((failed == 0 && passed == ${#targets[@]}))
