#!/usr/bin/env python3
"""Writes synthetic UEFI firmware volumes with every section and compression kind vbios walks,
and what `vbios scan` must find in each, for the Firmware tests.

    python3 Tools/gen-firmware.py [--out DIR]      (default: Fixtures/firmware next to Tools/)

Writes NAME.fd and NAME.expect.json ({"items": [{"kind", "name", "vendorID", "deviceID",
"decoded"}], "findingCodes": [...]}) for:
  everything  an FFS v2 volume (erase polarity 1, extended header) holding a RAW file with a
              legacy ROM; GOP drivers (PE32 + UI + VERSION) in LZMA, LZMA+x86, Brotli, Tiano and
              EFI (compression type 1) sections; a FREEFORM file with a CRC32 GUID-defined section
              around a RAW option ROM and a VBT; a pad file; an FV image file whose LZMA section
              holds an FFS v3 volume (erase polarity 0) with a large file and an extended-size section.
  deep        volumes nested 40 deep (past the walker's depth bound).
  bomb        an LZMA section declaring and holding 80 MiB of zeros (past the per-stream bound).
  apu         an APU's image for `prepare --rom-from`: a RAW file with an AMD legacy VBIOS (1002:1636)
              and, LZMA-compressed, a real X64 EFI driver (iPXE's, from Debian's efi-e1000.rom) whose UI
              name is AMDGopDriver and which has no VERSION section; decoys: an AArch64 TE AMDGopDriver,
              an X64 PlainGopDxe, an X64 IntelGopDriver.
  apu-ambiguous  the same VBIOS with two different X64 AMD GOP drivers (AMDGopDriver, "AMD GOP Dxe").
  apu-none    the same VBIOS with an X64 IntelGopDriver and an AArch64 TE AMDGopDriver only.
  ffs1        an Intel Mac's layout: FFS v1 volumes with revision-1 headers, the VBIOS in RAW in CRC32
              in EFI compression, an unnamed GOP driver, a console, CsmVideo and PlatformGOPPolicy
              (told apart by the GUIDs in their images), an NVRAM store, a microcode volume, padding.
and zeros-8m.br, zeros-8m.lzma, zeros-8m-x86.lzma: 8 MiB of zeros as Brotli and EDK2-LZMA streams;
ffs1.zip (Python's zipfile, deflated) and ffs1.7z (py7zr) holding ffs1.fd, vendor-package seeds for
fuzz-firmware (the archive tests write their own).
The Swift port of this writer is TestSupport's FirmwareBuilder and FirmwareFixtures (through the
declared layouts of Sources/Firmware/Layout.swift); the tests build the images that need real parts
(the real APU's, the ROM compiled into a driver) there. This script keeps writing the committed
fixtures below, a second, independent writer of the same shapes, and the benchmark's LZMA volume.

Layouts: EDK2 MdePkg/Include/Pi/PiFirmwareVolume.h and PiFirmwareFile.h; compression as EDK2's
BaseTools writes it (LzmaCompress: 5 property bytes + u64 size; BrotliCompress: u64 size + u64
scratch size; EFI/Tiano via the `uefi-firmware` package's EDK2 C codec). Needs pip's `brotli`
and `uefi-firmware`. UEFIExtract (Debian uefitool-cli) is the oracle the tests check these against.
"""

import argparse
import json
import lzma
import os
import struct
import uuid
import zlib

import brotli
from uefi_firmware import efi_compressor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def guid(text):
    return uuid.UUID(text).bytes_le


FFS2 = guid("8C8CE578-8A3D-4F1C-9935-896185C32DD3")
FFS3 = guid("5473C07A-3DCB-4DCA-BD6F-1E9689E7349A")
G_LZMA = guid("EE4E5898-3914-4259-9D6E-DC7BD79403CF")
G_LZMAF86 = guid("D42AE6BD-1352-4BFB-909A-CA72A6EAE889")
G_TIANO = guid("A31280AD-481E-41B6-95E8-127F4C984779")
G_BROTLI = guid("3D532050-5CDA-4FD0-879E-0F7F630D5AFB")
G_CRC32 = guid("FC1BCDB0-7D31-49AA-936A-A4600D9DD083")


