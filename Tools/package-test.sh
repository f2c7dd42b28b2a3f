#!/usr/bin/env bash
# The "package" tier of Tools/test.sh: builds the .deb (Tools/package-deb.sh), installs it with
# dpkg, runs the installed vbios with the Swift toolchain out of reach (PATH and LD_LIBRARY_PATH
# without it and, where a mount namespace can be had, its directory hidden under an empty tmpfs),
# checks the man pages and the bash, zsh and fish completions by using them, removes the package
# and checks nothing is left; then the same pages and completions from `Tools/install.sh --prefix`
# into a scratch directory. Needs root (or sudo) for dpkg; refuses to touch an installed vbios.
set -euo pipefail
trap 'echo "package-test.sh: stopped by a failing command at line $LINENO" >&2' ERR
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
fails=0
check() {  # check WHAT COMMAND...: runs it, says ok/FAILED
  local what=$1; shift
  if out=$("$@" 2>&1); then echo "  ok: $what"; else echo "  FAILED: $what"; sed 's/^/    /' <<<"$out" | head -20; fails=$((fails + 1)); fi
}

if dpkg-query -W -f='${db:Status-Abbrev}' vbios 2>/dev/null | grep -q '^[ih]'; then
  echo "package-test.sh: a vbios package is already installed here; not touching it (dpkg -r vbios first)" >&2
  exit 1
fi
dpkg_() {  # dpkg_ ARGS...: dpkg, waiting up to 5 minutes while another dpkg or apt holds its lock
  local i
  for ((i = 0; i < 150; i++)); do
    $sudo dpkg "$@" >"$work/dpkg.log" 2>&1 && return 0
    grep -q 'lock' "$work/dpkg.log" || { cat "$work/dpkg.log" >&2; return 1; }
    sleep 2
  done
  cat "$work/dpkg.log" >&2; return 1
}
work=$(mktemp -d)
installed=false
cleanup() { $installed && dpkg_ -r vbios; rm -rf "$work"; }
trap cleanup EXIT

# Tools/version.sh on a scratch repository: each state gives the expected, valid Debian version,
# and each later state a higher one (so dpkg -i of a newer build upgrades).
vr=$work/version-repo
mkdir -p "$vr/Tools" && cp Tools/version.sh "$vr/Tools/" && git -C "$vr" init -q
g() { git -C "$vr" -c user.name=t -c user.email=t@example.org -c commit.gpgsign=false "$@"; }
prev=""
vcase() {  # vcase EXPECTED-WITH-@-FOR-THE-SHORT-HASH
  local want=${1//@/$(git -C "$vr" rev-parse --short=7 HEAD)} got
  got=$("$vr/Tools/version.sh" | sed -n 1p)
  check "version.sh: $want" bash -c '[[ $1 == "$2" ]] && dpkg --validate-version "$1" && { [[ -z $3 ]] || dpkg --compare-versions "$3" lt "$1"; }' _ "$got" "$want" "$prev"
  prev=$got
}
g commit -q --allow-empty -m one;   vcase "0.0.0+git1.@"
g commit -q --allow-empty -m two;   vcase "0.0.0+git2.@"
g tag v1.2.3;                       vcase "1.2.3"
g commit -q --allow-empty -m three; vcase "1.2.3+git1.@"
g commit -q --allow-empty -m four;  vcase "1.2.3+git2.@"
g tag -a -m rc v2.0-rc1;            vcase "2.0~rc1"
echo a > "$vr/f" && g add f && g commit -q -m five && echo b > "$vr/f"; vcase "2.0~rc1+git1.@.dirty"
g commit -q -am six && g tag v2.0;  vcase "2.0"

deb=$(Tools/package-deb.sh --out "$work")
echo "built $(basename "$deb") ($(du -h "$deb" | cut -f1)), $(dpkg-deb -f "$deb" Installed-Size) KiB installed"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
check "Depends names libc6 and libpci3, each with a version" \
  bash -c '[[ $1 =~ (^|, )libc6\ \(\>=\ [^\)]+\) && $1 =~ (^|, )libpci3\ \(\>=\ [^\)]+\) ]]' _ "$depends"
check "Depends names no Swift" bash -c '! grep -qi swift <<<"$1"' _ "$depends"
# The fallback without dpkg-dev (ldd + dpkg -S) must name the same packages.
names() { tr ',' '\n' <<<"$1" | awk '{print $1}' | sort | tr '\n' ' '; }
ldd_depends=$(VBIOS_DEPENDS_FROM=ldd Tools/package-deb.sh --out "$work/ldd" 2>&1 >/dev/null | sed -n 's/.*Depends: //p')
check "Depends from ldd + dpkg -S names the same packages ($(names "$ldd_depends"))" \
  test "$(names "$depends")" == "$(names "$ldd_depends")"

dpkg_ -i "$deb"
installed=true

# Run the installed binary where no Swift can be found.
# The toolchain's own tree (/opt/swift here) is hidden; one installed under /usr cannot be.
hide=""
if command -v swift >/dev/null; then
  swift_root=$(cd "$(dirname "$(readlink -f "$(command -v swift)")")/../.." && pwd)
  case $swift_root in /|/usr|/usr/local) ;; *) $sudo unshare -m true 2>/dev/null && hide=$swift_root ;; esac
