#!/usr/bin/env python3
"""Writes the synthetic option ROMs the OptionROM tests run on, each with its expectations.

    python3 Tools/gen-fixtures.py [--out DIR]      (default: Fixtures/roms next to Tools/)

For every fixture NAME it writes NAME.rom and NAME.expect.json:

    { "size", "prefixLength",
      "images": [ {"offset", "length", "signature", "codeType", "vendorID", "deviceID",
                   "classCode", "last", "checksumValid"} ],
      "vendorInfo": { the DESIGN.md contract keys the fixture pins down },
      "findingCodes": [ the sorted set of finding codes expected ] }

Standard library only and deterministic: the same bytes on every run (the test suite re-runs it
into a temporary directory and compares), so any "random" bytes come from a seeded xorshift.

Layouts follow /work/shared/FORMATS.md and the code that reads these ROMs: the PCI Firmware spec
(EDK2 Pci22.h/Pci30.h), nouveau nvkm/subdev/bios (image.c, pcir.c, npde.c, bit.c, base.c),
amdgpu atom.c, and i915 intel_vbt_defs.h.
"""

import argparse
import json
import os
import struct
import sys

UNIT = 512


# MARK: - Byte helpers

class XorShift:
    """xorshift64*: a fixed sequence for a given seed, independent of Python's version."""

    def __init__(self, seed):
        self.s = (seed or 1) & 0xFFFFFFFFFFFFFFFF

    def next(self):
        x = self.s
        x ^= (x >> 12)
        x ^= (x << 25) & 0xFFFFFFFFFFFFFFFF
        x ^= (x >> 27)
        self.s = x
        return (x * 0x2545F4914F6CDD1D) & 0xFFFFFFFFFFFFFFFF

    def bytes(self, n):
        out = bytearray()
        while len(out) < n:
            out += struct.pack("<Q", self.next())
        return bytes(out[:n])


def put(buf, at, data):
    buf[at:at + len(data)] = data


def u16(buf, at, v):
    struct.pack_into("<H", buf, at, v)


def u32(buf, at, v):
    struct.pack_into("<I", buf, at, v)


def byte_sum(data):
    return sum(data) & 0xFF


def filler(length, seed):
    """Code-like bytes that contain none of the signatures the parser looks for."""
    data = bytearray(XorShift(seed).bytes(length))
    # Keep the fill from spelling 55 AA, 77 BB, 56 4E or any table signature by accident:
    # clear the bytes those signatures start with.
    for i, b in enumerate(data):
        if b in (0x55, 0x77, 0x56, 0xFF, 0x24, 0x20, 0x41, 0x42, 0x50, 0x4E, 0x52):
            data[i] = 0x90  # nop
    return data


# MARK: - Structures

def pcir(vendor, device, *, image_units, code_type, last, revision=0, class_code=0x030000,
         code_revision=0x0001, signature=b"PCIR", device_list_ptr=0, max_runtime_units=0,
         config_utility=0, dmtf_clp=0):
    """The PCI data structure: 0x18 bytes (revision 0/2.x) or 0x1C (revision 3)."""
    length = 0x1C if revision >= 3 else 0x18
    s = bytearray(length)
    put(s, 0, signature)
    u16(s, 0x04, vendor)
    u16(s, 0x06, device)
    u16(s, 0x08, device_list_ptr)
    u16(s, 0x0A, length)
    s[0x0C] = revision
    # Class code, little-endian: programming interface, subclass, base class.
    s[0x0D] = class_code & 0xFF
    s[0x0E] = (class_code >> 8) & 0xFF
    s[0x0F] = (class_code >> 16) & 0xFF
    u16(s, 0x10, image_units)
    u16(s, 0x12, code_revision)
    s[0x14] = code_type
    s[0x15] = 0x80 if last else 0x00
    if revision >= 3:
        u16(s, 0x16, max_runtime_units)
        u16(s, 0x18, config_utility)
        u16(s, 0x1A, dmtf_clp)
    return s


def npde(image_units, last, revision=0x0101):
    """NVIDIA's PCI data extension (nouveau npde.c; nova-core vbios.rs)."""
    s = bytearray(0x10)
    put(s, 0, b"NPDE")
    u16(s, 0x04, revision)
    u16(s, 0x06, 0x0010)  # structure length
    u16(s, 0x08, image_units)
    s[0x0A] = 0x80 if last else 0x00
    return s


