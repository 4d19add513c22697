#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
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

# The config index is written before the lock (lib/io/confindex.c): a hook killed
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

        # A ledger save that fails (ENOSPC on the rename of its temp file,
        # a prepare's fourth after plan.json, xml and input.xml) is a kill
        # before that rename: a new domain's state files go; a re-prepared
        # domain keeps its entry and its files, now of a commit the ledger
        # never saw, which enforce refuses (the files used to be removed,
        # leaving the entry without any).
        u1=00000000-0000-4000-8000-000000000001
        vm1=$(domxml vm-1 $u1 1 64)
        "$HOOK" vm-1 prepare begin - <<<"$vm1" >/dev/null
        is "$?" 0 "failed save: vm-1 placed"
        commit=$(jget "$W/run/ledger.json" '[e["commit"] for e in j["entries"] if e["name"] == "vm-1"][0]')
        err=$(strace -f -qq -o /dev/null -e inject=rename:error=ENOSPC:when=4 \
                "$HOOK" vm-1 prepare begin - <<<"$vm1" 2>&1 >/dev/null)
        is "$?" 1 "failed save: the re-prepare refuses"
        like "$err" "No space left on device" "... saying why"
        is "$(jget "$W/run/ledger.json" '[e["commit"] for e in j["entries"] if e["name"] == "vm-1"][0]')" \
                "$commit" "... the ledger keeps vm-1's entry as it was"
        is "$(PYTHONPATH=$VMPLACE_SRC/tests/sh python3 -c 'import ledgercheck, sys
c = ledgercheck.check(sys.argv[1]); print(c["missing"], c["detected"])' "$W/run")" "0 1" \
                "... with its state files, of a commit the ledger never saw (detected)"
        printf '%s\n' "$$" >"$VMPLACE_LIBVIRT_RUNDIR/vm-1.pid"
        printf '%s\n' "$vm1" >"$VMPLACE_LIBVIRT_RUNDIR/vm-1.xml"
        err=$("$ENFORCE" --check vm-1 2>&1)
        is "$?" 1 "... which vmplace-enforce refuses"
        like "$err" "interrupted update" "... as an interrupted update"
        rm -f "$VMPLACE_LIBVIRT_RUNDIR/vm-1.pid" "$VMPLACE_LIBVIRT_RUNDIR/vm-1.xml"
        u2=00000000-0000-4000-8000-000000000002
        vm2=$(domxml vm-2 $u2 1 64)
        strace -f -qq -o /dev/null -e inject=rename:error=ENOSPC:when=4 \
                "$HOOK" vm-2 prepare begin - <<<"$vm2" >/dev/null 2>&1
        is "$?" 1 "failed save: a new domain refuses"
        is "$(ls "$W/run/domains" | grep -c "^$u2")" 0 "... and leaves no state files"
        is "$(jget "$W/run/ledger.json" '[e["name"] for e in j["entries"]]')" '["vm-1"]' \
                "... nor an entry"
        "$HOOK" vm-1 prepare begin - <<<"$vm1" >/dev/null
        is "$?" 0 "failed save: vm-1's next prepare is admitted"
        is "$(PYTHONPATH=$VMPLACE_SRC/tests/sh python3 -c 'import ledgercheck, sys
c = ledgercheck.check(sys.argv[1]); print(c["missing"], c["detected"])' "$W/run")" "0 0" \
                "... and its files are the ledger's again"
fi
done_testing
