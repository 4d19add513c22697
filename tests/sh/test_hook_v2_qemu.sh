#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The real hook on a real cgroup v2 kernel with 2 NUMA nodes: boot a Debian
# cloud kernel under QEMU (cgroup2 only; node0 = CPUs 0-1, node1 = CPUs 2-3,
# each node one core with 2 SMT threads) on an initramfs holding the static
# vmplace-hook and a stand-in QEMU (tests/unit/standin_qemu.c, compiled here
# with cc: a process whose threads are named "qemu-system-x86", "CPU 0/TCG",
# "CPU 1/TCG", "IO iothread1", "call_rcu"). For one domain per v2 layout
# libvirt makes --
#   vm1, no systemd:   machine/qemu-1-vm1.libvirt-qemu/{emulator,vcpu0,vcpu1,iothread1}
#   vm2, systemd names: machine.slice/machine-qemu\x2d2\x2dvm2.scope/libvirt/{...}
# -- the guest runs the hook's ops in libvirt's order with the topology read
# through libnuma (no VMPLACE_SYSFS), VMPLACE_CONFDIR=/etc/vmplace (root-owned,
# 0644/0755), VMPLACE_RUNDIR and VMPLACE_LIBVIRT_RUNDIR on tmpfs:
#   prepare begin   (no process, no cgroup, no status file yet)
#   then what libvirt does: +cpu +cpuset in cgroup.subtree_control down the
#   path, the QEMU pid into the domain's (nested) group through cgroup.procs,
#   threaded emulator group and the main thread into it through cgroup.threads
#   before QEMU makes its threads (so they start there), then threaded vcpuN /
#   iothread1 groups and those TIDs through cgroup.threads; NAME.pid and a
#   status NAME.xml (<domstatus ... pid><vcpus><vcpu id pid/>...<domain>)
#   started begin
#   stopped end, release end   (after the process and its groups are gone)
# and prints exit codes, stdout, stderr, the plan JSON and the ledger, every
# cgroup file of the domain and each thread's Cpus_allowed_list /
# Mems_allowed_list between @@VMPLACE-...@@ markers on the serial console.
# This side checks them with TAP against the plan the hook recorded
# (cputune.vcpupin, emulatorpin, iothreadpin, numatune.nodeset, cgroup list)
# and against the figures the profiles and the topology imply:
#   vm1 (reserved_cpus = 0): node1, vCPUs on 2 and 3, emulator + iothread on 1,
#       cpu.weight 512, cpu.max 150000 100000 (nested), vcpuN 50000 100000,
#       emulator 20000 100000, iothread1 25000 50000, cpuset.mems 1
#   vm2 (reserved_cpus = 2): node0, vCPUs on 0 and 1, emulator + iothread on 3,
#       cpu.weight 2048 (on the scope), cpu.max 300000 200000 (on libvirt/),
#       vcpuN 40000 100000, emulator 20000 100000, iothread1 25000 50000,
#       cpuset.mems 0
# Needs VMPLACE_BUILD (hook/vmplace-hook built) and a C compiler; fetches the
# kernel and busybox through apt on first use (cached under the build dir).
# Exit 0 pass, 1 fail -- also when QEMU, the kernel or busybox cannot be had.
. "$(dirname "$0")/lib.sh"
set -o pipefail

src=$VMPLACE_SRC
. "$src/tests/qemu/guestlib.sh"
t0=$(date +%s.%N)

bail() { # a check that cannot run is a failure, never a skip
        ok 1 "$*"
        done_testing
}

[ -x "$HOOK" ] || bail "$HOOK not built"
work=$(mktemp -d "${TMPDIR:-/tmp}/vmplace-hook-v2-qemu.XXXXXX")
trap 'rm -rf "$work"' EXIT

# the stand-in: static when libc.a is there, else dynamic (mkinitrd.sh then
# copies the libraries ldd lists)
cc=${CC:-cc}
command -v "$cc" >/dev/null || bail "no C compiler ($cc) to build the stand-in QEMU"
standin=$work/standin_qemu
if ! "$cc" -std=c11 -O2 -Wall -Wextra -Werror -static -pthread -o "$standin" \
        "$src/tests/unit/standin_qemu.c" 2>"$work/cc.err"; then
        "$cc" -std=c11 -O2 -Wall -Wextra -Werror -pthread -o "$standin" \
                "$src/tests/unit/standin_qemu.c" 2>>"$work/cc.err" ||
                bail "stand-in QEMU does not compile: $(tr '\n' ' ' <"$work/cc.err")"
