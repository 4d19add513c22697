#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark 5: peak memory of the hook on the realistic host of benchmark 1
# (bench/lib.sh), against the same do-nothing floor programs.
# max_rss_kib: the median over RUNS runs of /usr/bin/time's "Maximum resident
# set size" (massif cannot see malloc in a static binary, so RSS it is);
# minor_faults: the median of its minor page faults (each page first touched:
# part of the start-up cost beyond the floor).
# Usage: bench/memory.sh BUILD_DIR [RUNS]   (default 21)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/bench/lib.sh"
build=$(cd "${1:?usage: bench/memory.sh BUILD_DIR [RUNS]}" && pwd)
runs=${2:-21}
[ -x /usr/bin/time ] || { echo "bench/memory.sh: needs /usr/bin/time (package time)" >&2; exit 2; }
hook_cases_setup "$build" "$src"

echo "benchmark 5: peak memory (median of $runs runs)"
printf '%-20s %13s %8s %13s\n' case max_rss_kib ratio minor_faults
frss=
for c in "${cases[@]}"; do
        IFS='|' read -r name input cmd <<<"$c"
        for ((i = 0; i < runs; i++)); do
                # shellcheck disable=SC2086
                /usr/bin/time -f '%M %R' -o "$W/rss" $cmd <"$W/$input.xml" >/dev/null 2>&1 || true
                tail -1 "$W/rss"
        done >"$W/samples"
        rss=$(cut -d' ' -f1 "$W/samples" | median)
        flt=$(cut -d' ' -f2 "$W/samples" | median)
        frss=${frss:-$rss}
        printf '%-20s %13s %8s %13s\n' "$name" "$rss" "$(ratio "$rss" "$frss")" "$flt"
done
