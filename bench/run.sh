#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vmplace benchmarks (issue "Prove"; docs/benchmarks.md has the last figures):
#   hook     1. hook prepare on a realistic host vs a do-nothing program
#   enforce  2. vmplace-enforce vs the equivalent virsh calls (real VM)
#   plan     3. planner on a simulated 8-node 448-CPU host, and its growth
#   start    4. virsh start with the hook installed vs without (real VM)
#   memory   5. peak memory (max RSS) of the hook
# Usage: bench/run.sh [--quick] [-o FILE] BUILD_DIR [BENCHMARK...]
#   BUILD_DIR  a build of this tree (scripts/build.sh; RelWithDebInfo, static hook)
#   --quick    tiny iteration counts: checks that everything runs (figures meaningless)
#   -o FILE    where the raw results go (default bench/results/DATE-HOST.txt;
#              --quick writes none); the table also goes to stdout
# enforce and start need root, libvirtd and QEMU (scripts/install-deps.sh,
# scripts/libvirt-up.sh); they take /tmp/vmplace-libvirt.lock while they run.
# Exit status: 0 when every benchmark asked for ran, 1 otherwise.
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
quick=0 out=
while [ $# -gt 0 ]; do
        case $1 in
        --quick) quick=1 ;;
        -o) out=$2; shift ;;
        -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "bench/run.sh: unknown option $1" >&2; exit 2 ;;
        *) break ;;
        esac
        shift
done
[ $# -ge 1 ] || { echo "usage: bench/run.sh [--quick] [-o FILE] BUILD_DIR [BENCHMARK...]" >&2; exit 2; }
build=$(cd "$1" && pwd) || exit 2
shift
for f in hook/vmplace-hook enforcer/vmplace-enforce bench/vmplace-bench-planner; do
        [ -x "$build/$f" ] || { echo "bench/run.sh: $build/$f missing: build first (scripts/build.sh)" >&2; exit 2; }
done
which=("$@")
[ ${#which[@]} -gt 0 ] || which=(hook enforce plan start memory agree)
for b in "${which[@]}"; do
        case $b in hook | enforce | plan | start | memory | agree) ;;
        *) echo "bench/run.sh: unknown benchmark '$b' (hook enforce plan start memory agree)" >&2; exit 2 ;;
        esac
done
if [ $quick = 1 ]; then
        n_hook=20 n_enf=10 n_start=1 n_mem=3 n_agree=2 plan_opt=--quick
else
        n_hook=400 n_enf=100 n_start=8 n_mem=21 n_agree=50 plan_opt=
fi
if [ -z "$out" ] && [ $quick = 0 ]; then
        mkdir -p "$src/bench/results"
        out=$src/bench/results/$(date -u +%Y-%m-%dT%H%M)-$(hostname -s).txt
fi
log=${out:-/dev/null}
[ "$log" = /dev/null ] || : >"$log"

say() { printf '%s\n' "$*" | tee -a "$log"; }
say "vmplace benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
say "tree: $(git -C "$src" describe --always --dirty 2>/dev/null || echo unknown); build: $build"
say "host: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(uname -r), $(test -e /dev/kvm && echo KVM || echo 'no KVM: QEMU runs under TCG'), load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
[ $quick = 1 ] && say "QUICK MODE: tiny iteration counts, figures are not meaningful"
fails=0
for b in "${which[@]}"; do
        say ""
        case $b in
        hook) cmd=("$src/bench/hook.sh" "$build" "$n_hook") ;;
        enforce) cmd=("$src/bench/enforce.sh" "$build" "$n_enf") ;;
        plan) cmd=("$build/bench/vmplace-bench-planner" ${plan_opt:+"$plan_opt"}) ;;
        start) cmd=("$src/bench/start.sh" "$build" "$n_start") ;;
        memory) cmd=("$src/bench/memory.sh" "$build" "$n_mem") ;;
        agree) cmd=("$src/bench/agree.sh" "$build" "$n_agree") ;;
        esac
        say "\$ ${cmd[*]#"$src/"}"
        start=$(date +%s)
        "${cmd[@]}" 2>&1 | tee -a "$log"
        rc=${PIPESTATUS[0]}
        say "($b: exit $rc, $(($(date +%s) - start)) s)"
        [ "$rc" = 0 ] || fails=$((fails + 1))
done
[ -n "$out" ] && echo "raw results: $out"
[ $fails = 0 ]
