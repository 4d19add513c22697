# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Shared by the bench/*.sh scripts (sourced, not run).

# realistic_setup W R HOOK SRC: the "realistic host" of benchmarks 1 and 5 in
# W (config, inputs, libvirt run dir) and R (VMPLACE_RUNDIR's parent, on
# tmpfs as /run is): vmplace.ini, a base profile and 99 class profiles that
# include it (two name globs and a metadata tag each, priority left at its
# default on 9 of 10, as in a real fleet), and 50 other VMs in the ledger,
# placed by the hook itself, running for an hour (their NAME.pid name 50
# different live processes, recorded in their entries as `started` does, so
# every prepare checks them). Inputs: W/managed.xml (a 2.6 KiB
# virt-install q35 domain, 4 vCPUs, 256 MiB, name class7-vm) and
# W/unmanaged.xml (the same, matching no profile). Exports VMPLACE_CONFDIR,
# VMPLACE_RUNDIR and VMPLACE_LIBVIRT_RUNDIR for it.
realistic_setup() {
        local W=$1 R=$2 H=$3 src=$4 i
        mkdir -p "$W/conf/profiles.d" "$W/lv" "$R"
        printf '[host]\nreserved_memory = 64MiB\non_error = refuse\n' >"$W/conf/vmplace.ini"
        cat >"$W/conf/profiles.d/base.ini" <<'INI'
; settings every class starts from
[profile]
description = Base settings shared by all classes
on_error = refuse

[cputune]
global_period = 100000
vcpu_period = 100000
emulator_period = 100000

[placement]
numa_nodes = 1
INI
        for i in $(seq 1 99); do
                {
                        printf '; class %d of the fleet\n[match]\n' "$i"
                        printf 'names = class%d-*, c%d-??\nmetadata = class%d\n' "$i" "$i" "$i"
                        [ $((i % 10)) -ne 0 ] || printf 'priority = 10\n'
                        printf '\n[profile]\ninclude = base\ndescription = Service class %d\n' "$i"
                        printf '\n[cputune]\nshares = %d\nvcpu_quota = %d\nemulator_quota = 20000\n' \
                                $((100 + i * 10)) $((10000 + i * 100))
                        printf '\n[placement]\ncpu_policy = shared\n'
                } >"$W/conf/profiles.d/class$i.ini"
        done
        chmod -R go-w "$W/conf"
        export VMPLACE_CONFDIR=$W/conf VMPLACE_RUNDIR=$R/run VMPLACE_LIBVIRT_RUNDIR=$W/lv
        local kib='s:<memory>[^<]*</memory>:<memory>262144</memory>:'
        local cur='s:<currentMemory>[^<]*</currentMemory>:<currentMemory>262144</currentMemory>:'
        sed -e "$kib" -e "$cur" "$src/tests/data/xml/corpus/vi-ubuntu2204.xml" >"$W/domain.xml"
        # the oldest processes (kernel threads, daemons) outlive the benchmark
        # and stand in for the 50 QEMUs; a host with fewer than 50 repeats some
        local live_pids
        mapfile -t live_pids < <(ls /proc | grep -E '^[0-9]+$' | sort -n | head -50)
        for i in $(seq 1 50); do
                local name=class$((i % 99 + 1))-vm$i uuid
                uuid=$(printf '%08x-0000-4000-8000-%012x' "$i" "$i")
                sed -e "s:<name>[^<]*</name>:<name>$name</name>:" \
                        -e "s:<uuid>[^<]*</uuid>:<uuid>$uuid</uuid>:" -e 's:>262144<:>16384<:g' \
                        "$W/domain.xml" >"$W/vm.xml"
                "$H" "$name" prepare begin - <"$W/vm.xml" ||
                        { echo "bench: setup: prepare of $name failed" >&2; return 1; }
                # a live pid, a different one per VM as on a real host
                echo "${live_pids[$(((i - 1) % ${#live_pids[@]}))]}" >"$W/lv/$name.pid"
        done
        # placed an hour ago (past the 60 s grace, so each prepare checks
        # them) and running: state and pid as `started` records them
        python3 - "$R/run/ledger.json" "$W/lv" <<'PY'
import json, sys, time
path, lv = sys.argv[1], sys.argv[2]
j = json.load(open(path))
for e in j["entries"]:
    e["created"] = int(time.time()) - 3600
    e["state"] = "enforced"
    e["pid"] = int(open("%s/%s.pid" % (lv, e["name"])).read())
open(path, "w").write(json.dumps(j, indent=2) + "\n")
PY
        # the steady state: the config index (lib/io/confindex.h) is only built
        # once the files are older than its settle time
        sleep 2
        sed 's:<name>[^<]*</name>:<name>class7-vm</name>:' "$W/domain.xml" >"$W/managed.xml"
        sed 's:<name>[^<]*</name>:<name>nomatch</name>:' "$W/domain.xml" >"$W/unmanaged.xml"
        "$H" class7-vm prepare begin - <"$W/managed.xml" ||
                { echo "bench: setup: prepare of class7-vm failed" >&2; return 1; }
        [ -s "$R/run/config.index" ] ||
                echo "bench: note: no config index was written (a build from before it?)" >&2
}