def fix_checksum(img, units, at=None):
    """Makes img[0:units*512] sum to 0 mod 256 by adjusting one byte (the last by default)."""
    end = units * UNIT
    at = end - 1 if at is None else at
    img[at] = 0
    img[at] = (-byte_sum(img[0:end])) & 0xFF


def legacy_image(vendor, device, *, units, last=True, class_code=0x030000, revision=0,
                 pcir_at=0x40, seed=1, size_byte=None, npde_info=None, checksum=True,
                 pcir_kwargs=None, signature=b"\x55\xAA"):
    """A legacy x86 image: 55 AA, the size byte, an entry at 3 (`E9` near jump to a `CB` retf),
    the PCIR pointer at 0x18, PCIR, optionally NPDE, and a checksum in the last byte.
    npde_info: (image_units, last) for NVIDIA's extension."""
    length = units * UNIT
    img = bytearray(filler(length, seed))
    put(img, 0, signature)
    img[2] = units if size_byte is None else size_byte
    # Entry point: jmp near to a retf two bytes before the end (the last byte is the checksum).
    retf = length - 2
    img[3] = 0xE9
    u16(img, 4, (retf - 6) & 0xFFFF)
    img[retf] = 0xCB
    put(img, 6, bytes(0x18 - 6))   # reserved area, zero like most BIOSes
    u16(img, 0x18, pcir_at)
    put(img, 0x1A, bytes(2))
    kwargs = dict(pcir_kwargs or {})
    p = pcir(vendor, device, image_units=kwargs.pop("image_units", units), code_type=0x00,
             last=last, revision=revision, class_code=class_code, **kwargs)
    put(img, pcir_at, p)
    if npde_info is not None:
        put(img, (pcir_at + len(p) + 0x0F) & ~0x0F, npde(*npde_info))
    if checksum:
        fix_checksum(img, img[2] if img[2] else units)
    return img


EFI_X64 = 0x8664
EFI_IA32 = 0x014C
EFI_AA64 = 0xAA64


def efi_image(vendor, device, *, units, last=True, class_code=0x030000, revision=3,
              subsystem=11, machine=EFI_X64, compression=0, init_units=None, seed=2,
              efi_signature=0x0EF1, device_list=(), npde_info=None, pcir_units=None,
              code_type=0x03, pcir_signature=b"PCIR", signature=b"\x55\xAA", pe_offset=0x40):
    """An EFI image (EDK2 EFI_PCI_EXPANSION_ROM_HEADER): init size u16 at 2, 0x0EF1 at 4,
    subsystem, machine type, compression, PE offset at 0x16, PCIR pointer at 0x18 (PCIR at 0x1C
    as EDK2's EfiRom writes it), then the PE image (MZ … PE\\0\\0 machine)."""
    length = units * UNIT
    img = bytearray(filler(length, seed))
    put(img, 0, signature)
    u16(img, 0x02, units if init_units is None else init_units)
    u32(img, 0x04, efi_signature)
    u16(img, 0x08, subsystem)
    u16(img, 0x0A, machine)
    u16(img, 0x0C, compression)
    put(img, 0x0E, bytes(8))
    u16(img, 0x16, pe_offset)
    pcir_at = 0x1C
    u16(img, 0x18, pcir_at)
    dl_ptr = 0
    p_len = 0x1C if revision >= 3 else 0x18
    if device_list:
        dl_ptr = p_len  # right after PCIR, relative to PCIR
    p = pcir(vendor, device, image_units=units if pcir_units is None else pcir_units,
             code_type=code_type, last=last, revision=revision, class_code=class_code,
             code_revision=0, device_list_ptr=dl_ptr, signature=pcir_signature)
    put(img, pcir_at, p)
    after = pcir_at + len(p)
    if device_list:
        ids = b"".join(struct.pack("<H", d) for d in device_list) + b"\0\0"
        put(img, after, ids)
        after += len(ids)
    if npde_info is not None:
        at = (pcir_at + len(p) + 0x0F) & ~0x0F
        assert at >= after, "NPDE would overwrite the device list"
        put(img, at, npde(*npde_info))
    # The PE image. Compressed images hold EFI-compressed data: no MZ to see.
    if code_type == 0x03:
        if compression == 0:
            # Headers only, but whole enough for a PE reader: COFF, then a PE32+ optional
            # header (magic 0x20b) whose subsystem agrees with the EFI header's.
            pe = bytearray(0xE0)
            put(pe, 0, b"MZ")
            u32(pe, 0x3C, 0x80)
            put(pe, 0x80, b"PE\0\0")
            u16(pe, 0x84, machine)
            u16(pe, 0x94, 0xF0)           # size of the optional header
            u16(pe, 0x98, 0x020B)         # PE32+
            u16(pe, 0x98 + 68, subsystem)
            put(img, pe_offset, pe)
        else:
            u32(img, pe_offset, 0x1000)   # compressed size
            u32(img, pe_offset + 4, 0x2000)  # original size
    return img


