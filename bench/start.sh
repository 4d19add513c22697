#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark 4: the wall time `virsh start` gains with the vmplace hook
# installed in /etc/libvirt/hooks/qemu.d, on a real (TCG) VM whose profile
# vmplace places (prepare, start and started run; the VM's cgroups are
# enforced). Starts alternate between without and with the hook (libvirtd
# reloaded before each, so both pay the same), RUNS of each; each start is
# followed by a destroy (not timed). The hook is installed through a static
# C wrapper that points it at this run's config and run dirs (libvirt runs
# hooks with a clean environment), so the figure includes one extra exec.
# Takes /tmp/vmplace-libvirt.lock for the whole run; one VM vpb-PID-s and the
# hook file 40-vpb-bench-PID are removed at the end. "paired difference" is
# the median of (each start with the hook - the start without it just before).
# Usage: bench/start.sh BUILD_DIR [RUNS]   (default 8 starts of each)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/bench/lib.sh"
build=$(cd "${1:?usage: bench/start.sh BUILD_DIR [RUNS]}" && pwd)
runs=${2:-8}
H=$build/hook/vmplace-hook
URI=qemu:///system
V="virsh -q -c $URI"
dom=vpb-$$-s
HOOKDIR=/etc/libvirt/hooks/qemu.d
LV_HOOK=$HOOKDIR/40-vpb-bench-$$
W=$(mktemp -d /tmp/vmplace-bench.XXXXXX)
cleanup() {
        libvirt_end
}
libvirt_begin

mkdir -p "$W/conf/profiles.d"
printf '[host]\n' >"$W/conf/vmplace.ini"
printf '[match]\nnames = vpb-*\n[cputune]\nshares = 2048\nvcpu_quota = 50000\n[placement]\ncpu_policy = shared\n' \
        >"$W/conf/profiles.d/bench.ini"
chmod -R go-w "$W/conf"
cat >"$W/wrap.c" <<C
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv)
{
        (void)argc;
        setenv("VMPLACE_CONFDIR", "$W/conf", 1);
        setenv("VMPLACE_RUNDIR", "$W/run", 1);
        argv[0] = "$H";
        execv(argv[0], argv);
        return 127;
}
C
cc -O2 -static -o "$W/wrap" "$W/wrap.c"
"$src/scripts/minivm-xml.sh" "$dom" 2 >"$W/dom.xml"
$V define "$W/dom.xml" >/dev/null
mkdir -p "$HOOKDIR"

declare -a t_without t_with
for ((i = 0; i < 2 * runs; i++)); do
        with=$((i % 2))
        if [ $with = 1 ]; then cp "$W/wrap" "$LV_HOOK"; else rm -f "$LV_HOOK"; fi
        libvirt_reload
        a=$(date +%s%N)
        $V start "$dom" >/dev/null
        b=$(date +%s%N)
        us=$(((b - a) / 1000))
        if [ $with = 1 ]; then
                # the hook really placed it: the ledger has it, the cgroup says so
                grep -q "\"name\": \"$dom\"" "$W/run/ledger.json" ||
                        { echo "bench/start.sh: the hook did not place $dom" >&2; exit 1; }
                t_with+=("$us")
        else
                t_without+=("$us")
        fi
        $V destroy "$dom" >/dev/null
done
# each with-start against the without-start just before it: drift cancels
diffs=$(for ((i = 0; i < runs; i++)); do echo $((t_with[i] - t_without[i])); done | median)
mw=$(printf '%s\n' "${t_with[@]}" | median)
mo=$(printf '%s\n' "${t_without[@]}" | median)
echo "benchmark 4: virsh start of a TCG VM, with and without the hook ($runs starts each, alternating)"
printf '%-22s %10s\n' case median_us
printf '%-22s %10s\n' "without hook" "$mo"
printf '%-22s %10s\n' "with hook" "$mw"
printf '%-22s %10s  (ratio %s)\n' "added by the hook" "$((mw - mo))" "$(ratio "$mw" "$mo")"
printf '%-22s %10s\n' "paired difference" "$diffs"
echo "all starts (us): without ${t_without[*]}; with ${t_with[*]}"
