# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers for the shell tests: TAP output, assertions on values, a
# scratch vmplace tree (confdir, rundir, fake libvirt dirs) per test.
# Sourced; expects VMPLACE_BUILD, VMPLACE_SRC, VMPLACE_TEST_DATA from ctest.
set -u
: "${VMPLACE_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${VMPLACE_BUILD:=$VMPLACE_SRC/build}"
: "${VMPLACE_TEST_DATA:=$VMPLACE_SRC/tests/data}"
# VMPLACE_INSTALLED=1 runs the tests against the installed package's programs
# (SPEC section 1 paths) instead of the build tree's: CI does this after
# dpkg -i, so what the package ships is what the real-libvirtd tests prove.
if [ "${VMPLACE_INSTALLED:-0}" = 1 ]; then
        HOOK=/usr/libexec/vmplace/vmplace-hook
        CLI=/usr/bin/vmplace
        ENFORCE=/usr/sbin/vmplace-enforce
        AGENT=/usr/sbin/vmplace-agent
        for _b in "$HOOK" "$CLI" "$ENFORCE" "$AGENT"; do
                [ -x "$_b" ] || { echo "Bail out! VMPLACE_INSTALLED=1 but $_b is not installed"; exit 1; }
        done
else
        HOOK=$VMPLACE_BUILD/hook/vmplace-hook
        CLI=$VMPLACE_BUILD/cli/vmplace
        ENFORCE=$VMPLACE_BUILD/enforcer/vmplace-enforce
        AGENT=$VMPLACE_BUILD/agent/vmplace-agent
fi
T_N=0
T_FAILED=0

ok() { # ok COND-EXIT-STATUS DESCRIPTION
        T_N=$((T_N + 1))
        if [ "$1" -eq 0 ]; then echo "ok $T_N - $2"; else
                echo "not ok $T_N - $2"
                T_FAILED=$((T_FAILED + 1))
        fi
}
is() { # is GOT WANT DESCRIPTION
        if [ "$1" == "$2" ]; then ok 0 "$3"; else
                ok 1 "$3"
                printf '#   got:  %s\n#   want: %s\n' "$1" "$2"
        fi
}
like() { # like GOT SUBSTRING DESCRIPTION
        case "$1" in *"$2"*) ok 0 "$3" ;; *)
                ok 1 "$3"
                printf '#   %s\n#   does not contain: %s\n' "$1" "$2"
                ;;
        esac
}
done_testing() {
        echo "1..$T_N"
        [ "$T_FAILED" -eq 0 ] || echo "# $T_FAILED of $T_N failed"
        [ "$T_FAILED" -eq 0 ]
        exit $?
}

# need COMMAND PACKAGE: a prerequisite scripts/install-deps.sh installs. A test
# that lacks one fails naming the package, never skips: a skipped test is a
# test that did not run, and a machine that differs shows only that way.
need() {
        command -v "$1" >/dev/null 2>&1 && return 0
        ok 1 "$1 not found: install package $2 (scripts/install-deps.sh does)"
        done_testing
}
# need_file PATH PACKAGE: the same for a file
need_file() {
        [ -e "$1" ] && return 0
        ok 1 "$1 not found: install package $2 (scripts/install-deps.sh does)"
        done_testing
}

