# Helpers for NAME.check.sh scripts: source "$LAB_DIR/lib/check.sh"; R is the results folder.
# The check passes when it exits 0; otherwise its last output line is the reason shown.
set -uo pipefail
R=${1:?usage: NAME.check.sh RESULTS_DIR}
G=$R/guest
fail() { echo "$*"; exit 1; }
# note TEXT: an observation worth keeping; goes to RESULTS/report.txt (test.sh -v prints it).
note() { echo "$*" >> "$R/report.txt"; }
need() { for f in "$@"; do [ -e "$f" ] || fail "missing result ${f#$R/}"; done; }
# same FILE EXPECTED: byte-for-byte equality, or fail with the sizes and the first difference.
same() {
    need "$1"
    cmp -s "$1" "$2" && return 0
    fail "${1#$R/} ($(stat -c %s "$1") bytes) differs from $2 ($(stat -c %s "$2") bytes): $(cmp "$1" "$2" 2>&1 | head -n1)"
}
# differing FILE EXPECTED: how many bytes differ over the common length (+ any length difference).
differing() { cmp -l "$1" "$2" 2>/dev/null | wc -l; }
# errno_of FILE: the errno name for the first error message (busybox strerror text) in FILE.
errno_of() {
    local t; t=$(cat "$1" 2>/dev/null)
    case "$t" in
        *"Input/output error"*) echo EIO ;;
        *"Invalid argument"*) echo EINVAL ;;
        *"No such file or directory"*) echo ENOENT ;;
        *"Permission denied"*) echo EACCES ;;
        *"No such device"*) echo ENODEV ;;
        *"Device or resource busy"*) echo EBUSY ;;
        *"Operation not permitted"*) echo EPERM ;;
        "") echo none ;;
        *) echo "other($(head -n1 "$1"))" ;;
    esac
}
