#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# 30 concurrent prepare calls for dedicated VMs on one ledger (fake 2-node SMT
# host, 8 CPUs, 2 reserved): exactly as many are admitted as fit, no CPU is
# handed out twice, every refusal says why. Then the same on the 8-node host.
. "$(dirname "$0")/lib.sh"
scratch

run_burst() { # run_burst TOPO N VCPUS -> admitted count on stdout
        local topo=$1 n=$2 vcpus=$3
        rm -rf "$W/run" "$W/out"
        mkdir -p "$W/out"
        export VMPLACE_SYSFS=$VMPLACE_TEST_DATA/topo/$topo
        for i in $(seq 1 "$n"); do
                (domxml "vm-$i" "$(uuidn "$i")" "$vcpus" 64 |
                        "$HOOK" "vm-$i" prepare begin - >"$W/out/$i.out" 2>"$W/out/$i.err"
                echo $? >"$W/out/$i.rc") &
        done
        wait
}

dedicated_conf $'[host]\nreserved_cpus = 0,4\n'

run_burst 2node-smt 30 1
admitted=$(grep -lx 0 "$W"/out/*.rc | wc -l)
refused=$(grep -lx 1 "$W"/out/*.rc | wc -l)
is "$admitted" 6 "8 CPUs - 2 reserved: exactly 6 one-vCPU VMs admitted"
is "$refused" 24 "the other 24 refused"
is "$(jget "$W/run/ledger.json" 'len(j["entries"])')" 6 "ledger holds the 6"
is "$(jget "$W/run/ledger.json" 'sorted(sum([[int(x)] for e in j["entries"] for x in e["held"].split(",")],[]))')" \
        "[1, 2, 3, 5, 6, 7]" "each non-reserved CPU handed out once"
bad=0
for f in "$W"/out/*.rc; do
        i=$(basename "$f" .rc)
        if [ "$(cat "$f")" = 1 ]; then
                grep -q "^vmplace: vm-$i (profile ded): no NUMA node has 1 free dedicated CPUs" \
                        "$W/out/$i.err" || bad=$((bad + 1))
        fi
        [ -s "$W/out/$i.out" ] && bad=$((bad + 1))
done
is "$bad" 0 "every refusal explained, no stdout from prepare"

# 8 nodes x 8 CPUs, nothing reserved, 2-vCPU VMs: 32 fit; send 40.
printf '[host]\n' >"$W/conf/vmplace.ini"
run_burst 8node-smt 40 2
admitted=$(grep -lx 0 "$W"/out/*.rc | wc -l)
is "$admitted" 32 "8-node host: exactly 32 two-vCPU VMs admitted of 40"
dups=$(python3 - "$W/run/ledger.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
def expand(s):
    out = []
    for part in s.split(","):
        if "-" in part:
            a, b = map(int, part.split("-")); out += range(a, b + 1)
        elif part:
            out.append(int(part))
    return out
cpus = [c for e in j["entries"] for c in expand(e["held"])]
print(len(cpus) - len(set(cpus)), len(cpus))
PY
)
is "$dups" "0 64" "no CPU held twice; all 64 CPUs held"
done_testing
