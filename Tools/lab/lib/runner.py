#!/usr/bin/env python3
"""Boot one lab scenario in QEMU (TCG) and bring its results back.

usage: runner.py SCENARIO.sh OUTDIR --base BASE.cpio.gz [--timeout S] [--kernel VMLINUZ]

The scenario file is a guest shell script whose leading comment lines carry directives:
    # lab: qemu ARGS...      extra QEMU arguments (shell words; $LAB_DIR, $LAB_OUT expanded)
    # lab: machine SPEC      -machine value (default q35); accel=tcg is added
    # lab: append WORDS      extra kernel command-line words
    # lab: append-file PATH  the words in PATH (e.g. a kernel-cmdline.txt a prep script made)
    # lab: memory MB         guest memory (default 512)
    # lab: timeout S         wall-clock limit for the whole boot (default 120)
    # lab: file HOST [NAME]  copy a host file into the guest as /lab/data/NAME
    # lab: initrd PATH       another cpio.gz appended after the base one (build-initramfs.sh --add-on)
    # lab: needs vbios       the scenario runs `vbios` (test.sh skips it without --vbios)
    # lab: judge WHAT        what the check compares vbios's results with, that vbios did not
                             produce (read by Tools/test-summary.py; the runner ignores it)
    # lab: xen ARGS          boot Xen (cache/xen/xen.elf, multiboot) with ARGS; the dom0 kernel
                             (Debian's generic one) gets `console=hvc0` plus the append words,
                             and the initramfs is the dom0 base (--xen-base) plus the scenario
In the guest the script runs under busybox sh in $OUT (/out); every regular file it leaves
under $OUT comes back as OUTDIR/guest/PATH. Its stdout, stderr and exit status come back as
OUTDIR/stdout, OUTDIR/stderr, OUTDIR/rc. The kernel console is OUTDIR/console.log.
`lab-try NAME COMMAND...` in the guest keeps COMMAND's stdout, stderr and exit status as
$OUT/NAME.out, NAME.err, NAME.rc (it never fails, so the script goes on).
`lab-snapshot [DIR]` saves the kernel's view of every PCI device under $OUT/sysfs/ADDR/
(lib/sysfs_truth.py reads it back on the host).
`lab-monitor NAME HMP-COMMAND...` in the guest runs a QEMU monitor command on the host while
the guest waits, and saves its output as OUTDIR/monitor/NAME.txt.

Results travel on a second serial port (ttyS1, a unix socket on the host), apart from the
kernel console, so printk lines never interleave with them; each file goes gzip'ed and base64'ed
between `==BEGIN guest/PATH==` and `==END guest/PATH==` lines (about 100 KB/s after gzip).
"""
import argparse
import base64
import gzip
import io
import json
import os
import re
import select
import shlex
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time

LAB_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

GUEST_INIT = r"""#!/bin/sh
R=/dev/ttyS1
stty -F $R raw -echo 115200 2>/dev/null
export OUT=/out LAB_DATA=/lab/data
mkdir -p /out /lab/meta
echo "==READY $(cut -d' ' -f1 /proc/uptime)==" > $R
cd /out
/bin/sh /lab/scenario.sh > /lab/meta/stdout 2> /lab/meta/stderr < /dev/null
echo $? > /lab/meta/rc
cut -d' ' -f1 /proc/uptime > /lab/meta/uptime
{
  for d in /out /lab/meta; do
    (cd $d && find . -type f) | while read -r f; do
      f=${f#./}
      case $d in /lab/meta) n="meta/$f" ;; *) n="guest/$f" ;; esac
      echo "==BEGIN $n=="
      gzip -1 -c "$d/$f" | base64
      echo "==END $n=="
    done
  done
  echo "==DONE=="
} > $R
"""

LAB_TRY = r"""#!/bin/sh
# lab-try NAME COMMAND...: run COMMAND, keep $OUT/NAME.out, NAME.err, NAME.rc; never fails.
[ $# -ge 2 ] || { echo "usage: lab-try NAME COMMAND..." >&2; exit 2; }
name=$1; shift
mkdir -p "$(dirname "$OUT/$name")"
"$@" > "$OUT/$name.out" 2> "$OUT/$name.err"
echo $? > "$OUT/$name.rc"
exit 0
"""

