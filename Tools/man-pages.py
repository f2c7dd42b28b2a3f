#!/usr/bin/env python3
"""Tools/man-pages.py DIR: finishes the pages swift-argument-parser's generate-manual wrote into DIR.

- A subcommand's page vbios.prepare.1 becomes vbios-prepare.1 (as git's and apt's are), with every
  reference to it; that is what `man vbios-prepare` finds.
- EXIT STATUS: generate-manual writes `.Ex -std` ("0 on success, and >0 if an error occurs") for every
  page. Each command's own statuses are in its discussion, under "EXIT STATUS:" (defined once, in
  Sources/vbios/ExitStatus.swift, and shown by `vbios COMMAND --help`): they are moved from the
  description into that section, as an mdoc list.
- A blank line in a discussion is a paragraph break to groff, but mdoc warns; it becomes .Pp.
"""
import os
import re
import sys


def exit_status(text):
    lines = text.split("\n")
    try:
        start = lines.index("EXIT STATUS:")
    except ValueError:
        return text
    end = start + 1
    entries = []
    while end < len(lines) and re.match(r"^  \d+ ", lines[end]):
        code, meaning = lines[end].strip().split(None, 1)
        entries.append((code, meaning))
        end += 1
    if not entries:
        return text
    # The blank line that separated it from the discussion goes too.
    if start > 0 and lines[start - 1] == "":
        start -= 1
    del lines[start:end]
    mdoc = [".Bl -tag -width Ds"]
    for code, meaning in entries:
        mdoc += [".It " + code, meaning]
    mdoc.append(".El")
    out = []
    for i, line in enumerate(lines):
        if line.startswith(".Ex -std") and i > 0 and lines[i - 1].strip('"').endswith("EXIT STATUS"):
            out += mdoc
        else:
            out.append(line)
    return "\n".join(out)


def main(d):
    for name in sorted(os.listdir(d)):
        text = open(os.path.join(d, name), encoding="utf-8").read()
        # .Dt VBIOS.PREPARE 1 and .Xr vbios.prepare 1 (SEE ALSO).
        text = re.sub(r"^(\.Dt\s+)VBIOS\.(\S+)", lambda m: m[1] + "VBIOS-" + m[2], text, flags=re.M)
        text = re.sub(r"^(\.Xr\s+)vbios\.(\S+)", lambda m: m[1] + "vbios-" + m[2], text, flags=re.M)
        text = exit_status(text)
        text = re.sub(r"^$", ".Pp", text.rstrip("\n"), flags=re.M) + "\n"
        os.remove(os.path.join(d, name))
        new = "vbios-" + name[len("vbios."):] if name.startswith("vbios.") and name.count(".") > 1 else name
        open(os.path.join(d, new), "w", encoding="utf-8").write(text)


if __name__ == "__main__":
    main(sys.argv[1])
