#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vmplace doctor (SPEC 5) end to end: a fake 2-node host (sysfs tree with
# KSM and isolation files, a procfs with the sysctl, btime, cmdline and a
# libvirtd), a ledger written by the real hook, a scratch libvirt hooks dir;
# then the same command on this real host, judged against its real files.
. "$(dirname "$0")/lib.sh"
scratch

# --- the fake host --------------------------------------------------------------
SYS=$W/sys PROC=$W/proc
cp -r "$VMPLACE_TEST_DATA/topo/2node-smt" "$SYS"
mkdir -p "$SYS/kernel/mm/ksm" "$PROC/sys/kernel" "$PROC/4242"
ksm() { # ksm RUN MERGE_ACROSS_NODES PAGES_SHARED
        echo "$1" >"$SYS/kernel/mm/ksm/run"
        echo "$2" >"$SYS/kernel/mm/ksm/merge_across_nodes"
        echo "$3" >"$SYS/kernel/mm/ksm/pages_shared"
}
ksm 1 1 0
echo >"$SYS/devices/system/cpu/isolated"            # the kernel's "none"
echo '(null)' >"$SYS/devices/system/cpu/nohz_full" # NO_HZ_FULL kernel booted without it
echo 1 >"$PROC/sys/kernel/numa_balancing"
echo 'BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro quiet' >"$PROC/cmdline"
HZ=$(getconf CLK_TCK)
# daemon PID STARTED_EPOCH: a libvirtd that started then (btime + starttime)
daemon() {
        local now; now=$(date +%s)
        printf 'cpu  1 2 3 4\nbtime %d\nprocesses 9\n' "$((now - 100000))" >"$PROC/stat"
        echo libvirtd >"$PROC/$1/comm"
        printf '%d (libvirtd) S 1 %d %d 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 %d 100 10\n' \
                "$1" "$1" "$1" "$(( ($2 - now + 100000) * HZ ))" >"$PROC/$1/stat"
}
daemon 4242 "$(date +%s)"
export VMPLACE_SYSFS=$SYS VMPLACE_PROC=$PROC
HOOKS=$W/hooks/qemu.d # dirname(VMPLACE_LIBVIRT_CONFDIR)/hooks/qemu.d

