#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Read what a man page documents, for test_man.sh.

  mankeys.py keys MAN5     one line per documented key of vmplace.ini(5):
                           SECTION<TAB>KEY<TAB>VALUES<TAB>RANGE<TAB>DEFAULT
      KEY has N where an id goes; VALUES is the choices joined by '|' (or a
      type such as cpu-list); RANGE is "lo..hi" or "-1|lo..hi" (quotas);
      for id keys it is the id range. DEFAULT is the literal of
      "Default: X." (one word). Empty fields are "-" (a shell's read with
      IFS=tab would merge two tabs).
  mankeys.py code CONFTABLE_C one line per key of lib/model/conftable.c's tables:
                           SECTION<TAB>KEY
  mankeys.py ops MAN8      the "OP SUBOP" tags of the OPERATIONS section
"""
import re
import shlex
import sys

FONT = re.compile(r"\\f[BIRP]|\\c")


def plain(s):
    return FONT.sub("", s).replace("\\-", "-").replace("\\(dq", '"').replace("\\e", "\\")


def tag_text(line):
    """The text a .B/.BI/.BR/.IR tag line renders to."""
    macro, _, rest = line.partition(" ")
    lex = shlex.shlex(rest, posix=True)
    lex.whitespace_split = True
    lex.escape = ""  # roff escapes (\fB) are text, not shell escapes
    args = list(lex)
    joiner = " " if macro in (".B", ".I") else ""
    return plain(joiner.join(args))


def entries(path):
    """(section, [tag texts], body text) per .TP/.TQ entry, section from .SS/.SH."""
    section, out, tags, body, in_tag = None, [], [], [], False
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith((".SS", ".SH", ".TP", ".PP", ".IP")):
            if tags:
                out.append((section, tags, plain(" ".join(body))))
            tags, body = [], []
            if line.startswith((".SS", ".SH")):
                section = line[4:].strip()
            in_tag = line.startswith(".TP")
            continue
        if line.startswith(".TQ"):
            in_tag = True
            continue
        if in_tag:
            tags.append(tag_text(line) if line.startswith(".") else plain(line))
            in_tag = False
        else:
            body.append(plain(line[line.find(" ") + 1:] if line.startswith(".") else line))
    if tags:
        out.append((section, tags, plain(" ".join(body))))
    return out


def keys(path):
    for section, tags, body in entries(path):
        m = re.fullmatch(r"\[([a-z_]+)\]", section or "")
        if not m:
            continue
        rng = ""
        q = re.search(r"[Rr]ange (-1) or (\d+)\.\.(\d+)", body)
        r = re.search(r"[Rr]ange (-?\d+)\.\.(\d+)", body)
        i = re.search(r"(\d+)\.\.(\d+)", body)
        d = re.search(r"Default: (\S+?)\.(?:\s|$)", body)
        for t in tags:
            key, _, values = t.partition(" = ")
            key = key.strip()
            if "N" in key and i:
                rng = "%s..%s" % i.groups()
            elif q:
                rng = "-1|%s..%s" % q.groups()[1:]
            elif r:
                rng = "%s..%s" % r.groups()
            vals = "|".join(v.strip() for v in values.split("|"))
            print("\t".join([m.group(1), key, vals, rng or "-", d.group(1) if d else "-"]))


def code(path):
    src = open(path, encoding="utf-8").read()
    for table in ("keys", "idkeys"):
        body = src[src.index("vp_conf_key " + table + "[] = {"):]
        body = body[: body.index("\n};")]
        for m in re.finditer(r'\{VP_SECT_([A-Z_]+), "([a-z_.]+)"(?:, "([a-z_.]*)")?', body):
            sect, name, suffix = m.group(1).lower(), m.group(2), m.group(3)
            print("%s\t%s" % (sect, name + "N" + suffix if suffix is not None else name))


def ops(path):
    for section, tags, _ in entries(path):
        if section == "OPERATIONS":
            for t in tags:
                print(t)


if __name__ == "__main__":
    {"keys": keys, "code": code, "ops": ops}[sys.argv[1]](sys.argv[2])
