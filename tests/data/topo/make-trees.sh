#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Writes the fake sysfs trees the topology tests load (SPEC section 6):
#   ROOT/devices/system/node/nodeN/{cpulist,meminfo,distance}
#   ROOT/devices/system/cpu/online
#   ROOT/devices/system/cpu/cpuN/topology/{thread_siblings_list,core_id,physical_package_id}
# with file contents formatted as the kernel writes them. Deterministic: the
# output depends only on this script. The generated trees are committed next to
# it; rerun after changing it:  tests/data/topo/make-trees.sh [OUTDIR]
#
#   1node-4cpu          1 node, CPUs 0-3, no SMT
#   2node-smt           2 nodes x 2 cores x 2 threads, siblings N and N+4 (Intel
#                       numbering), plus the non-node entries a real node/ dir has
#   2node-nosmt-uneven  node0 CPUs 0-3 8 GiB free of 16, node1 CPUs 4-7 1 GiB free of 16
#   8node-smt           8 nodes x 4 cores x 2 threads (64 CPUs), siblings N and N+32,
#                       32 GiB per node, distances 10/16/22/32
#   8node-448           8 nodes x 28 cores x 2 threads (448 CPUs), siblings N and
#                       N+224, for benchmarks
#   2node-16cpu         2 nodes x 16 CPUs (0-15, 16-31), no SMT, 64 GiB per node:
#                       the crash and concurrency tests' host
#   4node-offline       CPUs 5, 10, 11 offline (listed in their node's cpulist, no
#                       topology dir, as the kernel leaves them), node3 memory-only
set -euo pipefail

out=${1:-$(cd "$(dirname "$0")" && pwd)}
GiB=1048576 # in kB

# node ROOT ID CPULIST TOTAL_KB FREE_KB DISTANCES...
node() {
        local root=$1 id=$2 cpus=$3 total=$4 free=$5
        shift 5
        local d=$root/devices/system/node/node$id
        mkdir -p "$d"
        printf '%s\n' "$cpus" >"$d/cpulist"
        printf '%s\n' "$*" >"$d/distance"
        local used=$((total - free))
        {
                kb() { printf 'Node %d %-15s %8d kB\n' "$id" "$1:" "$2"; }
                kb MemTotal "$total"
                kb MemFree "$free"
                kb MemUsed "$used"
                kb SwapCached 0
                kb Active $((used / 2))
                kb Inactive $((used / 4))
                kb 'Active(anon)' $((used / 4))
                kb 'Inactive(anon)' $((used / 16))
                kb 'Active(file)' $((used / 4))
                kb 'Inactive(file)' $((used * 3 / 16))
                kb Unevictable 0
                kb Mlocked 0
                kb Dirty 12
                kb Writeback 0
                kb FilePages $((used * 7 / 16))
                kb Mapped $((used / 32))
                kb AnonPages $((used * 5 / 16))
                kb Shmem 1024
                kb KernelStack 2048
                kb PageTables 4096
                kb SecPageTables 0
                kb NFS_Unstable 0
                kb Bounce 0
                kb WritebackTmp 0
                kb KReclaimable $((used / 16))
                kb Slab $((used / 12))
                kb SReclaimable $((used / 16))
                kb SUnreclaim $((used / 12 - used / 16))
                kb AnonHugePages 0
                kb ShmemHugePages 0
                kb ShmemPmdMapped 0
                kb FileHugePages 0
                kb FilePmdMapped 0
                printf 'Node %d HugePages_Total:     0\n' "$id"
                printf 'Node %d HugePages_Free:      0\n' "$id"
                printf 'Node %d HugePages_Surp:      0\n' "$id"
        } >"$d/meminfo"
}

# cpu ROOT CPU SIBLINGS CORE_ID PACKAGE_ID
cpu() {
        local d=$1/devices/system/cpu/cpu$2/topology
        mkdir -p "$d"
        printf '%s\n' "$3" >"$d/thread_siblings_list"
        printf '%s\n' "$4" >"$d/core_id"
        printf '%s\n' "$5" >"$d/physical_package_id"
}

online() {
        mkdir -p "$1/devices/system/cpu"
        printf '%s\n' "$2" >"$1/devices/system/cpu/online"
}

# What else a real devices/system/node and cpu dir hold; never a node or CPU.
decoys() {
        local n=$1/devices/system/node c=$1/devices/system/cpu
        mkdir -p "$n/power" "$c/cpufreq" "$c/cpuidle"
        printf '%s\n' "$2" >"$n/has_cpu"
        printf '%s\n' "$3" >"$n/has_memory"
        printf '%s\n' "$3" >"$n/online"
        printf '%s\n' "$3" >"$n/possible"
        : >"$n/uevent"
        printf 'unsupported\n' >"$n/power/runtime_status"
        printf '%s\n' "$4" >"$c/possible"
        printf '%s\n' "$4" >"$c/present"
        printf '8191\n' >"$c/kernel_max"
        printf 'none\n' >"$c/cpuidle/current_driver"
        : >"$c/cpufreq/.keep"
}

