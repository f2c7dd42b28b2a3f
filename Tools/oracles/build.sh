#!/bin/sh
# Build the real-consumer oracles into an ignored folder (default: .build-oracles at the
# repository root). Needs Debian's libxen-dev (libxlutil, libxenlight).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-"$here/../../.build-oracles"}
mkdir -p "$out"
if [ ! -e /usr/include/libxlutil.h ]; then
    echo "build.sh: /usr/include/libxlutil.h is missing: install Debian's libxen-dev (apt-get install libxen-dev)" >&2
    exit 1
fi
${CC:-cc} -std=gnu11 -O1 -Wall -Werror -o "$out/xlcfg-check" "$here/xlcfg-check.c" -lxlutil -lxenlight
echo "$out/xlcfg-check"