cat >"$W/conf/vmplace.ini" <<'INI'
[host]
reserved_cpus = 0,4
INI
cat >"$W/conf/profiles.d/db.ini" <<'INI'
[match]
names = db-*
[placement]
cpu_policy = dedicated
INI
cat >"$W/conf/profiles.d/pref.ini" <<'INI'
[match]
names = pref-*
[placement]
cpu_policy = shared
[numatune]
mode = preferred
INI
cat >"$W/conf/profiles.d/fence.ini" <<'INI'
[match]
names = fence-*
[placement]
cpu_policy = shared
[numatune]
mode = restrictive
INI
chmod 644 "$W"/conf/vmplace.ini "$W"/conf/profiles.d/*.ini
for vm in db-1:1 pref-1:2 fence-1:3; do
        domxml "${vm%:*}" "$(uuidn "${vm#*:}")" 2 512 | "$HOOK" "${vm%:*}" prepare begin - >/dev/null 2>&1
        is "$?" 0 "hook prepares ${vm%:*}"
done
is "$(jget "$W/run/domains/$(uuidn 2).plan.json" 'j["numatune"]["mode"]')" preferred \
        "pref-1's plan binds memory 'preferred'"

doctor() { "$CLI" doctor --json >"$W/out.json" 2>"$W/err"; rc=$?; }
st() { jget "$W/out.json" "[c['status'] for c in j['checks'] if c['name']=='$1'][0]"; }
dt() { jget "$W/out.json" "[c['detail'] for c in j['checks'] if c['name']=='$1'][0]"; }
fx() { jget "$W/out.json" "[c['fix'] for c in j['checks'] if c['name']=='$1'][0]"; }

# --- numa_balancing and KSM on, strict-bound VMs, no hook --------------------------
doctor
is "$rc" 1 "problems: exit 1"
is "$(cat "$W/err")" "" "nothing on stderr"
is "$(jget "$W/out.json" '[c["name"] for c in j["checks"]]')" \
        '["config", "numa-balancing", "ksm-merge-nodes", "pool-cpus", "isolcpus-shared", "isolcpus-reserved", "isolcpus-dedicated", "isolation-kernel", "hook-installed", "hook-dispatcher", "hook-loaded"]' \
        "every check, in order"
is "$(jget "$W/out.json" 'sorted(j.keys())')" '["checks", "problems"]' "JSON has checks and problems"
is "$(jget "$W/out.json" 'j["problems"]')" 3 "3 problems"
is "$(st config):$(dt config)" "ok:$W/conf: valid (vmplace.ini, 3 profiles)" "config valid"
is "$(st numa-balancing)" warn "numa_balancing=1 with strict-bound VMs: warn"
is "$(dt numa-balancing)" "on (1) with 2 strict-bound VMs (db-1, fence-1): it keeps faulting their memory to sample accesses and migrates pages and threads against the binding" \
        "names the strict and restrictive VMs, not the preferred one"
like "$(fx numa-balancing)" "sysctl -w kernel.numa_balancing=0" "fix: the sysctl"
like "$(fx numa-balancing)" "/etc/sysctl.d/" "and persisting it"
is "$(st ksm-merge-nodes):$(dt ksm-merge-nodes)" \
        "warn:KSM runs with merge_across_nodes=1 on 2 NUMA nodes: a page merged from VMs on different nodes lives on one of them, remote to the others" \
        "KSM merging across 2 nodes: warn"
like "$(fx ksm-merge-nodes)" "echo 2 > /sys/kernel/mm/ksm/run; echo 0 > /sys/kernel/mm/ksm/merge_across_nodes; echo 1 > /sys/kernel/mm/ksm/run (" \
        "fix: unmerge, switch, restart"
is "$(st pool-cpus):$(dt pool-cpus)" "ok:every CPU the config names is online (1 CPU list)" "pool CPUs online"
is "$(st isolcpus-shared):$(dt isolcpus-shared)" "ok:no CPU is isolated (isolcpus=)" "empty isolated file"
is "$(st isolcpus-reserved):$(dt isolcpus-reserved)" \
        "ok:reserved CPUs 0,4 are neither isolated nor nohz_full: host housekeeping runs there" \
        "nohz_full '(null)' is no CPU"
is "$(st hook-installed):$(dt hook-installed)" "fail:$HOOKS does not exist: libvirt runs no vmplace hook" \
        "no hooks dir: fail"
is "$(fx hook-installed)" "mkdir -p $HOOKS; ln -s /usr/libexec/vmplace/vmplace-hook $HOOKS/50-vmplace, then reload libvirt (systemctl reload libvirtd)" \
        "fix: create and link"
is "$(st hook-loaded):$(dt hook-loaded)" "skip:the hook is not installed" "hook-loaded skipped"

# human output: one line per check, fixes indented, within 100 columns
out=$("$CLI" doctor); rc=$?
is "$rc" 1 "human output: exit 1 too"
like "$out" "warn numa-balancing     on (1) with 2 strict-bound VMs" "STATUS NAME DETAIL"
like "$out" "
     fix: sysctl -w kernel.numa_balancing=0" "an indented fix line"
like "$out" "3 problems found" "and a summary"
is "$(printf '%s\n' "$out" | awk 'length($0) > 100' | wc -l)" 0 "no line wider than 100 columns"
is "$(printf '%s\n' "$out" | grep -c '^\(ok  \|warn\|fail\|skip\) ')" 11 "eleven check lines"

# --- the kernel facts one by one ------------------------------------------------------
echo 0 >"$PROC/sys/kernel/numa_balancing"
doctor
is "$(st numa-balancing):$(dt numa-balancing)" "ok:off (0)" "numa_balancing=0: ok"
rm "$PROC/sys/kernel/numa_balancing"
doctor
is "$(st numa-balancing)" skip "no numa_balancing sysctl: skip"
echo on >"$PROC/sys/kernel/numa_balancing"
doctor
is "$(st numa-balancing):$(dt numa-balancing)" \
        "skip:cannot read kernel.numa_balancing: $PROC/sys/kernel/numa_balancing: invalid number 'on'" \
        "garbage: skip naming the file"
echo 0 >"$PROC/sys/kernel/numa_balancing"

ksm 0 1 12
doctor
is "$(st ksm-merge-nodes)" warn "stopped KSM with pages merged across nodes: warn"
like "$(dt ksm-merge-nodes)" "12 pages stay merged" "counting them"
ksm 0 1 0
doctor
is "$(st ksm-merge-nodes)" ok "stopped KSM, nothing merged: ok"
ksm 1 0 500
doctor
is "$(st ksm-merge-nodes):$(dt ksm-merge-nodes)" \
        "ok:merge_across_nodes=0 (KSM run=1): pages merge only within a node" "per-node KSM: ok"
rm -r "$SYS/kernel/mm/ksm"
doctor
is "$(st ksm-merge-nodes)" skip "no KSM: skip"

# --- isolation, from sysfs and from the command line ------------------------------------
echo 4-7 >"$SYS/devices/system/cpu/isolated"
doctor
is "$(st isolcpus-shared)" warn "default shared pool over isolated CPUs: warn"
is "$(dt isolcpus-shared)" "the shared pool 1-3,5-7 (default: online minus reserved) includes isolated CPUs 5-7: the scheduler does not balance them, so floating vCPUs and emulators pile onto one" \
        "naming the isolated CPUs in the pool"
is "$(fx isolcpus-shared)" "set host.shared_cpus = 1-3 (the dedicated pool then defaults to 5-7)" \
        "fix: an explicit shared pool"
is "$(st isolcpus-reserved):$(dt isolcpus-reserved)" \
        "warn:reserved CPUs 0,4 (host housekeeping) include isolated CPUs 4: they idle while kernel and host work lands on VM CPUs" \
        "an isolated reserved CPU: warn"
is "$(fx isolcpus-reserved)" \
        "take 4 out of isolcpus=/nohz_full= on the kernel command line, or choose host.reserved_cpus among the housekeeping CPUs 0-3" \
        "fix: housekeeping CPUs"
is "$(st isolcpus-dedicated):$(dt isolcpus-dedicated)" \
        "ok:isolated CPUs 4-7; in the dedicated pool: 5-7; dedicated CPUs not isolated: 1-3" \
        "where isolated CPUs are: a note"

rm "$SYS/devices/system/cpu/isolated" "$SYS/devices/system/cpu/nohz_full"
echo 'ro quiet isolcpus=domain,managed_irq,6-7 nohz_full=0-1 -- isolcpus=1' >"$PROC/cmdline"
doctor
is "$(dt isolcpus-shared)" "the shared pool 1-3,5-7 (default: online minus reserved) includes isolated CPUs 6-7: the scheduler does not balance them, so floating vCPUs and emulators pile onto one" \
        "without sysfs files: isolcpus= from the command line"
like "$(dt isolcpus-reserved)" "include nohz_full CPUs 0:" "and nohz_full= too"

printf '[host]\nreserved_cpus = 0-1\nshared_cpus = 2-5\ndedicated_cpus = 6-7\n' >"$W/conf/vmplace.ini"
doctor
is "$(st isolcpus-shared):$(dt isolcpus-shared)" "ok:the shared pool 2-5 has none of the isolated CPUs 6-7" \
        "pools matching isolcpus: ok"
is "$(st isolcpus-reserved)" warn "reserved CPUs that are nohz_full: still warn"
echo 'ro quiet' >"$PROC/cmdline"
printf '[host]\nreserved_cpus = 0,4\n' >"$W/conf/vmplace.ini"

# --- CPUs of the pools offline or missing (a host with CPUs 5, 10, 11 offline) ---------
SYS2=$W/sys2
cp -r "$VMPLACE_TEST_DATA/topo/4node-offline" "$SYS2"
printf '[host]\nreserved_cpus = 0\ndedicated_cpus = 1-5\n' >"$W/conf/vmplace.ini"
printf '[match]\nnames = pin-*\n[cputune]\nvcpupin.0 = 10-13\nemulatorpin = 1\n' \
        >"$W/conf/profiles.d/pin.ini"
chmod 644 "$W/conf/profiles.d/pin.ini"
VMPLACE_SYSFS=$SYS2 doctor
is "$(st pool-cpus)" fail "offline pool CPUs: fail"
is "$(dt pool-cpus)" "host.dedicated_cpus names 5: offline; profile pin: cputune.vcpupin.0 names 10-11: offline; profile pin: cputune.vcpupin.0 names 12-13: missing" \
        "naming each key and its CPUs"
like "$(fx pool-cpus)" "echo 1 > /sys/devices/system/cpu/cpuN/online" "fix: online them"
like "$(fx pool-cpus)" "this host has no such CPU" "or drop the missing ones"
rm "$W/conf/profiles.d/pin.ini"
printf '[host]\nreserved_cpus = 0,4\n' >"$W/conf/vmplace.ini"

# --- isolation = host and nohz_full ---------------------------------------------------
printf '[match]\nnames = rt-*\n[placement]\ncpu_policy = dedicated\nisolation = host\n' \
        >"$W/conf/profiles.d/rt.ini"
chmod 644 "$W/conf/profiles.d/rt.ini"
doctor
is "$(st isolation-kernel):$(dt isolation-kernel)" \
        "warn:isolation = host (rt) moves host tasks, IRQs and workqueues off the VMs' CPUs, but the scheduler tick and RCU callbacks stay on 1-3,5-7 of the dedicated pool (no nohz_full)" \
        "isolation = host on a kernel without nohz_full: warn"
is "$(fx isolation-kernel)" "add nohz_full=1-3,5-7 to the kernel command line (it implies rcu_nocbs; needs CONFIG_NO_HZ_FULL and a reboot)" \
        "fix: the command line"
echo 1-3,5-7 >"$SYS/devices/system/cpu/nohz_full"
doctor
is "$(st isolation-kernel)" ok "nohz_full over the dedicated pool: ok"
echo '(null)' >"$SYS/devices/system/cpu/nohz_full"
rm "$W/conf/profiles.d/rt.ini"

# --- config invalid --------------------------------------------------------------------
printf '[host]\nreserved_cpus = 0-\n' >"$W/conf/vmplace.ini"
doctor
is "$rc" 1 "invalid config: exit 1"
is "$(st config)" fail "invalid config: fail"
like "$(dt config)" "configuration invalid: $W/conf/vmplace.ini:2: " "with the first FILE:LINE"
is "$(fx config)" "run vmplace validate and correct every FILE:LINE it prints" "fix: validate"
is "$(st pool-cpus):$(st isolcpus-shared):$(st isolcpus-reserved):$(st isolcpus-dedicated)" \
        "skip:skip:skip:skip" "the checks needing it skip"
printf '[host]\nreserved_cpus = 0,4\n' >"$W/conf/vmplace.ini"

# --- the hook and the daemon --------------------------------------------------------------
mkdir -p "$HOOKS"
doctor
is "$(st hook-installed):$(dt hook-installed)" "fail:no entry of $HOOKS runs vmplace-hook (it is empty)" \
        "empty hooks dir: fail"
printf '#!/bin/sh\nexit 0\n' >"$HOOKS/10-other"
chmod 755 "$HOOKS/10-other"
ln -s /nonexistent "$HOOKS/20-gone"
doctor
is "$(dt hook-installed)" "no entry of $HOOKS runs vmplace-hook (found: 10-other, 20-gone (dangling))" \
        "reports what is there"
rm "$HOOKS/10-other" "$HOOKS/20-gone"

real_hook=$(realpath "$HOOK")
ln -s "$HOOK" "$HOOKS/50-vmplace"
daemon 4242 $(($(date +%s) - 3600))
doctor
is "$(st hook-installed):$(dt hook-installed)" "ok:50-vmplace -> $real_hook" "linked hook: ok"
is "$(st hook-loaded):$(dt hook-loaded)" \
        "warn:libvirtd (pid 4242) started before the hook was installed; unless it was reloaded since, it does not run it" \
        "libvirtd older than the hook: warn"
is "$(fx hook-loaded)" "systemctl reload libvirtd (or kill -HUP 4242)" "fix: reload"
daemon 4242 $(($(date +%s) + 60))
doctor
is "$(st hook-loaded):$(dt hook-loaded)" "ok:libvirtd (pid 4242) started after the hook was installed" \
        "libvirtd younger than the hook: ok"
rm -r "$PROC/4242"
doctor
is "$(st hook-loaded):$(dt hook-loaded)" "skip:neither libvirtd nor virtqemud is running" "no daemon: skip"
mkdir "$PROC/4242"

# another qemu hook present before libvirtd started: qemu hooks were on, ours runs
rm "$HOOKS/50-vmplace"
printf '#!/bin/sh\nexit 0\n' >"$HOOKS/10-other"
chmod 755 "$HOOKS/10-other"
t0=$(stat -c %Z "$HOOKS/10-other")
sleep 2.5
ln -s "$HOOK" "$HOOKS/50-vmplace"
daemon 4242 $((t0 + 1))
doctor
is "$(st hook-loaded):$(dt hook-loaded)" \
        "ok:libvirtd (pid 4242) started after qemu hook 10-other existed, so it runs qemu.d at every call" \
        "an older qemu hook enabled hooks: ok"
chmod 644 "$HOOKS/10-other"
doctor
is "$(st hook-loaded)" warn "a non-executable one does not count"
rm "$HOOKS/10-other"

# libvirt < 6.5 runs only hooks/qemu: the version is read from the
# libvirt.so.0.MAJOR*1000+MINOR.MICRO the daemon has mapped
maps() { printf '7f0000000000-7f0000100000 r-xp 00000000 fe:01 4242 /usr/lib64/libvirt.so.0.%s.0\n' "$1" >"$PROC/4242/maps"; }
maps 9000
doctor
is "$(st hook-dispatcher):$(dt hook-dispatcher)" "ok:libvirt 9.0 runs hooks/qemu.d itself" "libvirt 9.0: qemu.d runs natively"
maps 6002
doctor
is "$(st hook-dispatcher):$(dt hook-dispatcher)" \
        "fail:libvirtd (pid 4242) runs libvirt 6.2, which runs only $W/hooks/qemu, not qemu.d: there is none, so qemu.d/50-vmplace never runs" \
        "libvirt 6.2 without hooks/qemu: fail"
is "$(fx hook-dispatcher)" "ln -sf /usr/libexec/vmplace/qemu-dispatcher $W/hooks/qemu, then reload libvirt (systemctl reload libvirtd)" \
        "fix: link the dispatcher"
printf '#!/bin/sh\nlogger "$@"\n' >"$W/hooks/qemu"
chmod 755 "$W/hooks/qemu"
doctor
is "$(st hook-dispatcher)" fail "another package's hooks/qemu that does not chain: fail"
like "$(fx hook-dispatcher)" "exec /usr/libexec/vmplace/qemu-dispatcher \"\$@\"' as the last line of $W/hooks/qemu" "fix: chain to it"
printf '#!/bin/sh\nlogger "$@"\nexec /usr/libexec/vmplace/qemu-dispatcher "$@"\n' >"$W/hooks/qemu"
doctor
is "$(st hook-dispatcher)" ok "a hooks/qemu that chains to the dispatcher: ok"
rm "$W/hooks/qemu"
cp "$VMPLACE_SRC/hook/qemu-dispatcher.sh" "$W/qemu-dispatcher"
chmod 755 "$W/qemu-dispatcher"
ln -s "$W/qemu-dispatcher" "$W/hooks/qemu"
doctor
is "$(st hook-dispatcher):$(dt hook-dispatcher)" \
        "ok:libvirtd (pid 4242) runs libvirt 6.2, which runs only $W/hooks/qemu, not qemu.d: it is vmplace's qemu-dispatcher, which runs them" \
        "hooks/qemu linked to the dispatcher: ok"
rm "$W/hooks/qemu" "$W/qemu-dispatcher" "$PROC/4242/maps"
doctor
is "$(st hook-dispatcher)" skip "no mapped libvirt.so.0: version unknown, skip"

# a wrapper script (as the libvirt tests install) counts; two hooks run it twice
printf '#!/bin/sh\nexport VMPLACE_CONFDIR=/x\nexec %s "$@"\n' "$HOOK" >"$HOOKS/40-wrap"
chmod 755 "$HOOKS/40-wrap"
doctor
is "$(st hook-installed)" warn "two hooks running vmplace-hook: warn"
is "$(dt hook-installed)" "2 hooks run vmplace-hook, so libvirt runs it 2 times a call: 40-wrap (a script running vmplace-hook) 50-vmplace -> $real_hook" \
        "naming both"
rm "$HOOKS/50-vmplace"
cp "$HOOK" "$W/vmplace-hook"
chmod 644 "$W/vmplace-hook"
chmod 644 "$HOOKS/40-wrap"
ln -s "$W/vmplace-hook" "$HOOKS/50-vmplace"
doctor
is "$(st hook-installed):$(dt hook-installed)" "fail:50-vmplace -> $W/vmplace-hook (not executable)" \
        "a non-executable vmplace-hook: fail"
is "$(fx hook-installed)" "chmod 755 $W/vmplace-hook" "fix: chmod"
chmod 755 "$W/vmplace-hook"

# --- all well: exit 0 ----------------------------------------------------------------------
rm "$HOOKS/40-wrap"
daemon 4242 $(($(date +%s) + 60))
echo 0 >"$PROC/sys/kernel/numa_balancing"
doctor
is "$rc:$(jget "$W/out.json" 'j["problems"]')" "0:0" "no warn or fail: exit 0, problems 0"
is "$(jget "$W/out.json" '[c["fix"] for c in j["checks"] if c["fix"] is not None]')" "[]" \
        "no fixes when all is well"
out=$("$CLI" doctor); rc=$?
is "$rc" 0 "human output: exit 0"
like "$out" "no problems found" "and says so"

# --- usage -------------------------------------------------------------------------------------
"$CLI" doctor --frobnicate >/dev/null 2>"$W/err"; rc=$?
is "$rc" 2 "unknown argument: exit 2"
like "$(cat "$W/err")" "vmplace doctor: unknown argument '--frobnicate'" "naming it"
out=$("$CLI" doctor --help); rc=$?
is "$rc" 0 "--help exits 0"
like "$out" "usage: vmplace doctor [--json]" "--help prints the usage"
like "$("$CLI" --help)" "doctor [--json]" "vmplace --help lists doctor"

# --- this real host, no overrides ---------------------------------------------------------------
out=$(env $(env | sed -n 's/^\(VMPLACE_[A-Z_]*\)=.*/-u \1/p') "$CLI" doctor --json 2>"$W/err"); rc=$?
printf '%s\n' "$out" >"$W/out.json"
problems=$(jget "$W/out.json" 'j["problems"]')
is "$rc" "$([ "$problems" = 0 ] && echo 0 || echo 1)" "real host: exit code follows the $problems problem(s)"
nb=/proc/sys/kernel/numa_balancing
if [ -r "$nb" ]; then
        v=$(cat "$nb")
        if [ "$v" = 0 ]; then want="ok:off (0)"
        elif [ $((v & 1)) = 0 ]; then want="ok:$v: only memory-tiering promotion, bound pages stay"
        else want="$(st numa-balancing):on ($v)"; fi
        got="$(st numa-balancing):$(dt numa-balancing)"
        like "$got" "$want" "real host: numa-balancing reflects $nb = $v"
        echo "# real numa_balancing=$v: $got"
