#!/usr/bin/env bash
# The test command: installs what the tests need, then runs every tier (README,
# "Tests"). Exit status is non-zero if any tier fails; each tier says what it checked.
set -uo pipefail
cd "$(dirname "$0")/.."
export SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-enable=no}
# The test command is complete or it fails: with CI=true a test whose tool or data is missing
# (QEMU, OVMF, UEFIExtract, ../shared/roms, ...) is a failure, not a skip, for a person running
# it as for CI. `swift test --disable-xctest` alone, without CI=true, skips them visibly.
export CI=true

Tools/install-deps.sh || { echo "test.sh: could not install the packages the tests need" >&2; exit 1; }

# What the tiers print, for the closing count (Tools/test-summary.py); the tests' ledger of the
# programs each one started (TestSupport's Ledger).
logs=$(mktemp -d); trap 'rm -rf "$logs"' EXIT
export VBIOS_TEST_LEDGER=$logs/ledger.tsv

failed=()
tier() {  # tier NAME COMMAND...
  local name=$1; shift
  echo "== $name"
  local t0=$SECONDS
  if "$@"; then echo "== $name: passed ($((SECONDS - t0)) s)"; else echo "== $name: FAILED ($((SECONDS - t0)) s)"; failed+=("$name"); fi
}

tier "release build" swift build -c release --static-swift-stdlib --product vbios
# Never skipped: without QEMU or the kernel the lab fails loudly (Tools/lab/fetch.sh says why).
tier "lab (real kernel under QEMU)" bash -o pipefail -c 'Tools/lab/test.sh --vbios .build/release/vbios | tee "$0"' "$logs/lab.txt"
# The .deb (static Swift runtime) installed with dpkg, run with the toolchain hidden, removed.
tier "package (.deb, no Swift at run time)" Tools/package-test.sh
tier "fuzzing (bounded)" bash Tools/fuzz.sh
# Last of the tiers: unit, real-ROM, real-consumer and CLI tests.
tier "swift test" bash -o pipefail -c 'swift test --disable-xctest 2>&1 | tee "$0"' "$logs/swift.txt"

# How much of it ran vbios, and how much was judged by a program other than vbios: counted from
# what ran (the lab's PASS/FAIL lines and scenario directives, the tests' ledger), never written down.
python3 Tools/test-summary.py --lab "$logs/lab.txt" --swift "$logs/swift.txt" --ledger "$VBIOS_TEST_LEDGER" \
  --scenarios Tools/lab/scenarios || echo "test.sh: the summary could not be computed"

if ((${#failed[@]})); then
  echo "test.sh: failed tiers: ${failed[*]}"
  exit 1
fi
echo "test.sh: every tier passed"
