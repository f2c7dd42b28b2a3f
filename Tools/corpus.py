#!/usr/bin/env python3
"""The corpus tier: what `vbios` says and makes of each real vendor ROM in ../shared/roms.

    python3 Tools/corpus.py observe --vbios BIN FILE      print one ROM's observation (JSON)
    python3 Tools/corpus.py write --vbios BIN [--roms DIR] [--out DIR]
                                                          (re)write Fixtures/corpus/NAME.expect.json

An observation runs, on one ROM file:
  - `info --json`: verdict, prefix, images (offset, length, code type, IDs, last), the vendor
    summary, and the findings (severity, code, offset);
  - `verify --json`: exit status and status;
  - `patch --strip-header`, `patch --extract legacy`, `patch --extract efi`: exit status, and the
    output's size and SHA-256 when one was written;
  - `prepare --rom` for qemu and for xen on a fake host (Tools/gen-fake-sysfs.py --card) whose card
    has the ROM's own IDs: exit status, bios.bin's size and SHA-256, the codes of prepare's notes.

The Swift test (Tests/CLITests/CorpusTests.swift) runs `observe` on every ROM and compares with
the expectation kept in the repository; it never writes one. After a deliberate change in what
vbios says, run `write`, read the diff, and commit it. The vendor binaries themselves stay in
../shared and are never committed. Standard library only.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def run(vbios, args):
    p = subprocess.run([vbios] + args, stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def digest(path):
    with open(path, "rb") as f:
        data = f.read()
    return {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def written(rc, path):
    out = {"exit": rc}
    if os.path.isfile(path):
        out.update(digest(path))
    return out


def rom_ids(info):
    """The IDs of the first legacy or EFI image (what prepare compares with the card)."""
    images = info.get("images") or []
    main = [i for i in images if i.get("codeType") in (0, 3)] or images
    for i in main:
        if i.get("vendorID") and i.get("deviceID"):
            return i["vendorID"], i["deviceID"], i.get("classCode") or "030000"
    return None


def observe(vbios, rom):
    obs = {"file": os.path.basename(rom)}
    obs.update(digest(rom))
    rc, out, _ = run(vbios, ["info", "--json", rom])
    info = json.loads(out) if rc == 0 else {}
    obs["info"] = {
        "exit": rc,
        "verdict": info.get("verdict"),
        "prefix": info.get("prefix"),
        "prefixLength": info.get("prefixLength"),
        "images": [{k: i.get(k) for k in ("offset", "length", "codeType", "vendorID", "deviceID", "last")}
                   for i in info.get("images", [])],
        "summary": (info.get("vendorInfo") or {}).get("summary"),
        "findings": ["%s %s@%s" % (f["severity"], f["code"], f.get("offset")) for f in info.get("findings", [])],
    }
    rc, out, _ = run(vbios, ["verify", "--json", rom])
    lines = [json.loads(l) for l in out.splitlines() if l.strip()]
    obs["verify"] = {"exit": rc, "status": lines[0].get("status") if lines else None}

    tmp = tempfile.mkdtemp(prefix="vbios-corpus-")
    try:
        patch = {}
        for name, args in (("stripHeader", ["--strip-header"]), ("extractLegacy", ["--extract", "legacy"]),
                           ("extractEFI", ["--extract", "efi"])):
            path = os.path.join(tmp, name + ".rom")
            rc, _, _ = run(vbios, ["patch", rom, "-o", path] + args)
            patch[name] = written(rc, path)
        obs["patch"] = patch

        prepare = {}
        ids = rom_ids(info)
        if ids:
            host = os.path.join(tmp, "host")
            subprocess.run([sys.executable, os.path.join(HERE, "gen-fake-sysfs.py"), "--card", "%s:%s" % ids[:2],
                            "--class", ids[2] if ids[2] != "000000" else "030000", "--vbios", vbios, "--out", host], check=True)
            for target in ("qemu", "xen"):
                out_dir = os.path.join(tmp, "prepare-" + target)
                rc, out, _ = run(vbios, ["prepare", "01:00.0", "--for", target, "--rom", rom, "--sysfs", host,
                                         "--out", out_dir, "--json"])
                r = written(rc, os.path.join(out_dir, "bios.bin"))
                if rc == 0:
                    r["notes"] = [n["code"] for n in json.loads(out).get("notes", [])]
                prepare[target] = r
        obs["prepare"] = prepare
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return obs


def main():
    args = sys.argv[1:]
    if not args or args[0] not in ("observe", "write"):
        sys.exit(__doc__)
    mode, rest = args[0], args[1:]
    opts, files = {}, []
    while rest:
        a = rest.pop(0)
        if a.startswith("--"):
            opts[a] = rest.pop(0)
        else:
            files.append(a)
    vbios = opts.get("--vbios") or os.path.join(REPO, ".build", "debug", "vbios")
    if mode == "observe":
        for f in files:
            print(json.dumps(observe(vbios, f), indent=2, sort_keys=True))
        return
    roms = opts.get("--roms") or os.path.join(REPO, "..", "shared", "roms")
    out = opts.get("--out") or os.path.join(REPO, "Fixtures", "corpus")
    os.makedirs(out, exist_ok=True)
    names = sorted(n for n in os.listdir(roms) if n.endswith(".rom"))
    for n in names:
        with open(os.path.join(out, n[:-4] + ".expect.json"), "w") as f:
            f.write(json.dumps(observe(vbios, os.path.join(roms, n)), indent=2, sort_keys=True) + "\n")
    print("wrote %d expectations to %s" % (len(names), os.path.normpath(out)))


if __name__ == "__main__":
    main()