def other_image(vendor, device, *, units, code_type, last, seed=3, signature=b"\x55\xAA",
                pcir_signature=b"PCIR", pcir_at=0x1C, npde_info=None, pcir_units=None,
                class_code=0x030000):
    """An image of another code type (Open Firmware, NVIDIA 0xE0/0x70, unknown): the 55 AA
    header, the data structure pointer, and opaque contents."""
    length = units * UNIT
    img = bytearray(filler(length, seed))
    put(img, 0, signature)
    put(img, 2, bytes(0x16))
    u16(img, 0x18, pcir_at)
    put(img, 0x1A, bytes(2))
    p = pcir(vendor, device, image_units=units if pcir_units is None else pcir_units,
             code_type=code_type, last=last, class_code=class_code, code_revision=0,
             signature=pcir_signature)
    put(img, pcir_at, p)
    if npde_info is not None:
        put(img, (pcir_at + len(p) + 0x0F) & ~0x0F, npde(*npde_info))
    return img


def bit_table(entries):
    """NVIDIA BIT (nouveau bit.c): FF B8 'BIT' 00, version 0x0100, header length 12, entry
    length 6, count, checksum; entries id, version, u16 length, u16 offset."""
    head = bytearray(b"\xFF\xB8BIT\x00")
    head += struct.pack("<HBBBB", 0x0100, 12, 6, len(entries), 0)
    head[11] = (-byte_sum(head)) & 0xFF
    body = b"".join(struct.pack("<BBHH", ord(i), v, ln, off) for i, v, ln, off in entries)
    return bytes(head) + body


# MARK: - Expectations

def image_expect(offset, length, signature, code_type, vendor, device, class_code, last, checksum):
    return {
        "offset": offset,
        "length": length,
        "signature": signature,
        "codeType": code_type,
        "vendorID": None if vendor is None else "%04x" % vendor,
        "deviceID": None if device is None else "%04x" % device,
        "classCode": None if class_code is None else "%06x" % class_code,
        "last": last,
        "checksumValid": checksum,
    }


class Fixtures:
    def __init__(self, out):
        self.out = out
        self.names = []

    def write(self, name, data, *, images, codes=(), vendor=None, prefix=0):
        data = bytes(data)
        assert len(data) < 256 * 1024, name
        expect = {
            "size": len(data),
            "prefixLength": prefix,
            "images": images,
            "vendorInfo": vendor or {},
            "findingCodes": sorted(set(codes)),
        }
        with open(os.path.join(self.out, name + ".rom"), "wb") as f:
            f.write(data)
        with open(os.path.join(self.out, name + ".expect.json"), "w") as f:
            f.write(json.dumps(expect, indent=2) + "\n")
        self.names.append(name)


def L(offset, img, vendor, device, *, last, checksum=True, class_code=0x030000, length=None,
      signature="55aa"):
    """Expectation for a legacy image built above."""
    return image_expect(offset, len(img) if length is None else length, signature, 0, vendor,
                        device, class_code, last, checksum)


def E(offset, img, vendor, device, *, last, class_code=0x030000, length=None, code_type=3,
      signature="55aa"):
    return image_expect(offset, len(img) if length is None else length, signature, code_type,
                        vendor, device, class_code, last, None)


# MARK: - The fixtures