fi

# ---------------------------------------------------------------- the guest
cat >"$work/init.sh" <<'GUEST'
. /lib/vmplace/guestlib.sh
umask 022
CG=/sys/fs/cgroup
LV=/run/libvirt/qemu
export VMPLACE_CONFDIR=/etc/vmplace VMPLACE_RUNDIR=/run/vmplace VMPLACE_LIBVIRT_RUNDIR=$LV
unset VMPLACE_SYSFS VMPLACE_CGROUP_ROOT VMPLACE_PROC VMPLACE_LIBVIRT_CONFDIR
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p $LV /etc/vmplace/profiles.d
syslogd -O /tmp/syslog

now_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }
# each step's start, outside the sections: the timeline printed on failure
beg() { echo "@@T $(now_ms) $1"; sec_begin "$1"; }
end() { sec_end "$1"; }

beg env
echo "kernel $(uname -r)"
echo "controllers $(cat $CG/cgroup.controllers)"
echo "subtree $(cat $CG/cgroup.subtree_control)"
echo "cpus $(cat $CG/cpuset.cpus.effective) mems $(cat $CG/cpuset.mems.effective)"
for n in /sys/devices/system/node/node[0-9]*; do
        echo "${n##*/} cpus $(cat $n/cpulist)"
done
for c in /sys/devices/system/cpu/cpu[0-9]*; do
        echo "${c##*/} siblings $(cat $c/topology/thread_siblings_list)"
done
end env