LAB_SNAPSHOT = r"""#!/bin/sh
# lab-snapshot [DIR]: the kernel's view of every PCI device, for host-side checks:
# DIR/ADDR/{vendor,device,class,resource,boot_vga,driver,iommu_group,has_rom} (default $OUT/sysfs).
d=${1:-$OUT/sysfs}
for p in /sys/bus/pci/devices/*; do
    a=$(basename $p); mkdir -p $d/$a
    for f in vendor device class subsystem_vendor subsystem_device resource boot_vga driver_override; do
        [ -r $p/$f ] && cat $p/$f > $d/$a/$f
    done
    [ -e $p/driver ] && basename "$(readlink $p/driver)" > $d/$a/driver
    [ -e $p/iommu_group ] && basename "$(readlink $p/iommu_group)" > $d/$a/iommu_group
    [ -e $p/rom ] && echo 1 > $d/$a/has_rom || echo 0 > $d/$a/has_rom
done
"""

LAB_MONITOR = r"""#!/bin/sh
# lab-monitor NAME HMP-COMMAND...: run a QEMU monitor command on the host, wait for it.
[ $# -ge 2 ] || { echo "usage: lab-monitor NAME COMMAND..." >&2; exit 2; }
name=$1; shift
# Keep the port open across request and reply: bytes that arrive while no one has the
# tty open are dropped.
exec 3<>/dev/ttyS1
echo "==MONITOR $name $*==" >&3
read -t 30 reply <&3 || { echo "lab-monitor: no reply from host" >&2; exit 1; }
exec 3>&-
case "$reply" in GO*) exit 0 ;; *) echo "lab-monitor: host said: $reply" >&2; exit 1 ;; esac
"""


class Scenario:
    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)[:-3] if path.endswith(".sh") else os.path.basename(path)
        self.qemu, self.append, self.files = [], [], []
        self.machine, self.memory, self.timeout = "q35", 512, 120
        self.needs = set()
        self.xen = None
        self.initrds = []
        with open(path) as f:
            for line in f:
                m = re.match(r"#\s*lab:\s*([\w-]+)\s*(.*?)\s*$", line)
                if not m:
                    continue
                key, val = m.group(1), m.group(2)
                if key == "qemu":
                    self.qemu.append(val)
                elif key == "append":
                    self.append.append(val)
                elif key == "append-file":
                    self.append.append(("file", val))
                elif key == "machine":
                    self.machine = val
                elif key == "memory":
                    self.memory = int(val)
                elif key == "timeout":
                    self.timeout = int(val)
                elif key == "file":
                    w = shlex.split(val)
                    self.files.append((w[0], w[1] if len(w) > 1 else os.path.basename(w[0])))
                elif key == "initrd":
                    self.initrds.append(val)
                elif key == "xen":
                    self.xen = val
                elif key == "needs":
                    self.needs.update(val.split())
                elif key == "judge":
                    pass
                else:
                    raise SystemExit(f"{path}: unknown directive '# lab: {key}'")


def cpio_newc(entries):
    """entries: (name, mode, data-or-None). Returns an uncompressed newc archive."""
    out = io.BytesIO()
    ino = 1000

    def pad4(n):
        out.write(b"\0" * ((4 - n % 4) % 4))

    for name, mode, data in entries + [("TRAILER!!!", 0, b"")]:
        data = data or b""
        nb = name.encode() + b"\0"
        hdr = "070701" + "".join(f"{v:08x}" for v in (
            ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nb), 0))
        out.write(hdr.encode() + nb)
        pad4(110 + len(nb))
        out.write(data)
        pad4(len(data))
        ino += 1
    return out.getvalue()


def scenario_archive(sc, env):
    entries = [("lab", stat.S_IFDIR | 0o755, None),
               ("lab/data", stat.S_IFDIR | 0o755, None),
               ("usr", stat.S_IFDIR | 0o755, None),
               ("usr/local", stat.S_IFDIR | 0o755, None),
               ("usr/local/bin", stat.S_IFDIR | 0o755, None)]
    entries.append(("lab/guest-init.sh", stat.S_IFREG | 0o755, GUEST_INIT.encode()))
    entries.append(("usr/local/bin/lab-monitor", stat.S_IFREG | 0o755, LAB_MONITOR.encode()))
    entries.append(("usr/local/bin/lab-try", stat.S_IFREG | 0o755, LAB_TRY.encode()))
    entries.append(("usr/local/bin/lab-snapshot", stat.S_IFREG | 0o755, LAB_SNAPSHOT.encode()))
    with open(sc.path, "rb") as f:
        entries.append(("lab/scenario.sh", stat.S_IFREG | 0o755, f.read()))
    for host, name in sc.files:
        host = os.path.expandvars(host.replace("$LAB_DIR", env["LAB_DIR"]).replace("$LAB_OUT", env["LAB_OUT"]))
        with open(host, "rb") as f:
            entries.append((f"lab/data/{name}", stat.S_IFREG | 0o644, f.read()))
    return gzip.compress(cpio_newc(entries), compresslevel=1)


