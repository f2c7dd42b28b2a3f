#!/bin/bash
source "$LAB_DIR/lib/check.sh"
FX=$LAB_DIR/../../Fixtures/roms
E1000=/usr/lib/ipxe/qemu/efi-e1000.rom
need "$G/dump-e1000.rc" "$G/signals.txt"
for t in dump-e1000 dump-e1000-sysfs dump-e1000-rombar dump-vga dump-custom dump-nvidia-auto dump-nvidia-sysfs \
         dump-nvidia-rombar dump-amd diff-vga info-vga info-vga-addr; do
    [ "$(cat "$G/$t.rc")" = 0 ] || { [ $t = diff-vga ] && [ "$(cat "$G/$t.rc")" = 1 ]; } || fail "vbios ${t/-/ } exited $(cat "$G/$t.rc"): $(tail -n1 "$G/$t.err")"
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$G/$t.out" 2>/dev/null || fail "vbios ${t/-/ } --json printed no JSON"
done
# prefix FILE EXPECTED: FILE starts with EXPECTED and the rest is zero (QEMU pads a ROM BAR with zeros).
prefix() {
    local n; n=$(stat -c %s "$2")
    cmp -s -n "$n" "$1" "$2" || fail "${1#$R/} does not start with $2: $(cmp -n "$n" "$1" "$2" 2>&1 | head -n1)"
    [ -z "$(tail -c +$((n + 1)) "$1" | tr -d '\0' | head -c1)" ] || fail "${1#$R/} has non-zero bytes after $2's $n"
}
# jq-like: json FILE EXPR (Python expression over d); prints the value.
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
codes() { json "$1" '" ".join(f["code"] for f in d.get("findings", []))'; }

# e1000: sysfs (auto and explicit) and rombar (the chain, without the BAR's zero fill) byte for byte.
same "$G/e1000.rom" $E1000
same "$G/e1000-sysfs.rom" $E1000
[ "$(json "$G/dump-e1000.out" 'd["source"]')" = sysfs ] || fail "dump --source auto of the e1000 kept $(json "$G/dump-e1000.out" 'd["source"]')"
e=$(errno_of "$G/after-e1000.err"); [ "$e" = EINVAL ] || fail "after vbios dump the e1000 rom reads with $e (expected EINVAL: left disabled)"
same "$G/e1000-rombar.rom" $E1000
reg=$(cat "$G/e1000-romreg-after"); (( (0x$reg & 1) == 0 )) || fail "ROM BAR register left enabled after --source rombar: $reg"
note "e1000: auto and sysfs = efi-e1000.rom ($(stat -c %s $E1000) bytes); rombar (through /dev/mem, iomem=relaxed) = the file too, read from the 256 KiB BAR and trimmed to the chain; ROM register $reg afterwards"

same "$G/custom.rom" "$R/host/chain.rom"
# Without --allow-broken the same read is refused (exit 1, code broken-rom) and nothing is written.
[ "$(cat "$G/dump-custom-refused.rc")" = 1 ] && grep -q '"broken-rom"' "$G/dump-custom-refused.out" && [ ! -e "$G/custom-refused.rom" ] \
    || fail "dump of the broken chain without --allow-broken: exit $(cat "$G/dump-custom-refused.rc"), $(head -c 200 "$G/dump-custom-refused.out")"
same "$G/amd.rom" "$FX/amd.rom"

# NVIDIA: the kernel stops where PCIR says last (0x3800); NPDE says the chain goes on.
same "$G/nvidia-sysfs.rom" "$G/nvidia-cat.bin"
same "$G/nvidia-auto.rom" "$G/nvidia-cat.bin"
n=$(stat -c %s "$G/nvidia-cat.bin"); [ "$n" = 14336 ] || fail "sysfs returned $n bytes of nvidia.rom, expected 14336 (PCIR's chain)"
cmp -s -n 14336 "$G/nvidia-cat.bin" "$FX/nvidia.rom" || fail "sysfs read of nvidia.rom is not its first 14336 bytes"
for s in auto sysfs; do
    c=$(codes "$G/dump-nvidia-$s.out")
    [[ " $c " == *" sysfs-cut "* ]] || fail "dump --source $s of the NVIDIA chain cut by sysfs has no sysfs-cut finding (findings: $c)"
