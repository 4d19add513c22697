#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Validate Prometheus text exposition (format 0.0.4, as node_exporter's
textfile collector reads it) on stdin or in FILE, strictly: UTF-8, HELP and
TYPE before a family's samples, each family's samples together, names and
label names well-formed, label values with only \\\\, \\" and \\n escapes,
numeric values, no duplicate series. On success print the samples as JSON
[[name, {label: value}, value], ...] (values unescaped); on failure print the
problem with its line number to stderr and exit 1."""
import json
import re
import sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def fail(n, msg):
    sys.stderr.write("line %d: %s\n" % (n, msg))
    sys.exit(1)


def labels(n, s, i):
    """Parse {a="x",b="y"} from s[i] == '{'; return (dict, index after '}')."""
    out = {}
    i += 1
    while True:
        if s[i:i + 1] == "}":
            return out, i + 1
        m = LABEL.match(s, i)
        if not m:
            fail(n, "bad label name at column %d" % i)
        key = m.group(0)
        i = m.end()
        if s[i:i + 2] != '="':
            fail(n, "label %s: expected =\"" % key)
        i += 2
        val = []
        while True:
            if i >= len(s):
                fail(n, "label %s: unterminated value" % key)
            c = s[i]
            if c == "\\":
                e = s[i + 1:i + 2]
                if e not in ("\\", '"', "n"):
                    fail(n, "label %s: bad escape \\%s" % (key, e))
                val.append("\n" if e == "n" else e)
                i += 2
            elif c == '"':
                i += 1
                break
            else:
                val.append(c)
                i += 1
        if key in out:
            fail(n, "label %s twice" % key)
        out[key] = "".join(val)
        if s[i:i + 1] == ",":
            i += 1


def main():
    data = open(sys.argv[1], "rb").read() if len(sys.argv) > 1 else sys.stdin.buffer.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        fail(0, "not UTF-8: %s" % e)
    if not text.endswith("\n"):
        fail(0, "does not end in a newline")
    typed, helped, done, seen, samples = {}, set(), set(), set(), []
    current = None
    for n, line in enumerate(text.split("\n")[:-1], 1):
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                name = parts[2]
                if not NAME.fullmatch(name):
                    fail(n, "bad metric name %r" % name)
                if parts[1] == "TYPE":
                    if name in typed or len(parts) != 4 or parts[3] not in TYPES:
                        fail(n, "bad or repeated TYPE for %s" % name)
                    typed[name] = parts[3]
                else:
                    if name in helped:
                        fail(n, "repeated HELP for %s" % name)
                    helped.add(name)
                if name in done:
                    fail(n, "%s metadata after its samples" % name)
            continue
        if not line:
            fail(n, "empty line")
        m = NAME.match(line)
        if not m:
            fail(n, "bad sample name")
        name, i = m.group(0), m.end()
        lab = {}
        if line[i:i + 1] == "{":
            lab, i = labels(n, line, i)
        if line[i:i + 1] != " ":
            fail(n, "expected a space before the value")
        rest = line[i + 1:].split(" ")
        if len(rest) != 1:
            fail(n, "timestamps are not for the textfile collector")
        try:
            value = float(rest[0])
        except ValueError:
            fail(n, "value %r is not a number" % rest[0])
        if name not in typed or name not in helped:
            fail(n, "%s has no HELP/TYPE before it" % name)
        if current != name:
            if name in done:
                fail(n, "samples of %s not together" % name)
            if current:
                done.add(current)
            current = name
        series = (name, tuple(sorted(lab.items())))
        if series in seen:
            fail(n, "duplicate series %r" % (series,))
        seen.add(series)
        if typed[name] == "counter" and value < 0:
            fail(n, "negative counter")
        samples.append([name, lab, value])
    print(json.dumps(samples))


main()
