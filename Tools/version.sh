#!/usr/bin/env bash
# Prints vbios's version and commit, one per line, from git: a tag vX.Y.Z on HEAD gives X.Y.Z,
# N commits past it X.Y.Z+gitN.HASH, no tag at all 0.0.0+gitN.HASH (N counts every commit), and
# uncommitted changes to tracked files add ".dirty". Each is a valid Debian version (upstream part:
# digits first, then only [A-Za-z0-9.+~]; a tag's "-rc1" becomes "~rc1", which sorts before the
# release). Outside a git checkout: 0.0.0 and "unknown".
set -euo pipefail
cd "$(dirname "$0")/.."
if ! commit=$(git rev-parse --verify -q HEAD 2>/dev/null); then
  printf '0.0.0\nunknown\n'
  exit 0
fi
short=$(git rev-parse --short=7 HEAD)
if desc=$(git describe --tags --long --match 'v[0-9]*' 2>/dev/null); then
  # vX.Y.Z-N-gHASH; the tag itself may contain hyphens.
  tag=${desc%-*-g*}
  n=${desc#"$tag"-}; n=${n%%-*}
  base=$(sed -e 's/^v//' -e 's/-/~/g' -e 's/[^A-Za-z0-9.+~]//g' <<<"$tag")
  if [[ $n == 0 ]]; then version=$base; else version="$base+git$n.$short"; fi
else
  version="0.0.0+git$(git rev-list --count HEAD).$short"
fi
git diff --quiet HEAD -- 2>/dev/null || version="$version.dirty"
printf '%s\n%s\n' "$version" "$commit"
