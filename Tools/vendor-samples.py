#!/usr/bin/env python3
"""Put the real vendor-package samples of Fixtures/vendor-samples/MANIFEST.tsv into a folder.

Each sample is read out of a git mirror of the public repository the manifest names, at the
commit it names (`git show COMMIT:PATH`), decoded when it is stored as uuencoded text (libarchive
keeps its test archives as .uu), and checked against the manifest's size and md5 before it is
written. Nothing is downloaded here: point --mirrors at a folder holding the repositories as
OWNER+NAME/repo (bare or not), or clone them there yourself.

    Tools/vendor-samples.py --mirrors /work/.mirror --out /work/vendor-samples
    VBIOS_VENDOR_SAMPLES=/work/vendor-samples swift test --disable-xctest --filter VendorSampleTests
"""
import argparse
import binascii
import hashlib
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rows():
    with open(os.path.join(ROOT, "Fixtures/vendor-samples/MANIFEST.tsv"), encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f if not l.startswith("#")]
    head = lines[0].split("\t")
    return [dict(zip(head, l.split("\t"))) for l in lines[1:] if l]


def uudecode(text):
    out = bytearray()
    inside = False
    for line in text.decode("ascii", "replace").splitlines():
        if line.startswith("begin "):
            inside = True
        elif line == "end":
            break
        elif inside and line:
            n = (ord(line[0]) - 32) & 63
            out += binascii.a2b_uu(line[: 1 + (n + 2) // 3 * 4])
    return bytes(out)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mirrors", required=True, help="folder of OWNER+NAME/repo git mirrors")
    p.add_argument("--out", required=True, help="folder to write the samples into")
    a = p.parse_args()
    missing = 0
    for r in rows():
        git = os.path.join(a.mirrors, r["repository"].replace("/", "+"), "repo")
        try:
            data = subprocess.run(["git", "-C", git, "show", f"{r['commit']}:{r['path']}"], check=True,
                                  capture_output=True, stdin=subprocess.DEVNULL).stdout
        except (subprocess.CalledProcessError, FileNotFoundError) as e:
            print(f"missing {r['sample']}: no {r['repository']} at {r['commit']} under {a.mirrors} ({e})", file=sys.stderr)
            missing += 1
            continue
        if r["path"].endswith(".uu"):
            data = uudecode(data)
        if len(data) != int(r["size"]) or hashlib.md5(data).hexdigest() != r["md5"]:
            print(f"wrong {r['sample']}: {len(data)} bytes, md5 {hashlib.md5(data).hexdigest()}", file=sys.stderr)
            missing += 1
            continue
        out = os.path.join(a.out, r["sample"])
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out, "wb") as f:
            f.write(data)
        print(f"{r['sample']}: {len(data)} bytes ({r['format']})")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
