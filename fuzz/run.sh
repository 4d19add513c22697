#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the libFuzzer targets (clang, ASan + UBSan, a build dir of their own)
# and run each one for SECONDS from a copy of its seed corpus, so the repo is
# never modified. Prints one line of figures per target and exits non-zero
# when any target crashed, leaked, timed out or ran out of memory (libFuzzer
# leaves a crash-*/leak-*/timeout-*/oom-* file and exits non-zero; the file
# is kept in the work dir named at the end).
#   fuzz/run.sh [SECONDS] [BUILD_DIR]      defaults: 20, <repo>/build-fuzz
# One fuzzer process at a time (the machines are small and shared).
# FUZZ_TARGETS="fuzz_ini fuzz_domain" limits the run; FUZZ_KEEP_CORPUS=DIR
# keeps the grown corpora (for -merge=1 into fuzz/corpus) and the logs.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-20}
build=${2:-$src/build-fuzz}

cmake -S "$src" -B "$build" -DCMAKE_C_COMPILER=clang -DVMPLACE_FUZZ=ON -DVMPLACE_WERROR=ON \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2 >/dev/null

targets=${FUZZ_TARGETS:-$(cd "$src/fuzz" && ls fuzz_*.c | sed 's/\.c$//')}
work=$(mktemp -d "${TMPDIR:-/tmp}/vmplace-fuzz-run.XXXXXX")
failed=()
printf '%-12s %5s %10s %8s %6s %7s %11s %s\n' target secs execs exec/s cov ft corpus result
for t in $targets; do
        dict=
        case $t in
        fuzz_ini) dict=ini ;;
        fuzz_domain) dict=xml ;;
        fuzz_ledger) dict=json ;;
        fuzz_proc | fuzz_cpuset) dict=proc ;;
        esac
        corpus=$work/$t
        mkdir -p "$corpus" "$work/$t.art"
        cp -r "$src/fuzz/corpus/$t/." "$corpus/"
        args=(-max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -max_len=65536
              -print_final_stats=1 -artifact_prefix="$work/$t.art/")
        [ -n "$dict" ] && args+=(-dict="$src/fuzz/dict/$dict.dict")
        rc=0
        (cd "$work" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
                "$build/fuzz/$t" "${args[@]}" "$corpus" >"$work/$t.log" 2>&1) || rc=$?
        # the last status line carries the coverage; final stats the totals
        last=$(grep -E '^#[0-9]+' "$work/$t.log" | tail -n 1 || true)
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log" | tail -n 1)
        eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/$t.log" | tail -n 1)
        cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
        ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
        corp=$(sed -n 's/.* corp: \([^ ]*\).*/\1/p' <<<"$last")
        arts=$(ls "$work/$t.art" 2>/dev/null | wc -l)
        result=ok
        if ((rc != 0 || arts > 0)); then
                result="FAILED (exit $rc, $arts artifacts in $work/$t.art)"
                failed+=("$t")
        fi
        printf '%-12s %5s %10s %8s %6s %7s %11s %s\n' "$t" "$secs" "${execs:-?}" "${eps:-?}" \
                "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result"
        if [ "$result" != ok ]; then
                grep -E 'ERROR|SUMMARY|invariant|runtime error' "$work/$t.log" | head -n 20 || true
        fi
        if [ -n "${FUZZ_KEEP_CORPUS:-}" ]; then
                mkdir -p "$FUZZ_KEEP_CORPUS/$t"
                cp -r "$corpus/." "$FUZZ_KEEP_CORPUS/$t/"
                cp "$work/$t.log" "$FUZZ_KEEP_CORPUS/$t.log"
        fi
done
if ((${#failed[@]})); then
        echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]} (logs and inputs in $work)"
        exit 1
fi
rm -rf "$work"
