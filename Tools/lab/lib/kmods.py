#!/usr/bin/env python3
"""Resolve kernel modules and their dependencies without depmod.

usage: kmods.py MODULES_DIR NAME...   prints the .ko paths (relative to MODULES_DIR) in load
order, dependencies first. Names that are built in (modules.builtin) are skipped; a name that
is neither a module nor built in is an error. Reads `depends=` from each module's .modinfo
ELF section, so it works on a tree unpacked with dpkg -x (no modules.dep there).
"""
import lzma
import os
import struct
import sys


def norm(name):
    return name.replace("-", "_")


def modname(path):
    base = os.path.basename(path)
    return norm(base.split(".ko")[0])


def read_ko(path):
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".xz"):
        data = lzma.decompress(data)
    elif not path.endswith(".ko"):
        raise SystemExit(f"kmods.py: unsupported module compression: {path}")
    return data


def modinfo(path):
    data = read_ko(path)
    if data[:4] != b"\x7fELF" or data[4] != 2:
        raise SystemExit(f"kmods.py: not an ELF64 module: {path}")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    secs = []
    for i in range(shnum):
        name, _typ, _fl, _addr, off, size = struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize)
        secs.append((name, off, size))
    stroff = secs[shstrndx][1]
    info = {}
    for name, off, size in secs:
        end = data.index(b"\0", stroff + name)
        if data[stroff + name:end] == b".modinfo":
            for entry in data[off:off + size].split(b"\0"):
                if b"=" in entry:
                    k, v = entry.decode(errors="replace").split("=", 1)
                    info.setdefault(k, []).append(v)
    return info


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    mdir = sys.argv[1]
    index = {}
    for root, _dirs, files in os.walk(os.path.join(mdir, "kernel")):
        for fn in files:
            if ".ko" in fn:
                p = os.path.relpath(os.path.join(root, fn), mdir)
                index[modname(p)] = p
    builtin = set()
    bpath = os.path.join(mdir, "modules.builtin")
    if os.path.exists(bpath):
        with open(bpath) as f:
            builtin = {modname(l.strip()) for l in f if l.strip()}
    order, seen = [], set()

    def visit(name, chain):
        n = norm(name)
        if n in seen:
            return
        if n in chain:
            raise SystemExit(f"kmods.py: dependency cycle at {n}")
        if n not in index:
            if n in builtin:
                seen.add(n)
                return
            raise SystemExit(f"kmods.py: module {name} is neither in {mdir}/kernel nor built in")
        for deps in modinfo(os.path.join(mdir, index[n])).get("depends", []):
            for d in filter(None, deps.split(",")):
                visit(d, chain | {n})
        seen.add(n)
        order.append(index[n])

    for name in sys.argv[2:]:
        visit(name, frozenset())
    print("\n".join(order))


if __name__ == "__main__":
    main()
