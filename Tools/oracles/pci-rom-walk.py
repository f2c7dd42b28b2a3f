#!/usr/bin/env python3
"""An independent reader of PCI option ROM chains: the judge of `vbios info` on real files.

It shares no code and no offset table with vbios (Sources/OptionROM/Fields.swift); every offset
below is a literal written from the public sources named beside it:

  PCI Firmware Specification 3.0, section 5.1 (the option ROM header and the PCI Data Structure):
    header  +0x00 signature 55 AA, +0x02 size in 512-byte units (x86 images: the initialisation
            size), +0x18 16-bit offset of the PCI Data Structure.
    PCIR    +0x00 "PCIR", +0x04 vendor, +0x06 device, +0x08 device list pointer (revision 3),
            +0x0A structure length, +0x0C revision, +0x0D class code (3 bytes), +0x10 image
            length in 512-byte units, +0x12 code revision, +0x14 code type, +0x15 indicator
            (bit 7: last image).
  SeaBIOS src/optionroms.c is_valid_rom(): an x86 image's 8-bit sum over size byte * 512 is 0.
  nouveau drivers/gpu/drm/nouveau/nvkm/subdev/bios/image.c nvbios_imagen(), pcir.c, npde.c
  (the rule for NVIDIA chains): an image starts with 55 AA, 77 BB or "VN"; its data structure
  (+0x18) is PCIR, RGIS or NPDS; unless its code type is 0x70, an NPDE ("NPDE" at the data
  structure's end rounded up to 16 bytes, absolute) overrides the image's size (+0x08, 512-byte
  units) and its last bit (+0x0A bit 7); a 0x70 image is always the last.

Two walks per file: `pciChain` follows the PCI specification alone (PCIR length and last bit,
what ../shared/roms/MANIFEST.tsv's layouts list), `chain` applies nouveau's rule on top (what a
driver and vbios follow). The first image is the first offset whose 55 AA points to a data
structure signature (a file may start with nvflash's NVGI header or be a whole flash image).

  pci-rom-walk.py FILE...           one JSON object per file, one per line
  pci-rom-walk.py --manifest DIR    checks the pciChain of every DIR/*.rom against DIR/MANIFEST.tsv
"""
import json
import re
import sys

STRUCTURES = (b"PCIR", b"RGIS", b"NPDS")
SIGNATURES = (b"\x55\xAA", b"\x77\xBB", b"VN")


def u16(b, at):
    return b[at] | b[at + 1] << 8 if at + 2 <= len(b) else None


def structure_at(b, base):
    """Offset of the image's data structure, or None (nouveau nvbios_pcirTe)."""
    ptr = u16(b, base + 0x18)
    if not ptr or base + ptr + 0x16 > len(b) or b[base + ptr:base + ptr + 4] not in STRUCTURES:
        return None
    return base + ptr


def first_image(b):
    at = 0
    while True:
        at = b.find(b"\x55\xAA", at)
        if at < 0:
            return None
        if structure_at(b, at) is not None:
            return at
        at += 1


def image(b, base):
    """One image at `base` as the sources above read it, or None where nouveau's walk stops."""
    if b[base:base + 2] not in SIGNATURES:
        return None
    d = structure_at(b, base)
    if d is None:
        return None
    code_type = b[d + 0x14]
    im = {
        "offset": base, "signature": b[base:base + 2].hex(), "sizeByte": b[base + 2],
        "structure": b[d:d + 4].decode(), "structureOffset": d, "revision": b[d + 0x0C],
        "vendorID": "%04x" % u16(b, d + 4), "deviceID": "%04x" % u16(b, d + 6),
        "classCode": b[d + 0x0F:d + 0x0C:-1].hex(), "codeType": code_type,
        "pcirLength": u16(b, d + 0x10) * 512, "pcirLast": bool(b[d + 0x15] & 0x80), "npde": None,
    }
    length, last = im["pcirLength"], im["pcirLast"]
    if code_type == 0x70:
        last = True
    else:
        n = (d + u16(b, d + 0x0A) + 0x0F) & ~0x0F
        if n + 0x0B <= len(b) and b[n:n + 4] == b"NPDE":
            im["npde"] = {"offset": n, "length": u16(b, n + 8) * 512, "last": bool(b[n + 0x0A] & 0x80)}
            length, last = im["npde"]["length"], im["npde"]["last"]
    im["declaredLength"] = length
    im["length"] = min(length, len(b) - base)  # the bytes the file holds
    im["truncated"] = length > len(b) - base
    im["lastBit"] = last
    if code_type == 0 and b[base:base + 2] == b"\x55\xAA":
        span = b[base:base + b[base + 2] * 512]
        im["checksumValid"] = len(span) == b[base + 2] * 512 and sum(span) % 256 == 0
    else:
        im["checksumValid"] = None
    return im