done
grep -q -- '--source rombar' "$G/dump-nvidia-text.out" || fail "dump of the cut NVIDIA chain does not point at --source rombar"
[ "$(json "$G/dump-nvidia-auto.out" 'd["source"]')" = sysfs ] || fail "auto kept $(json "$G/dump-nvidia-auto.out" 'd["source"]') for the NVIDIA card"
json "$G/dump-nvidia-auto.out" 'd["reason"]' | grep -q . || fail "dump --json gives no reason for the source kept"
[ "$(cat "$G/dump-nvidia-refused.rc")" = 1 ] && grep -q '"broken-rom"' "$G/dump-nvidia-refused.out" && [ ! -e "$G/nvidia-refused.rom" ] \
    || fail "dump of the cut NVIDIA chain without --allow-broken: exit $(cat "$G/dump-nvidia-refused.rc"), $(head -c 200 "$G/dump-nvidia-refused.out")"
# rombar: the whole chain NPDE describes (5 images), the fixture's own 0xFF padding after it dropped.
n=$(stat -c %s "$G/nvidia-rombar.rom")
cmp -s -n "$n" "$G/nvidia-rombar.rom" "$FX/nvidia.rom" || fail "rombar dump of nvidia.rom differs from the fixture's first $n bytes"
[ -z "$(tail -c +$((n + 1)) "$FX/nvidia.rom" | tr -d '\377' | head -c1)" ] || fail "rombar dump of nvidia.rom stops at $n, before the end of the chain"
[ "$(json "$G/dump-nvidia-rombar.out" 'len(d["images"])')" = 5 ] || fail "rombar dump of nvidia.rom does not show its 5 images"
c=$(codes "$G/dump-nvidia-rombar.out"); [[ " $c " != *" truncated "* && " $c " != *" sysfs-cut "* ]] || fail "rombar dump of nvidia.rom: $c"
note "NVIDIA fixture: sysfs returns 14336 of 81920 bytes (stops at PCIR's last bit); vbios keeps sysfs under auto and says sysfs-cut + no-last-image, pointing at --source rombar; rombar reads the 128 KiB BAR and keeps the whole chain, all 5 images ($n bytes)"

# Boot VGA: the shadow, reported as such; the bytes the VGA BIOS wrote while running lie in its body.
need "$G/vga.rom"
cmp -s "$G/vga.rom" "$G/vga-sysfs.bin" || fail "boot VGA dump differs from the kernel's shadow read"
for t in dump-vga info-vga-addr; do
    c=$(codes "$G/$t.out"); [[ " $c " == *" shadow-copy "* || " $c " == *" runtime-modified "* ]] || fail "vbios ${t/-/ } does not report the shadow (findings: $c)"
done
grep -q 'SHADOW COPY' "$G/dump-vga-text.err" || fail "dump of the boot VGA prints no SHADOW COPY warning"
python3 - "$G/diff-vga.out" /usr/share/seabios/vgabios-stdvga.bin <<'PY' || exit 1
import json, struct, sys
d = json.load(open(sys.argv[1])); rom = open(sys.argv[2], "rb").read()
pcir = struct.unpack_from("<H", rom, 0x18)[0]
bad = []
for r in d["ranges"]:
    a, b = r["offset"], r["offset"] + r["length"]
    if r["region"] == "checksum byte": continue
    if a < 0x1a: bad.append(f"{a:#x}+{r['length']} in the header/entry point")
    if a < pcir + 0x18 and b > pcir: bad.append(f"{a:#x}+{r['length']} in the PCIR")
    if r["image"] != 0: bad.append(f"{a:#x} outside image 0")
if not d["changedBytes"] or d["changedBytes"] > len(rom) // 20: bad.append(f"{d['changedBytes']} bytes changed")
if bad: print("boot VGA shadow vs vgabios-stdvga.bin: " + "; ".join(bad)); sys.exit(1)
PY
note "boot VGA: dump = the shadow ($(stat -c %s "$G/vga.rom") bytes), shadow-copy in dump and info ADDR; vbios diff: $(json "$G/diff-vga.out" 'd["changedBytes"]') bytes in $(json "$G/diff-vga.out" 'len(d["ranges"])') ranges, none in header/PCIR ($(json "$G/diff-vga.out" '", ".join("%#x+%d" % (r["offset"], r["length"]) for r in d["ranges"][:6])') ...)"
note "boot VGA: vbios info on the dumped file alone finds: [$(codes "$G/info-vga.out")] (size byte, checksum and chain are intact: the bytes carry no runtime evidence)"

[ "$(cat "$G/dump-norom.rc")" != 0 ] || fail "vbios dump of a device without ROM succeeded"
grep -q 'no ROM resource' "$G/dump-norom.out" && grep -q '"error"' "$G/dump-norom.out" || fail "dump --json of a device without ROM: no JSON error naming it: $(tail -n1 "$G/dump-norom.out") $(tail -n1 "$G/dump-norom.err")"