def fguid(n):
    """A deterministic file GUID."""
    return uuid.UUID(int=(0x1B10500000000000000000000000000 + n)).bytes_le


def align(data, a, fill=b"\0"):
    return data + fill * (-len(data) % a)


# --- sections -----------------------------------------------------------------------------------

def section(stype, body, extended=False):
    if extended or len(body) + 4 >= 0xFFFFFF:
        return b"\xff\xff\xff" + bytes([stype]) + struct.pack("<I", len(body) + 8) + body
    return struct.pack("<I", len(body) + 4)[:3] + bytes([stype]) + body


def sections(*parts):
    out = b""
    for p in parts:
        out = align(out, 4) + p
    return out


def ui(name):
    return section(0x15, (name + "\0").encode("utf-16-le"))


def version(text, build=1):
    return section(0x14, struct.pack("<H", build) + (text + "\0").encode("utf-16-le"))


def raw(data):
    return section(0x19, data)


def pe32(machine=0x8664, size=0x400, guids=()):
    """A minimal PE32+ header: MZ, e_lfanew 0x40, PE, machine, optional header with subsystem 11;
    `guids` (the protocols a driver installs or uses, as its data section holds them) at 0x200."""
    pe = bytearray(size)
    pe[0:2] = b"MZ"
    struct.pack_into("<I", pe, 0x3C, 0x40)
    pe[0x40:0x44] = b"PE\0\0"
    struct.pack_into("<HH", pe, 0x44, machine, 0)
    struct.pack_into("<H", pe, 0x54, 0xF0)            # SizeOfOptionalHeader
    struct.pack_into("<H", pe, 0x58, 0x20B)           # PE32+
    struct.pack_into("<H", pe, 0x58 + 68, 11)         # EFI boot service driver
    for i in range(0x200, size):
        pe[i] = (i * 7) & 0xFF
    for n, g in enumerate(guids):
        pe[0x200 + 16 * n:0x210 + 16 * n] = g
    return section(0x10, bytes(pe))


def te(machine=0xAA64, size=0x200):
    """A minimal TE image: VZ, machine, one section, subsystem 11, stripped size."""
    img = bytearray(size)
    img[0:2] = b"VZ"
    struct.pack_into("<HBBH", img, 2, machine, 1, 11, 0x1C0)
    for i in range(0x28, size):
        img[i] = (i * 5) & 0xFF
    return section(0x12, bytes(img))


def lzma_raw(data, x86=False):
    filters = ([{"id": lzma.FILTER_X86}] if x86 else []) + [{"id": lzma.FILTER_LZMA1, "dict_size": 1 << 20,
                                                             "lc": 3, "lp": 0, "pb": 2}]
    stream = lzma.compress(data, format=lzma.FORMAT_RAW, filters=filters)
    props = bytes([(2 * 5 + 0) * 9 + 3]) + struct.pack("<I", 1 << 20)
    return props + struct.pack("<Q", len(data)) + stream


def guided(g, payload, attributes=0x01, extra=b""):
    header = 4 + 20 + len(extra)
    return section(0x02, g + struct.pack("<HH", header, attributes) + extra + payload)


def lzma_section(inner, x86=False):
    return guided(G_LZMAF86 if x86 else G_LZMA, lzma_raw(inner, x86))


def brotli_section(inner):
    return guided(G_BROTLI, struct.pack("<QQ", len(inner), 0) + brotli.compress(inner))


def tiano_section(inner):
    return guided(G_TIANO, efi_compressor.TianoCompress(inner, len(inner)))


def efi_compression_section(inner):
    return section(0x01, struct.pack("<IB", len(inner), 1) + efi_compressor.EfiCompress(inner, len(inner)))


