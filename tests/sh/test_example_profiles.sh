#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The shipped example profiles and vmplace.ini pass `vmplace validate`, each
# matches only the domains tagged with its metadata, and each makes the
# decisions its comments promise, read from `vmplace plan --json` on a fake
# 2-node SMT host (node0 CPUs 0-1,4-5, node1 2-3,6-7; siblings 0+4, 1+5,
# 2+6, 3+7; node0 has more free memory).
. "$(dirname "$0")/lib.sh"
scratch
cp "$VMPLACE_SRC/profiles/vmplace.ini" "$W/conf/"
for f in "$VMPLACE_SRC"/profiles/*.ini; do
        [ "$(basename "$f")" = vmplace.ini ] || cp "$f" "$W/conf/profiles.d/"
done
chmod 644 "$W"/conf/vmplace.ini "$W"/conf/profiles.d/*.ini
out=$("$CLI" validate 2>&1); rc=$?
is "$rc" 0 "examples validate"
like "$out" "valid (5 profiles)" "all five are loaded"
is "$(echo "$out" | grep -c warning)" 0 "without warnings"
TOPO=$VMPLACE_TEST_DATA/topo/2node-smt
export VMPLACE_SYSFS=$TOPO

# tagged NAME PROFILE VCPUS MIB: a domain opted in by metadata
tagged() {
        domxml "$1" "$(uuidn "${5:-1}")" "$3" "$4" \
                "<metadata><vmplace:profile xmlns:vmplace='urn:vmplace:1'>$2</vmplace:profile></metadata>"
}
# plan PROFILE VCPUS MIB: plan --json of a tagged domain into $W/PROFILE.json
plan() {
        tagged "vm-$1" "$1" "$2" "$3" >"$W/$1.xml"
        "$CLI" plan --json --xml "$W/$1.xml" >"$W/$1.json" 2>"$W/$1.err"
}
# cg PROFILE FILE: the value the plan writes to that cgroup file ("" if none)
cg() { jget "$W/$1.json" "{c['file']: c['value'] for c in j['cgroup']}.get('$2', '')"; }
# node CPUs and SMT siblings of the fake host, as python literals for jget
nodecpus=$(for n in 0 1; do printf '%s:"%s",' $n "$(cat "$TOPO/devices/system/node/node$n/cpulist")"; done)
sib=$(for c in "$TOPO"/devices/system/cpu/cpu[0-9]*; do
        printf '%s:"%s",' "${c##*cpu}" "$(cat "$c/topology/thread_siblings_list")"
done)
# jx FILE EXPR: EXPR (python) on the plan j, with cs(cpuset string) -> set,
# N[node] the node's CPUs, S[cpu] the CPU's siblings (cpuset strings)
jx() {
        python3 -c "import json, sys
def cs(s):
    return set() if not s else {x for p in s.split(',') for x in range(int(p.split('-')[0]), int(p.split('-')[-1]) + 1)}
N = {$nodecpus}
S = {$sib}
j = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))" "$1" "$2"
}

for p in latency-critical database general-purpose batch noisy-neighbour; do
        plan "$p" 1 1024
        is "$(jget "$W/$p.json" 'j["profile"]+" "+j["matched_by"]')" "$p metadata" "a domain tagged $p gets $p"
done
domxml plain "$(uuidn 2)" 2 1024 >"$W/d.xml"
is "$("$CLI" plan --json --xml "$W/d.xml" | jget - 'j["profile"]')" "null" \
        "an untagged domain is left alone"

# ---- latency-critical: dedicated, isolate, emulator isolate, strict -------
p=latency-critical
plan $p 1 1024
J=$W/$p.json
is "$(jget "$J" 'j["kind"]')" dedicated "$p: dedicated CPUs"
n=$(jget "$J" 'j["host_nodes"][0]')
is "$(jget "$J" 'len(j["host_nodes"])')" 1 "$p: one node"
is "$(jx "$J" 'cs(j["vcpu_cpuset"]) & cs(j["emulator_cpus"]) == set() and len(cs(j["emulator_cpus"])) == 1')" True \
        "$p: the emulator has one CPU of its own, apart from the vCPUs"
is "$(jx "$J" 'all(cs(S[c]) - {c} <= cs(j["cpus"]) - cs(j["vcpu_cpuset"]) - cs(j["emulator_cpus"]) for c in cs(j["vcpu_cpuset"]) | cs(j["emulator_cpus"]))')" True \
        "$p: the SMT siblings of the vCPU and emulator CPUs are held idle"
is "$(jx "$J" 'cs(j["cpus"]) <= cs(N[j["host_nodes"][0]])')" True "$p: every CPU it holds is on its node"
is "$(jget "$J" 'j["numatune"]["mode"]+" "+j["numatune"]["nodeset"]')" "strict $n" "$p: memory strictly on that node"
is "$(cg $p vcpu0/cpuset.mems)" "$n" "$p: the vCPU's cpuset.mems is that node"
is "$(cg $p emulator/cpuset.cpus)" "$(jget "$J" 'j["emulator_cpus"]')" "$p: the emulator group is pinned to its own CPU"
is "$(jget "$J" '[(c["cpus"], c["memory_kib"]) for c in j["guest_numa"]]')" '[["0", 1048576]]' \
        "$p: the guest sees one NUMA cell"
# N vCPUs take N+1 whole cores on one node: 2 vCPUs do not fit 2 cores a node
plan $p 2 1024
like "$(jget "$W/$p.json" 'j["refusal"]')" "no NUMA node has 3 free dedicated cores" \
        "$p: 2 vCPUs need 3 free cores on one node (refused here, as the comment says)"

# ---- database: dedicated, prefer, strict, guest NUMA auto -----------------
p=database
plan $p 2 1024
J=$W/$p.json
is "$(jget "$J" 'j["kind"]')" dedicated "$p: dedicated CPUs"
n=$(jget "$J" 'j["host_nodes"][0]')
is "$(jx "$J" 'cs(j["cputune"]["vcpupin"]["1"]) <= cs(S[int(j["cputune"]["vcpupin"]["0"])])')" True \
        "$p: its two vCPUs are SMT siblings (thread_policy prefer)"
is "$(jx "$J" 'cs(j["emulator_cpus"]) & cs(j["cpus"]) == set() and cs(j["emulator_cpus"]) <= cs(N[j["host_nodes"][0]])')" True \
        "$p: the emulator floats over its node's shared CPUs, not its own"
is "$(jget "$J" 'j["numatune"]["mode"]+" "+j["numatune"]["nodeset"]')" "strict $n" "$p: memory strictly on its node"
is "$(jget "$J" '[(c["id"], c["cpus"], c["memory_kib"]) for c in j["guest_numa"]]')" '[[0, "0-1", 1048576]]' \
        "$p: one guest cell with all vCPUs and memory"
is "$(jget "$J" 'j["numatune"]["memnode"]["0"]["nodeset"]')" "$n" "$p: guest cell 0 bound to the host node"
like "$(jget "$J" 'j["launch_only"]')" guest_numa "$p: the guest cells are reported launch-only"
is "$(cg $p cpu.shares)" 2048 "$p: cpu.shares 2048"
# the comment's recipe for a database larger than a node
printf '[match]\nmetadata = database-large\n[profile]\ninclude = database\n[placement]\nnuma_nodes = 2\n' \
        >"$W/conf/profiles.d/database-large.ini"
chmod 644 "$W/conf/profiles.d/database-large.ini"
plan database-large 4 2048
J=$W/database-large.json
is "$(jget "$J" 'j["host_nodes"]')" "[0, 1]" "database + numa_nodes = 2: spans both nodes"
is "$(jget "$J" '[(c["cpus"], c["memory_kib"], j["numatune"]["memnode"][str(c["id"])]["nodeset"]) for c in j["guest_numa"]]')" \
        '[["0-1", 1048576, "0"], ["2-3", 1048576, "1"]]' "database + numa_nodes = 2: two guest cells bound 1:1"
rm "$W/conf/profiles.d/database-large.ini"

# ---- general purpose: shared pool, default shares -------------------------
p=general-purpose
plan $p 2 1024
J=$W/$p.json
is "$(jget "$J" 'j["kind"]')" shared "$p: floats (shared)"
is "$(jx "$J" 'j["vcpu_cpuset"] == N[j["host_nodes"][0]]')" True "$p: over every CPU of its node while no dedicated VM holds any"
is "$(cg $p cpu.shares)" 1024 "$p: cpu.shares 1024"
is "$(jget "$J" 'j["numatune"]["mode"]')" strict "$p: memory on its node"

# ---- batch / best effort: low shares, quota ------------------------------
p="batch"
plan $p 2 1024
J=$W/$p.json
is "$(jget "$J" 'j["kind"]')" shared "$p: floats (shared)"
is "$(cg $p cpu.shares)" 128 "$p: cpu.shares 128"
for v in 0 1; do
        is "$(cg $p vcpu$v/cpu.cfs_quota_us) $(cg $p vcpu$v/cpu.cfs_period_us)" "50000 100000" \
                "$p: vcpu$v capped at 50000 us per 100000 us"
done
is "$(jget "$J" 'j["host_nodes"]') $(jget "$W/general-purpose.json" 'j["host_nodes"]')" "[1] [0]" \
        "$p: packed onto the fuller node, where general-purpose spreads to the emptier one"

# ---- noisy neighbour: capped, off dedicated CPUs --------------------------
p=noisy-neighbour
plan $p 4 1024
J=$W/$p.json
is "$(jget "$J" 'j["kind"]')" shared "$p: floats (shared), off dedicated CPUs"
is "$(cg $p cpu.cfs_quota_us) $(cg $p cpu.cfs_period_us)" "200000 100000" "$p: the whole VM capped at 2 CPUs"
is "$(cg $p emulator/cpu.cfs_quota_us) $(cg $p emulator/cpu.cfs_period_us)" "20000 100000" \
        "$p: the emulator capped at 20% of a CPU"
is "$(cg $p cpu.shares)" 256 "$p: cpu.shares 256"
is "$(cg $p vcpu0/cpu.cfs_quota_us)" "" "$p: no per-vCPU cap"

# With a database holding dedicated CPUs (hook prepare commits it), the
# floating profiles keep off them.
tagged db-1 database 2 1024 5 | "$HOOK" db-1 prepare begin -
ok $? "a database VM is placed by the hook"
held=$(jget "$W/run/ledger.json" '[e["held"] for e in j["entries"] if e["name"] == "db-1"][0]')
for p in general-purpose batch noisy-neighbour; do
        plan "$p" 1 1024
        is "$(jx "$W/$p.json" 'bool(j["vcpu_cpuset"]) and not cs(j["vcpu_cpuset"]) & cs("'"$held"'")')" True \
                "$p: floats off the database's CPUs ($held)"
done
done_testing