else
        is "$(st numa-balancing)" skip "real host: no $nb: skip"
fi
K=/sys/kernel/mm/ksm
if [ -r "$K/run" ]; then
        run=$(cat "$K/run") nodes=$(ls -d /sys/devices/system/node/node[0-9]* 2>/dev/null | wc -l)
        merge=$(cat "$K/merge_across_nodes" 2>/dev/null || echo -1) shared=$(cat "$K/pages_shared")
        if [ "$merge" = -1 ]; then want="ok:KSM run=$run without NUMA support"
        elif [ "$merge" = 0 ]; then want="ok:merge_across_nodes=0 (KSM run=$run)"
        elif [ "$nodes" -le 1 ]; then want="ok:merge_across_nodes=1 (KSM run=$run), but the host has one NUMA node"
        elif [ "$run" = 1 ]; then want="warn:KSM runs with merge_across_nodes=1 on $nodes NUMA nodes"
        elif [ "$shared" -gt 0 ]; then want="warn:KSM stopped (run=$run) but $shared pages"
        else want="ok:KSM stopped (run=$run), nothing merged"; fi
        got="$(st ksm-merge-nodes):$(dt ksm-merge-nodes)"
        like "$got" "$want" "real host: ksm-merge-nodes reflects run=$run merge_across_nodes=$merge on $nodes node(s)"
        echo "# real KSM: $got"
