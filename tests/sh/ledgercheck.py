#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Invariants of a vmplace rundir (SPEC section 4's ledger paragraph), shared by
the crash and concurrency tests. Library use: check(rundir, pool) -> dict of
counts; as a program: ledgercheck.py RUNDIR [POOL-CPUSET] prints them as one
line of key=value and exits 1 on any violation.

Violations (each must stay 0):
  unparsable  ledger.json exists but is not a version-1 ledger
  dup         a CPU held by two entries
  outside     a held CPU outside POOL (when given)
  missing     an entry without its plan.json or xml state file
  incoherent  an entry whose recorded XML pins vCPUs outside the CPUs the
              entry holds while its plan.json carries the entry's commit
              token (so enforce would trust it): a double assignment
              waiting to happen
Counts, bounded by the caller: detected (plan.json of another commit than the
entry: an interrupted update enforce refuses), orphans (uuids with state
files but no entry), tmps (*.tmp.PID files).
"""
import json
import os
import re
import sys

STATE_RE = re.compile(r"^([0-9a-f-]{36})\.(plan\.json|xml|input\.xml)$")
PIN_RE = re.compile(r"<vcpupin\s+vcpu=['\"](\d+)['\"]\s+cpuset=['\"]([^'\"]+)['\"]")


def expand(s):
    out = set()
    excl = set()
    for part in (s or "").split(","):
        part = part.strip()
        if not part:
            continue
        neg = part.startswith("^")
        part = part.lstrip("^")
        if "-" in part:
            a, b = map(int, part.split("-"))
            rng = set(range(a, b + 1))
        else:
            rng = {int(part)}
        (excl if neg else out).update(rng)
    return out - excl


def load_ledger(rundir):
    """(ledger dict or None when absent, error string or None)"""
    path = os.path.join(rundir, "ledger.json")
    try:
        with open(path) as f:
            j = json.load(f)
    except FileNotFoundError:
        return {"version": 1, "entries": []}, None
    except (OSError, ValueError) as e:
        return None, "%s: %s" % (path, e)
    if not isinstance(j, dict) or j.get("version") != 1 or not isinstance(j.get("entries"), list):
        return None, "%s: not a version-1 ledger" % path
    return j, None


def check(rundir, pool=None):
    c = dict(entries=0, held=0, unparsable=0, dup=0, outside=0, missing=0,
             incoherent=0, detected=0, orphans=0, tmps=0)
    c["problems"] = []
    j, err = load_ledger(rundir)
    if j is None:
        c["unparsable"] = 1
        c["problems"].append(err)
        return c
    entries = j["entries"]
    c["entries"] = len(entries)
    seen = {}
    ddir = os.path.join(rundir, "domains")
    for e in entries:
        held = expand(e.get("held", ""))
        c["held"] += len(held)
        for cpu in held:
            if cpu in seen:
                c["dup"] += 1
                c["problems"].append("CPU %d held by %s and %s" % (cpu, seen[cpu], e["name"]))
            seen[cpu] = e["name"]
        if pool is not None and not held <= pool:
            c["outside"] += 1
            c["problems"].append("%s holds %s outside the pool" % (e["name"], sorted(held - pool)))
        base = os.path.join(ddir, e["uuid"])
        try:
            with open(base + ".plan.json") as f:
                plan = json.load(f)
            with open(base + ".xml") as f:
                xml = f.read()
        except (OSError, ValueError) as ex:
            c["missing"] += 1
            c["problems"].append("%s: state file: %s" % (e["name"], ex))
            continue
        if plan.get("commit") != e.get("commit"):
            c["detected"] += 1
            continue
        if e.get("kind") != "dedicated":
            continue
        pinned = set()
        for _, cpus in PIN_RE.findall(xml):
            pinned |= expand(cpus)
        if not pinned <= held:
            c["incoherent"] += 1
            c["problems"].append("%s: recorded XML pins %s, ledger holds %s" %
                                 (e["name"], sorted(pinned), sorted(held)))
    uuids = {e["uuid"] for e in entries}
    orphans = set()
    tmp_names = []
    for n in os.listdir(ddir) if os.path.isdir(ddir) else []:
        if ".tmp." in n:
            tmp_names.append("domains/" + n)
            continue
        m = STATE_RE.match(n)
        if m and m.group(1) not in uuids:
            orphans.add(m.group(1))
    c["orphan_uuids"] = orphans
    c["orphans"] = len(orphans)
    tmp_names += [n for n in os.listdir(rundir) if ".tmp." in n] if os.path.isdir(rundir) else []
    c["tmp_names"] = sorted(tmp_names)
    c["tmps"] = len(tmp_names)
    return c


VIOLATIONS = ("unparsable", "dup", "outside", "missing", "incoherent")


def summary(c):
    return " ".join("%s=%s" % (k, c[k]) for k in
                    ("entries", "held") + VIOLATIONS + ("detected", "orphans", "tmps"))


if __name__ == "__main__":
    res = check(sys.argv[1], expand(sys.argv[2]) if len(sys.argv) > 2 else None)
    print(summary(res))
    for p in res["problems"]:
        print("#", p)
    sys.exit(1 if any(res[k] for k in VIOLATIONS) else 0)