# hook_cases_setup BUILD SRC: what benchmarks 1 and 5 share. W and R
# (removed on exit), the floor programs, the realistic host, H the hook, and
# the five cases as "name|input|command" lines in the array cases.
hook_cases_setup() {
        W=$(mktemp -d /tmp/vmplace-bench.XXXXXX)
        # the run dir on tmpfs, as /run/vmplace is in production (fsync is free there)
        R=$(mktemp -d /dev/shm/vmplace-bench.XXXXXX)
        trap 'rm -rf "$W" "$R"' EXIT
        H=$W/vmplace-hook
        install -m 0755 "$1/hook/vmplace-hook" "$H"
        floor_programs "$W"
        realistic_setup "$W" "$R" "$H" "$2"
        cases=(
                "floor|managed|$W/floor"
                "floor-static|managed|$W/floor-static"
                "no-op (start)|managed|$H class7-vm start begin -"
                "prepare unmanaged|unmanaged|$H nomatch prepare begin -"
                "prepare managed|managed|$H class7-vm prepare begin -"
        )
}

# floor_programs DIR: DIR/floor (cc -O2, dynamically linked like most
# programs) and DIR/floor-static, both doing nothing but reading stdin.
# Every program timed runs from a copy made with install(1), as a package
# install would make it, never from the file the linker wrote. The page
# cache of a freshly linked file stays as the linker's writes left it, and
# mapping it costs more: on the machine of docs/benchmarks.md (Linux 6.18,
# ext4) a copy of the 36 MB static hook ran prepare 260 us faster than the
# linker's file, floor-static 76 us; dropping the page cache and reading the
# linker's file back gave the same gain, so a copy is what an installed and
# rebooted host runs.
floor_programs() {
        printf '#include <stdio.h>\nint main(void){char b[65536];while(fread(b,1,sizeof b,stdin)>0);return 0;}\n' \
                >"$1/floor.c"
        cc -O2 -o "$1/floor.linked" "$1/floor.c"
        cc -O2 -static -o "$1/floor-static.linked" "$1/floor.c"
        install -m 0755 "$1/floor.linked" "$1/floor"
        install -m 0755 "$1/floor-static.linked" "$1/floor-static"
}

# median of the numbers on stdin
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
# ratio A B: A/B with two decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

# libvirt_reload: libvirtd rescans its hooks (systemd reload or SIGHUP) and
# answers again (bench/start.sh, bench/agree.sh)
libvirt_reload() {
        if [ -d /run/systemd/system ]; then
                systemctl reload libvirtd 2>/dev/null || systemctl reload virtqemud
        else
                local p
                for p in $(pgrep -x libvirtd); do kill -HUP "$p"; done
        fi
        sleep 1
        # shellcheck disable=SC2086 # one name per word
        (unset ${!VMPLACE_*}; "$src/scripts/libvirt-up.sh") >/dev/null
}

# The VM benchmarks (bench/start.sh, bench/agree.sh) set V, dom, LV_HOOK and
# W. libvirt_begin: hold /tmp/vmplace-libvirt.lock for the whole run, call
# cleanup on exit, start libvirtd when none answers. libvirt_end: the VM
# destroyed and undefined, the hook file removed (libvirtd reloaded), W gone.
libvirt_begin() {
        exec 9>/tmp/vmplace-libvirt.lock
        flock 9
        trap cleanup EXIT
        # shellcheck disable=SC2086 # one name per word
        (unset ${!VMPLACE_*}; "$src/scripts/libvirt-up.sh") >/dev/null
}
libvirt_end() {
        $V destroy "$dom" >/dev/null 2>&1 || true
        $V undefine "$dom" >/dev/null 2>&1 || true
        if [ -e "$LV_HOOK" ]; then
                rm -f "$LV_HOOK"
                libvirt_reload || true
        fi
        rm -rf "$W"
}