fi
run_clean() {  # run_clean COMMAND...: a clean environment, and the toolchain hidden when it can be
  local e=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8)
  if [[ -n $hide ]]; then
    $sudo unshare -m "${e[@]}" sh -c 'mount -t tmpfs none "$0" && exec "$@"' "$hide" "$@"
  else
    "${e[@]}" "$@"
  fi
}
export -f run_clean
export hide sudo
if [[ -n $hide ]]; then
  echo "running the installed vbios with $hide hidden (empty tmpfs) and PATH=/usr/sbin:/usr/bin:/sbin:/bin"
  check "the toolchain is out of reach there" run_clean sh -c '! command -v swift && [ -z "$(ls "$0")" ]' "$hide"
else
  echo "running the installed vbios with PATH=/usr/sbin:/usr/bin:/sbin:/bin and no LD_LIBRARY_PATH"
fi
check "ldd /usr/bin/vbios lists no Swift, Foundation or dispatch library" \
  bash -c '! ldd /usr/bin/vbios | grep -Ei "swift|Foundation|dispatch|not found"'
{ read -r version; read -r commit; } < <(Tools/version.sh)
check "vbios --version says $version (commit ${commit:0:12}...)" \
  bash -c '[[ "$(run_clean /usr/bin/vbios --version)" == "$1 (commit $2)" ]]' _ "$version" "$commit"
host=$root/Fixtures/hosts/radeon-hd7850
check "vbios list --sysfs Fixtures/hosts/radeon-hd7850 finds the HD 7850 at 01:00.0" \
  bash -c 'run_clean /usr/bin/vbios list --sysfs "$1" | grep -q "01:00.0"' _ "$host"
check "vbios list --json: the package's output equals the build's" \
  bash -c 'cmp <(run_clean /usr/bin/vbios list --json --sysfs "$1") <("$2" list --json --sysfs "$1")' _ "$host" \
  "${VBIOS_STATIC_SCRATCH:-$root/.build-static}/release/vbios"

# Man pages: found by man, and groff renders them without a warning.
check "man -w vbios-prepare finds /usr/share/man/man1/vbios-prepare.1.gz" \
  bash -c '[[ $(man -w vbios-prepare) == /usr/share/man/man1/vbios-prepare.1.gz ]]'
for page in $(dpkg -L vbios | grep '/man1/'); do
  check "$(basename "$page") renders without groff warnings and names its command" \
    bash -c 'w=$(MANWIDTH=80 man --warnings -l "$1" 2>&1 >/dev/null) && [[ -z $w ]] && zcat "$1" | grep -q "^\.Nm"' _ "$page"
done
check "man vbios-prepare documents --for" bash -c 'MANWIDTH=100 man vbios-prepare 2>/dev/null | grep -q -- "--for"'
check "man vbios-verify's EXIT STATUS lists verify's own statuses (1: a ROM fails), not '>0 on error'" \
  bash -c 'e=$(MANWIDTH=100 man vbios-verify 2>/dev/null | sed -n "/^EXIT STATUS/,/^[A-Z]/p"); grep -q "1 *a ROM fails" <<<"$e" && grep -q "^ *64 " <<<"$e" && ! grep -q "error occurs" <<<"$e"'