# Distances of an 8-socket box built from pairs of pairs: 16 to the other
# socket of a pair, 22 within the same half, 32 across halves.
dist8() {
        local a=$1 b row=()
        for b in 0 1 2 3 4 5 6 7; do
                if ((a == b)); then
                        row+=(10)
                elif ((a / 2 == b / 2)); then
                        row+=(16)
                elif ((a / 4 == b / 4)); then
                        row+=(22)
                else
                        row+=(32)
                fi
        done
        echo "${row[*]}"
}

fresh() {
        rm -rf "${out:?}/$1"
        mkdir -p "$out/$1"
        echo "$out/$1"
}

# --- 1node-4cpu
r=$(fresh 1node-4cpu)
online "$r" 0-3
node "$r" 0 0-3 $((16 * GiB)) $((14 * GiB)) 10
for c in 0 1 2 3; do cpu "$r" $c $c $c 0; done

# --- 2node-smt: package p has cores 0-1; thread 0 of core k of package p is
# CPU 2p+k, thread 1 is that + 4.
r=$(fresh 2node-smt)
online "$r" 0-7
decoys "$r" 0-1 0-1 0-7
node "$r" 0 0-1,4-5 $((32 * GiB)) $((30 * GiB)) 10 21
node "$r" 1 2-3,6-7 $((32 * GiB)) $((28 * GiB)) 21 10
for c in 0 1 2 3; do
        cpu "$r" $c $c,$((c + 4)) $((c % 2)) $((c / 2))
        cpu "$r" $((c + 4)) $c,$((c + 4)) $((c % 2)) $((c / 2))
done

# --- 2node-nosmt-uneven
r=$(fresh 2node-nosmt-uneven)
online "$r" 0-7
node "$r" 0 0-3 $((16 * GiB)) $((8 * GiB)) 10 20
node "$r" 1 4-7 $((16 * GiB)) $((1 * GiB)) 20 10
for c in 0 1 2 3 4 5 6 7; do cpu "$r" $c $c $((c % 4)) $((c / 4)); done

# --- 2node-16cpu
r=$(fresh 2node-16cpu)
online "$r" 0-31
node "$r" 0 0-15 $((64 * GiB)) $((60 * GiB)) 10 21
node "$r" 1 16-31 $((64 * GiB)) $((60 * GiB)) 21 10
for ((c = 0; c < 32; c++)); do cpu "$r" $c $c $((c % 16)) $((c / 16)); done

# --- 8node-smt and 8node-448: one socket per node, CORES cores each, thread 1
# of every core numbered after all thread 0s.
smt8() {
        local r=$1 cores=$2 total=$3 n=$((8 * $2)) k c
        online "$r" 0-$((2 * n - 1))
        decoys "$r" 0-7 0-7 0-$((2 * n - 1))
        for k in 0 1 2 3 4 5 6 7; do
                local lo=$((k * cores)) hi=$((k * cores + cores - 1))
                # a little less free memory on each higher node
                node "$r" $k $lo-$hi,$((lo + n))-$((hi + n)) "$total" \
                        $((total - GiB - k * GiB / 2)) "$(dist8 $k)"
                for ((c = lo; c <= hi; c++)); do
                        cpu "$r" $c $c,$((c + n)) $((c - lo)) $k
                        cpu "$r" $((c + n)) $c,$((c + n)) $((c - lo)) $k
                done
        done
}
smt8 "$(fresh 8node-smt)" 4 $((32 * GiB))
smt8 "$(fresh 8node-448)" 28 $((192 * GiB))

# --- 4node-offline: 12 CPUs in pairs (2k, 2k+1); 5, 10, 11 offline; node3
# holds only memory (CXL-like), 64 GiB.
r=$(fresh 4node-offline)
online "$r" 0-4,6-9
decoys "$r" 0-2 0-3 0-11
node "$r" 0 0-3 $((16 * GiB)) $((10 * GiB)) 10 21 21 17
node "$r" 1 4-7 $((16 * GiB)) $((10 * GiB)) 21 10 21 28
node "$r" 2 8-11 $((16 * GiB)) $((10 * GiB)) 21 21 10 28
node "$r" 3 '' $((64 * GiB)) $((60 * GiB)) 17 28 28 10
for c in 0 1 2 3 6 7 8 9; do cpu "$r" $c $((c - c % 2))-$((c - c % 2 + 1)) $((c / 2 % 2)) $((c / 4)); done
cpu "$r" 4 4 0 1 # its sibling 5 is offline: the kernel drops it from the list
