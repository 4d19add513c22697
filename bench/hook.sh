#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark 1: the hook's `prepare` on a realistic host (bench/lib.sh:
# 100 profiles, 50 other VMs in the ledger, a virt-install domain) against the
# process floor, a do-nothing C program reading the same stdin.
# Cases run interleaved in ROUNDS rounds of RUNS/ROUNDS runs each; a case's
# figure is the median over rounds of its median in the round, and its ratio
# the median over rounds of (its median / the floor's median in that round),
# so machine load that changes between rounds cancels out.
# Also prints the stable figures: instructions (valgrind --tool=callgrind) and
# system calls (strace -f) of one run of each case, when those tools exist
# (BENCH_COUNTS=0 skips them).
# Usage: bench/hook.sh BUILD_DIR [RUNS]   (default 400; output: a table)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/bench/lib.sh"
build=$(cd "${1:?usage: bench/hook.sh BUILD_DIR [RUNS]}" && pwd)
runs=${2:-400}
rounds=$((runs >= 40 ? 10 : 1))
per=$((runs / rounds))
hook_cases_setup "$build" "$src"
cc -O2 -o "$W/runner" "$src/bench/runner.c"

declare -A med rat
for ((r = 0; r < rounds; r++)); do
        fm=
        for c in "${cases[@]}"; do
                IFS='|' read -r name input cmd <<<"$c"
                # each managed prepare replaces its own entry: a restart's steady state
                # shellcheck disable=SC2086
                read -r m _ < <(RUNNER_ALLOW_FAIL=1 "$W/runner" "$per" "$W/$input.xml" $cmd)
                fm=${fm:-$m}
                med[$name]+="$m "
                rat[$name]+="$(ratio "$m" "$fm") "
        done
done

echo "benchmark 1: hook prepare vs the process floor ($runs runs per case, $rounds rounds)"
echo "hook: $build/hook/vmplace-hook ($(file -b "$H" | grep -o 'statically linked\|dynamically linked'); timed from a copy, see bench/lib.sh)"
printf '%-20s %10s %8s %12s %9s\n' case median_us ratio instructions syscalls
have_cg=0 have_st=0
if [ "${BENCH_COUNTS:-1}" != 0 ]; then
        have_cg=$(command -v valgrind >/dev/null && echo 1 || echo 0)
        have_st=$(command -v strace >/dev/null && echo 1 || echo 0)
fi
for c in "${cases[@]}"; do
        IFS='|' read -r name input cmd <<<"$c"
        m=$(tr ' ' '\n' <<<"${med[$name]}" | grep . | median)
        q=$(tr ' ' '\n' <<<"${rat[$name]}" | grep . | median)
        ir=- sc=-
        if [ "$have_cg" = 1 ]; then
                # shellcheck disable=SC2086
                ir=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null $cmd \
                        <"$W/$input.xml" 2>&1 | awk '/refs:/ {gsub(",", "", $NF); print $NF}')
        fi
        if [ "$have_st" = 1 ]; then
                # shellcheck disable=SC2086
                strace -f -qq -o "$W/strace" $cmd <"$W/$input.xml" >/dev/null 2>&1 || true
                sc=$(grep -vc -e '^[0-9]* *+++' -e 'resumed>' "$W/strace" || true)
        fi
        printf '%-20s %10s %8s %12s %9s\n' "$name" "$m" "$q" "$ir" "$sc"
done
