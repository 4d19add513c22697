#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Print what libvirt's tools say of a running domain next to what the kernel
has, one line per item: "ITEM libvirt=SET kernel=SET" (issue "Agree": the
table of virsh vcpupin, emulatorpin, iothreadpin, numatune, schedinfo and
dumpxml against the threads and cgroup files). Sets are normalised
("0-1" is "0,1"). Usage: lvview.py URI NAME. Host cgroup v1 layout."""
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

uri, name = sys.argv[1], sys.argv[2]


def virsh(*args):
    return subprocess.run(["virsh", "-q", "-c", uri, *args], check=True,
                          capture_output=True, text=True).stdout


def norm(s):
    out = set()
    for part in s.strip().split(","):
        if not part:
            continue
        a, _, b = part.partition("-")
        out.update(range(int(a), int(b or a) + 1))
    return ",".join(map(str, sorted(out))) if out else "(empty)"


def status(tid, field):
    with open("/proc/%s/task/%s/status" % (pid, tid)) as f:
        for line in f:
            if line.startswith(field + ":"):
                return line.split(":", 1)[1].strip()
    return "(none)"


pid = open("/run/libvirt/qemu/%s.pid" % name).read().strip()
threads = {}
for tid in os.listdir("/proc/%s/task" % pid):
    try:
        comm = open("/proc/%s/task/%s/comm" % (pid, tid)).read().strip()
    except OSError:
        continue
    threads[comm if tid != pid else "main"] = tid


def cgroup(ctl):
    for line in open("/proc/%s/cgroup" % pid):
        _, ctls, path = line.rstrip("\n").split(":", 2)
        if ctl in ctls.split(","):
            return "/sys/fs/cgroup/%s%s" % (ctl, re.sub(r"/emulator$", "", path))
    return None


def cgread(ctl, rel):
    try:
        return open(os.path.join(cgroup(ctl), rel)).read().strip()
    except (OSError, TypeError):
        return "(missing)"


def item(key, lv, kern):
    print("%s libvirt=%s kernel=%s" % (key, lv, kern))


# virsh vcpupin --live: "0   1" per vCPU; the kernel: the vCPU thread
for line in virsh("vcpupin", name, "--live").splitlines():
    vcpu, cpus = line.split()[:2]
    tid = threads.get("CPU %s/TCG" % vcpu) or threads.get("CPU %s/KVM" % vcpu)
    if tid:
        item("vcpupin_" + vcpu, norm(cpus), norm(status(tid, "Cpus_allowed_list")))
# virsh emulatorpin --live: "*: 0"; the kernel: QEMU's main thread
em = virsh("emulatorpin", name, "--live").split(":")[-1]
item("emulatorpin", norm(em), norm(status(threads["main"], "Cpus_allowed_list")))

dom = ET.fromstring(virsh("dumpxml", name))
host_cpus = norm(open("/sys/devices/system/cpu/online").read())
vcpu = dom.find("vcpu")
default = norm(vcpu.get("cpuset")) if vcpu is not None and vcpu.get("cpuset") else host_cpus
for io in dom.findall("iothreadids/iothread"):
    i = io.get("id")
    pin = dom.find("cputune/iothreadpin[@iothread='%s']" % i)
    tid = threads.get("IO iothread%s" % i)
    if tid:
        item("iothreadpin_" + i, norm(pin.get("cpuset")) if pin is not None else default,
             norm(status(tid, "Cpus_allowed_list")))
# virsh numatune --live: the nodeset; the kernel: the emulator group's mems
nt = dict(l.split(":", 1) for l in virsh("numatune", name, "--live").splitlines() if ":" in l)
mems = cgread("cpuset", "emulator/cpuset.mems")
nodeset = nt.get("numa_nodeset ", nt.get("numa_nodeset", "")).strip()
item("numatune_nodeset", norm(nodeset) if nodeset else norm(open("/sys/devices/system/node/online").read()),
     norm(mems))
# dumpxml <cputune>: what libvirt re-applies; the kernel: the cgroup files
ct = dom.find("cputune")
for tag, rel in (("shares", "cpu.shares"), ("quota", "vcpu0/cpu.cfs_quota_us"),
                 ("period", "vcpu0/cpu.cfs_period_us"), ("emulator_quota", "emulator/cpu.cfs_quota_us")):
    el = ct.find(tag) if ct is not None else None
    item("dumpxml_" + tag, el.text if el is not None else "(unset)", cgread("cpu", rel))
