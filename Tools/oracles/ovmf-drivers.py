#!/usr/bin/env python3
"""Real OVMF as the judge of which EFI drivers a card's option ROM gives a guest.

Boots Debian's OVMF under QEMU (TCG) with one e1000 per ROM file (its `romfile`), no boot
device, so OVMF ends in its UEFI shell; types `drivers` on the serial console and prints, as
JSON, every driver the shell lists: version, name, image. EDK2's PciBusDxe
(MdeModulePkg/Bus/Pci/PciBusDxe/PciOptionRomSupport.c, ProcessOpRomImage) is what loads and
starts the ROMs' EFI images; nothing of vbios runs here.

  ovmf-drivers.py [--timeout S] ROM...   exit 0 with the list; 2 when the shell never answered
"""
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time

CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"


def boot(roms, timeout):
    scratch = tempfile.mkdtemp(prefix="ovmf-drivers-")
    try:
        shutil.copy(VARS, scratch + "/vars.fd")
        args = ["qemu-system-x86_64", "-machine", "q35,accel=tcg", "-m", "512", "-nodefaults", "-display", "none",
                "-no-reboot", "-drive", "if=pflash,format=raw,readonly=on,file=" + CODE,
                "-drive", "if=pflash,format=raw,file=%s/vars.fd" % scratch, "-serial", "stdio"]
        for i, rom in enumerate(roms):
            args += ["-netdev", "user,id=n%d,restrict=on" % i, "-device", "e1000,romfile=%s,netdev=n%d" % (rom, i)]
        p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        out, sent, start = b"", False, time.time()
        try:
            while time.time() - start < timeout:
                ready, _, _ = select.select([p.stdout], [], [], 1)
                if ready:
                    data = os.read(p.stdout.fileno(), 65536)
                    if not data:
                        break
                    out += data
                if not sent and b"Shell>" in out:
                    p.stdin.write(b"drivers\r")
                    p.stdin.flush()
                    sent = True
                if sent and out.count(b"Shell>") >= 2:
                    return out
        finally:
            p.kill()
            p.wait()
        return None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main():
    argv = sys.argv[1:]
    timeout = 240
    if argv[:1] == ["--timeout"]:
        timeout, argv = int(argv[1]), argv[2:]
    out = boot(argv, timeout)
    if out is None:
        print("ovmf-drivers: the UEFI shell did not answer `drivers` within %d s" % timeout, file=sys.stderr)
        return 2
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", out.decode("latin-1"))
    listing = text[text.index("Shell>"):]
    drivers = [{"version": m.group(1), "name": m.group(2), "image": m.group(3)}
               for m in re.finditer(r"([0-9A-F]{8}) [?BD] +\S+ +\S+ +\S+ +\S+ +(.+?) {2,}(\S+)", listing)]
    print(json.dumps(drivers))
    return 0


if __name__ == "__main__":
    sys.exit(main())
