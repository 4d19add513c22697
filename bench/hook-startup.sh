#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Hook cost against the process floor, on this machine, in one run:
#   floor      a do-nothing C program that reads the same stdin
#   no-op op   `vmplace-hook NAME start begin` (loads nothing beyond the binary)
#   unmanaged  `prepare` of a domain no profile matches (reads config, parses XML)
#   managed    `prepare` of a matched domain (topology, ledger lock, plan, rewrite, commit)
# with 100 profiles in profiles.d. Prints medians (and p10/p90) of RUNS runs in
# microseconds and the ratio to the floor. Usage: bench/hook-startup.sh [BUILD_DIR] [RUNS]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
runs=${2:-300}
W=$(mktemp -d /tmp/vmplace-bench.XXXXXX)
# the run dir on tmpfs, as /run/vmplace is on a systemd host (fsync is free there)
R=$(mktemp -d /dev/shm/vmplace-bench.XXXXXX)
trap 'rm -rf "$W" "$R"' EXIT
cc -O2 -o "$W/runner" "$src/bench/runner.c"
printf '#include <stdio.h>\nint main(void){char b[65536];while(fread(b,1,sizeof b,stdin)>0);return 0;}\n' >"$W/floor.c"
cc -O2 -o "$W/floor" "$W/floor.c"
mkdir -p "$W/conf/profiles.d"
printf '[host]\n' >"$W/conf/vmplace.ini"
for i in $(seq 1 100); do
        printf '[match]\nnames = class%d-*\n[cputune]\nshares = %d\n[placement]\ncpu_policy = shared\n' \
                "$i" $((100 + i)) >"$W/conf/profiles.d/p$i.ini"
done
chmod -R go-w "$W/conf"
# a realistic virt-install domain (q35, virtio disk and net, graphics, channels)
xml=$src/tests/data/xml/corpus/$(ls "$src/tests/data/xml/corpus" | sort | head -1)
sed 's:<name>[^<]*</name>:<name>class7-vm</name>:' "$xml" >"$W/managed.xml"
sed 's:<name>[^<]*</name>:<name>nomatch</name>:' "$xml" >"$W/unmanaged.xml"
export VMPLACE_CONFDIR=$W/conf VMPLACE_RUNDIR=$R/run VMPLACE_LIBVIRT_RUNDIR=$W/lv
H=$build/hook/vmplace-hook
echo "hook: $H ($(file -b "$H" | cut -d, -f1-4 | sed 's/ELF 64-bit LSB //'))"
echo "runs: $runs per case; times in microseconds (median p10 p90)"
read -r fm fp10 fp90 < <("$W/runner" "$runs" "$W/managed.xml" "$W/floor")
printf '%-12s %6s %6s %6s  %s\n' case median p10 p90 ratio
printf '%-12s %6s %6s %6s  %s\n' floor "$fm" "$fp10" "$fp90" 1.00
row() {
        local name=$1 input=$2
        shift 2
        read -r m p10 p90 < <(RUNNER_ALLOW_FAIL=1 "$W/runner" "$runs" "$input" "$@")
        printf '%-12s %6s %6s %6s  %.2f\n' "$name" "$m" "$p10" "$p90" "$(echo "$m / $fm" | bc -l)"
}
row no-op "$W/managed.xml" "$H" class7-vm start begin -
row unmanaged "$W/unmanaged.xml" "$H" nomatch prepare begin -
# each managed prepare replaces its own ledger entry: steady state of a restart
row managed "$W/managed.xml" "$H" class7-vm prepare begin -