def crc32_section(inner):
    return guided(G_CRC32, inner, attributes=0x02, extra=struct.pack("<I", zlib.crc32(inner)))


# --- files and volumes --------------------------------------------------------------------------

def ffs_file(name, ftype, body, erase=0xFF, large=False):
    header_len = 32 if large else 24
    size = header_len + len(body)
    attributes = 0x01 if large else 0x00
    size3 = b"\xff\xff\xff" if large else struct.pack("<I", size)[:3]
    hdr = bytearray(name + b"\0\0" + bytes([ftype, attributes]) + size3 + b"\0")
    if large:
        hdr += struct.pack("<Q", size)
    hdr[0x10] = (-sum(hdr[:header_len])) & 0xFF       # header checksum (state and file checksum 0)
    hdr[0x11] = 0xAA                                  # no file checksum
    state = 0x07                                      # constructed, header valid, data valid
    hdr[0x17] = state ^ 0xFF if erase == 0xFF else state
    return bytes(hdr) + body


def volume(files, fs=FFS2, erase=0xFF, name=None, block=0x1000, revision=2, reserved=0):
    ext = b""
    header_len = 0x48
    if name is not None:
        ext = name + struct.pack("<I", 20)
    body = b""
    start = align(b"\0" * header_len + ext, 8)
    offset = len(start)
    for f in files:
        pad = -offset % 8
        body += bytes([erase]) * pad
        offset += pad
        body += f
        offset += len(f)
    total = len(start) + len(body)
    total += -total % block
    attributes = 0x0004FEFF if erase == 0xFF else 0x0004F6FF   # bit 0x800: erase polarity
    hdr = bytearray(b"\0" * 16 + fs + struct.pack("<Q", total) + b"_FVH" + struct.pack("<I", attributes)
                    + (struct.pack("<HHHBB", header_len, 0, 0x48 if ext else 0, 0, 2) if revision >= 2
                       # Revision 1 (Framework): Reserved[3] where revision 2 keeps ExtHeaderOffset.
                       else struct.pack("<HH3sB", header_len, 0, reserved.to_bytes(3, "little"), revision))
                    + struct.pack("<II", total // block, block) + struct.pack("<II", 0, 0))
    assert len(hdr) == header_len
    struct.pack_into("<H", hdr, 0x32, (-sum(struct.unpack("<%dH" % (header_len // 2), hdr))) & 0xFFFF)
    data = bytes(hdr) + ext
    data = align(data, 8, bytes([erase])) + body
    return data + bytes([erase]) * (total - len(data))


def vbt(name=b"$VBT TESTPLATFORM   "):
    size = 0x100
    head = name[:20].ljust(20, b" ") + struct.pack("<HHHI", 100, 0x30, size, 0) + b"\0" * 14
    head = head[:0x30].ljust(0x30, b"\0")
    return head + bytes((i * 3) & 0xFF for i in range(size - len(head)))


def rom(name):
    with open(os.path.join(ROOT, "Fixtures", "roms", name), "rb") as f:
        return f.read()


def gop(n, label, wrap):
    inner = sections(pe32(), ui(label), version("2.%d" % n))
    return ffs_file(fguid(n), 0x07, wrap(inner))


def everything():
    amd, intel, realtek = rom("amd.rom"), rom("intel.rom"), rom("legacy-efi.rom")
    inner_volume = volume([
        ffs_file(fguid(20), 0x01, amd, erase=0x00, large=True),
        ffs_file(fguid(21), 0x02, sections(ui("ExtendedRaw"), section(0x19, realtek, extended=True)), erase=0x00),
    ], fs=FFS3, erase=0x00, name=fguid(29))
    files = [
        ffs_file(fguid(1), 0x01, intel),
        gop(2, "LzmaGopDxe", lambda s: lzma_section(s)),
        gop(3, "LzmaX86GopDxe", lambda s: lzma_section(s, x86=True)),
        gop(4, "BrotliGopDxe", brotli_section),
        gop(5, "TianoGopDxe", tiano_section),
        gop(6, "EfiGopDxe", efi_compression_section),
        ffs_file(fguid(7), 0xF0, b"\xff" * 64),
        ffs_file(fguid(8), 0x02, sections(ui("VbtAndRom"), crc32_section(sections(raw(vbt()), raw(amd))))),
        ffs_file(fguid(9), 0x0B, lzma_section(section(0x17, inner_volume))),
        ffs_file(fguid(10), 0x07, sections(pe32(), ui("PlainGopDxe"))),
        ffs_file(fguid(11), 0x07, sections(pe32(), ui("NotAGraphicsThing"))),
        ffs_file(fguid(12), 0x07, sections(te(), ui("ArmTeGopDxe"))),
    ]
    expect = [
        {"kind": "option-rom", "name": None, "vendorID": "8086", "deviceID": "1912", "decoded": False},
        {"kind": "gop-driver", "name": "LzmaGopDxe", "decoded": True},
        {"kind": "gop-driver", "name": "LzmaX86GopDxe", "decoded": True},
        {"kind": "gop-driver", "name": "BrotliGopDxe", "decoded": True},
        {"kind": "gop-driver", "name": "TianoGopDxe", "decoded": True},
        {"kind": "gop-driver", "name": "EfiGopDxe", "decoded": True},
        {"kind": "vbt", "name": "VbtAndRom", "decoded": False},
        {"kind": "option-rom", "name": "VbtAndRom", "vendorID": "1002", "deviceID": "1636", "decoded": False},
        {"kind": "option-rom", "name": None, "vendorID": "1002", "deviceID": "1636", "decoded": True},
        {"kind": "option-rom", "name": "ExtendedRaw", "vendorID": "10ec", "deviceID": "8139", "decoded": True},
        {"kind": "gop-driver", "name": "PlainGopDxe", "decoded": False},
        {"kind": "gop-driver", "name": "ArmTeGopDxe", "decoded": False, "format": "TE", "machine": 0xAA64},
    ]
    return volume(files, name=fguid(99)), {"items": expect, "findingCodes": []}


FFS1 = guid("7A9354D9-0468-444A-81CE-0BF617D890DF")
NVRAM = guid("FFF12B8D-7696-4C8B-A985-2747075B4F50")
APPLE_MICROCODE = guid("153D2197-29BD-44DC-AC59-887F70E41A6B")
P_GOP = guid("9042A9DE-23DC-4A38-96FB-7ADED080516A")
P_TEXT_OUT = guid("387477C2-69C7-11D2-8E39-00A0C969723B")
P_BINDING = guid("18A031AB-B443-4D1A-A5C0-0C09261E9F71")
P_EDID_ACTIVE = guid("BD8C1056-9F36-44EC-92A8-A6337F817986")
P_LEGACY_BIOS = guid("DB9A1E3D-45CB-4ABB-853B-E5387FDB2E2D")
P_GOP_POLICY = guid("EC2E931B-3281-48A5-8107-DF8A8BED3C5D")


def ffs1():
    """An Intel Mac's flash, as the MacBookPro3,1 image lays it out: FFS v1 volumes with revision-1
    headers (Apple's 0x0001 in the reserved bytes where revision 2 keeps ExtHeaderOffset), the VBIOS
    in a RAW section inside a CRC32 section inside an EFI-compressed one, an unnamed GOP driver told by
    its image (GOP, Driver Binding, EDID GUIDs), a console that only uses GOP, CsmVideo, a
    PlatformGOPPolicy; then an NVRAM store, a microcode volume and erased padding."""
    amd = rom("amd.rom")
    files = [
        ffs_file(fguid(60), 0x07, efi_compression_section(crc32_section(sections(raw(amd))))),
        ffs_file(fguid(61), 0x07, efi_compression_section(crc32_section(
            sections(pe32(guids=(P_GOP, P_BINDING, P_EDID_ACTIVE)))))),
        ffs_file(fguid(62), 0x07, sections(pe32(guids=(P_GOP, P_BINDING, P_TEXT_OUT)), ui("GraphicsConsoleDxe"))),
        ffs_file(fguid(63), 0x07, sections(pe32(guids=(P_GOP, P_BINDING, P_LEGACY_BIOS)), ui("CsmVideo"))),
        ffs_file(fguid(64), 0x07, sections(pe32(guids=(P_GOP_POLICY,)), ui("PlatformGOPPolicy"))),
    ]
    store = b"$VSS" + b"\xff" * 60
    data = (volume(files, fs=FFS1, revision=1, reserved=0x0001)
            + volume([store], fs=NVRAM, revision=1) + volume([b"\0" * 0x100], fs=APPLE_MICROCODE, revision=1)
            + b"\xff" * 0x1000)
    expect = [
        {"kind": "option-rom", "name": None, "vendorID": "1002", "deviceID": "1636", "decoded": True},
        {"kind": "gop-driver", "name": None, "decoded": True},
    ]
    return data, {"items": expect, "findingCodes": ["not-gop-driver", "not-gop-driver"]}


IPXE_EFI_ROM = "/usr/lib/ipxe/qemu/efi-e1000.rom"


def efi_rom_driver(path):
    """The PE32+ driver in the first EFI image of the option ROM at `path`, without the ROM's padding
    (iPXE keeps its name and version after its last section: only trailing zeros are cut)."""
    with open(path, "rb") as f:
        d = f.read()
    o = 0
    while d[o:o + 2] == b"\x55\xaa":
        pcir = o + struct.unpack_from("<H", d, o + 0x18)[0]
        length = struct.unpack_from("<H", d, pcir + 0x10)[0] * 512
        if d[pcir + 0x14] == 3:
            assert struct.unpack_from("<H", d, o + 0x0C)[0] == 0, path + ": expected an uncompressed EFI image"
            return d[o + struct.unpack_from("<H", d, o + 0x16)[0]:o + length].rstrip(b"\0")
        o += length
    raise SystemExit(path + " holds no EFI image")


def ipxe_driver():
    """The PE32+ X64 driver in Debian's iPXE EFI option ROM (ipxe-qemu)."""
    return efi_rom_driver(IPXE_EFI_ROM)


def archives(out):
    """ffs1.fd in a zip and a 7z, written by other code than libarchive (fuzz seeds)."""
    import io
    import zipfile
    import py7zr
    data, _ = ffs1()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("BIOS/ffs1.fd", date_time=(2026, 1, 1, 0, 0, 0))
        z.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    with open(os.path.join(out, "ffs1.zip"), "wb") as f:
        f.write(buf.getvalue())
    path = os.path.join(out, "ffs1.7z")
    with py7zr.SevenZipFile(path, "w") as z:
        z.writestr(data, "BIOS/ffs1.fd")


def section_body(sec):
    """A (non-extended) section's body."""
    return sec[4:struct.unpack("<I", sec[:3] + b"\0")[0]]


def apu_files(drivers):
    """The APU's VBIOS as a RAW file, then one DXE driver file per (n, PE/TE section, UI name)."""
    files = [ffs_file(fguid(40), 0x01, rom("amd.rom"))]
    for n, image, label in drivers:
        files.append(ffs_file(fguid(n), 0x07, lzma_section(sections(image, ui(label)))))
    return volume(files, name=fguid(98))


def apu_expect(gops):
    items = [{"kind": "option-rom", "name": None, "vendorID": "1002", "deviceID": "1636", "decoded": False}]
    return {"items": items + [{"kind": "gop-driver", "name": g, "decoded": True} for g in gops], "findingCodes": []}


def apu():
    ipxe = section(0x10, ipxe_driver())
    drivers = [(41, te(), "AMDGopDriver"), (42, pe32(), "PlainGopDxe"), (43, ipxe, "AMDGopDriver"),
               (44, pe32(size=0x500), "IntelGopDriver")]
    return apu_files(drivers), apu_expect([d[2] for d in drivers])


def apu_ambiguous():
    drivers = [(43, section(0x10, ipxe_driver()), "AMDGopDriver"), (45, pe32(), "AMD GOP Dxe")]
    return apu_files(drivers), apu_expect([d[2] for d in drivers])


def apu_none():
    drivers = [(44, section(0x10, ipxe_driver()), "IntelGopDriver"), (41, te(), "AMDGopDriver")]
    return apu_files(drivers), apu_expect([d[2] for d in drivers])


def deep():
    inner = volume([ffs_file(fguid(1), 0x01, rom("intel.rom"))])
    for n in range(40):
        inner = volume([ffs_file(fguid(100 + n), 0x0B, section(0x17, inner))])
    return inner, {"items": [], "findingCodes": ["limit-reached"]}


def bomb():
    zeros = b"\0" * (80 << 20)
    return volume([ffs_file(fguid(1), 0x02, lzma_section(raw(zeros)))]), {"items": [], "findingCodes": ["limit-reached"]}


def bench(out):
    """For Tools/bench.sh: a volume whose one LZMA section holds 48 MiB (log-like text, so the
    decoder works), and the same stream as an .lzma file xz reads."""
    lines = []
    for i in range(600_000):
        lines.append(b"%08x pci 0000:%02x:%02x.%d: [%04x:%04x] type %02x class 0x%06x\n"
                     % (i * 2654435761 & 0xFFFFFFFF, i % 256, (i * 7) % 32, i % 8, (i * 31) % 65536, (i * 17) % 65536, i % 3, (i * 13) % 0x1000000))
    data = b"".join(lines)[: 48 << 20]
    data += b"\0" * ((48 << 20) - len(data))
    data = section(0x19, data, extended=True)   # a RAW section, so the walk goes on into it
    filters = [{"id": lzma.FILTER_LZMA1, "dict_size": 1 << 23, "lc": 3, "lp": 0, "pb": 2, "preset": 1}]
    stream = lzma.compress(data, format=lzma.FORMAT_RAW, filters=filters)
    body = bytes([(2 * 5 + 0) * 9 + 3]) + struct.pack("<I", 1 << 23) + struct.pack("<Q", len(data)) + stream
    with open(os.path.join(out, "bench-lzma.lzma"), "wb") as f:
        f.write(body)
    with open(os.path.join(out, "bench-lzma.fd"), "wb") as f:
        f.write(volume([ffs_file(fguid(1), 0x02, guided(G_LZMA, body))]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "Fixtures", "firmware"))
    ap.add_argument("--bench", action="store_true", help="write only the benchmark's LZMA volume and stream into --out")
    args = ap.parse_args()
    if args.bench:
        os.makedirs(args.out, exist_ok=True)
        bench(args.out)
        return
    os.makedirs(args.out, exist_ok=True)
    # Raw streams for the decoders' own tests: 8 MiB of zeros, and the start of a stream cut short.
    zeros = b"\0" * (8 << 20)
    for name, data in [("zeros-8m.br", brotli.compress(zeros)), ("zeros-8m.lzma", lzma_raw(zeros)),
                       ("zeros-8m-x86.lzma", lzma_raw(zeros, x86=True))]:
        with open(os.path.join(args.out, name), "wb") as f:
            f.write(data)
    archives(args.out)
    for name, make in [("everything", everything), ("deep", deep), ("bomb", bomb), ("apu", apu),
                       ("apu-ambiguous", apu_ambiguous), ("apu-none", apu_none), ("ffs1", ffs1)]:
        data, expect = make()
        with open(os.path.join(args.out, name + ".fd"), "wb") as f:
            f.write(data)
        with open(os.path.join(args.out, name + ".expect.json"), "w") as f:
            json.dump(expect, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