# Memory decode off.
[ "$(cat "$G/command-off")" != "$(cat "$G/command-before")" ] || fail "setpci did not clear memory decode"
for t in decode-off decode-off-rombar; do
    [ "$(cat "$G/$t.rc")" != 0 ] || fail "vbios dump with memory decode off succeeded ($t)"
    grep -q 'memory decoding is off' "$G/$t.err" || fail "$t: the error does not mention memory decoding: $(tail -n1 "$G/$t.err")"
    [ ! -e "$G/$t.rom" ] || fail "$t left an output file"
done
grep -q EIO "$G/decode-off.err" || fail "decode-off: the error does not name EIO"
[ "$(cat "$G/decode-off-temps")" = 0 ] || fail "decode-off left a temp file"
e=$(errno_of "$G/after-decode-off.err"); [ "$e" = EINVAL ] || fail "after the failed dump rom reads with $e (expected EINVAL: disabled again)"
note "decode off: exit $(cat "$G/decode-off.rc"): $(cut -c1-120 "$G/decode-off.err")...; rom disabled afterwards"

# Not root.
grep -q 'uid=1000' "$G/nonroot-id.out" || fail "su did not switch user: $(cat "$G/nonroot-id.out" "$G/nonroot-id.err")"
for t in nonroot nonroot-vga; do
    [ "$(cat "$G/$t.rc")" != 0 ] || fail "vbios dump as a user succeeded ($t)"
    grep -q '/sys/bus/pci/devices/0000:00:0[23].0/rom' "$G/$t.err" || fail "$t: the error does not name the rom file: $(tail -n1 "$G/$t.err")"
    grep -q sudo "$G/$t.err" || fail "$t: the error does not suggest sudo: $(tail -n1 "$G/$t.err")"
done
[ "$(grep -vc '^\.\.\?$' "$G/nonroot-files")" = 0 ] || fail "dump as a user left files: $(tr '\n' ' ' < "$G/nonroot-files")"
note "not root: exit $(cat "$G/nonroot.rc"): $(cat "$G/nonroot.err")"

# Signals.
python3 - "$G/signals.txt" <<'PY' || exit 1
import sys
runs = [l.split(None, 6) for l in open(sys.argv[1]) if l.strip()]
bad, killed = [], {"INT": 0, "TERM": 0}
for n, sig, d, rc, out, temps, rom in runs:
    if sig == "INT" and rc != "0":
        bad.append(f"run {n}: SIGINT, ignored by the parent shell, still ended vbios (exit {rc}): an ignored signal must stay ignored")
    if rc in ("130", "143"):
        killed[sig] += 1
        # Killed after the file was linked into place (while printing) leaves it whole: fine.
        if out not in ("none", "complete"): bad.append(f"run {n}: killed by {sig} after {d} ms but left a partial output ({out})")
    elif rc == "0":
        if out != "complete": bad.append(f"run {n}: exit 0 but the output is {out}")
    elif rc == "137": bad.append(f"run {n}: {sig} after {d} ms: vbios hung (killed after 20 s)")
    else: bad.append(f"run {n}: {sig} after {d} ms gave exit {rc}")
    if temps != "0": bad.append(f"run {n}: {temps} temp files left")
    if rom.strip() != "EINVAL": bad.append(f"run {n}: rom afterwards: {rom.strip()} (left enabled?)")
if bad: print(f"{len(bad)} signal runs broke the invariant; first: {bad[0]}"); sys.exit(1)
if killed["TERM"] < 3:
    print(f"too few runs were killed mid-dump to test anything ({killed}); the delays miss the dump"); sys.exit(1)
if sum(1 for r in runs if r[3] in ("130", "143") and r[4] == "none") < 3:
    print("fewer than 3 runs were killed before writing the output; the delays miss the dump"); sys.exit(1)
print(f"{len(runs)} runs, killed: {killed}")
PY
note "signals: $(wc -l < "$G/signals.txt") dumps signalled at random points of a $(cat "$G/dump-ms") ms dump: $(awk '$4==130{i++} $4==143{t++} $4==0{c++} $4!=0&&$5=="complete"{w++} END{print i+0 " killed by INT, " t+0 " by TERM (" w+0 " of them after the file was in place), " c+0 " completed"}' "$G/signals.txt"); never a partial file, a temp file or an enabled rom"
