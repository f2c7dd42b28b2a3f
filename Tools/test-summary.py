#!/usr/bin/env python3
"""The closing count of Tools/test.sh: how many tests and lab scenarios ran vbios, and how many were
judged by a program other than vbios. Computed from what ran, never written down:
  - swift test: the runner's last line (`Test run with N tests ...`) and the ledger the tests write
    under VBIOS_TEST_LEDGER (TestSupport's Ledger: one `TEST-ID<tab>PROGRAM` line per program a
    test started), classified by the tables below;
  - the lab: the PASS/FAIL lines of Tools/lab/test.sh and each scenario's directives
    (`# lab: needs vbios`; `# lab: judge WHAT` for a check that compares vbios's results with
    something vbios did not produce: the kernel's sysfs, SeaBIOS, Xen, bytes the prep wrote).

  test-summary.py --swift LOG --ledger TSV --lab LOG --scenarios DIR
"""
import argparse
import collections
import os
import re

# Programs that run vbios (corpus.py runs each subcommand on a real ROM).
VBIOS = {"vbios", "corpus.py"}
# Programs that judge vbios's output or inputs independently of it.
JUDGES = {
    "qemu-system-x86_64": "QEMU (SeaBIOS, OVMF)", "seabios-judge.sh": "QEMU (SeaBIOS, OVMF)",
    "ovmf-drivers.py": "QEMU (SeaBIOS, OVMF)", "UEFIExtract": "UEFIExtract",
    "efi-compress.py": "EDK2's C (de)compressor", "xlcfg-check": "Xen's libxlutil",
    "virt-xml-validate": "virt-xml-validate", "lspci": "lspci", "pci-rom-walk.py": "independent ROM reader",
    "vfct-walk.py": "independent VFCT reader", "zcat": "gzip/xz", "gzip": "gzip/xz", "xz": "gzip/xz",
    "diff": "diff", "iasl": "ACPICA's iasl", "strace": "strace",
}


def swift(log, ledger):
    total = None
    if log and os.path.exists(log):
        for line in open(log, errors="replace"):
            m = re.search(r"Test run with (\d+) tests?", line)
            if m:
                total = int(m.group(1))
    ran, judged, by = set(), set(), collections.Counter()
    per_test = collections.defaultdict(set)
    if ledger and os.path.exists(ledger):
        for line in open(ledger, errors="replace"):
            test, _, program = line.rstrip("\n").partition("\t")
            per_test[test].add(program)
    for test, programs in per_test.items():
        if programs & VBIOS:
            ran.add(test)
        judges = {JUDGES[p] for p in programs if p in JUDGES}
        if judges:
            judged.add(test)
            by.update(judges)
    detail = ", ".join("%s %d" % kv for kv in sorted(by.items()))
    return ("summary: swift test: %s tests ran; %d started the vbios binary; %d were judged by a program other "
            "than vbios (%s)" % (total if total is not None else "?", len(ran), len(judged), detail or "none"))


def lab(log, scenarios):
    ran = []
    if log and os.path.exists(log):
        ran = [m.group(1) for m in (re.match(r"(?:PASS|FAIL) ([\w.-]+)", l) for l in open(log, errors="replace")) if m]
    needs = judged = 0
    for name in ran:
        path = os.path.join(scenarios, name + ".sh")
        text = open(path, errors="replace").read() if os.path.exists(path) else ""
        if re.search(r"^#\s*lab:\s*needs\s.*\bvbios\b", text, re.M):
            needs += 1
            if re.search(r"^#\s*lab:\s*judge\s+\S", text, re.M):
                judged += 1
    return ("summary: lab: %d scenarios ran; %d ran vbios in a real kernel; %d of those were judged by something "
            "other than vbios; %d checked the lab itself" % (len(ran), needs, judged, len(ran) - needs))


if __name__ == "__main__":
    a = argparse.ArgumentParser()
    a.add_argument("--swift"); a.add_argument("--ledger"); a.add_argument("--lab"); a.add_argument("--scenarios")
    args = a.parse_args()
    print(lab(args.lab, args.scenarios))
    print(swift(args.swift, args.ledger))
