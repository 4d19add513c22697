#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/run.sh still runs (quick mode: tiny iteration counts; timings are not
# asserted, the shape of every table and the sizes it was run at are): the
# hook benchmark on the realistic host (every case ran, the setup placed 50
# VMs plus the measured one) and the planner on the simulated 448-CPU host.
. "$(dirname "$0")/lib.sh"
# benchmarks are about the optimised build; under the sanitizers this only
# costs minutes (the plain build runs it)
if grep -q '^VMPLACE_SANITIZE:BOOL=ON' "$VMPLACE_BUILD/CMakeCache.txt" 2>/dev/null; then
        echo "1..0 # SKIP sanitizer build"
        exit 0
fi
scratch
out=$(BENCH_COUNTS=0 "$VMPLACE_SRC/bench/run.sh" --quick "$VMPLACE_BUILD" hook plan 2>&1)
is "$?" 0 "bench/run.sh --quick hook plan exits 0"
row() { awk -v c="$1" 'index($0, c) == 1' <<<"$out"; }
num='^[0-9]+$'
for c in floor floor-static "no-op (start)" "prepare unmanaged" "prepare managed"; do
        r=$(row "$c ")
        m=$(awk '{print $(NF-3)}' <<<"$r")
        [[ "$m" =~ $num ]] && [ "$m" -gt 0 ]
        ok $? "hook: '$c' has a median in microseconds ($m)"
done
is "$(row floor | awk '$1 == "floor" {print $3}')" 1.00 "hook: the floor's ratio to itself is 1.00"
like "$out" "hook: $VMPLACE_BUILD/hook/vmplace-hook (" "hook: it benchmarked the hook of this build"
like "$(row 'base ')" "base              100     50      8    448" \
        "plan: base scenario at 100 profiles, 50 VMs, 8 nodes, 448 CPUs (quick sizes)"
like "$(row 'nodes x2 ')" "nodes x2          100     50     16    896" "plan: nodes doubled to 16 (896 CPUs)"
k=$(row 'VMs x2 ' | awk '{print $8}')
[[ "$k" =~ ^-?[0-9]+\.[0-9]+$ ]]
ok $? "plan: an exponent is computed for doubled VMs ($k)"
like "$(row '(plan: exit')" "(plan: exit 0" "plan: the planner placed every ledger VM (no refusal)"
done_testing