def walk(b, start, nouveau):
    images, base = [], start
    while base is not None and base < len(b) and len(images) < 64:
        im = image(b, base)
        if im is None or (not nouveau and im["signature"] != "55aa"):
            break
        if not nouveau:  # the PCI specification alone: PCIR's length and last bit
            im["length"] = min(im["pcirLength"], len(b) - base)
            im["lastBit"] = im["pcirLast"]
        images.append(im)
        if im["lastBit"] or im["declaredLength"] == 0 or im["truncated"]:
            break
        base += im["declaredLength"] if nouveau else im["pcirLength"]
    # `last`: the image that ends the walk, by its last bit or because nothing readable follows
    # (nouveau's nvbios_image() stops where nvbios_imagen() fails, e.g. at the end of the file).
    for i, im in enumerate(images):
        im["last"] = i == len(images) - 1
    return images


def isa_image(b):
    """A ROM without any PCI data structure: the PC BIOS's option ROM rule (SeaBIOS
    is_valid_rom(): 55 AA, a size, an 8-bit sum of 0 over size * 512), at offset 0."""
    n = b[2] * 512 if len(b) > 2 else 0
    if b[:2] != b"\x55\xAA" or n == 0 or n > len(b) or sum(b[:n]) % 256:
        return []
    return [{"offset": 0, "signature": "55aa", "sizeByte": b[2], "structure": None, "structureOffset": None,
             "revision": None, "vendorID": None, "deviceID": None, "classCode": None, "codeType": 0,
             "pcirLength": None, "pcirLast": None, "npde": None, "declaredLength": n, "length": n,
             "truncated": False, "lastBit": None, "last": True, "checksumValid": True}]


def read(path):
    b = open(path, "rb").read()
    start = first_image(b)
    if start is None:
        isa = isa_image(b)
        return {"file": path, "size": len(b), "firstImage": 0 if isa else None, "chain": isa, "pciChain": isa}
    return {"file": path, "size": len(b), "firstImage": start,
            "chain": walk(b, start, True), "pciChain": walk(b, start, False)}


KINDS = {0: "x86", 3: "EFI"}


def manifest_check(folder):
    """MANIFEST.tsv's `layout` column: `N image(s) in chain: x86@0x0(len 0x..., PCIR rN, ...) + ...`."""
    bad = checked = 0
    rows = [l.rstrip("\n").split("\t") for l in open(folder + "/MANIFEST.tsv")][1:]
    for row in rows:
        name, ids, text = row[0], row[6], row[7]
        r = read(folder + "/" + name)
        got = ["%s@%#x(len %#x, PCIR r%s" % (KINDS.get(i["codeType"], "?"), i["offset"], i["length"], i["revision"])
               for i in r["pciChain"]]
        want = re.findall(r"(\w+@0x[0-9a-f]+\(len 0x[0-9a-f]+, PCIR r\d)", text)
        problems = []
        if want and got != want:
            problems.append("chain %s, MANIFEST %s" % (got, want))
        m = re.search(r"(\d+) image\(s\) in chain", text)
        if m and int(m.group(1)) != len(r["pciChain"]):
            problems.append("%d images, MANIFEST %s" % (len(r["pciChain"]), m.group(1)))
        first = r["pciChain"][0] if r["pciChain"] else None
        if ids and (not first or "%s:%s" % (first["vendorID"], first["deviceID"]) != ids):
            problems.append("IDs %s, MANIFEST %s" % (first and (first["vendorID"], first["deviceID"]), ids))
        m = re.search(r"csum (ok|BAD)", text)
        if m and (not first or first["checksumValid"] != (m.group(1) == "ok")):
            problems.append("checksum %s, MANIFEST %s" % (first and first["checksumValid"], m.group(1)))
        m = re.search(r"NPDE sublen=(0x[0-9a-f]+)", text)
        if m and (not first or not first["npde"] or first["npde"]["length"] != int(m.group(1), 16)):
            problems.append("NPDE length %s, MANIFEST %s" % (first and first["npde"], m.group(1)))
        m = re.search(r"first image @(0x[0-9a-f]+)", text)
        if m and r["firstImage"] != int(m.group(1), 16):
            problems.append("first image %s, MANIFEST %s" % (r["firstImage"], m.group(1)))
        checked += 1
        for p in problems:
            print("%s: %s" % (name, p))
            bad += 1
    print("pci-rom-walk: %d MANIFEST rows checked, %d disagreements" % (checked, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--manifest"]:
        sys.exit(manifest_check(sys.argv[2]))
    for p in sys.argv[1:]:
        print(json.dumps(read(p)))