def generic(fx):
    # A legacy-only VGA ROM, PCIR revision 0 (what SeaBIOS's vgabios-stdvga looks like).
    vga = legacy_image(0x1234, 0x1111, units=16, seed=10)
    fx.write("legacy-vga", vga, images=[L(0, vga, 0x1234, 0x1111, last=True)])

    # Legacy + EFI, PCIR revision 3: device list, max runtime length, configuration-utility and
    # DMTF CLP pointers; EFI boot-service driver for X64, uncompressed.
    leg = legacy_image(0x10EC, 0x8139, units=24, last=False, revision=3, class_code=0x020000,
                       seed=11, pcir_kwargs=dict(device_list_ptr=0x1C, max_runtime_units=8,
                                                 config_utility=0x0400, dmtf_clp=0x0800))
    # The device list (relative to PCIR at 0x40): 8139, 8138, 0.
    put(leg, 0x40 + 0x1C, struct.pack("<HHH", 0x8139, 0x8138, 0))
    fix_checksum(leg, 24)
    efi = efi_image(0x10EC, 0x8139, units=16, class_code=0x020000, seed=12,
                    device_list=(0x8139, 0x8138))
    fx.write("legacy-efi", leg + efi, images=[
        L(0, leg, 0x10EC, 0x8139, last=False, class_code=0x020000),
        E(len(leg), efi, 0x10EC, 0x8139, last=True, class_code=0x020000)])

    # Legacy + two compressed EFI drivers (IA32 and X64): compression 1, runtime subsystem too.
    leg = legacy_image(0x8086, 0x100E, units=8, last=False, revision=3, class_code=0x020000, seed=13)
    e1 = efi_image(0x8086, 0x100E, units=8, last=False, class_code=0x020000, machine=EFI_IA32,
                   compression=1, seed=14)
    e2 = efi_image(0x8086, 0x100E, units=8, last=True, class_code=0x020000, machine=EFI_X64,
                   compression=1, subsystem=12, init_units=6, pe_offset=0x38, seed=15)
    fx.write("legacy-efi-compressed", leg + e1 + e2, images=[
        L(0, leg, 0x8086, 0x100E, last=False, class_code=0x020000),
        E(len(leg), e1, 0x8086, 0x100E, last=False, class_code=0x020000),
        E(len(leg) + len(e1), e2, 0x8086, 0x100E, last=True, class_code=0x020000)])

    # Legacy + Open Firmware + an unknown code type (0x42).
    leg = legacy_image(0x1002, 0x6898, units=8, last=False, seed=16)
    of = other_image(0x1002, 0x6898, units=4, code_type=0x01, last=False, seed=17)
    unk = other_image(0x1002, 0x6898, units=2, code_type=0x42, last=True, seed=18)
    fx.write("legacy-openfirmware-unknown", leg + of + unk, images=[
        L(0, leg, 0x1002, 0x6898, last=False),
        E(len(leg), of, 0x1002, 0x6898, last=False, code_type=1),
        E(len(leg) + len(of), unk, 0x1002, 0x6898, last=True, code_type=0x42)])


NV_VENDOR, NV_DEVICE = 0x10DE, 0x1E84