check "one page per subcommand ($(/usr/bin/vbios --help | awk '/^SUBCOMMANDS:/{s=1;next} s&&/^  [a-z]/{n++} END{print n}') subcommands)" \
  bash -c 'for s in $(/usr/bin/vbios --help | awk "/^SUBCOMMANDS:/{s=1;next} s&&/^  [a-z]/{print \$1}"); do [ -f /usr/share/man/man1/vbios-$s.1.gz ] || { echo "no page for $s"; exit 1; }; done'

# Completions, used the way each shell loads them.
check "bash: bash-completion loads it on demand and completes 'vbios pre' to prepare" bash -c '
  source /usr/share/bash-completion/bash_completion && __load_completion vbios && complete -p vbios | grep -q _vbios &&
  COMP_WORDS=(vbios pre) COMP_CWORD=1 COMP_LINE="vbios pre" COMP_POINT=9 && _vbios vbios pre vbios &&
  printf "%s\n" "${COMPREPLY[@]}" | grep -qx prepare'
if command -v zsh >/dev/null; then
  check "zsh: _vbios parses and compinit registers it from Debian's vendor-completions" \
    zsh -fc 'zsh -n /usr/share/zsh/vendor-completions/_vbios && autoload -Uz compinit && compinit -u -d "$1" && [[ $_comps[vbios] == _vbios ]]' _ "$work/zcompdump"
else echo "  (zsh not installed: its completion not checked)"; fi
if command -v fish >/dev/null; then
  check "fish: vbios.fish parses and 'vbios pre<TAB>' offers prepare" \
    bash -c 'fish -n /usr/share/fish/vendor_completions.d/vbios.fish && HOME=$1 fish -c "complete -C \"vbios pre\"" </dev/null | grep -q "^prepare"' _ "$work"
else echo "  (fish not installed: its completion not checked)"; fi

# Removal leaves nothing of ours.
files=$(dpkg -L vbios | while read -r f; do [[ -f $f ]] && echo "$f"; done)
dpkg_ -r vbios
installed=false
check "dpkg -r removes all $(wc -l <<<"$files") files" bash -c 'for f in $1; do [ ! -e "$f" ] || { echo "left: $f"; exit 1; }; done' _ "$files"
check "dpkg keeps no trace of vbios (not even config files)" \
  bash -c 's=$(dpkg-query -W -f="\${db:Status-Abbrev}" vbios 2>/dev/null) || true; [[ -z $s || $s == un* || $s == pn* ]] || { echo "status: $s"; exit 1; }'

# Tools/install.sh into a prefix of its own (incremental: the build above is reused), found the
# way each tool looks: man from PATH (PREFIX/bin -> PREFIX/share/man), bash-completion and fish
# from XDG_DATA_DIRS (bash-completion's default has /usr/local/share; Debian's fish needs it set
# for anything but /usr), zsh from fpath (Debian's has /usr/local/share/zsh/site-functions).
prefix=$work/prefix
Tools/install.sh --prefix "$prefix" 2>"$work/install.log" || { cat "$work/install.log"; exit 1; }
check "install.sh: with PREFIX/bin on PATH, man finds PREFIX/share/man/man1/vbios-prepare.1" \
  bash -c '[[ $(PATH=$1/bin:$PATH man -w vbios-prepare) == $1/share/man/man1/vbios-prepare.1 ]]' _ "$prefix"
check "install.sh: bash-completion loads PREFIX/share/bash-completion/completions/vbios" bash -c '
  export XDG_DATA_DIRS=$1/share:/usr/share && source /usr/share/bash-completion/bash_completion &&
  __load_completion vbios && complete -p vbios | grep -q _vbios' _ "$prefix"
if command -v zsh >/dev/null; then
  check "install.sh: zsh's compinit registers PREFIX/share/zsh/site-functions/_vbios" \
    zsh -fc 'fpath=($1/share/zsh/site-functions $fpath) && autoload -Uz compinit && compinit -u -d "$1/zcompdump" && [[ $_comps[vbios] == _vbios ]]' _ "$prefix"
fi
if command -v fish >/dev/null; then
  check "install.sh: fish completes 'vbios pre' from PREFIX/share/fish/vendor_completions.d" \
    bash -c 'PATH=$1/bin:$PATH XDG_DATA_DIRS=$1/share:/usr/share HOME=$1 fish -c "complete -C \"vbios pre\"" </dev/null | grep -q "^prepare"' _ "$prefix"
fi

if ((fails)); then echo "package-test.sh: $fails checks failed"; exit 1; fi
echo "package-test.sh: every check passed"
