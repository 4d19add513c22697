#!/usr/bin/env bash
# Crash safety of the ledger (SPEC section 4: "a kill at any moment leaves the
# old or the new ledger"): hook prepare/release calls run three or four at a
# time on a fake 2-node x 16-CPU host while one of them is SIGKILLed, at a
# random delay and then, under strace, on entry to each syscall of an update
# (tmp write, fsync, each rename, the state unlinks, the unlock). After every
# run tests/sh/crashloop.py asserts: the ledger parses and vmplace status
# --json answers, no CPU is held twice or outside the pool, every entry has
# its state files and they are of its commit (or the interrupted update is
# detected and vmplace-enforce refuses it), no state files of other domains
# linger, temp files stay within those of the killed writer, and the next
# hook calls get the lock. CRASH_RUNS / CRASH_STRACE_RUNS / CRASH_SEED scale it
# (docs/robustness.md has a long run).
. "$(dirname "$0")/lib.sh"
scratch
export VMPLACE_SYSFS=$VMPLACE_TEST_DATA/topo/2node-16cpu
dedicated_conf $'[host]\nreserved_cpus = 0,16\n'
export HOOK CLI ENFORCE POOL=1-15,17-31

for mode in random strace; do
        if [ "$mode" = random ]; then runs=${CRASH_RUNS:-300}; else runs=${CRASH_STRACE_RUNS:-39}; fi
        [ "$mode" = strace ] && ! command -v strace >/dev/null &&
                { ok 1 "strace is installed (scripts/install-deps.sh)"; continue; }
        rm -rf "$W/run"
        out=$(python3 "$VMPLACE_SRC/tests/sh/crashloop.py" "$mode" "$runs" "${CRASH_SEED:-$$}")
        rc=$?
        printf '%s\n' "$out" | grep '^#'
        res=$(printf '%s\n' "$out" | grep '^{')
        is "$rc" 0 "$mode kills: the driver found no violation"
        is "$(jget - 'j["violations"]' <<<"$res")" 0 "$mode kills: violations = 0"
        is "$(jget - 'j["runs"]' <<<"$res")" "$runs" "$mode kills: all $runs runs done"
        if [ "$mode" = random ]; then
                # most kills must land while a hook runs, or nothing was tested
                ok "$(jget - 'int(not j["landed"] * 2 > j["runs"])' <<<"$res")" \
                        "random kills: more than half of them landed"
        else
                is "$(jget - 'j["steps"]' <<<"$res")" 13 "strace kills: every one of the 13 steps hit"
        fi
done

# The config index is written before the lock (lib/confindex.c): a hook killed
# on that write leaves config.index.tmp.PID, and the next locked call sweeps it
# (the random kills above once left one for good). The configuration has
# settled by now, so a hook without an index writes one, and its first write
# is the index's.
if command -v strace >/dev/null; then
        rm -rf "$W/run"
        mkdir -p "$W/run"
        vm0=$(domxml vm-0 00000000-0000-4000-8000-000000000000 1 64)
        rc=$(strace -f -qq -o /dev/null -e inject=write:when=1:signal=SIGKILL \
                "$HOOK" vm-0 prepare begin - <<<"$vm0" >/dev/null 2>&1; echo $?)
        is "$rc" 137 "index write: the hook was killed"
        tmps=$(cd "$W/run" && ls -d config.index.tmp.* 2>/dev/null | wc -l)
        is "$tmps" 1 "index write: the kill left the index's temp file"
        is "$(ls "$W/run/ledger.json" 2>/dev/null | wc -l)" 0 "index write: ... before any ledger"
        "$HOOK" vm-0 prepare begin - <<<"$vm0" >/dev/null
        is "$?" 0 "index write: the next prepare is admitted"
        is "$(cd "$W/run" && ls | grep -c '\.tmp\.')" 0 "index write: ... and sweeps the temp file"
        ok "$(test -s "$W/run/config.index"; echo $?)" "index write: ... and writes the index"
        "$HOOK" vm-0 release end - <<<"$vm0" >/dev/null
        is "$?" 0 "index write: vm-0 releases"
fi
done_testing