def nvidia_rom(*, type70_last=True):
    """An NVIDIA-style chain, as nouveau image.c walks it:
    0 legacy 55AA (PCIR not last, NPDE not last) with the BIT table,
    1 EFI 55AA (PCIR says last and a short length; NPDE says not last, longer: NPDE wins),
    2 77BB hidden image with NPDS, code type 0xE0,
    3 564E image with RGIS, code type 0xE0,
    4 55AA code type 0x70 (NPDE present but ignored: PCIR's length rules).
    Returns (bytes, expected images, length of the chain)."""
    leg_units = 16
    leg = legacy_image(NV_VENDOR, NV_DEVICE, units=leg_units, last=False, seed=20,
                       pcir_at=0x1A0, npde_info=(leg_units, False), checksum=False)
    # BIT at 0x160 ('i' data at 0x300: bytes 00 53 07 80 21 -> 80.07.53.00.21).
    bit = bit_table([("2", 1, 4, 0x0320), ("B", 1, 0x10, 0x0330), ("C", 2, 0x2C, 0x0340),
                     ("I", 1, 0x17, 0x0370), ("i", 2, 0x7A, 0x0300), ("P", 2, 0x58, 0x0390),
                     ("S", 1, 0x0C, 0x03F0), ("x", 1, 0x08, 0x0400)])
    put(leg, 0x160, bit)
    put(leg, 0x300, bytes([0x00, 0x53, 0x07, 0x80, 0x21]))
    fix_checksum(leg, leg_units)

    efi = efi_image(NV_VENDOR, NV_DEVICE, units=24, last=True, pcir_units=12, init_units=20,
                    npde_info=(24, False), pe_offset=0x60, seed=21)
    hidden = other_image(NV_VENDOR, NV_DEVICE, units=8, code_type=0xE0, last=False, seed=22,
                         signature=b"\x77\xBB", pcir_signature=b"NPDS", npde_info=(8, False))
    vn = other_image(NV_VENDOR, NV_DEVICE, units=4, code_type=0xE0, last=True, seed=23,
                     signature=b"\x56\x4E", pcir_signature=b"RGIS", npde_info=(4, False))
    # 0x70: NPDE claims 6 units and "not last"; nouveau ignores it for this code type.
    t70 = other_image(NV_VENDOR, NV_DEVICE, units=2, code_type=0x70, last=type70_last, seed=24,
                      npde_info=(6, False))
    rom = leg + efi + hidden + vn + t70
    o1 = len(leg)
    o2 = o1 + len(efi)
    o3 = o2 + len(hidden)
    o4 = o3 + len(vn)
    images = [
        L(0, leg, NV_VENDOR, NV_DEVICE, last=False),
        E(o1, efi, NV_VENDOR, NV_DEVICE, last=False),
        E(o2, hidden, NV_VENDOR, NV_DEVICE, last=False, code_type=0xE0, signature="77bb"),
        E(o3, vn, NV_VENDOR, NV_DEVICE, last=False, code_type=0xE0, signature="564e"),
        E(o4, t70, NV_VENDOR, NV_DEVICE, last=True, code_type=0x70),
    ]
    return rom, images


def nvidia(fx):
    rom, images = nvidia_rom()
    # Flash dumps pad with 0xFF to the chip size: clean.
    padded = rom + b"\xFF" * (0x14000 - len(rom))
    # Image 1's PCIR and NPDE lengths differ (NPDE rules): information.
    fx.write("nvidia", padded, images=images, codes=["length-disagreement"], vendor={"version": "80.07.53.00.21"})

    # nvflash's save: a 0x400-byte NVGI header before the ROM the card exposes.
    hdr = bytearray(0x400)
    put(hdr, 0, b"NVGI")
    u32(hdr, 4, 0x400)
    u32(hdr, 8, len(rom))
    put(hdr, 0x10, b"nvflash dump header (synthetic)")
    shifted = [dict(i, offset=i["offset"] + 0x400) for i in images]
    fx.write("nvidia-nvflash", bytes(hdr) + rom, images=shifted, prefix=0x400,
             codes=["prefix-header", "length-disagreement"], vendor={"version": "80.07.53.00.21"})

    # The 0x70 image not marked last anywhere: nouveau's image.c ends the chain there anyway.
    rom, images = nvidia_rom(type70_last=False)
    fx.write("nvidia-type70-unmarked", rom, images=images, codes=["length-disagreement"], vendor={"version": "80.07.53.00.21"})


def amd(fx):
    """amdgpu atom.c: ' 761295520' at 0x30, ATOM ROM header via the u16 at 0x48 ('ATOM' at +4),
    strings count at 0x2F and string start via the u16 at 0x6E (part number first), the version
    after 'ATOMBIOSBK-AMD VER', the build date at 0x50."""
    units = 32
    img = legacy_image(0x1002, 0x1636, units=units, seed=30, pcir_at=0x1E0, checksum=False)
    put(img, 0x1E, b"IBM")
    img[0x2F] = 1  # number of strings
    put(img, 0x30, b" 761295520")
    put(img, 0x3A, bytes(0x0E))
    u16(img, 0x48, 0x0220)
    put(img, 0x4A, bytes(6))
    put(img, 0x50, b"09/12/19 11:23:00")
    put(img, 0x61, bytes(0x0D))
    u16(img, 0x6E, 0x0120)
    put(img, 0x70, bytes(0x10))
    put(img, 0x80, bytes(0x40))
    put(img, 0x120, b"113-RENOIR-035\0")
    # ATOM_ROM_HEADER: common header (size, format rev, content rev), then the signature.
    hdr = bytearray(0x24)
    u16(hdr, 0, 0x24)
    hdr[2], hdr[3] = 2, 2
    put(hdr, 4, b"ATOM")
    u16(hdr, 0x08, 0xC000)            # runtime segment
    u16(hdr, 0x1C, 0x1002)            # subsystem vendor
    u16(hdr, 0x1E, 0x1636)            # subsystem ID
    u16(hdr, 0x20, 0x01E0)            # PCI info offset
    put(img, 0x220, hdr)
    put(img, 0x260, b"ATOMBIOSBK-AMD VER017.010.000.030.000000\0")
    fix_checksum(img, units)
    fx.write("amd", img, images=[L(0, img, 0x1002, 0x1636, last=True)],
             vendor={"partNumber": "113-RENOIR-035", "version": "017.010.000.030.000000",
                     "buildDate": "09/12/19 11:23:00"})