# config: root-owned (we are root), 0644 files in 0755 dirs
host_ini() { # host_ini RESERVED
        printf '[host]\nreserved_cpus = %s\nstrategy = spread\non_error = refuse\n' "$1" \
                >/etc/vmplace/vmplace.ini
        chmod 644 /etc/vmplace/vmplace.ini
}
cat >/etc/vmplace/profiles.d/dedicated.ini <<'INI'
[match]
names = vm1
[profile]
description = dedicated vCPUs, every CFS knob, strict memory on the chosen node
on_error = refuse
[cputune]
shares = 512
global_period = 100000
global_quota = 150000
vcpu_period = 100000
vcpu_quota = 50000
emulator_period = 100000
emulator_quota = 20000
iothread_period = 50000
iothread_quota = 25000
[placement]
cpu_policy = dedicated
[numatune]
mode = strict
nodeset = auto
INI
cat >/etc/vmplace/profiles.d/dedicated-sd.ini <<'INI'
[match]
names = vm2
[profile]
include = dedicated
[cputune]
shares = 2048
global_period = 200000
global_quota = 300000
vcpu_quota = 40000
INI
chmod 755 /etc/vmplace /etc/vmplace/profiles.d
chmod 644 /etc/vmplace/profiles.d/*.ini

domxml() { # domxml NAME UUID
        cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <uuid>$2</uuid>
  <memory unit='KiB'>65536</memory>
  <currentMemory unit='KiB'>65536</currentMemory>
  <vcpu placement='static'>2</vcpu>
  <iothreads>1</iothreads>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <boot dev='network'/>
  </os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <console type='pty'/>
  </devices>
</domain>
XML
}

# hook NAME OP SUBOP: libvirt's call, the domain XML on stdin. A call still
# running after 60 s (libvirt's start job would still be waiting on it) is
# shown with what it waits on -- its kernel stack, wait channel and system
# call -- and killed, so that a hang is told apart from a slow machine.
hook() {
        local t1 t2 rc pid up st deadline
        t1=$(now_ms)
        vmplace-hook "$1" "$2" "$3" - <"/tmp/$1.xml" >/tmp/hook.out 2>/tmp/hook.err &
        pid=$!
        # builtins only in the loop (a fork costs ~20 ms under TCG)
        read -r up _ </proc/uptime
        deadline=$((${up%.*} + 60))
        while :; do
                st=Z
                read -r _ _ st _ </proc/$pid/stat 2>/dev/null
                [ "$st" != Z ] || break
                read -r up _ </proc/uptime
                [ ${up%.*} -lt $deadline ] || break
                usleep 20000
        done
        if [ "$st" != Z ]; then
                echo "hung $(($(now_ms) - t1)) ms"
                echo "wchan $(cat /proc/$pid/wchan 2>&1)"
                echo "syscall $(cat /proc/$pid/syscall 2>&1)"
                sed 's/^/kstack /' /proc/$pid/stack 2>&1
                kill -9 $pid
        fi
        wait $pid
        rc=$?
        t2=$(now_ms)
        echo "rc $rc"
        echo "ms $((t2 - t1))"
        echo "stdout-bytes $(wc -c </tmp/hook.out)"
        echo "stderr-bytes $(wc -c </tmp/hook.err)"
        sed 's/^/stdout: /' /tmp/hook.out
        sed 's/^/stderr: /' /tmp/hook.err
}

BAD=0
w() { # w FILE VALUE: a write libvirt makes; the kernel's refusal is printed
        if printf '%s\n' "$2" >"$1" 2>/tmp/werr; then
                echo "wrote '$2' to $1"
        else
                echo "FAIL write '$2' to $1: $(cat /tmp/werr)"
                BAD=1
        fi
}
mk() {
        if mkdir "$1" 2>/tmp/werr; then echo "mkdir $1"; else
                echo "FAIL mkdir $1: $(cat /tmp/werr)"
                BAD=1
        fi
}
# a thread group as libvirt's virCgroupV2MakeGroup makes it: mkdir, threaded,
# then cpu and cpuset enabled in the parent's subtree_control
mk_thread_group() { # mk_thread_group PARENT NAME
        mk "$1/$2"
        w "$1/$2/cgroup.type" threaded
        w "$1/cgroup.subtree_control" +cpu
        w "$1/cgroup.subtree_control" +cpuset
}
wait_file() { # wait_file PATH: up to 10 s
        local i=0
        while [ ! -s "$1" ] && [ $i -lt 200 ]; do
                usleep 50000
                i=$((i + 1))
        done
        [ -s "$1" ]
}

rmd() { # rmd DIR: a group whose last task just died may linger a moment
        local i=0
        until rmdir "$1" 2>/dev/null || [ $i -ge 100 ]; do
                usleep 20000
                i=$((i + 1))
        done
        [ ! -d "$1" ] || echo "FAIL rmdir $1"
}

dump() { # dump KEY DIR: the group's files as "file KEYNAME VALUE"
        local f
        for f in cgroup.type cgroup.subtree_control cpu.weight cpu.max cpuset.cpus cpuset.mems \
                cpuset.cpus.effective cpuset.mems.effective; do
                [ -e "$2/$f" ] && echo "file $1$f $(cat "$2/$f" 2>&1)"
        done
}

run_dom() { # run_dom NAME ID UUID plain|systemd
        local name=$1 id=$2 uuid=$3 layout=$4 part dom nested pid g t role st i
        if [ "$layout" = plain ]; then
                part=machine
                dom=$part/qemu-$id-$name.libvirt-qemu
                nested=$dom
        else
                part=machine.slice
                dom="$part/machine-qemu\\x2d$id\\x2d$name.scope"
                nested=$dom/libvirt
        fi
        domxml "$name" "$uuid" >"/tmp/$name.xml"

        beg "$name-prepare"
        hook "$name" prepare begin
        end "$name-prepare"
        beg "$name-plan"
        cat "$VMPLACE_RUNDIR/domains/$uuid.plan.json"
        echo
        end "$name-plan"
        beg "$name-ledger-prepared"
        cat "$VMPLACE_RUNDIR/ledger.json"
        echo
        end "$name-ledger-prepared"

        # libvirt starts QEMU: the forked child waits (here: on a FIFO) while
        # libvirt builds the groups and moves it, then execs; QEMU makes its
        # threads; libvirt moves vCPU and iothread threads to their groups
        beg "$name-build"
        BAD=0
        echo "layout $layout"
        echo "domain $CG/$dom"
        echo "nested $CG/$nested"
        mkfifo "/tmp/$name.go"
        standin_qemu "/tmp/$name.tids" "/tmp/$name.go" &
        pid=$!
        wait_file "/tmp/$name.tids.pid" || { echo "FAIL stand-in did not start"; BAD=1; }
        [ "$(cat "/tmp/$name.tids.pid")" = "$pid" ] ||
                { echo "FAIL stand-in pid $(cat "/tmp/$name.tids.pid") is not \$! $pid"; BAD=1; }
        echo "pid $pid"
        [ -d "$CG/$part" ] || mk "$CG/$part"
        w "$CG/cgroup.subtree_control" "+cpu +cpuset"
        w "$CG/$part/cgroup.subtree_control" "+cpu +cpuset"
        mk "$CG/$dom"
        if [ "$layout" = systemd ]; then
                # systemd's scope with its controllers; libvirt's nested dir in it
                w "$CG/$dom/cgroup.subtree_control" "+cpu +cpuset"
                mk "$CG/$nested"
        fi
        w "$CG/$nested/cgroup.procs" "$pid"
        mk_thread_group "$CG/$nested" emulator
        w "$CG/$nested/emulator/cgroup.threads" "$pid"
        timeout 10 sh -c 'echo go >"$1"' sh "/tmp/$name.go" ||
                { echo "FAIL stand-in not waiting on its FIFO"; BAD=1; }
        wait_file "/tmp/$name.tids" || { echo "FAIL stand-in made no threads"; BAD=1; }
        cat "/tmp/$name.tids"
        for g in vcpu0 vcpu1 iothread1; do
                mk_thread_group "$CG/$nested" $g
                w "$CG/$nested/$g/cgroup.threads" "$(awk -v r=$g '$1 == r { print $2 }' "/tmp/$name.tids")"
        done
        echo "$pid" >"$LV/$name.pid"
        cat >"$LV/$name.xml" <<XML
<!--
WARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE
OVERWRITTEN AND LOST. Changes to this xml configuration should be made using:
  virsh edit $name
or other application using the libvirt API.
-->

<domstatus state='running' reason='booted' pid='$pid'>
  <taint flag='high-privileges'/>
  <monitor path='/var/lib/libvirt/qemu/domain-$id-$name/monitor.sock' type='unix'/>
  <vcpus>
    <vcpu id='0' pid='$(awk '$1 == "vcpu0" { print $2 }' "/tmp/$name.tids")'/>
    <vcpu id='1' pid='$(awk '$1 == "vcpu1" { print $2 }' "/tmp/$name.tids")'/>
  </vcpus>
  <domain type='qemu' id='$id'>
    <name>$name</name>
    <uuid>$uuid</uuid>
    <memory unit='KiB'>65536</memory>
    <currentMemory unit='KiB'>65536</currentMemory>
    <vcpu placement='static'>2</vcpu>
    <iothreads>1</iothreads>
    <resource>
      <partition>/machine</partition>
    </resource>
    <os>
      <type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type>
      <boot dev='network'/>
    </os>
    <devices>
      <emulator>/usr/bin/qemu-system-x86_64</emulator>
      <console type='pty'/>
    </devices>
  </domain>
</domstatus>
XML
        chmod 600 "$LV/$name.pid" "$LV/$name.xml"
        echo "build-rc $BAD"
        end "$name-build"

        beg "$name-started"
        hook "$name" started begin
        end "$name-started"
        beg "$name-ledger-started"
        cat "$VMPLACE_RUNDIR/ledger.json"
        echo
        end "$name-ledger-started"

        beg "$name-files"
        dump D: "$CG/$dom"
        dump N: "$CG/$nested"
        for g in emulator vcpu0 vcpu1 iothread1; do
                dump "N:$g/" "$CG/$nested/$g"
        done
        end "$name-files"
        beg "$name-threads"
        while read -r role t; do
                st=/proc/$pid/task/$t/status
                echo "thread $role $t cpus $(awk '$1 == "Cpus_allowed_list:" { print $2 }' "$st")" \
                        "mems $(awk '$1 == "Mems_allowed_list:" { print $2 }' "$st")" \
                        "cgroup $(cut -d: -f3 "/proc/$pid/task/$t/cgroup")" \
                        "comm $(cat "/proc/$pid/task/$t/comm")"
        done <"/tmp/$name.tids"
        end "$name-threads"

        # libvirt stops it: QEMU killed, groups and status files removed, then the hooks
        beg "$name-teardown"
        kill "$pid"
        wait "$pid"
        rm -f "$LV/$name.pid" "$LV/$name.xml"
        for g in emulator vcpu0 vcpu1 iothread1; do
                rmd "$CG/$nested/$g"
        done
        [ "$nested" = "$dom" ] || rmd "$CG/$nested"
        rmd "$CG/$dom"
        rmd "$CG/$part"
        end "$name-teardown"

        beg "$name-stopped"
        hook "$name" stopped end
        end "$name-stopped"
        beg "$name-ledger-stopped"
        cat "$VMPLACE_RUNDIR/ledger.json"
        echo
        end "$name-ledger-stopped"
        beg "$name-state-left"
        ls "$VMPLACE_RUNDIR/domains"
        end "$name-state-left"
        beg "$name-release"
        hook "$name" release end
        end "$name-release"
}

host_ini 0
run_dom vm1 1 6a3f3c1e-0000-4000-8000-000000000001 plain
host_ini 2
run_dom vm2 2 6a3f3c1e-0000-4000-8000-000000000002 systemd

beg rundir
ls -ld "$VMPLACE_RUNDIR" | awk '{ print "mode", $1 }'
end rundir
beg left
find $CG -name 'machine*' -o -name '*vm1*' -o -name '*vm2*'
end left
beg syslog
cat /tmp/syslog
end syslog
GUEST

rc=0
"$src/tests/qemu/mkinitrd.sh" "$work/initrd.gz" "$work/init.sh" "$HOOK:/bin/vmplace-hook" \
        "$standin:/bin/standin_qemu" 2>"$work/mkinitrd.err" || rc=$?
[ $rc -eq 0 ] || bail "initramfs not built (mkinitrd.sh exit $rc$([ $rc -eq 3 ] &&
        echo ': no static busybox could be had'): $(tr '\n' ' ' <"$work/mkinitrd.err")"
t1=$(date +%s.%N)
qemu_boot_2node "$work/initrd.gz" >"$work/console.raw" 2>"$work/boot.err" || rc=$?
t2=$(date +%s.%N)
[ $rc -ne 3 ] || bail "no kernel or QEMU could be had (boot.sh exit 3): $(tr '\n' ' ' <"$work/boot.err")"
qemu_console "$work/console.raw" "$work/console"

# ---------------------------------------------------------------- this side
# each section into $work/sec/NAME, once (forks are slow here); section
# reads those
qemu_split_sections
# the rest of the first line of SECTION whose first field is KEY (and second KEY2)
field() { # field SECTION KEY [KEY2]
        [ -f "$work/sec/$1" ] || return 0
        awk -v k="$2" -v k2="${3:-}" '
                $1 == k && (k2 == "" || $2 == k2) {
                        n = k2 == "" ? 1 : 2
                        for (i = 1; i <= n; i++) sub(/^[^ ]* ?/, "")
                        print; exit }' "$work/sec/$1"
}
file_of() { field "$1-files" file "$2"; }                 # file_of DOM KEY
thread_f() { # thread_f DOM ROLE cpus|mems|cgroup|tid
        [ -f "$work/sec/$1-threads" ] || return 0
        awk -v r="$2" -v k="$3" '
                $1 == "thread" && $2 == r {
                        if (k == "tid") { print $3; exit }
                        for (i = 4; i < NF; i++) if ($i == k) { print $(i + 1); exit } }' \
                "$work/sec/$1-threads"
}
# cpusets compared as sets: "2-3" == "2,3"
cpus_norm() {
        awk -v l="$1" 'BEGIN {
                n = split(l, p, ",")
                for (i = 1; i <= n; i++) {
                        if (p[i] !~ /^[0-9]+(-[0-9]+)?$/) { print l; exit }
                        split(p[i], r, "-"); hi = (p[i] ~ /-/) ? r[2] : r[1]
                        for (c = r[1] + 0; c <= hi + 0; c++) set[c] = 1
                }
                for (c = 0; c < 4096; c++) if (c in set) { printf "%s%d", sep, c; sep = "," }
                print "" }'
}
is_cpus() { # is_cpus GOT WANT DESCRIPTION
        is "$(cpus_norm "$1")" "$(cpus_norm "$2")" "$3"
}
# Every JSON section (plan, ledgers) flattened once -- python starts slowly
# on these machines -- into "SECTION<TAB>PATH<TAB>VALUE" lines: PATH like
# cputune.vcpupin.0 or entries.0.state, PATH.# the length of a list or object.
python3 - "$work/console" >"$work/json.flat" <<'PY'
import json, sys
sec, buf = None, []
def flat(name, path, v):
    if isinstance(v, dict):
        print(f"{name}\t{path}#\t{len(v)}")
        for k, x in v.items():
            flat(name, f"{path}{k}.", x)
    elif isinstance(v, list):
        print(f"{name}\t{path}#\t{len(v)}")
        for i, x in enumerate(v):
            flat(name, f"{path}{i}.", x)
    else:
        v = "null" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
        print(f"{name}\t{path[:-1]}\t{v.replace(chr(10), ' ')}")
for line in open(sys.argv[1], errors="replace"):
    line = line.rstrip("\n")
    if sec is None and line.startswith("@@VMPLACE-") and not line.startswith("@@VMPLACE-END-"):
        sec, buf = line[10:-2], []
    elif sec is not None and line == f"@@VMPLACE-END-{sec}@@":
        if "-plan" in sec or "-ledger-" in sec:
            try:
                flat(sec, "", json.loads("\n".join(buf)))
            except ValueError as e:
                print(f"{sec}\t!error\t{e}")
        sec = None
    elif sec is not None:
        buf.append(line)
PY
jv() { # jv SECTION PATH: a value of a JSON section, "(missing)" if absent
        awk -F'\t' -v s="$1" -v p="$2" '$1 == s && $2 == p { print $3; f = 1; exit }
                END { if (!f) print "(missing)" }' "$work/json.flat"
}

ok "$([ $rc -eq 0 ]; echo $?)" "guest booted and powered off (boot.sh exit $rc)"
ok "$(grep -qx 'VMPLACE-GUEST-EXIT 0' "$work/console"; echo $?)" "guest script ran to its end"
like "$(field env controllers)" "cpuset cpu " "guest has cgroup v2 with cpuset and cpu"
is "$(field env cpus)" "0-3 mems 0-1" "guest has CPUs 0-3 and nodes 0-1"
is "$(field env node0) / $(field env node1)" "cpus 0-1 / cpus 2-3" "node0 = CPUs 0-1, node1 = CPUs 2-3"
is "$(field env cpu0) / $(field env cpu2)" "siblings 0-1 / siblings 2-3" "SMT pairs 0-1 and 2-3"

# check_dom NAME LAYOUT PROFILE NODE VCPUS EMU SHARES GLOBAL_MAX VCPU_MAX EMU_MAX IO_MAX
check_dom() {
        local d=$1 lay=$2 prof=$3 node=$4 vcpus=$5 emu=$6 shares=$7 gmax=$8 vmax=$9
        local emax=${10} imax=${11} r v f have want n entry
        echo "# --- $d ($lay layout): $(field "$d-build" nested)"

        # prepare
        is "$(field "$d-prepare" rc)" 0 "$d prepare begin: exit 0"
        is "$(field "$d-prepare" stdout-bytes)" 0 "$d prepare begin: empty stdout"
        is "$(field "$d-prepare" stderr-bytes)" 0 "$d prepare begin: nothing on stderr$(
                section "$d-prepare" | sed -n 's/^stderr: / -- /p' | head -3 | tr '\n' ' ')"
        is "$(jv "$d-plan" profile)" "$prof" "$d: plan recorded, profile $prof$(
                grep -P "^$d-plan\t!error" "$work/json.flat" | cut -f3 | sed 's/^/ -- /')"
        is "$(jv "$d-plan" cgroup_version)" 2 "$d: planned for cgroup v2"
        is "$(jv "$d-plan" host_nodes.#):$(jv "$d-plan" host_nodes.0)" "1:$node" \
                "$d: placed on node $node (libnuma topology)"
        is "$(jv "$d-plan" numatune.mode) $(jv "$d-plan" numatune.nodeset)" \
                "strict $node" "$d: numatune strict, nodeset auto = node $node"
        is "$(jv "$d-plan" cputune.vcpupin.#)" 2 "$d: 2 vcpupins"
        is_cpus "$(jv "$d-plan" cputune.vcpupin.0),$(jv "$d-plan" cputune.vcpupin.1)" "$vcpus" \
                "$d: vCPUs pinned one each to CPUs $vcpus"
        is "$(jv "$d-plan" cputune.emulatorpin)" "$emu" "$d: emulatorpin $emu"
        is "$(jv "$d-plan" cputune.iothreadpin.1)" "$emu" "$d: iothreadpin 1 = $emu"
        is "$(for k in shares global_quota global_period vcpu_quota vcpu_period emulator_quota \
                emulator_period iothread_quota iothread_period; do jv "$d-plan" cputune.$k; done |
                paste -sd' ' -)" \
                "$shares $gmax $vmax $emax $imax" "$d: cputune from the profile"
        is "$(jv "$d-ledger-prepared" entries.#) $(jv "$d-ledger-prepared" entries.0.name)" \
                "1 $d" "$d: one ledger entry after prepare"
        is "$(jv "$d-ledger-prepared" entries.0.state)" prepared "$d: its state is prepared"

        # the stand-in in libvirt's groups (the test's own setup)
        is "$(field "$d-build" build-rc)" 0 "$d: groups built and threads moved like libvirt$(
                section "$d-build" | grep '^FAIL' | head -3 | sed 's/^/ -- /' | tr '\n' ' ')"

        # started
        is "$(field "$d-started" rc)" 0 "$d started begin: exit 0"
        is "$(field "$d-started" stdout-bytes)" 0 "$d started begin: empty stdout"
        is "$(field "$d-started" stderr-bytes)" 0 "$d started begin: nothing on stderr$(
                section "$d-started" | sed -n 's/^stderr: / -- /p' | head -3 | tr '\n' ' ')"
        is "$(jv "$d-ledger-started" entries.#) $(jv "$d-ledger-started" entries.0.name)" \
                "1 $d" "$d: one ledger entry after started"
        is "$(jv "$d-ledger-started" entries.0.state)" enforced "$d: its state is enforced"
        is "$(jv "$d-ledger-started" entries.0.pid)" "$(field "$d-build" pid)" \
                "$d: ledger records the QEMU pid"

        # cgroup files at libvirt's levels
        is "$(file_of "$d" D:cpu.weight)" "${shares%% *}" \
                "$d: cpu.weight ${shares%% *} on the domain group ($([ "$lay" = systemd ] &&
                        echo scope || echo .libvirt-qemu))"
        is "$(file_of "$d" N:cpu.max)" "$gmax" "$d: global cpu.max '$gmax' on the $([ "$lay" = systemd ] &&
                echo nested libvirt/ || echo domain) group"
        is "$(file_of "$d" N:cpuset.cpus)" "" "$d: domain-level cpuset.cpus not narrowed"
        for v in 0 1; do
                is "$(file_of "$d" "N:vcpu$v/cpu.max")" "$vmax" "$d: vcpu$v/cpu.max '$vmax'"
                want=$(jv "$d-plan" cputune.vcpupin.$v)
                is_cpus "$(file_of "$d" "N:vcpu$v/cpuset.cpus")" "$want" "$d: vcpu$v/cpuset.cpus = vcpupin $want"
                is "$(file_of "$d" "N:vcpu$v/cpuset.mems")" "$node" "$d: vcpu$v/cpuset.mems = node $node"
        done
        is "$(file_of "$d" N:emulator/cpu.max)" "$emax" "$d: emulator/cpu.max '$emax'"
        is_cpus "$(file_of "$d" N:emulator/cpuset.cpus)" "$emu" "$d: emulator/cpuset.cpus = emulatorpin $emu"
        is "$(file_of "$d" N:emulator/cpuset.mems)" "$node" "$d: emulator/cpuset.mems = node $node"
        is "$(file_of "$d" N:iothread1/cpu.max)" "$imax" "$d: iothread1/cpu.max '$imax'"
        is_cpus "$(file_of "$d" N:iothread1/cpuset.cpus)" "$emu" "$d: iothread1/cpuset.cpus = $emu"
        is "$(file_of "$d" N:iothread1/cpuset.mems)" "$node" "$d: iothread1/cpuset.mems = node $node"
        # every write the plan lists reads back (cpu.weight on the domain
        # group, the rest on the nested one)
        n=0 r=0
        while IFS=$'\t' read -r f v; do
                n=$((n + 1))
                case $f in cpu.weight) entry=D:$f ;; *) entry=N:$f ;; esac
                have=$(file_of "$d" "$entry")
                case $f in
                *cpuset.*) [ "$(cpus_norm "$have")" = "$(cpus_norm "$v")" ] ;;
                *) [ "$have" = "$v" ] ;;
                esac || {
                        r=1
                        echo "#   $f: want '$v' have '$have'"
                }
        done < <(awk -F'\t' -v s="$d-plan" '$1 == s && $2 ~ /^cgroup\.[0-9]+\.(file|value)$/ {
                        split($2, k, "."); if (k[3] == "file") f[k[2]] = $3; else v[k[2]] = $3
                        if (k[2] + 1 > n) n = k[2] + 1 }
                END { for (i = 0; i < n; i++) printf "%s\t%s\n", f[i], v[i] }' "$work/json.flat")
        # shares, global cpu.max, and cpu.max + cpuset.cpus + cpuset.mems for
        # emulator, vcpu0, vcpu1, iothread1
        [ "$n" -eq 14 ] || {
                r=1
                echo "#   the plan lists $n cgroup writes, want 14"
        }
        ok $r "$d: all $n cgroup writes of the plan read back"

        # threads: affinity and memory nodes
        for v in 0 1; do
                want=$(jv "$d-plan" cputune.vcpupin.$v)
                is_cpus "$(thread_f "$d" vcpu$v cpus)" "$want" \
                        "$d: CPU $v/TCG thread Cpus_allowed_list = vcpupin $want"
        done
        is_cpus "$(thread_f "$d" main cpus)" "$emu" "$d: main thread Cpus_allowed_list = emulatorpin $emu"
        is_cpus "$(thread_f "$d" call_rcu cpus)" "$emu" "$d: call_rcu thread (emulator group) on $emu"
        is_cpus "$(thread_f "$d" iothread1 cpus)" "$emu" "$d: IO iothread1 thread Cpus_allowed_list = $emu"
        is "$(for r in main vcpu0 vcpu1 iothread1 call_rcu; do thread_f "$d" $r mems; done | sort -u |
                paste -sd' ' -)" "$node" "$d: every thread's Mems_allowed_list = node $node"

        # stopped / release
        is "$(field "$d-stopped" rc):$(field "$d-stopped" stdout-bytes)" "0:0" \
                "$d stopped end: exit 0, empty stdout"
        is "$(jv "$d-ledger-stopped" entries.#)" 0 "$d: ledger empty after stopped end"
        is "$(section "$d-state-left" | paste -sd' ' -)" "" "$d: its state files removed"
        is "$(field "$d-release" rc):$(field "$d-release" stdout-bytes)" "0:0" \
                "$d release end afterwards: exit 0, empty stdout"
        is "$(section "$d-teardown" | grep '^FAIL' | paste -sd' ' -)" "" "$d: groups removed after the stop"
}

check_dom vm1 plain dedicated 1 2-3 1 512 "150000 100000" "50000 100000" "20000 100000" \
        "25000 50000"
check_dom vm2 systemd dedicated-sd 0 0-1 3 2048 "300000 200000" "40000 100000" "20000 100000" \
        "25000 50000"
is "$(field rundir mode)" drwx------ "VMPLACE_RUNDIR created 0700"
is "$(section left | paste -sd' ' -)" "" "nothing left in the guest's cgroup tree"
is "$(cat "$work"/sec/* 2>/dev/null | grep -c '^hung ')" 0 "every hook call returned within 60 s"

t3=$(date +%s.%N)
echo "# guest: $(field env kernel); $(field env controllers)"
for d in vm1 vm2; do
        echo "# $d: $(field "$d-build" nested)"
        echo "#   hook ms (10 ms resolution): prepare $(field "$d-prepare" ms), started $(field "$d-started" ms), stopped $(field "$d-stopped" ms)"
        section "$d-files" | grep -E 'cpu\.weight|cpu\.max|cpuset\.(cpus|mems) ' | sed 's/^file /#   /'
        section "$d-threads" | sed 's/^/#   /'
done
echo "# syslog:"
section syslog | sed 's/^/#   /'
qemu_times "$t0" "$t1" "$t2" "$t3"
# which accelerator ran the guest, and why not KVM (tests/qemu/accel.sh)
[ ! -s "$work/boot.err" ] || sed 's/^/# boot.sh: /' "$work/boot.err"
if [ "$T_FAILED" -gt 0 ]; then
        # each step's start in ms since the guest booted, and how long it
        # took: the last one listed is where a guest that ran out of time was
        echo "# steps (guest ms since boot, ms taken):"
        awk '$1 == "@@T" { if (n) printf "#   %-24s %7d %6d\n", s, t, $2 - t; s = $3; t = $2; n++ }
             END { if (n) printf "#   %-24s %7d (unfinished or last)\n", s, t }' "$work/console"
        grep -h '^\(hung\|wchan\|syscall\|kstack\) ' "$work"/sec/* 2>/dev/null | sed 's/^/#   /'
        echo "# guest console:"
        sed 's/^/#   /' "$work/console"
fi
done_testing