def hmp(sock_path, command, timeout=20):
    """Run one HMP command on the monitor socket; return its output text."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(sock_path)
    buf = b""

    def until_prompt():
        nonlocal buf
        while b"(qemu) " not in buf:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        head, _, buf = buf.partition(b"(qemu) ")
        return head

    until_prompt()                       # banner
    s.sendall(command.encode() + b"\n")
    out = until_prompt()
    s.close()
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", out.decode(errors="replace")).replace("\r", "")
    lines = text.split("\n")
    # The first line is the echoed command (possibly redrawn); drop it.
    if lines and command.strip() in lines[0]:
        lines = lines[1:]
    return "\n".join(lines)


def run(sc, outdir, base, kernel, timeout=None, clean=True, xen=None):
    timeout = timeout or sc.timeout
    if clean and os.path.exists(outdir):
        shutil.rmtree(outdir)
    os.makedirs(outdir, exist_ok=True)
    env = dict(os.environ, LAB_DIR=LAB_DIR, LAB_OUT=os.path.abspath(outdir))
    tmp = tempfile.mkdtemp(prefix="lab-")
    status = {"scenario": sc.name, "ok": False, "reason": None}
    proc = None
    try:
        initrd = os.path.join(tmp, "initrd.gz")
        with open(initrd, "wb") as f:
            with open(base, "rb") as b:
                shutil.copyfileobj(b, f)
            for extra in sc.initrds:
                path = os.path.expandvars(extra.replace("$LAB_DIR", LAB_DIR).replace("$LAB_OUT", env["LAB_OUT"]))
                try:
                    with open(path, "rb") as b:
                        shutil.copyfileobj(b, f)
                except OSError as e:
                    raise RuntimeError(f"initrd {path}: {e.strerror}")
            f.write(scenario_archive(sc, env))
        res_sock = os.path.join(tmp, "results.sock")
        mon_sock = os.path.join(tmp, "monitor.sock")
        machine = sc.machine if "accel=" in sc.machine else sc.machine + ",accel=tcg"
        words = []
        for w in sc.append:
            if isinstance(w, tuple):
                path = os.path.expandvars(w[1].replace("$LAB_DIR", LAB_DIR).replace("$LAB_OUT", env["LAB_OUT"]))
                try:
                    with open(path) as f:
                        w = " ".join(f.read().split())
                except OSError as e:
                    raise RuntimeError(f"append-file {path}: {e.strerror}")
            words.append(w)
        append = " ".join(["console=ttyS0", "panic=-1", "loglevel=4"] + words)
        boot = ["-kernel", kernel, "-initrd", initrd, "-append", append]
        if sc.xen is not None:
            # Xen is a multiboot kernel; QEMU passes each -initrd entry ("FILE ARGS", comma
            # separated, ",," for a comma) as a module: dom0's kernel first, then its initramfs.
            append = " ".join(["console=hvc0", "panic=-1", "loglevel=4"] + words)
            boot = ["-kernel", xen["hypervisor"], "-append", sc.xen,
                    "-initrd", f"{xen['kernel']} {append}".replace(",", ",,") + "," + initrd]
        extra = []
        for a in sc.qemu:
            extra += [os.path.expandvars(w) for w in shlex.split(
                a.replace("$LAB_DIR", LAB_DIR).replace("$LAB_OUT", env["LAB_OUT"]))]
        cmd = ["qemu-system-x86_64", "-machine", machine, "-m", str(sc.memory),
               "-nodefaults", "-display", "none", "-no-reboot",
               ] + boot + [
               "-chardev", f"file,id=con,path={os.path.join(outdir, 'console.log')}",
               "-serial", "chardev:con",
               "-chardev", f"socket,id=res,path={res_sock},server=on,wait=on",
               "-serial", "chardev:res",
               "-monitor", f"unix:{mon_sock},server=on,wait=off"] + extra
        with open(os.path.join(outdir, "qemu-cmdline.txt"), "w") as f:
            f.write(shlex.join(cmd) + "\n")
        t0 = time.monotonic()
        deadline = t0 + timeout
        qlog = open(os.path.join(outdir, "qemu.log"), "wb")
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=qlog, stderr=subprocess.STDOUT,
                                env=env)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"qemu exited with {proc.returncode} before the guest started: "
                                   + tail(os.path.join(outdir, "qemu.log")))
            if time.monotonic() > deadline:
                raise RuntimeError("qemu did not open its results socket")
            try:
                s.connect(res_sock)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                time.sleep(0.05)
        raw = open(os.path.join(outdir, "results.raw"), "wb")
        buf, files, cur, done = b"", {}, None, False
        ready_at = None
        while not done:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError(f"timeout after {timeout} s ("
                                   + ("the guest script was still running" if ready_at else "the guest never reached its init")
                                   + "); console tail: " + tail(os.path.join(outdir, "console.log")))
            r, _, _ = select.select([s], [], [], min(left, 1.0))
            if not r:
                if proc.poll() is not None:
                    break
                continue
            chunk = s.recv(65536)
            if not chunk:
                break
            raw.write(chunk)
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                line = line.rstrip(b"\r").decode(errors="replace")
                if cur is not None:
                    if line == f"==END {cur}==":
                        files[cur] = gzip.decompress(base64.b64decode("".join(files[cur])))
                        cur = None
                    else:
                        files[cur].append(line)
                elif line.startswith("==BEGIN ") and line.endswith("=="):
                    cur = line[8:-2]
                    files[cur] = []
                elif line.startswith("==READY "):
                    ready_at = time.monotonic() - t0
                    status["guestUptimeAtReady"] = float(line[8:-2])
                elif line.startswith("==MONITOR "):
                    name, _, hcmd = line[10:-2].partition(" ")
                    try:
                        text = hmp(mon_sock, hcmd)
                        reply = "GO"
                    except OSError as e:
                        text, reply = f"monitor error: {e}\n", "ERR monitor"
                    os.makedirs(os.path.join(outdir, "monitor"), exist_ok=True)
                    with open(os.path.join(outdir, "monitor", os.path.basename(name) + ".txt"), "w") as f:
                        f.write(text)
                    s.sendall(reply.encode() + b"\n")
                elif line == "==DONE==":
                    done = True
        raw.close()
        for name, data in files.items():
            if isinstance(data, list):
                continue  # cut off mid-file
            dest = os.path.join(outdir, name if not name.startswith("meta/") else name[5:])
            if not os.path.abspath(dest).startswith(os.path.abspath(outdir) + os.sep):
                continue
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "wb") as f:
                f.write(data)
        os.makedirs(os.path.join(outdir, "guest"), exist_ok=True)
        if not done:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            if proc.returncode:
                raise RuntimeError(f"qemu exited with {proc.returncode}: "
                                   + tail(os.path.join(outdir, "qemu.log")))
            raise RuntimeError("guest stopped before sending all results; console tail: "
                               + tail(os.path.join(outdir, "console.log")))
        try:
            proc.wait(timeout=max(1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise RuntimeError("guest sent its results but did not power off")
        status["bootSeconds"] = round(ready_at, 2) if ready_at else None
        status["totalSeconds"] = round(time.monotonic() - t0, 2)
        status["ok"] = True
    except RuntimeError as e:
        status["reason"] = str(e)
    finally:
        if proc and proc.poll() is None:
            proc.kill()
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
        with open(os.path.join(outdir, "runner.json"), "w") as f:
            json.dump(status, f, indent=1)
    return status


def tail(path, n=400):
    try:
        with open(path, "rb") as f:
            data = f.read()[-n:]
        return data.decode(errors="replace").replace("\r", "").strip().replace("\n", " | ")
    except OSError:
        return "(none)"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenario")
    ap.add_argument("outdir")
    ap.add_argument("--base", required=True, help="base initramfs from build-initramfs.sh")
    ap.add_argument("--kernel", default=os.path.join(LAB_DIR, "cache", "vmlinuz"))
    ap.add_argument("--timeout", type=int)
    ap.add_argument("--xen-base", help="the dom0 base initramfs, for scenarios with `# lab: xen`")
    ap.add_argument("--xen", default=os.path.join(LAB_DIR, "cache", "xen.elf"))
    ap.add_argument("--dom0-kernel", default=os.path.join(LAB_DIR, "cache", "dom0-vmlinuz"))
    ap.add_argument("--no-clean", action="store_true", help="keep what OUTDIR already holds")
    a = ap.parse_args()
    sc = Scenario(a.scenario)
    base, xen = a.base, None
    if sc.xen is not None:
        if not a.xen_base:
            raise SystemExit(f"lab: {sc.name} boots Xen: give --xen-base (the dom0 initramfs)")
        base, xen = a.xen_base, {"hypervisor": a.xen, "kernel": a.dom0_kernel}
    st = run(sc, a.outdir, base, a.kernel, a.timeout, clean=not a.no_clean, xen=xen)
    if not st["ok"]:
        print(f"lab: {sc.name}: {st['reason']}", file=sys.stderr)
        sys.exit(1)
    print(f"lab: {sc.name}: guest ran (boot {st['bootSeconds']} s, total {st['totalSeconds']} s), "
          f"rc {open(os.path.join(a.outdir, 'rc')).read().strip() if os.path.exists(os.path.join(a.outdir, 'rc')) else '?'}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