def intel(fx):
    """i915 intel_vbt_defs.h: struct vbt_header (signature[20], version, header_size, vbt_size,
    vbt_checksum, reserved, bdb_offset u32, aim_offset[4]) then struct bdb_header
    ('BIOS_DATA_BLOCK ', version, header_size, bdb_size)."""
    units = 16
    img = legacy_image(0x8086, 0x1912, units=units, seed=40, checksum=False)
    vbt_at = 0x400
    bdb_rel = 0x30
    blocks = bytes([254, 2, 0, 0x12, 0x34]) + bytes(32)  # one block: id, u16 size, data
    bdb = bytearray(b"BIOS_DATA_BLOCK ") + struct.pack("<HHH", 221, 0x16, 0x16 + len(blocks))
    bdb += blocks
    vbt = bytearray(0x30)
    put(vbt, 0, b"$VBT SKYLAKE        ")
    u16(vbt, 0x14, 100)
    u16(vbt, 0x16, 0x30)
    u16(vbt, 0x18, 0x30 + len(bdb))
    u32(vbt, 0x1C, bdb_rel)
    vbt += bdb
    vbt[0x1A] = (-byte_sum(vbt)) & 0xFF
    put(img, vbt_at, vbt)
    fix_checksum(img, units)
    fx.write("intel", img, images=[L(0, img, 0x8086, 0x1912, last=True)],
             vendor={"vbtPlatform": "SKYLAKE", "vbtVersion": 100, "bdbVersion": 221})


