#!/usr/bin/env bash
# Installs vbios like real software, for hosts that have no Swift toolchain:
#   PREFIX/bin/vbios                        release build, Swift runtime linked in statically
#   PREFIX/share/man/man1/vbios.1           man pages generated from the argument-parser
#   PREFIX/share/man/man1/vbios-SUB.1         definitions, one per subcommand (vbios-prepare.1 ...)
#   PREFIX/share/bash-completion/completions/vbios
#   PREFIX/share/zsh/site-functions/_vbios  (share/zsh/vendor-completions/_vbios when PREFIX is
#                                            /usr: that is where Debian's zsh looks for packages)
#   PREFIX/share/fish/vendor_completions.d/vbios.fish
# Usage: Tools/install.sh [--prefix DIR] [--destdir DIR] [--gzip-man]
#   --prefix   where it will live (default /usr/local)
#   --destdir  a staging root the files are written under instead of / (packaging); $DESTDIR works too
#   --gzip-man compress the man pages (gzip -9n, as Debian packages have them)
# Run it as yourself: it builds as you and asks sudo only to copy into a prefix you cannot write.
# Builds in $VBIOS_STATIC_SCRATCH (default .build-static), apart from .build, whose release build
# links the runtime dynamically. `vbios --version` says Tools/version.sh's version and commit.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
prefix=/usr/local
destdir=${DESTDIR:-}
gzip_man=false
die() { echo "install.sh: $*" >&2; exit 1; }
while (($#)); do
  case $1 in
    --prefix) (($# >= 2)) || die "--prefix needs a directory"; prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#*=}; shift ;;
    --destdir) (($# >= 2)) || die "--destdir needs a directory"; destdir=$2; shift 2 ;;
    --destdir=*) destdir=${1#*=}; shift ;;
    --gzip-man) gzip_man=true; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (try --help)" ;;
  esac
done
[[ $prefix == /* ]] || die "--prefix must be an absolute path, not '$prefix'"
[[ -z $destdir || $destdir == /* ]] || destdir="$PWD/$destdir"
prefix=${prefix%/}
scratch=${VBIOS_STATIC_SCRATCH:-$root/.build-static}
cd "$root"

# The version, baked in through a git-ignored source file that only -DVBIOS_BUILD_VERSION reads
# (Sources/vbios/Version.swift); rewritten only when it changes, so a rebuild stays incremental.
{ read -r version; read -r commit; } < <(Tools/version.sh)
gen=Sources/vbios/BuildVersion.swift
new=$(printf '// Written by Tools/install.sh; git-ignored. See Version.swift.\n#if VBIOS_BUILD_VERSION\nlet buildVersion = "%s"\nlet buildCommit = "%s"\n#endif\n' "$version" "$commit")
[[ -f $gen && "$(cat "$gen")" == "$new" ]] || printf '%s\n' "$new" > "$gen"

echo "install.sh: building vbios $version (release, static Swift runtime) in $scratch" >&2
log=$(mktemp)
trap 'rm -f "$log"; rm -rf "${work:-}"' EXIT
build=(-c release --static-swift-stdlib -Xswiftc -DVBIOS_BUILD_VERSION --scratch-path "$scratch")
swift build "${build[@]}" --product vbios >"$log" 2>&1 || { tail -40 "$log" >&2; die "the release build failed"; }
bin="$scratch/release/vbios"

# The point of the static build: nothing of the toolchain is loaded at run time.
libs=$(ldd "$bin") || die "ldd $bin failed"
if grep -Ei 'libswift|libFoundation|libdispatch|libBlocksRuntime|_FoundationICU|not found' <<<"$libs" >&2; then
  die "$bin still loads the libraries above; the package would need a Swift toolchain"
fi
[[ "$("$bin" --version)" == "$version (commit $commit)" ]] || die "$bin --version says '$("$bin" --version)', not '$version (commit $commit)'"

work=$(mktemp -d)
# Man pages: argument-parser's own generate-manual, the tool its `swift package generate-manual`
# plugin runs (the plugin would first build every product of this package, fuzz targets included,
# in a build of its own). Built with the same flags, it reuses the ArgumentParser just built.
swift build "${build[@]}" --product generate-manual >"$log" 2>&1 \
  || { tail -40 "$log" >&2; die "building argument-parser's generate-manual failed"; }
# The commit's date, not today's, so the same commit gives the same pages.
date=$(git log -1 --format=%cs 2>/dev/null || date -u +%F)
mkdir "$work/man"
"$scratch/release/generate-manual" "$bin" --multi-page --date "$date" \
  --output-directory "$work/man" >"$log" 2>&1 || { cat "$log" >&2; die "generate-manual failed"; }
# Subcommands' pages renamed vbios-prepare.1, each command's own EXIT STATUS (Tools/man-pages.py).
python3 "$root/Tools/man-pages.py" "$work/man" || die "Tools/man-pages.py failed"
[[ -f $work/man/vbios.1 && -f $work/man/vbios-prepare.1 ]] || die "generate-manual wrote $(ls "$work/man" | tr '\n' ' ')"

for shell in bash zsh fish; do
  "$bin" --generate-completion-script "$shell" > "$work/completion.$shell" || die "no $shell completion script"
done

# Install. The build above runs as you (sudo would drop the toolchain from PATH and leave
# root-owned build files); only the copying asks for sudo, when the prefix is not yours to write.
to="$destdir$prefix"
zshdir=share/zsh/site-functions
[[ $prefix == /usr ]] && zshdir=share/zsh/vendor-completions
$gzip_man && for page in "$work"/man/*.1; do gzip -9n "$page"; done
as_root=""
probe=$to
while [[ ! -e $probe ]]; do probe=$(dirname "$probe"); done
if [[ ! -w $probe || ( -e $to/bin && ! -w $to/bin ) ]] && [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || die "cannot write under $to and there is no sudo; run it as root or pick --prefix"
  echo "install.sh: writing under $to needs root: sudo install ..." >&2
  as_root=sudo
fi
$as_root install -d "$to/bin" "$to/share/man/man1" "$to/share/bash-completion/completions" \
  "$to/$zshdir" "$to/share/fish/vendor_completions.d"
# Stripped: the symbol table is most of the size and nothing reads it at run time.
$as_root install -m 0755 -s "$bin" "$to/bin/vbios"
$as_root install -m 0644 "$work"/man/* "$to/share/man/man1/"
$as_root install -m 0644 "$work/completion.bash" "$to/share/bash-completion/completions/vbios"
$as_root install -m 0644 "$work/completion.zsh" "$to/$zshdir/_vbios"
$as_root install -m 0644 "$work/completion.fish" "$to/share/fish/vendor_completions.d/vbios.fish"
"$to/bin/vbios" --version >/dev/null || die "the installed $to/bin/vbios does not run"
echo "install.sh: installed vbios $version under ${destdir:+$destdir}$prefix ($(ls "$work/man" | wc -l) man pages, bash/zsh/fish completions)" >&2
