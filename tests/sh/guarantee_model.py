#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The model-based randomized tester of issue "Guarantee" (docs/robustness.md).

guarantee_model.py STEPS SEED

Drives the real programs (HOOK, CLI, ENFORCE) through random sequences of the
events a host sees -- VM starts (libvirt's prepare, start, launch, started),
stops, QEMU crashes while libvirtd is away, libvirtd restarts (reconnect),
`vmplace apply`, `vmplace-enforce --all`, config and profile edits, SIGKILL of
any hook call at a random moment, concurrent starts, a ledger lock held for a
while, the run dir lost, a FIFO in place of a run-dir file -- and after every
step checks the invariants against what the kernel holds.

The fake kernel: each running VM is a stand-in QEMU process (STANDIN,
tests/unit/standin_qemu.c) with real threads named as QEMU names them, whose
real CPU affinity vmplace sets with sched_setaffinity and this tester reads
back from /proc/TID/status; its cgroups are a v1 tree of files under
VMPLACE_CGROUP_ROOT; VMPLACE_PROC is a tree whose PID/cgroup names that
group and whose PID/task is a link to the real /proc/PID/task. The topology
(VMPLACE_SYSFS) is the CPUs this process may run on, split into one or two
nodes: affinities are real, so the fake host has exactly the real CPUs.

Invariants after every step (a thread's CPUs = its real affinity cut to its
cgroup's cpuset.cpus, which is where the kernel runs it):
  I1  a running dedicated VM's vCPU CPUs (and its isolated emulator's) are in
      no other managed running VM's threads; each of its vCPUs has one CPU
  I2  no thread of a managed VM is on a CPU reserved both when it was placed
      and now
  I3  a dedicated VM placed while another running VM's threads were pinned
      (allowed on fewer than all CPUs) got none of those CPUs
  I4  every hook call returned within 40 s; reconnect, attach, stopped and
      release exit 0; a refusal is one `vmplace: ` line; the ledger and
      status stay readable
  I5  every running VM that a placing profile manages is placed: its vCPU
      threads are off the CPUs the checks above protect
  I7  the ledger's memory per node stays within MemTotal - reserved_memory
  and the records: no ledger entry outlives its VM unless a hook was killed
  or libvirtd was away when it stopped (then the 60 s reclaim is its end);
  no CPU in two entries.
Prints '# ...' figures and a JSON line; exits 1 on any violation, after
printing the seed and the steps that led to it.
"""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ledgercheck import check as ledger_check, expand  # noqa: E402

# MODEL_LIBVIRT=1: the same model on the real libvirtd with real QEMU VMs
# (tests/sh/test_libvirt_model.sh): virsh starts and destroys them, libvirt
# runs the hook, a libvirtd restart is the reconnect, the threads are QEMU's.
LIBVIRT = os.environ.get("MODEL_LIBVIRT") == "1"
HOOK = os.environ["HOOK"]
CLI = os.environ["CLI"]
ENFORCE = os.environ["ENFORCE"]
W = os.environ["W"]
CONF = os.environ["VMPLACE_CONFDIR"]
RUN = os.environ["VMPLACE_RUNDIR"]
if LIBVIRT:
    SUFFIX = "-" + os.environ["MODEL_TAG"]
    VIRSH = ["virsh", "-q", "-c", "qemu:///system"]
    LV = "/run/libvirt/qemu"
    UP = os.environ["LIBVIRT_UP"]
else:
    SUFFIX = ""
    STANDIN = os.environ["STANDIN"]
    LV = os.environ["VMPLACE_LIBVIRT_RUNDIR"]
    PROC = os.environ["VMPLACE_PROC"]
    CG = os.environ["VMPLACE_CGROUP_ROOT"]
    SYS = os.environ["VMPLACE_SYSFS"]
BOUND = 40  # s: the hook's lock wait is 30 s
MIB = 1024
NODE_TOTAL_MIB = 2048
NODE_FREE_MIB = 1792


def fmt(cpus):
    return ",".join(str(c) for c in sorted(cpus))


class Violation(Exception):
    pass


# --- the fake host -----------------------------------------------------------

class Host:
    """The real CPUs this process may run on, in the real NUMA nodes: thread
    affinity and Mems_allowed_list are the kernel's, so the fake host has
    the real layout (fake memory sizes only)"""

    def __init__(self):
        with open("/sys/devices/system/cpu/online") as f:
            online = expand(f.read().strip())
        if not LIBVIRT:
            online &= set(os.sched_getaffinity(0))
        self.online = sorted(online)
        self.nodes = {}  # node id -> CPUs
        base = "/sys/devices/system/node"
        for d in sorted(os.listdir(base)) if os.path.isdir(base) else []:
            if d.startswith("node") and d[4:].isdigit():
                with open(os.path.join(base, d, "cpulist")) as f:
                    cpus = sorted(expand(f.read().strip()) & online)
                if cpus:
                    self.nodes[int(d[4:])] = cpus
        if not self.nodes:
            self.nodes = {0: self.online}
        if not LIBVIRT:
            self.write_sysfs()

    def write_sysfs(self):
        ids = sorted(self.nodes)
        for i in ids:
            d = os.path.join(SYS, "devices/system/node/node%d" % i)
            os.makedirs(d)
            put(os.path.join(d, "cpulist"), fmt(self.nodes[i]) + "\n")
            put(os.path.join(d, "distance"), " ".join("10" if j == i else "20" for j in ids) + "\n")
            put(os.path.join(d, "meminfo"),
                "Node %d MemTotal: %d kB\nNode %d MemFree: %d kB\n" %
                (i, NODE_TOTAL_MIB * MIB, i, NODE_FREE_MIB * MIB))
            for c in self.nodes[i]:
                t = os.path.join(SYS, "devices/system/cpu/cpu%d/topology" % c)
                os.makedirs(t)
                put(os.path.join(t, "thread_siblings_list"), "%d\n" % c)
                put(os.path.join(t, "core_id"), "%d\n" % c)
                put(os.path.join(t, "physical_package_id"), "%d\n" % i)
        put(os.path.join(SYS, "devices/system/cpu/online"), fmt(self.online) + "\n")


def put(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.rename(tmp, path)


# --- configuration -------------------------------------------------------------

class Config:
    """What the tester wrote: the class each name prefix gets."""

    def __init__(self, rng, host):
        self.rng = rng
        self.host = host
        self.reserved_memory_mib = rng.choice([0, 256])
        self.write()

    def write(self):
        rng = self.rng
        self.reserved = set()
        if len(self.host.online) > 1 and rng.random() < 0.4:
            self.reserved = {rng.choice(self.host.online)}
        self.default = rng.choice([None, None, "non"])
        # the class of each profile: ded and non fixed, shr edited
        self.policy = {"ded": "dedicated", "shr": rng.choice(["shared", "shared", "none"]),
                       "non": "none"}
        self.emu = rng.choice(["share", "share", "isolate"])
        self.present = {"ded", "non"} | ({"shr"} if rng.random() < 0.85 else set())
        host = "[host]\n"
        if self.reserved:
            host += "reserved_cpus = %s\n" % fmt(self.reserved)
        if self.reserved_memory_mib:
            host += "reserved_memory = %dMiB\n" % self.reserved_memory_mib
        if self.default:
            host += "default_profile = %s\n" % self.default
        os.makedirs(os.path.join(CONF, "profiles.d"), exist_ok=True)
        put(os.path.join(CONF, "vmplace.ini"), host)
        for p in ("ded", "shr", "non"):
            path = os.path.join(CONF, "profiles.d", p + ".ini")
            if p not in self.present:
                if os.path.exists(path):
                    os.unlink(path)
                continue
            text = "[match]\nnames = %s-*\n" % p
            if self.policy[p] != "none":
                text += "[placement]\ncpu_policy = %s\n" % self.policy[p]
                if self.policy[p] == "dedicated":
                    text += "emulator_policy = %s\n" % self.emu
            text += "[cputune]\nshares = %d\n" % (512 if p == "non" else 2048)
            put(path, text)

    def klass(self, name):
        """(policy, emulator isolated) of the profile name gets, None if unmanaged"""
        p = name.split("-")[0]
        if p not in self.present:
            p = self.default
        if p is None:
            return None
        return self.policy[p], self.policy[p] == "dedicated" and self.emu == "isolate"


# --- VMs ---------------------------------------------------------------------

class VM:
    def __init__(self, i, name, vcpus, mem_mib, pins):
        self.i = i
        self.name = name
        self.uuid = "00000000-0000-4000-8000-%012d" % i
        self.vcpus = vcpus
        self.mem = mem_mib
        self.pins = pins  # (kind, cpus): 'cpuset' (<vcpu cpuset>) or 'vcpupin' (vCPU 0)
        self.proc = None  # the stand-in QEMU's Popen
        self.pid = None  # QEMU's pid while it runs
        self.tids = {}
        self.placed = None  # (policy, emu isolated) at the last placement
        self.reserved_at = set()
        self.placed_step = -1
        self.started_step = -1
        self.linger_ok = False  # a release that did not run: the entry may stay

    def xml(self):
        vcpu = "<vcpu placement='static'%s>%d</vcpu>" % (
            " cpuset='%s'" % fmt(self.pins[1]) if self.pins and self.pins[0] == "cpuset" else "",
            self.vcpus)
        tune = ""
        if self.pins and self.pins[0] == "vcpupin":
            tune = "<cputune><vcpupin vcpu='0' cpuset='%s'/></cputune>" % fmt(self.pins[1])
        return ("<domain type='qemu'><name>%s</name><uuid>%s</uuid>"
                "<memory unit='MiB'>%d</memory>%s<iothreads>1</iothreads>%s"
                "<os><type arch='x86_64' machine='pc'>hvm</type></os>"
                "<devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices>"
                "</domain>" % (self.name, self.uuid, self.mem, vcpu, tune))

    @property
    def running(self):
        return self.pid is not None

    @property
    def cgdir(self):
        return "machine/qemu-%d-%s.libvirt-qemu" % (self.i, self.name)

    def group_of(self, role):
        if role.startswith("vcpu") or role.startswith("iothread"):
            return role
        return "emulator"


def make_vms(rng, host):
    vms = []
    specs = [("ded-1", 1), ("ded-2", 1), ("ded-3", min(2, len(host.online))), ("shr-1", 1),
             ("shr-2", 2), ("non-1", 1), ("non-2", 1), ("um-1", 1), ("um-2", 1)]
    for i, (name, vcpus) in enumerate(specs, 1):
        name += SUFFIX
        pins = None
        if name.startswith(("non-2", "um-2")):
            pins = (rng.choice(["cpuset", "vcpupin"]), {rng.choice(host.online)})
        # real QEMUs touch little of their memory, but keep them small
        mem = rng.choice([64, 128]) if LIBVIRT else rng.choice([256, 512, 768])
        vms.append(VM(i, name, vcpus, mem, pins))
    return vms


# --- the tester ----------------------------------------------------------------

class Tester:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.seed = seed
        self.host = Host()
        self.cfg = Config(self.rng, self.host)
        self.vms = make_vms(self.rng, self.host)
        self.step = 0
        self.trail = []
        self.durations = []
        self.mu = threading.Lock()
        self.n = dict(calls=0, admitted=0, refused=0, kills=0, started_failed=0, checks=0,
                      rundir_lost=0, rundir_old=0, fifo=0, lock_held=0, concurrent=0, edits=0, applies=0,
                      reconnects=0, crashes=0, max_call_s=0.0)
        if LIBVIRT:
            for vm in self.vms:
                path = os.path.join(W, vm.name + ".xml")
                put(path, vm.xml())
                self.virsh("define", path)
        else:
            os.makedirs(PROC, exist_ok=True)
            os.makedirs(LV, exist_ok=True)

    def log(self, text):
        with self.mu:
            self.trail.append("%d: %s" % (self.step, text))
            del self.trail[:-int(os.environ.get("MODEL_TRAIL", "60"))]

    def fail(self, text):
        raise Violation("step %d (seed %d): %s" % (self.step, self.seed, text))

    # -- running the programs ----------------------------------------------
    def call(self, argv, stdin=b"", kill_after=None, what=None):
        """(exit status or None when killed, stdout, stderr); checks the bound"""
        t0 = time.monotonic()
        p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        killed = False
        if kill_after is not None:
            try:
                out, err = p.communicate(stdin, timeout=kill_after)
            except subprocess.TimeoutExpired:
                p.kill()
                killed = True
                out, err = p.communicate()
        else:
            try:
                out, err = p.communicate(stdin, timeout=BOUND)
            except subprocess.TimeoutExpired:
                p.kill()
                p.communicate()
                self.fail("I4: %s did not return within %d s" % (" ".join(argv[1:]), BOUND))
        dt = time.monotonic() - t0
        with self.mu:
            if argv[0] == HOOK and not killed:
                self.durations.append(dt)
            self.n["calls"] += 1
            self.n["max_call_s"] = max(self.n["max_call_s"], dt)
        rc = None if killed else p.returncode
        self.log("%s -> %s %s" % (what or " ".join(os.path.basename(a) for a in argv[:3]),
                                  "killed" if killed else rc, err.decode(errors="replace").strip()))
        if rc is not None and rc < 0:
            self.fail("%s died of signal %d: %s" % (" ".join(argv[1:]), -rc, err))
        return rc, out, err.decode(errors="replace")

    def virsh(self, *args, check=True):
        """(exit status, stderr) of virsh ARGS, bounded like a hook call"""
        rc, out, err = self.call(VIRSH + list(args), what="virsh " + " ".join(args))
        if check and rc != 0:
            self.fail("virsh %s failed: %s" % (" ".join(args), err))
        return rc, err

    def lv_pid(self, vm):
        try:
            with open(os.path.join(LV, vm.name + ".pid")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def hook(self, vm, op, sub, kill_after=None, xml=None):
        argv = [HOOK, vm.name, op, sub, "-"]
        rc, out, err = self.call(argv, (xml or vm.xml()).encode(), kill_after,
                                 "hook %s %s" % (vm.name, op))
        if rc is None:
            return None, err
        if op in ("reconnect", "attach", "stopped", "release") and rc != 0:
            self.fail("I4: hook %s %s exited %d (must be 0): %s" % (vm.name, op, rc, err))
        if op in ("prepare", "started") and rc not in (0, 1):
            self.fail("hook %s %s exited %d: %s" % (vm.name, op, rc, err))
        if op == "prepare" and rc == 1:
            lines = err.strip().split("\n")
            if len(lines) != 1 or not lines[0].startswith("vmplace: "):
                self.fail("I4: a refused prepare of %s printed %r, not one 'vmplace: ' line"
                          % (vm.name, err))
        if out and op != "migrate":
            self.fail("hook %s %s printed on stdout: %r" % (vm.name, op, out[:200]))
        return rc, err

    # -- libvirt's part -----------------------------------------------------
    def launch(self, vm):
        """QEMU starts: threads in their groups with the domain XML's own pins
        (what libvirt applies at launch from the definition it has)"""
        out = os.path.join(W, "tids-%s" % vm.name)
        for f in (out, out + ".pid"):
            if os.path.exists(f):
                os.unlink(f)
        vm.proc = subprocess.Popen([STANDIN, out, "-", str(vm.vcpus)], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not os.path.exists(out):
            if vm.proc.poll() is not None or time.monotonic() > deadline:
                self.fail("the stand-in QEMU for %s did not start" % vm.name)
            time.sleep(0.002)
        vm.tids = {}
        with open(out) as f:
            for line in f:
                role, tid = line.split()
                vm.tids[role] = int(tid)
        pid = vm.pid = vm.proc.pid
        default = set(self.host.online)
        vcpu0 = default
        if vm.pins:
            if vm.pins[0] == "cpuset":
                default = set(vm.pins[1])
                vcpu0 = default
            else:
                vcpu0 = set(vm.pins[1])
        groups = ["emulator", "iothread1"] + ["vcpu%d" % i for i in range(vm.vcpus)]
        for h in ("cpu", "cpuacct", "cpuset"):
            for g in [""] + groups:
                d = os.path.join(CG, h, vm.cgdir, g)
                os.makedirs(d, exist_ok=True)
                if h == "cpu":
                    put(os.path.join(d, "cpu.shares"), "1024\n")
                    put(os.path.join(d, "cpu.cfs_period_us"), "100000\n")
                    put(os.path.join(d, "cpu.cfs_quota_us"), "-1\n")
                elif h == "cpuset":
                    cpus = vcpu0 if g == "vcpu0" else (set(self.host.online) if g == "" else default)
                    put(os.path.join(d, "cpuset.cpus"), fmt(cpus) + "\n")
                    put(os.path.join(d, "cpuset.mems"), "%s\n" % fmt(self.host.nodes))
        for role, tid in vm.tids.items():
            os.sched_setaffinity(tid, vcpu0 if role == "vcpu0" else default)
        pd = os.path.join(PROC, str(pid))
        os.makedirs(pd)
        put(os.path.join(pd, "cgroup"), "3:cpuset:/%s/emulator\n2:cpuacct:/%s/emulator\n"
            "1:cpu:/%s/emulator\n" % (vm.cgdir, vm.cgdir, vm.cgdir))
        os.symlink("/proc/%d/task" % pid, os.path.join(pd, "task"))
        put(os.path.join(LV, vm.name + ".pid"), "%d\n" % pid)
        vcpus = "".join("<vcpu id='%d' pid='%d'/>" % (i, vm.tids["vcpu%d" % i])
                        for i in range(vm.vcpus))
        put(os.path.join(LV, vm.name + ".xml"),
            "<domstatus state='running' pid='%d'><vcpus>%s</vcpus>%s</domstatus>\n"
            % (pid, vcpus, vm.xml()))
        vm.started_step = self.step

    def qemu_gone(self, vm):
        """QEMU exits: the process, libvirt's run files, its cgroups and /proc"""
        if vm.proc:
            vm.proc.kill()
            vm.proc.wait()
        vm.proc = None
        vm.pid = None
        vm.tids = {}
        for f in (vm.name + ".pid", vm.name + ".xml"):
            try:
                os.unlink(os.path.join(LV, f))
            except FileNotFoundError:
                pass
        for h in ("cpu", "cpuacct", "cpuset"):
            shutil.rmtree(os.path.join(CG, h, vm.cgdir), ignore_errors=True)
        for d in os.listdir(PROC):
            if os.path.islink(os.path.join(PROC, d, "task")) and \
                    not os.path.exists(os.path.join(PROC, d, "task")):
                shutil.rmtree(os.path.join(PROC, d), ignore_errors=True)

    def stop_hooks(self, vm, kill=False):
        """libvirt's qemuProcessStop: stopped end, then release end"""
        k = self.kill_delay() if kill else None
        self.hook(vm, "stopped", "end")
        rc, _ = self.hook(vm, "release", "end", kill_after=k)
        if rc is None:
            with self.mu:
                self.n["kills"] += 1
        # an entry left by a killed release goes with the 60 s reclaim
        vm.linger_ok = rc is None

    def kill_delay(self):
        """within a hook call's median time, so that most kills land"""
        d = sorted(self.durations[-50:]) or [0.01]
        return self.rng.uniform(0, d[len(d) // 2])

    # -- events -------------------------------------------------------------
    def ev_start(self, vm, kill=None):
        """virsh start: prepare, start, QEMU launch, started; a failure on the
        way makes libvirt stop it (stopped + release)"""
        if LIBVIRT:
            return self.lv_start(vm)
        k = self.kill_delay() if kill == "prepare" else None
        rc, err = self.hook(vm, "prepare", "begin", kill_after=k)
        if rc != 0:
            with self.mu:
                self.n["refused" if rc == 1 else "kills"] += 1
            self.stop_hooks(vm)
            return False
        self.hook(vm, "start", "begin")
        reserved = set(self.cfg.reserved)
        klass = self.cfg.klass(vm.name)
        self.launch(vm)
        k = self.kill_delay() if kill == "started" else None
        rc, err = self.hook(vm, "started", "begin", kill_after=k)
        if rc != 0:
            if os.environ.get("MODEL_VERBOSE"):
                print("# started %s failed: %s" % (vm.name, err.strip()))
                print("\n".join("#    " + t for t in self.trail[-12:]))
                r = subprocess.run([ENFORCE, "--check", "--json", vm.name], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
                print("# enforce --check: " + r.stdout.replace("\n", " "))
                print("# threads: %s" % {k: fmt(v) for k, v in self.threads(vm).items()})
            with self.mu:
                self.n["started_failed" if rc == 1 else "kills"] += 1
            self.qemu_gone(vm)
            self.stop_hooks(vm)
            return False
        with self.mu:
            self.n["admitted"] += 1
        vm.placed = klass
        vm.reserved_at = reserved
        vm.placed_step = self.step
        vm.linger_ok = False
        return True

    def ev_stop(self, vm, kill=False):
        if LIBVIRT:
            self.virsh("destroy", vm.name)
            vm.pid = None
            return
        self.qemu_gone(vm)
        self.stop_hooks(vm, kill)

    def ev_crash(self, vm):
        """QEMU dies while libvirtd is down: no hook runs; the entry is stale
        (on the real libvirtd: while it restarts, which then releases it)"""
        self.n["crashes"] += 1
        if LIBVIRT:
            self.lv_restart(crash=vm)
            return
        self.qemu_gone(vm)
        vm.linger_ok = True
        vm.placed = None

    # -- the real libvirtd ---------------------------------------------------
    def lv_start(self, vm):
        reserved = set(self.cfg.reserved)
        klass = self.cfg.klass(vm.name)
        rc, err = self.virsh("start", vm.name, check=False)
        if rc != 0:
            if klass and "vmplace: " not in err:
                self.fail("virsh start %s failed without vmplace's reason: %s" % (vm.name, err))
            with self.mu:
                self.n["refused"] += 1
            return False
        vm.pid = self.lv_pid(vm)
        if vm.pid is None:
            self.fail("%s started but libvirt has no pid for it" % vm.name)
        with self.mu:
            self.n["admitted"] += 1
        vm.placed, vm.reserved_at, vm.placed_step = klass, reserved, self.step
        vm.started_step = self.step
        return True

    def lv_restart(self, crash=None):
        """libvirtd stops (SIGTERM; its VMs run on), maybe a QEMU dies
        meanwhile, and it starts again: reconnect for each VM, release for
        the one gone"""
        pids = subprocess.run(["pgrep", "-x", "libvirtd"], stdout=subprocess.PIPE,
                              text=True).stdout.split()
        for p in pids:
            os.kill(int(p), signal.SIGTERM)
        deadline = time.monotonic() + 20
        while any(os.path.exists("/proc/" + p) for p in pids):
            if time.monotonic() > deadline:
                self.fail("libvirtd did not stop on SIGTERM within 20 s")
            time.sleep(0.1)
        if crash:
            os.kill(crash.pid, signal.SIGKILL)
            crash.pid = None
        env = {k: v for k, v in os.environ.items() if not k.startswith("VMPLACE_")}
        r = subprocess.run([UP], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=120)
        if r.returncode != 0:
            self.fail("libvirtd did not start again: %s" % r.stdout[-300:])
        self.log("libvirtd restarted%s" % (" (%s died meanwhile)" % crash.name if crash else ""))
        # libvirtd reconnects to its VMs in the background: on a loaded CI
        # machine that took over 30 s
        deadline = time.monotonic() + 120
        for vm in self.vms:
            if not vm.running:
                continue
            while True:
                rc, out, err = self.call(VIRSH + ["domstate", vm.name], what="domstate")
                if rc == 0 and out.decode().strip() == "running" and self.lv_pid(vm) == vm.pid:
                    break
                if time.monotonic() > deadline:
                    self.fail("%s is not running again after the libvirtd restart: domstate "
                              "%s %s %s, pid file %s, QEMU %d %s" %
                              (vm.name, rc, out.decode().strip(), err.strip(), self.lv_pid(vm),
                               vm.pid, "alive" if os.path.exists("/proc/%d" % vm.pid)
                               else "gone"))
                time.sleep(0.5)
        # libvirt releases the VM that died while it was down
        while crash and self.lv_pid(crash) is not None:
            if time.monotonic() > deadline:
                self.fail("libvirt still shows %s running after its QEMU died" % crash.name)
            time.sleep(0.2)

    def ev_reconnect(self):
        """libvirtd restarts: reconnect for every running VM"""
        self.n["reconnects"] += 1
        if LIBVIRT:
            self.lv_restart()
            return
        for vm in self.vms:
            if vm.running:
                with open(os.path.join(LV, vm.name + ".xml")) as f:
                    self.hook(vm, "reconnect", "begin", xml=f.read())

    def ev_apply(self, vm=None):
        """vmplace apply: re-plans after a config edit"""
        self.n["applies"] += 1
        reserved, klass = set(self.cfg.reserved), {v.name: self.cfg.klass(v.name) for v in self.vms}
        rc, out, err = self.call([CLI, "apply", "--json"] + ([vm.name] if vm else ["--all"]),
                                 what="apply %s" % (vm.name if vm else "--all"))
        if rc not in (0, 1):
            self.fail("apply exited %s: %s" % (rc, err))
        try:
            j = json.loads(out)
        except ValueError:
            self.fail("apply --json printed no JSON: %r %s" % (out[:200], err))
        for d in j.get("domains", []):
            v = next((x for x in self.vms if x.name == d.get("name")), None)
            if not v or not v.running:
                continue
            if d.get("result") == "applied":
                v.placed = klass[v.name]
                v.reserved_at = reserved
                v.placed_step = self.step
            elif d.get("result") in ("released", "unmanaged"):
                # no longer vmplace's: its threads keep their pins, which
                # later dedicated placements must avoid (I3)
                v.placed = None
                v.started_step = self.step

    def ev_enforce(self):
        rc, out, err = self.call([ENFORCE, "--all"], what="enforce --all")
        if rc not in (0, 1):
            self.fail("vmplace-enforce --all exited %s: %s" % (rc, err))

    def ev_edit(self):
        self.n["edits"] += 1
        self.cfg.write()
        # I2 holds for CPUs reserved all along since a VM's placement: a
        # refloat while the reserve was lifted may move it there
        for vm in self.vms:
            vm.reserved_at &= self.cfg.reserved
        self.log("config: reserved=%s default=%s policy=%s emu=%s present=%s" %
                 (fmt(self.cfg.reserved), self.cfg.default, self.cfg.policy, self.cfg.emu,
                  sorted(self.cfg.present)))

    def ev_lose_rundir(self):
        self.n["rundir_lost"] += 1
        shutil.rmtree(RUN, ignore_errors=True)
        self.log("run dir removed")
        for vm in self.vms:
            vm.linger_ok = False

    def ev_snapshot(self):
        """a copy of the run dir as it is now, to be put back later (a backup
        restored, a tmpfs remounted with an old copy)"""
        shutil.rmtree(RUN + ".old", ignore_errors=True)
        if os.path.isdir(RUN):
            shutil.copytree(RUN, RUN + ".old", symlinks=True)
            self.log("run dir copied")

    def ev_restore_old(self):
        """the run dir replaced by the older copy while VMs run: its entries
        record VMs where they were then (I3: the kernel's word wins)"""
        if not os.path.isdir(RUN + ".old"):
            return
        self.n["rundir_old"] += 1
        shutil.rmtree(RUN, ignore_errors=True)
        shutil.copytree(RUN + ".old", RUN, symlinks=True)
        self.log("run dir replaced by the older copy")
        for vm in self.vms:
            # a VM stopped since keeps its old entry until reclaim or release
            vm.linger_ok = not vm.running

    def ev_fifo(self):
        """a FIFO in place of ledger.json: bounded, refused by name, nothing lost
        once it is gone again"""
        self.n["fifo"] += 1
        led = os.path.join(RUN, "ledger.json")
        if not os.path.exists(led):
            return
        os.rename(led, led + ".aside")
        os.mkfifo(led, 0o600)
        try:
            vm = self.rng.choice(self.vms)
            t0 = time.monotonic()
            rc, out, err = self.call([CLI, "status", "--json"], what="status (ledger a FIFO)")
            if time.monotonic() - t0 > 5:
                self.fail("I4: status took %.1f s on a FIFO ledger" % (time.monotonic() - t0))
            if rc == 0 or "ledger.json" not in err:
                self.fail("I4: status on a FIFO ledger.json exited %s: %r" % (rc, err))
            # an unmanaged domain's hook calls read nothing
            if not vm.running and self.cfg.klass(vm.name):
                rc, err = self.hook(vm, "prepare", "begin")
                if rc == 0 or "ledger.json" not in err:
                    self.fail("I4: prepare with a FIFO ledger.json exited %s: %r" % (rc, err))
                self.stop_hooks(vm)
                # that release could not read the ledger: an entry it has
                # (a release killed before) goes with the 60 s reclaim
                vm.linger_ok = True
        finally:
            os.unlink(led)
            os.rename(led + ".aside", led)

    def ev_lock_held(self):
        """someone holds the ledger lock for up to 1.5 s while a VM starts"""
        self.n["lock_held"] += 1
        os.makedirs(RUN, mode=0o700, exist_ok=True)
        hold = self.rng.uniform(0.1, 1.5)
        holder = subprocess.Popen(["flock", os.path.join(RUN, "ledger.lock"), "sleep",
                                   "%.2f" % hold])
        time.sleep(0.05)
        stopped = [v for v in self.vms if not v.running]
        if stopped:
            self.ev_start(self.rng.choice(stopped))
        holder.wait()

    def ev_concurrent(self):
        """libvirt starts several VMs at once (autostart)"""
        self.n["concurrent"] += 1
        stopped = [v for v in self.vms if not v.running]
        pick = self.rng.sample(stopped, min(len(stopped), self.rng.randint(2, 3)))
        errors = []

        def run(v):
            try:
                self.ev_start(v)
            except Violation as e:
                errors.append(e)
        ts = [threading.Thread(target=run, args=(v,)) for v in pick]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        if errors:
            raise errors[0]

    def one_step(self):
        rng = self.rng
        stopped = [v for v in self.vms if not v.running]
        running = [v for v in self.vms if v.running]
        ev = rng.choices(["start", "stop", "crash", "reconnect", "apply", "enforce", "edit",
                          "lose", "fifo", "lock", "concurrent", "kill", "snapshot", "old"],
                         [30, 20, 2, 4, 6, 4, 5, 1, 1, 2, 4, 8, 1, 1])[0]
        if ev == "start" and stopped:
            self.ev_start(rng.choice(stopped))
        elif ev == "stop" and running:
            self.ev_stop(rng.choice(running))
        elif ev == "crash" and running:
            self.ev_crash(rng.choice(running))
        elif ev == "reconnect":
            self.ev_reconnect()
        elif ev == "apply":
            self.ev_apply(rng.choice(running) if running and rng.random() < 0.5 else None)
        elif ev == "enforce":
            self.ev_enforce()
        elif ev == "edit":
            self.ev_edit()
        elif ev == "lose":
            self.ev_lose_rundir()
        elif ev == "fifo":
            self.ev_fifo()
        elif ev == "snapshot":
            self.ev_snapshot()
        elif ev == "old":
            self.ev_restore_old()
        elif ev == "lock":
            self.ev_lock_held()
        elif ev == "concurrent" and len(stopped) > 1:
            self.ev_concurrent()
        elif ev == "kill":
            where = rng.choice(["prepare", "started", "release"])
            if where == "release" and running:
                self.ev_stop(rng.choice(running), kill=True)
            elif stopped:
                self.ev_start(rng.choice(stopped), kill=where)

    # -- the invariants ----------------------------------------------------------
    def lv_threads(self, vm):
        """{role: CPUs}: the real QEMU's threads by name, their real affinity
        (which the kernel already cuts to their cpuset)"""
        res = {}
        base = "/proc/%d/task" % vm.pid
        try:
            tids = os.listdir(base)
        except OSError as e:
            self.fail("%s's QEMU %d is gone: %s" % (vm.name, vm.pid, e))
        for tid in tids:
            try:
                with open(os.path.join(base, tid, "comm")) as f:
                    comm = f.read().strip()
                aff = set(os.sched_getaffinity(int(tid)))
            except OSError:
                continue  # a helper thread that exited meanwhile
            if int(tid) == vm.pid:
                role = "main"
            elif comm.startswith("CPU ") and "/" in comm:
                role = "vcpu" + comm[4:comm.index("/")]
            elif comm.startswith("IO iothread"):
                role = "iothread" + comm[len("IO iothread"):]
            else:
                role = "emulator-%s" % tid
            res[role] = aff
        return res

    def threads(self, vm):
        """{role: CPUs the kernel runs it on}: real affinity cut to its cgroup"""
        if LIBVIRT:
            return self.lv_threads(vm)
        res = {}
        for role, tid in vm.tids.items():
            try:
                aff = set(os.sched_getaffinity(tid))
            except OSError as e:
                self.fail("%s thread %s (%d) is gone: %s" % (vm.name, role, tid, e))
            try:
                with open(os.path.join(CG, "cpuset", vm.cgdir, vm.group_of(role),
                                       "cpuset.cpus")) as f:
                    cg = expand(f.read().strip())
            except OSError:
                cg = set(self.host.online)
            res[role] = aff & cg if cg else aff
        return res

    def entries(self):
        try:
            with open(os.path.join(RUN, "ledger.json")) as f:
                return json.load(f)["entries"]
        except FileNotFoundError:
            return []

    def check(self):
        self.n["checks"] += 1
        online = set(self.host.online)
        running = [v for v in self.vms if v.running]
        th = {v.name: self.threads(v) for v in running}
        entries = self.entries()
        recorded = {e["name"] for e in entries}
        held = {}
        for v in running:
            if not v.placed or v.placed[0] != "dedicated":
                continue
            vc = [th[v.name][r] for r in th[v.name] if r.startswith("vcpu")]
            if any(len(c) != 1 for c in vc) or len(set().union(*vc)) != len(vc):
                self.fail("I1/I5: dedicated %s's vCPUs run on %s, not one CPU each" %
                          (v.name, [fmt(c) for c in vc]))
            h = set().union(*vc)
            if v.placed[1]:
                h |= th[v.name]["main"]
            held[v.name] = h
        for v in running:
            for w in running:
                if w is v or v.name not in held:
                    continue
                for role, cpus in th[w.name].items():
                    both = cpus & held[v.name]
                    if not both:
                        continue
                    # whether or not the run dir lost either entry (I3);
                    # a VM no profile manages any more whose entry is gone
                    # too is nobody's: I1 is a promise about managed VMs
                    if w.placed and (self.cfg.klass(w.name) or w.name in recorded):
                        self.fail("I1: %s's %s runs on %s, held by dedicated %s" %
                                  (w.name, role, fmt(both), v.name))
                    if cpus != online and v.placed_step > w.started_step:
                        self.fail("I3: dedicated %s was given %s, which %s's %s is pinned to" %
                                  (v.name, fmt(both), w.name, role))
            if v.placed:
                res = v.reserved_at & self.cfg.reserved
                for role, cpus in th[v.name].items():
                    if cpus & res:
                        self.fail("I2: %s's %s runs on reserved CPU %s" % (v.name, role,
                                                                           fmt(cpus & res)))
        # the records
        if os.path.isdir(RUN):
            c = ledger_check(RUN)
            for k in ("unparsable", "dup", "missing", "incoherent"):
                if c[k]:
                    self.fail("ledger: %s: %s" % (k, c["problems"]))
            by_name = {v.name: v for v in self.vms}
            per_node = {}
            for e in entries:
                v = by_name.get(e["name"])
                if v and not v.running and not v.linger_ok:
                    self.fail("ledger: %s has an entry but is not running" % e["name"])
                for node, kib in (e.get("memory") or {}).items():
                    per_node[node] = per_node.get(node, 0) + kib
            cap = (NODE_TOTAL_MIB - self.cfg.reserved_memory_mib) * MIB
            for node, kib in per_node.items():
                if kib > cap:
                    self.fail("I7: node %s has %d KiB committed, over %d" % (node, kib, cap))
        rc, out, err = self.call([CLI, "status", "--json"], what="status")
        if rc != 0:
            self.fail("status exited %s: %s" % (rc, err))
        json.loads(out)

    def run(self, steps):
        t0 = time.monotonic()
        try:
            for self.step in range(1, steps + 1):
                self.one_step()
                self.check()
            for vm in self.vms:
                if vm.running:
                    self.ev_stop(vm)
            self.check()
        except Violation as e:
            print("# violation: %s" % e)
            print("# the steps before it:")
            for line in self.trail:
                print("#   " + line)
            if os.environ.get("MODEL_KEEP"):
                # leave the VMs and the tree as they are, to look at
                sys.stdout.flush()
                os._exit(1)
            return 1, time.monotonic() - t0
        finally:
            self.cleanup()
        return 0, time.monotonic() - t0

    def cleanup(self):
        for vm in self.vms:
            if LIBVIRT and vm.running:
                self.virsh("destroy", vm.name, check=False)
            if vm.proc:
                vm.proc.kill()
                vm.proc.wait()


def main():
    steps, seed = int(sys.argv[1]), int(sys.argv[2])
    t = Tester(seed)
    rc, elapsed = t.run(steps)
    n = t.n
    print("# seed=%d steps=%d nodes=%s cpus=%s elapsed=%.1fs" %
          (seed, t.step, {n: fmt(c) for n, c in t.host.nodes.items()}, fmt(t.host.online), elapsed))
    print("# " + " ".join("%s=%s" % (k, round(v, 2) if isinstance(v, float) else v)
                          for k, v in n.items()))
    print(json.dumps(dict(seed=seed, steps=t.step, violations=rc, **n)))
    return rc


if __name__ == "__main__":
    sys.exit(main())