else
        is "$(st ksm-merge-nodes)" skip "real host: no $K: skip"
fi
is "$(jget "$W/out.json" 'len(j["checks"])')" 11 "real host: every check reported"

# The real libvirt daemon, if one runs (the libvirt tests start one), read from
# the real /proc against a hook linked into a scratch hooks dir just now.
pid=$(pgrep -xo libvirtd || pgrep -xo virtqemud)
if [ -n "$pid" ]; then
        rm -rf "$W/hooks"
        mkdir -p "$W/hooks/qemu.d"
        ln -s "$HOOK" "$W/hooks/qemu.d/50-vmplace"
        # started = btime + starttime / HZ, computed apart from the C code
        started=$(python3 -c 'import os,sys
p=sys.argv[1]; f=open("/proc/%s/stat" % p).read(); f=f[f.rindex(")")+2:].split()
bt=[int(l.split()[1]) for l in open("/proc/stat") if l.startswith("btime ")][0]
print(bt + int(f[19]) / os.sysconf("SC_CLK_TCK"))' "$pid")
        installed=$(stat -c %.9Z "$W/hooks/qemu.d/50-vmplace")
        name=$(cat "/proc/$pid/comm")
        env $(env | sed -n 's/^\(VMPLACE_[A-Z_]*\)=.*/-u \1/p') VMPLACE_LIBVIRT_CONFDIR="$W/qemu" \
                "$CLI" doctor --json >"$W/out.json" 2>/dev/null
        if python3 -c 'import sys; sys.exit(not float(sys.argv[1]) <= float(sys.argv[2]) + 1)' \
                "$installed" "$started"; then
                want="ok:$name (pid $pid) started after the hook was installed"
        else
                want="warn:$name (pid $pid) started before the hook was installed; unless it was reloaded since, it does not run it"
        fi
        is "$(st hook-loaded):$(dt hook-loaded)" "$want" \
                "real $name (pid $pid, started $started) against a hook linked at $installed"
        # its version from the libvirt.so.0 it has mapped, against virsh's
        # view of the library (virsh version: "Using library: libvirt X.Y.Z")
        lib=$(virsh -c qemu:///system version 2>/dev/null | sed -n 's/^Using library: libvirt \([0-9]*\.[0-9]*\).*/\1/p')
        if [ -n "$lib" ]; then
                is "$(st hook-dispatcher):$(dt hook-dispatcher)" "ok:libvirt $lib runs hooks/qemu.d itself" \
                        "real $name: hook-dispatcher reads libvirt $lib from its mapped library"
        fi
else
        echo "# no libvirtd or virtqemud running: real daemon check skipped"
fi

done_testing