def broken(fx):
    good_leg = legacy_image(0x1234, 0x1111, units=16, last=False, revision=3, seed=50)
    good_efi = efi_image(0x1234, 0x1111, units=16, seed=51)
    pair = good_leg + good_efi

    # Cut inside the EFI image, and inside the legacy image (its checksum cannot be checked).
    cut = pair[:len(good_leg) + 0x1000]
    fx.write("truncated-efi", cut, codes=["truncated"], images=[
        L(0, good_leg, 0x1234, 0x1111, last=False),
        E(len(good_leg), good_efi, 0x1234, 0x1111, last=True)])
    vga = legacy_image(0x1234, 0x1111, units=16, seed=52)
    fx.write("truncated-legacy", vga[:0x1800], codes=["truncated"], images=[
        L(0, vga, 0x1234, 0x1111, last=True, checksum=None)])

    # PCIR pointer past the end of the file.
    bad = bytearray(vga)
    u16(bad, 0x18, 0xFFF0)
    fix_checksum(bad, 16)
    fx.write("pcir-out-of-bounds", bad, codes=["bad-pointer"], images=[])

    # PCIR pointer not a multiple of 4.
    mis = legacy_image(0x1234, 0x1111, units=16, pcir_at=0x41, seed=53)
    fx.write("pcir-misaligned", mis, codes=["misaligned"], images=[
        L(0, mis, 0x1234, 0x1111, last=True)])

    # An image that declares length 0: the chain cannot go on.
    zero = efi_image(0x1234, 0x1111, units=16, pcir_units=0, init_units=16, seed=54)
    fx.write("zero-length", good_leg + zero, codes=["zero-length", "bad-efi-header"], images=[
        L(0, good_leg, 0x1234, 0x1111, last=False),
        E(len(good_leg), zero, 0x1234, 0x1111, last=True, length=0)])

    # No image ever marked last, images repeating to the end of the file.
    rep = legacy_image(0x1234, 0x1111, units=4, last=False, seed=55)
    fx.write("never-last", rep * 8, codes=["no-last-image"], images=[
        L(i * len(rep), rep, 0x1234, 0x1111, last=False) for i in range(8)])

    # More images than any ROM holds: the walk stops at 64.
    tiny = legacy_image(0x1234, 0x1111, units=1, last=False, seed=56)
    fx.write("too-many-images", tiny * 80, codes=["too-many-images"], images=[
        L(i * len(tiny), tiny, 0x1234, 0x1111, last=False) for i in range(64)])

    # One byte changed after the checksum was set.
    bad = bytearray(vga)
    bad[0x1000] ^= 0x01
    fx.write("bad-checksum", bad, codes=["checksum-mismatch"], images=[
        L(0, bad, 0x1234, 0x1111, last=True, checksum=False)])

    # A runtime copy: size byte shrunk to the runtime part (24 of 64 units), checksum stale.
    full = legacy_image(0x1002, 0x67DF, units=64, seed=57)
    shrunk = bytearray(full)
    shrunk[2] = 24
    assert byte_sum(shrunk[:24 * UNIT]) != 0
    fx.write("runtime-shrunk", shrunk, codes=["checksum-mismatch", "size-mismatch"], images=[
        L(0, shrunk, 0x1002, 0x67DF, last=True, checksum=False)])

    # Junk (not NVGI) before the first image.
    junk = filler(0x180, 58)
    fx.write("junk-prefix", junk + vga, prefix=0x180, codes=["prefix-header"], images=[
        L(0x180, vga, 0x1234, 0x1111, last=True)])

    # An EFI image whose EFI signature is wrong.
    badefi = efi_image(0x1234, 0x1111, units=16, efi_signature=0x0EF2, seed=59)
    fx.write("bad-efi-signature", good_leg + badefi, codes=["bad-efi-header"], images=[
        L(0, good_leg, 0x1234, 0x1111, last=False),
        E(len(good_leg), badefi, 0x1234, 0x1111, last=True)])

    # ISA style: 55 AA and a size byte, no PCIR (pointer 0 at 0x18), like SeaBIOS's vgabios.bin.
    isa = legacy_image(0x1234, 0x1111, units=8, seed=60, checksum=False)
    u16(isa, 0x18, 0)
    put(isa, 0x40, bytes(0x18))
    fix_checksum(isa, 8)
    fx.write("isa-style", isa, codes=["no-pcir"], images=[
        image_expect(0, len(isa), "55aa", 0, None, None, None, True, True)])

    fx.write("empty", b"", codes=["no-image"], images=[])

    rnd = XorShift(61).bytes(4096)
    fx.write("random", rnd, codes=["no-image"], images=[])

    # After the image marked last: 0xFF padding is clean; junk is information; another ROM is
    # a warning (images after the last one, or a shadow copy with the next ROM behind it).
    fx.write("trailing-padding", vga + b"\xFF" * 0x2000, images=[
        L(0, vga, 0x1234, 0x1111, last=True)])
    fx.write("trailing-junk", vga + filler(0x800, 62), codes=["trailing-data"], images=[
        L(0, vga, 0x1234, 0x1111, last=True)])
    other = legacy_image(0x8086, 0x100E, units=4, class_code=0x020000, seed=63)
    fx.write("trailing-second-rom", vga + other, codes=["trailing-data"], images=[
        L(0, vga, 0x1234, 0x1111, last=True)])

    # Legacy and EFI images naming different devices.
    efi = efi_image(0x1234, 0x2222, units=16, seed=64)
    fx.write("id-mismatch", good_leg + efi, codes=["id-mismatch"], images=[
        L(0, good_leg, 0x1234, 0x1111, last=False),
        E(len(good_leg), efi, 0x1234, 0x2222, last=True)])


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(here, "..", "Fixtures", "roms"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    fx = Fixtures(args.out)
    generic(fx)
    nvidia(fx)
    amd(fx)
    intel(fx)
    broken(fx)
    total = sum(os.path.getsize(os.path.join(args.out, n + ".rom")) for n in fx.names)
    assert total < 2 * 1024 * 1024, total
    print("wrote %d fixtures (%d bytes of ROMs) to %s" % (len(fx.names), total, os.path.normpath(args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
