#!/usr/bin/env python3
"""The JSON byte-identity proof (issue 27: the module split changes no output).

    python3 Tools/json-identity.py write --vbios BIN     (re)record Fixtures/json-identity/*.json
    python3 Tools/json-identity.py check --vbios BIN     run BIN on the same inputs; exit 1 on any difference

Each case is one vbios command line with `--json`, run from the repository root with relative
paths (the paths are part of the output): `info`, `verify` and `scan` on every ROM, `diff` on
neighbouring ROMs (sorted by name), one `verify` of all of them at once (the parallel path), and
`scan` on every firmware image. What is recorded is the exit status and stdout:

  - Fixtures/json-identity/fixtures.json: the whole stdout, for the repository's own Fixtures;
  - Fixtures/json-identity/shared.json: its SHA-256 and size, for ../shared/roms and
    ../shared/firmware (the vendors' bytes and what vbios says of them are not redistributed).

The expectations were recorded with the release binary of 2f8db6f, the main before the module
split. Re-record only deliberately (a change in output that the README's JSON contract allows),
read the diff, and say so in the commit. The Swift test (Tests/CLITests/JSONIdentityTests.swift)
runs `check` on today's binary; it never writes. Standard library only.
"""
import glob
import hashlib
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
OUT = os.path.join(REPO, "Fixtures", "json-identity")


def rel(paths):
    return sorted(os.path.relpath(p, REPO) for p in paths)


def cases_for(roms, firmware):
    cases = []
    for rom in roms:
        for command in ("info", "verify", "scan"):
            cases.append([command, "--json", rom])
    for a, b in zip(roms, roms[1:]):
        cases.append(["diff", "--json", a, b])
    if roms:
        cases.append(["verify", "--json"] + roms)
    for image in firmware:
        cases.append(["scan", "--json", image])
    return cases


def suites():
    """(name, cases, whether only digests are kept)."""
    fixtures = cases_for(rel(glob.glob(os.path.join(REPO, "Fixtures", "roms", "*.rom"))),
                         rel(glob.glob(os.path.join(REPO, "Fixtures", "firmware", "*.fd"))))
    shared_dir = os.path.join(REPO, "..", "shared")
    shared = cases_for(rel(glob.glob(os.path.join(shared_dir, "roms", "*.rom"))),
                       rel(f for f in glob.glob(os.path.join(shared_dir, "firmware", "*"))
                           if os.path.isfile(f) and not f.endswith(".tsv")))
    return [("fixtures", fixtures, False), ("shared", shared, True)]


def run(vbios, args):
    env = dict(os.environ)
    env.pop("VBIOS_TEST_SYSFS_ROM", None)
    p = subprocess.run([vbios] + args, cwd=REPO, stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=300, env=env)
    return p.returncode, p.stdout


def observe(vbios, args, digest_only):
    rc, out = run(vbios, args)
    o = {"args": args, "exit": rc}
    if digest_only:
        o["size"] = len(out)
        o["sha256"] = hashlib.sha256(out).hexdigest()
    else:
        o["stdout"] = out.decode("utf-8", "surrogateescape")
    return o


def write(vbios):
    os.makedirs(OUT, exist_ok=True)
    for name, cases, digest_only in suites():
        if not cases:
            sys.exit(f"no inputs for {name} (is ../shared there?)")
        records = [observe(vbios, c, digest_only) for c in cases]
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            json.dump(records, f, indent=1, ensure_ascii=False)
            f.write("\n")
        print(f"{name}: {len(records)} cases")


def check(vbios, only):
    failures = 0
    for name, _, digest_only in suites():
        if only and name not in only:
            continue
        path = os.path.join(OUT, name + ".json")
        with open(path) as f:
            records = json.load(f)
        for r in records:
            missing = [a for a in r["args"] if "/" in a and not os.path.exists(os.path.join(REPO, a))]
            if missing:
                print(f"MISSING {name}: {' '.join(r['args'])}: {missing[0]} is not there")
                failures += 1
                continue
            now = observe(vbios, r["args"], digest_only)
            if now != r:
                failures += 1
                print(f"DIFFERS {name}: vbios {' '.join(r['args'])}")
                if not digest_only and now.get("exit") == r.get("exit"):
                    print("  expected: " + r["stdout"][:400].replace("\n", "\\n"))
                    print("  now:      " + now["stdout"][:400].replace("\n", "\\n"))
                else:
                    print(f"  expected exit {r['exit']}, now {now['exit']}")
        print(f"{name}: {len(records)} cases checked")
    print(f"{failures} difference(s)")
    return 1 if failures else 0


def main(argv):
    if len(argv) < 3 or argv[1] not in ("write", "check") or argv[2] != "--vbios":
        sys.exit(__doc__)
    vbios = os.path.abspath(argv[3])
    if argv[1] == "write":
        write(vbios)
        return 0
    return check(vbios, set(argv[4:]))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
