#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark 6: how long after `virsh start` libvirt's own view agrees with
# vmplace's placement (issue "Agree"), and whether the agent slows a start.
# A real (TCG) VM whose profile pins its vCPUs and sets shares and a quota is
# started RUNS times with vmplace-agent running and RUNS times without,
# alternating (the hook is installed either way, as in benchmark 4). With the
# agent, "agreed" is when libvirt last saved the VM's status file (it saves
# it on each live change the agent makes), checked afterwards: `vmplace
# status` shows no libvirt row; measured from the moment `virsh start`
# returned (negative: libvirt agreed before the client heard back). Reports
# p50/p99 of that delay and the medians of the start itself with and without
# the agent, with their ratio. p99 of 50 samples is their largest.
# Takes /tmp/vmplace-libvirt.lock for the whole run; the VM vpa-PID and the
# hook file 40-vpa-bench-PID are removed at the end.
# Usage: bench/agree.sh BUILD_DIR [RUNS]   (default 50 starts of each)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/bench/lib.sh"
build=$(cd "${1:?usage: bench/agree.sh BUILD_DIR [RUNS]}" && pwd)
runs=${2:-50}
H=$build/hook/vmplace-hook
AGENT=$build/agent/vmplace-agent
CLI=$build/cli/vmplace
URI=qemu:///system
V="virsh -q -c $URI"
dom=vpa-$$
HOOKDIR=/etc/libvirt/hooks/qemu.d
LV_HOOK=$HOOKDIR/40-vpa-bench-$$
W=$(mktemp -d /tmp/vmplace-bench.XXXXXX)
agent=
stop_agent() { [ -z "$agent" ] || { kill "$agent" 2>/dev/null; wait "$agent" 2>/dev/null || true; agent=; }; }
cleanup() {
        stop_agent
        libvirt_end
}
libvirt_begin

export VMPLACE_CONFDIR=$W/conf VMPLACE_RUNDIR=$W/run
mkdir -p "$W/conf/profiles.d"
printf '[host]\n' >"$W/conf/vmplace.ini"
printf '[match]\nnames = vpa-*\n[cputune]\nshares = 2048\nvcpu_quota = 50000\nvcpupin.0 = 1\nvcpupin.1 = 0\nemulatorpin = 0\n' \
        >"$W/conf/profiles.d/bench.ini"
chmod -R go-w "$W/conf"
printf '#!/bin/sh\nexport VMPLACE_CONFDIR=%s VMPLACE_RUNDIR=%s\nexec %s "$@"\n' "$W/conf" "$W/run" "$H" >"$W/wrap"
chmod 755 "$W/wrap"
"$src/scripts/minivm-xml.sh" "$dom" 2 >"$W/dom.xml"
$V define "$W/dom.xml" >/dev/null
mkdir -p "$HOOKDIR"
cp "$W/wrap" "$LV_HOOK"
libvirt_reload

libvirt_rows() {
        "$CLI" status --json | python3 -c 'import json, sys
j = json.load(sys.stdin)
print(sum(1 for r in j["domains"] for d in r["drift"] if d["file"].startswith("libvirt ")))'
}
declare -a t_with t_without delay
for ((i = 0; i < 2 * runs; i++)); do
        with=$((i % 2))
        if [ $with = 1 ] && [ -z "$agent" ]; then
                "$AGENT" -c "$URI" 2>"$W/agent.log" &
                agent=$!
                for _ in $(seq 1 100); do grep -q connected "$W/agent.log" && break; sleep 0.05; done
        elif [ $with = 0 ]; then
                stop_agent
        fi
        a=$(date +%s%N)
        $V start "$dom" >/dev/null
        b=$(date +%s%N)
        if [ $with = 1 ]; then
                t_with+=($(((b - a) / 1000)))
                n=1
                for _ in $(seq 1 500); do
                        n=$(libvirt_rows)
                        [ "$n" = 0 ] && break
                        sleep 0.02
                done
                [ "$n" = 0 ] || { echo "bench/agree.sh: libvirt did not agree within 10 s" >&2; exit 1; }
                m=$(stat --printf='%.9Y' "/run/libvirt/qemu/$dom.xml" | tr -d .)
                delay+=($(((m - b) / 1000)))
        else
                t_without+=($(((b - a) / 1000)))
                [ "$(libvirt_rows)" != 0 ] || { echo "bench/agree.sh: libvirt agreed without the agent?" >&2; exit 1; }
        fi
        $V destroy "$dom" >/dev/null
done
pct() { sort -n | awk -v p="$1" '{a[NR] = $1} END {i = int(NR * p / 100 + 0.999); if (i < 1) i = 1; print a[i]}'; }
mw=$(printf '%s\n' "${t_with[@]}" | median)
mo=$(printf '%s\n' "${t_without[@]}" | median)
echo "benchmark 6: libvirt's view after virsh start, with vmplace-agent ($runs starts each, alternating)"
printf '%-34s %10s\n' case us
printf '%-34s %10s\n' "agreed after start returned, p50" "$(printf '%s\n' "${delay[@]}" | pct 50)"
printf '%-34s %10s\n' "agreed after start returned, p99" "$(printf '%s\n' "${delay[@]}" | pct 99)"
printf '%-34s %10s\n' "start without agent, median" "$mo"
printf '%-34s %10s  (ratio %s)\n' "start with agent, median" "$mw" "$(ratio "$mw" "$mo")"
echo "all delays (us): ${delay[*]}"
