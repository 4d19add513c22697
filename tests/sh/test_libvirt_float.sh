#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Floating VMs follow the dedicated ones (SPEC 3.1), on the real libvirtd: a
# shared VM floats over every CPU; when a dedicated VM starts, the shared
# VM's vCPU and emulator cpusets and its threads' affinity are narrowed off
# the dedicated CPU (enforced, not only planned); when the dedicated VM
# stops they are widened back. Values read from the cgroup files and from
# /proc/PID/task/*/status.
. "$(dirname "$0")/lib.sh"
scratch
tag=vpf$$
LV_VMS="$tag-web $tag-db"
libvirt_setup "float-$tag"
ncpu=$(nproc)
all=0-$((ncpu - 1))
printf '[host]\n' >"$W/conf/vmplace.ini"
cat >"$W/conf/profiles.d/web.ini" <<INI
[match]
names = $tag-web
[placement]
cpu_policy = shared
INI
cat >"$W/conf/profiles.d/db.ini" <<INI
[match]
names = $tag-db
[placement]
cpu_policy = dedicated
INI
chmod 644 "$W"/conf/vmplace.ini "$W"/conf/profiles.d/*.ini
lv_reload
"$VMPLACE_SRC/scripts/minivm-xml.sh" "$tag-web" 2 >"$W/web.xml"
"$VMPLACE_SRC/scripts/minivm-xml.sh" "$tag-db" 1 >"$W/db.xml"
$V define "$W/web.xml" >/dev/null && $V define "$W/db.xml" >/dev/null

# cpus NAME GROUP: cpuset.cpus of a thread group; aff NAME COMM: a thread's CPUs
cpus() { cat "$(cgdir "$1" cpuset)/$2/cpuset.cpus" 2>/dev/null; }
aff() {
        local pid t
        pid=$(qpid "$1")
        for t in /proc/$pid/task/*; do
                [ "$(cat "$t/comm")" = "$2" ] && awk '/Cpus_allowed_list/ {print $2}' "$t/status" && return
        done
}

$V start "$tag-web" >/dev/null; ok $? "the shared VM starts"
is "$(cpus "$tag-web" vcpu0)" "$all" "it floats over every CPU ($all)"
is "$(aff "$tag-web" "CPU 1/TCG")" "$all" "its vCPU threads too"

$V start "$tag-db" >/dev/null 2>"$W/err"; ok $? "a dedicated VM starts"
held=$(jget "$W/run/ledger.json" '[e["held"] for e in j["entries"] if e["kind"]=="dedicated"][0]')
# the CPUs other than the held one, in cpuset syntax ("1", "0-2,4-7")
rest=$(python3 - "$ncpu" "$held" <<'PY2'
import sys
n, held = int(sys.argv[1]), int(sys.argv[2])
cpus, out = [c for c in range(n) if c != held], []
for c in cpus:
    if out and out[-1][1] == c - 1:
        out[-1][1] = c
    else:
        out.append([c, c])
print(",".join(str(a) if a == b else f"{a}-{b}" for a, b in out))
PY2
)
is "$(aff "$tag-db" "CPU 0/TCG")" "$held" "the dedicated vCPU runs on CPU $held alone"
is "$(cpus "$tag-web" vcpu0)" "$rest" "the shared VM's vcpu0 cpuset narrowed off CPU $held"
is "$(cpus "$tag-web" vcpu1)" "$rest" "and vcpu1's"
is "$(cpus "$tag-web" emulator)" "$rest" "and its emulator's"
is "$(aff "$tag-web" "CPU 0/TCG")" "$rest" "its vCPU threads' affinity narrowed too"
is "$(jget "$W/run/ledger.json" '[e["vcpu_cpus"] for e in j["entries"] if e["kind"]=="shared"][0]')" \
        "$rest" "the ledger says the same"
"$ENFORCE" --check --all >/dev/null; is $? 0 "vmplace-enforce --check --all: no drift"

$V destroy "$tag-db" >/dev/null; ok $? "the dedicated VM stops"
is "$(cpus "$tag-web" vcpu0)" "$all" "the shared VM widens back to every CPU"
is "$(aff "$tag-web" "CPU 0/TCG")" "$all" "and so do its threads"
$V destroy "$tag-web" >/dev/null
is "$(jget "$W/run/ledger.json" 'len(j["entries"])')" 0 "ledger empty at the end"
done_testing
