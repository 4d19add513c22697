#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Many planners at once on a fake 8-node host (8node-smt: 8 nodes x 8 CPUs):
# 48 concurrent hook prepares of dedicated VMs of 1-6 vCPUs, more than the 64
# CPUs hold, over several rounds. Asserts on the ledger and state files
# (tests/sh/ledgercheck.py): no CPU in two entries, at most the pool held,
# every admitted VM's recorded pins within what it holds; every refusal exits
# 1 with one `vmplace: ...` line naming the CPUs it needed and what each node
# had free, and is still true once the burst is over (the ledger only grew
# meanwhile, so no node may have the CPUs it asked for); releasing them all
# at once empties the ledger. test_hook_concurrency.sh covers equal sizes.
. "$(dirname "$0")/lib.sh"
scratch
export VMPLACE_SYSFS=$VMPLACE_TEST_DATA/topo/8node-smt
dedicated_conf $'[host]\n'
N=48
check=$VMPLACE_SRC/tests/sh/ledgercheck.py

for round in 1 2 3; do
        rm -rf "$W/out"
        mkdir -p "$W/out"
        for i in $(seq 1 $N); do
                v=$((1 + (i * 7 + round * 3) % 6)) # 1..6 vCPUs, mixed per round
                echo "$v" >"$W/out/$i.vcpus"
                (domxml "vm-$i" "$(uuidn "$i")" "$v" 64 |
                        "$HOOK" "vm-$i" prepare begin - >"$W/out/$i.out" 2>"$W/out/$i.err"
                echo $? >"$W/out/$i.rc") &
        done
        wait
        admitted=$(grep -lx 0 "$W"/out/*.rc | wc -l)
        refused=$(grep -lx 1 "$W"/out/*.rc | wc -l)
        is "$((admitted + refused))" $N "round $round: all $N prepares exited 0 or 1"
        ok "$([ "$refused" -gt 0 ] && [ "$admitted" -gt 0 ]; echo $?)" \
                "round $round: some admitted ($admitted), some refused ($refused)"
        is "$(jget "$W/run/ledger.json" 'len(j["entries"])')" "$admitted" \
                "round $round: the ledger holds exactly the admitted VMs"
        res=$(python3 "$check" "$W/run" 0-63)
        ok $? "round $round: ledgercheck: $res"
        like "$res" "dup=0 outside=0 missing=0 incoherent=0 detected=0 orphans=0 tmps=0" \
                "round $round: no CPU twice, every entry with its own state files"
        # held = sum of admitted vCPUs (emulators share), never above the pool
        want=0
        for f in $(grep -lx 0 "$W"/out/*.rc); do want=$((want + $(cat "${f%.rc}.vcpus"))); done
        like "$res" "held=$want " "round $round: $want CPUs held = the admitted VMs' vCPUs"
        ok "$([ "$want" -le 64 ]; echo $?)" "round $round: $want held <= 64 in the pool"
        # the most free CPUs on one node now (node k: CPUs 4k-4k+3, 32+4k-...)
        most=$(PYTHONPATH=${check%/*} jget "$W/run/ledger.json" \
                'max(8 - sum(1 for e in j["entries"] for c in __import__("ledgercheck").expand(e["held"]) if c % 32 // 4 == n) for n in range(8))')
        bad=0 free_bad=0
        for i in $(seq 1 $N); do
                [ -s "$W/out/$i.out" ] && bad=$((bad + 1))
                if [ "$(cat "$W/out/$i.rc")" = 1 ]; then
                        v=$(cat "$W/out/$i.vcpus")
                        [ "$(wc -l <"$W/out/$i.err")" = 1 ] &&
                                grep -Eq "^vmplace: vm-$i \(profile ded\): no NUMA node has $v free dedicated CPUs and 64 MiB free memory \(node0: [0-9]+ CPUs, [0-9]+ MiB(; node[1-7]: [0-9]+ CPUs, [0-9]+ MiB){7}\)$" \
                                        "$W/out/$i.err" || bad=$((bad + 1))
                        # still true now: no node has v free CPUs
                        [ "$most" -lt "$v" ] || free_bad=$((free_bad + 1))
                elif [ ! -s "$W/run/domains/$(uuidn "$i").plan.json" ]; then
                        bad=$((bad + 1))
                fi
        done
        is "$bad" 0 "round $round: one-line reasons naming need and free per node; plan files for the admitted; no stdout"
        is "$free_bad" 0 "round $round: no refused VM would fit in the final ledger"
        # release everything at once
        for i in $(seq 1 $N); do
                (domxml "vm-$i" "$(uuidn "$i")" 1 64 | "$HOOK" "vm-$i" release end - \
                        >/dev/null 2>&1; echo $? >"$W/out/$i.rel") &
        done
        wait
        is "$(cat "$W"/out/*.rel | sort -u)" 0 "round $round: every release exited 0"
        is "$(jget "$W/run/ledger.json" 'len(j["entries"])')" 0 "round $round: ledger empty after releasing all"
        is "$(ls "$W/run/domains" | wc -l)" 0 "round $round: no state file left"
done
done_testing