# rpm_cache: the RPMs of git HEAD in $cache, built by packaging/build-rpm.sh
# once per commit and kept in ${VMPLACE_RPM_CACHE:-$TMPDIR/vmplace-rpm-HEAD}
# (the packaging and scriptlet tests, the plain and the ASan runs of CI share
# them); the build's log is $cache/build.log.
rpm_cache() {
        local head
        head=$(git -C "$VMPLACE_SRC" rev-parse HEAD)
        cache=${VMPLACE_RPM_CACHE:-${TMPDIR:-/tmp}/vmplace-rpm-$head}
        mkdir -p "$cache"
        (
                flock 9
                if ! ls "$cache"/vmplace-[0-9]*.rpm >/dev/null 2>&1; then
                        "$VMPLACE_SRC/packaging/build-rpm.sh" "$cache" >"$cache/build.log" 2>&1 ||
                                { tail -30 "$cache/build.log" >&2; rm -f "$cache"/*.rpm; }
                fi
        ) 9>"$cache/.lock"
}

# A fresh scratch tree: $W/{conf/profiles.d,run,lvrun,proc}; exports the
# VMPLACE_* variables so the programs use it.
scratch() {
        W=$(mktemp -d /tmp/vmplace-test.XXXXXX)
        mkdir -p "$W/conf/profiles.d" "$W/lvrun" "$W/lvconf"
        chmod 755 "$W/conf" "$W/conf/profiles.d"
        export VMPLACE_CONFDIR=$W/conf VMPLACE_RUNDIR=$W/run VMPLACE_LIBVIRT_RUNDIR=$W/lvrun
        export VMPLACE_LIBVIRT_CONFDIR=$W/lvconf VMPLACE_CGROUP_ROOT=$W/cgroup
        mkdir -p "$W/cgroup"
        trap 'rm -rf "$W"' EXIT
}

# dedicated_conf HOST_INI: $W/conf/vmplace.ini with HOST_INI's text and one
# profile, ded, giving every vm-* domain dedicated CPUs (the concurrency and
# crash tests).
dedicated_conf() {
        printf '%s' "$1" >"$W/conf/vmplace.ini"
        printf '[match]\nnames = vm-*\n[placement]\ncpu_policy = dedicated\n' \
                >"$W/conf/profiles.d/ded.ini"
        chmod 644 "$W"/conf/vmplace.ini "$W"/conf/profiles.d/*.ini
}

# jq-free JSON field access through python3 (present on every Debian).
jget() { # jget FILE-OR-- EXPR   (EXPR is python on variable j)
        python3 -c 'import json,sys; j=json.load(open(sys.argv[1]) if sys.argv[1]!="-" else sys.stdin); v=eval(sys.argv[2]); print(json.dumps(v) if isinstance(v,(dict,list)) or v is None else v)' "$1" "$2"
}

# A minimal domain XML: domxml NAME UUID VCPUS MEM_MIB [EXTRA_XML]
domxml() {
        cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <uuid>$2</uuid>
  <memory unit='MiB'>$4</memory>
  <vcpu placement='static'>$3</vcpu>
  ${5:-}
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

# uuid for index N (deterministic)
uuidn() { printf '00000000-0000-4000-8000-%012d\n' "$1"; }

# --- a real libvirtd running this test's hook ---------------------------------
# libvirt_setup TAG: libvirtd answering (scripts/libvirt-up.sh, started when
# none runs), URI and V (virsh) set, and a hook wrapper installed as
# /etc/libvirt/hooks/qemu.d/40-vmplace-TAG. libvirt runs hooks with a clean
# environment, so the wrapper points the hook at this test's config and run
# dirs; the kernel, /proc and libvirt's run dir are the host's. The EXIT trap
# destroys and undefines the domains in LV_VMS, removes the wrapper and
# reloads libvirtd. Call lv_reload after writing the config.
lv_up() {
        local up=$VMPLACE_SRC/scripts/libvirt-up.sh
        (unset ${!VMPLACE_*}; "$up")
}
lv_reload() {
        if [ -d /run/systemd/system ]; then systemctl reload libvirtd 2>/dev/null || true
        else
                local p
                for p in $(pgrep -x libvirtd); do kill -HUP "$p"; done
        fi
        sleep 1
        lv_up
}
lv_cleanup() {
        local d
        for d in $LV_VMS; do
                $V destroy "$d" >/dev/null 2>&1
                $V undefine "$d" >/dev/null 2>&1
        done
        rm -f "$LV_HOOK"
        # the hook directories this test made, when nothing else is in them
        [ -z "$LV_MADE" ] || rmdir $LV_MADE 2>/dev/null
        lv_reload
        rm -rf "$W"
}
libvirt_setup() {
        unset VMPLACE_CGROUP_ROOT VMPLACE_LIBVIRT_RUNDIR VMPLACE_LIBVIRT_CONFDIR VMPLACE_PROC \
                VMPLACE_SYSFS
        lv_up || { echo "not ok 1 - libvirtd could not be started"; exit 1; }
        URI=qemu:///system
        V="virsh -q -c $URI"
        LV_HOOK=/etc/libvirt/hooks/qemu.d/40-vmplace-$1
        # leave /etc as found: note the directories made here (deepest first)
        LV_MADE=
        [ -d /etc/libvirt/hooks/qemu.d ] || LV_MADE=/etc/libvirt/hooks/qemu.d
        [ -d /etc/libvirt/hooks ] || LV_MADE="$LV_MADE /etc/libvirt/hooks"
        mkdir -p "${LV_HOOK%/*}"
        cat >"$LV_HOOK" <<SH
#!/bin/sh
export VMPLACE_CONFDIR=$W/conf VMPLACE_RUNDIR=$W/run
exec $HOOK "\$@"
SH
        chmod 755 "$LV_HOOK"
        trap lv_cleanup EXIT
}

# lv_agree: libvirt's live definitions told the placement (vmplace-agent
# --once with this test's config and run dir), as the packaged agent does
lv_agree() { VMPLACE_CONFDIR=$W/conf VMPLACE_RUNDIR=$W/run "$AGENT" -c "$URI" --once >/dev/null; }

# qpid NAME: the running domain's QEMU pid (libvirt's NAME.pid)
qpid() { cat "/run/libvirt/qemu/$1.pid" 2>/dev/null; }
# cgdir NAME CONTROLLER: the domain's group in that cgroup v1 hierarchy, from
# /proc/QEMUPID/cgroup (QEMU's main thread sits in .../emulator)
cgdir() {
        local pid line
        pid=$(qpid "$1") || return 1
        line=$(awk -F: -v c="$2" '{n = split($2, a, ","); for (i = 1; i <= n; i++)
                if (a[i] == c) { print $2 ":" $3; exit } }' "/proc/$pid/cgroup") || return 1
        [ -n "$line" ] || return 1
        local path=${line#*:}
        echo "/sys/fs/cgroup/${line%%:*}${path%/emulator}"
}

# --- what libvirt and the kernel hold for a running domain --------------------
# snap NAME: "FILE=VALUE" for every file libvirt's map covers, at the domain
# level and in every thread group (vcpuN, emulator, iothreadN), then
# "thread:COMM:FIELD=VALUE" for every QEMU thread ("main" = the main thread;
# threads sharing a name get their values joined, sorted). Transient thread
# pool workers ("worker") are left out.
snap() {
        local name=$1 cpu cpuset pid sub f t comm
        cpu=$(cgdir "$name" cpu) cpuset=$(cgdir "$name" cpuset) pid=$(qpid "$name")
        [ -n "$cpu" ] && [ -n "$cpuset" ] && [ -n "$pid" ] || { echo "(no QEMU or cgroup for $name)"; return; }
        for sub in "" $( (cd "$cpu" && ls -d vcpu* emulator iothread* 2>/dev/null; cd "$cpuset" && ls -d vcpu* emulator iothread* 2>/dev/null) | sort -u); do
                [ -n "$sub" ] && sub=$sub/
                for f in cpu.shares cpu.cfs_period_us cpu.cfs_quota_us; do
                        echo "$sub$f=$(cat "$cpu/$sub$f" 2>/dev/null || echo '(missing)')"
                done
                for f in cpuset.cpus cpuset.mems cpuset.memory_migrate; do
                        echo "$sub$f=$(cat "$cpuset/$sub$f" 2>/dev/null || echo '(missing)')"
                done
        done
        for t in /proc/"$pid"/task/*; do
                comm=$(cat "$t/comm" 2>/dev/null) || continue
                [ "${t##*/}" = "$pid" ] && comm=main
                # QEMU's RCU thread starts before QEMU reads -name
                # debug-threads=on, and whether it ends up named call_rcu
                # differs from one start to the next (seen on one machine: A
                # unnamed, B named, every run, with the ASan build's slower
                # hook): its name says nothing of its placement
                [ "$comm" = call_rcu ] && comm=qemu-system-x86
                [ "$comm" = worker ] && continue
                awk -v c="$comm" '$1 == "Cpus_allowed_list:" || $1 == "Mems_allowed_list:" {
                        sub(":", "", $1); print "thread:" c ":" $1 "=" $2 }' "$t/status"
        done | sort | awk -F= '{ if ($1 == k) v = v "," $2; else { if (k != "") print k "=" v; k = $1; v = $2 } }
                END { if (k != "") print k "=" v }'
}
val() { sed -n "s|^$2=||p" "$1"; } # val SNAPFILE KEY
