#!/usr/bin/env python3
"""An independent reader of ACPI VFCT tables (the judge of vbios's VFCTTable), written from Linux's
drivers/gpu/drm/amd/amdgpu/amdgpu_bios.c amdgpu_acpi_vfct_bios() and the structures of
drivers/gpu/drm/amd/include/atombios.h, sharing nothing with vbios:

  UEFI_ACPI_VFCT     the 36-byte ACPI table header (length u32 at +4), TableUUID[16] at 0x24,
                     VBIOSImageOffset u32 at 0x34, Lib1ImageOffset u32 at 0x38, Reserved[4].
  VFCT_IMAGE_HEADER  PCIBus, PCIDevice, PCIFunction u32; VendorID, DeviceID, SSVID, SSID u16;
                     Revision u32; ImageLength u32 (28 bytes), then the image.
  The kernel walks from VBIOSImageOffset while the offset is inside the table; a header or an
  image that runs past the table's length ends the walk ("ACPI VFCT table present but broken").

  vfct-walk.py TABLE...   one JSON object per table, one per line
"""
import hashlib
import json
import struct
import sys


def read(path):
    t = open(path, "rb").read()
    out = {"file": path, "signature": t[:4].decode("latin-1"), "entries": [], "brokenAt": None}
    if len(t) < 0x4C:
        out["brokenAt"] = 0
        return out
    size = min(struct.unpack_from("<I", t, 4)[0], len(t))
    offset = struct.unpack_from("<I", t, 0x34)[0]
    while offset < size:
        if offset + 28 > size:
            out["brokenAt"] = offset
            break
        bus, dev, fn, ven, did, ssv, ssid, rev, length = struct.unpack_from("<IIIHHHHII", t, offset)
        if offset + 28 + length > size:
            out["brokenAt"] = offset
            break
        image = t[offset + 28:offset + 28 + length]
        out["entries"].append({"bus": bus, "device": dev, "function": fn, "vendorID": ven, "deviceID": did,
                               "subsystemVendorID": ssv, "subsystemID": ssid, "revision": rev,
                               "offset": offset + 28, "length": length, "startsWith55AA": image[:2] == b"\x55\xAA",
                               "sha256": hashlib.sha256(image).hexdigest()})
        offset += 28 + length
    return out


if __name__ == "__main__":
    for p in sys.argv[1:]:
        print(json.dumps(read(p)))
