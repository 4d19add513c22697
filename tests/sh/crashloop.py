#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Kill vmplace-hook writers at random points and check the ledger after each
run (tests/sh/test_crash_ledger.sh, docs/robustness.md).

crashloop.py MODE RUNS SEED
  MODE random: each run starts 3-4 concurrent hook calls (prepare of a new
       domain, re-prepare of a placed one, release) and SIGKILLs one of them
       after a random delay in [0, a hook call's median run time).
  MODE strace: the victim runs under strace, which delivers SIGKILL on entry
       to a chosen syscall, cycling over every step of a ledger update.
Environment: VMPLACE_* point at a scratch tree whose profile makes vm-* dedicated;
HOOK, CLI, ENFORCE the programs; POOL the dedicated pool as a cpuset.
Prints the figures; exits 1 on any violation.
"""
import json
import os
import random
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ledgercheck  # noqa: E402

HOOK = os.environ["HOOK"]
CLI = os.environ["CLI"]
ENFORCE = os.environ["ENFORCE"]
RUNDIR = os.environ["VMPLACE_RUNDIR"]
LVRUN = os.environ["VMPLACE_LIBVIRT_RUNDIR"]
POOL = ledgercheck.expand(os.environ["POOL"])
NDOM = 16
TIMEOUT = 30  # s: a hook call waiting longer means a lock left held (ASan, loaded host)

# Each step: (ops it applies to, strace -e inject spec, name). The syscalls
# of an update, in order: prepare writes plan.json, xml, input.xml (each
# open tmp, write, fsync, rename) then the ledger (same), then unlocks;
# release renames the ledger, then unlinks the state files, then unlocks.
STEPS = [
    ("prepare", "write:when=1", "first tmp write (plan.json), lock held"),
    ("prepare", "fsync:when=1", "plan.json tmp written, before fsync"),
    ("prepare", "rename:when=1", "plan.json tmp complete, before its rename"),
    ("prepare", "rename:when=2", "after plan.json rename, before xml rename"),
    ("prepare", "rename:when=3", "after xml rename, before input.xml rename"),
    ("prepare", "write:when=4", "state files renamed, writing ledger tmp"),
    ("prepare", "rename:when=4", "ledger tmp complete, before ledger rename"),
    ("prepare", "flock:when=2", "after ledger rename, at unlock"),
    ("reprepare", "rename:when=2", "re-prepare: after plan.json rename"),
    ("reprepare", "rename:when=4", "re-prepare: before ledger rename"),
    ("release", "rename:when=1", "release: before ledger rename"),
    ("release", "unlink:when=1", "release: after ledger rename, before state unlink"),
    ("release", "flock:when=2", "release: after state unlink, at unlock"),
]


def uuid(i):
    return "00000000-0000-4000-8000-%012d" % i


def domxml(i):
    vcpus = 1 + i % 4
    return ("<domain type='qemu'><name>vm-%d</name><uuid>%s</uuid>"
            "<memory unit='MiB'>64</memory><vcpu placement='static'>%d</vcpu>"
            "<os><type arch='x86_64' machine='pc'>hvm</type></os>"
            "<devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices>"
            "</domain>" % (i, uuid(i), vcpus)).encode()


def hook_args(op, i):
    if op == "release":
        return ["vm-%d" % i, "release", "end", "-"]
    return ["vm-%d" % i, "prepare", "begin", "-"]


def spawn(op, i, prefix=()):
    p = subprocess.Popen(list(prefix) + [HOOK] + hook_args(op, i), stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdin.write(domxml(i))
    p.stdin.close()
    return p


def placed():
    j, _ = ledgercheck.load_ledger(RUNDIR)
    return {int(e["name"][3:]) for e in (j or {}).get("entries", [])}


def finish(p):
    """(rc, stderr) of a process, rc None when it hung past TIMEOUT."""
    try:
        p.wait(TIMEOUT)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        return None, b"timeout"
    return p.returncode, p.stderr.read()


def status_ok():
    r = subprocess.run([CLI, "status", "--json"], capture_output=True)
    if r.returncode != 0:
        return "vmplace status --json exited %d: %s" % (r.returncode, r.stderr.decode().strip())
    try:
        j = json.loads(r.stdout)
    except ValueError as e:
        return "vmplace status --json: not JSON: %s" % e
    if not isinstance(j.get("domains"), list):
        return "vmplace status --json: no domains array"
    return None


def median_hook_seconds():
    """A prepare + release of a spare domain, timed: the kill window."""
    t = []
    for _ in range(9):
        for op in ("prepare", "release"):
            s = time.monotonic()
            finish(spawn(op, NDOM))
            t.append(time.monotonic() - s)
    t.sort()
    return t[len(t) // 2]


def check_enforce_refuses(victims):
    """An entry whose plan.json is of an interrupted commit: enforce must refuse
    it rather than pin the recorded XML. A live pid (ours) and a status XML
    make the fake libvirt rundir show it as running."""
    for i in victims:
        name = "vm-%d" % i
        with open(os.path.join(LVRUN, name + ".pid"), "w") as f:
            f.write("%d\n" % os.getpid())
        with open(os.path.join(LVRUN, name + ".xml"), "wb") as f:
            f.write(domxml(i))
        r = subprocess.run([ENFORCE, "--check", name], capture_output=True)
        os.unlink(os.path.join(LVRUN, name + ".pid"))
        os.unlink(os.path.join(LVRUN, name + ".xml"))
        if r.returncode == 0 or b"interrupted update" not in r.stderr:
            return "%s: enforce did not refuse an interrupted update (exit %d: %s)" % (
                name, r.returncode, r.stderr.decode().strip())
    return None


def main():
    mode, runs, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rnd = random.Random(seed)
    window = median_hook_seconds()
    kills = {}
    landed = refused = admitted = detected_total = enforce_checked = 0
    violations = []
    started = time.monotonic()
    for run in range(runs):
        have = placed()
        if mode == "random":
            k = rnd.randint(3, 4)
            doms = rnd.sample(range(NDOM), k)
            ops = [("release" if rnd.random() < 0.6 else "reprepare") if d in have else "prepare"
                   for d in doms]
            procs = [spawn(op, d) for op, d in zip(ops, doms)]
            victim = rnd.randrange(k)
            time.sleep(rnd.uniform(0, window))
            if procs[victim].poll() is None:
                procs[victim].send_signal(signal.SIGKILL)
            step = "random delay"
        else:
            want, spec, step = STEPS[run % len(STEPS)]
            # The victim must get as far as its step, and a prepare the full
            # pool refuses stops before it (seed 27252 missed 4 of the 13
            # steps so): with the two others' prepares it may need 3 x 4
            # CPUs, so release other domains until that many are free.
            while have and len(POOL) - ledgercheck.check(RUNDIR, POOL)["held"] < 12:
                finish(spawn("release", rnd.choice(sorted(have))))
                have = placed()
            # the victim's domain must be in the state its op needs
            pick = [d for d in range(NDOM) if (d in have) == (want != "prepare")]
            if not pick:  # nothing placed yet to release: place one first
                d = rnd.choice([d for d in range(NDOM) if d not in have])
                finish(spawn("prepare", d))
                have = placed()
                pick = [d for d in range(NDOM) if (d in have) == (want != "prepare")]
            vdom = rnd.choice(pick)
            others = rnd.sample([d for d in range(NDOM) if d != vdom], 2)
            # LeakSanitizer cannot run under ptrace (it dies with "does not
            # work under ptrace" on exit): leaks are checked in random mode
            asan = os.environ.get("ASAN_OPTIONS", "")
            prefix = ["env", "ASAN_OPTIONS=%sdetect_leaks=0" % (asan + ":" if asan else ""),
                      "strace", "-f", "-qq", "-o", "/dev/null", "-e",
                      "inject=%s:signal=SIGKILL" % spec]
            procs = [spawn(want, vdom, prefix)]
            doms, ops = [vdom], [want]
            for d in others:
                ops.append(("release" if rnd.random() < 0.6 else "reprepare")
                           if d in have else "prepare")
                doms.append(d)
                procs.append(spawn(ops[-1], d))
            victim = 0
        victims = set()
        for n, (p, op, d) in enumerate(zip(procs, ops, doms)):
            rc, err = finish(p)
            if rc is None:
                violations.append("run %d: vm-%d %s hung (lock left held?)" % (run, d, op))
            elif rc in (-signal.SIGKILL, 128 + signal.SIGKILL) and n == victim:
                landed += 1
                kills[step] = kills.get(step, 0) + 1
                victims.add(d)
            elif rc == 1 and op != "release":
                lines = err.decode().splitlines()
                if len(lines) != 1 or not lines[0].startswith("vmplace: vm-%d " % d) or \
                        "free" not in lines[0]:
                    violations.append("run %d: vm-%d refused without a one-line reason: %r" %
                                      (run, d, err))
                refused += 1
            elif rc == 0:
                admitted += op != "release"
            else:
                violations.append("run %d: vm-%d %s exited %s: %r" % (run, d, op, rc, err))
        c = ledgercheck.check(RUNDIR, POOL)
        for key in ledgercheck.VIOLATIONS:
            if c[key]:
                violations.append("run %d (%s): %s: %s" % (run, step, key, c["problems"]))
        # Leftovers only of this run's killed writer: the next locked
        # operation sweeps older ones.
        stray = {int(u[-12:]) for u in c["orphan_uuids"]} - victims
        if stray:
            violations.append("run %d: state files without a ledger entry: %s" % (run, stray))
        if c["tmps"] > 3 * len(victims):
            violations.append("run %d: %d temp files after %d kills: %s" %
                              (run, c["tmps"], len(victims), " ".join(c["tmp_names"])))
        err = status_ok()
        if err:
            violations.append("run %d: %s" % (run, err))
        if c["detected"]:
            detected_total += 1
            j, _ = ledgercheck.load_ledger(RUNDIR)
            stale = [int(e["name"][3:]) for e in j["entries"]
                     if os.path.exists(os.path.join(RUNDIR, "domains", e["uuid"] + ".plan.json"))
                     and json.load(open(os.path.join(RUNDIR, "domains", e["uuid"] + ".plan.json")))
                     .get("commit") != e.get("commit")]
            err = check_enforce_refuses(stale)
            enforce_checked += len(stale)
            if err:
                violations.append("run %d: %s" % (run, err))
        if len(violations) > 20:
            break
    # Afterwards: the lock is free and everything releases to an empty ledger.
    for d in range(NDOM + 1):
        rc, err = finish(spawn("release", d))
        if rc != 0:
            violations.append("final release vm-%d exited %s: %r" % (d, rc, err))
    c = ledgercheck.check(RUNDIR, POOL)
    final = "entries=%d orphans=%d tmps=%d" % (c["entries"], c["orphans"], c["tmps"])
    if c["tmp_names"]:
        final += " (%s)" % " ".join(c["tmp_names"])
    if c["entries"] or c["orphans"] or c["tmps"]:
        violations.append("after releasing everything: " + final)
    elapsed = time.monotonic() - started
    print("# mode=%s runs=%d seed=%d kill_window=%.1fms elapsed=%.1fs" %
          (mode, runs, seed, window * 1000, elapsed))
    print("# kills landed=%d admitted=%d refused=%d interrupted-updates-detected=%d "
          "enforce-refusals-checked=%d" % (landed, admitted, refused, detected_total,
                                           enforce_checked))
    for step, n in sorted(kills.items()):
        print("# kills at %-55s %d" % (step + ":", n))
    print("# after releasing all: " + final)
    print("# violations=%d" % len(violations))
    for v in violations[:20]:
        print("# VIOLATION " + v)
    print(json.dumps({"runs": runs, "landed": landed, "violations": len(violations),
                      "steps": len(kills)}))
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
