#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The topology on a real kernel with 2 NUMA nodes and SMT: boot a Debian cloud
# kernel under QEMU (node0 = CPUs 0-1, node1 = CPUs 2-3, 512 MiB each, each
# node one socket of one core with 2 threads), run topo_dump there through
# libnuma and through VMPLACE_SYSFS=/sys, and check both against what QEMU was
# told and against each other. Needs VMPLACE_BUILD (with tests/topo_dump built);
# fetches the kernel and busybox through apt on first use (cached under the
# build dir). Exit 0 pass, 1 fail (also when QEMU, kernel or busybox cannot be had).
set -euo pipefail

src=${VMPLACE_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/qemu/guestlib.sh"
build=${VMPLACE_BUILD:?VMPLACE_BUILD must name the build directory}
topo_dump=$build/tests/topo_dump
[ -x "$topo_dump" ] || {
        echo "not ok - $topo_dump not built"
        exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/vmplace-topo-qemu.XXXXXX")
trap 'rm -rf "$work"' EXIT
t0=$(date +%s.%N)

cat >"$work/init.sh" <<'EOF'
. /lib/vmplace/guestlib.sh
for src in libnuma sysfs; do
        sec_begin $src
        if [ $src = libnuma ]; then topo_dump --libnuma; else VMPLACE_SYSFS=/sys topo_dump; fi
        echo "rc $?"
        sec_end $src
done
sec_begin raw
for c in /sys/devices/system/cpu/cpu[0-9]*; do
        echo "${c##*/} siblings $(cat $c/topology/thread_siblings_list) core $(cat $c/topology/core_id) package $(cat $c/topology/physical_package_id)"
done
for n in /sys/devices/system/node/node[0-9]*; do
        echo "${n##*/} cpulist $(cat $n/cpulist) distance $(cat $n/distance)"
done
sec_end raw
EOF

rc=0
"$src/tests/qemu/mkinitrd.sh" "$work/initrd.gz" "$work/init.sh" "$topo_dump" || rc=$?
[ $rc -eq 0 ] || exit $rc
t1=$(date +%s.%N)
qemu_boot_2node "$work/initrd.gz" >"$work/console.raw" || rc=$?
t2=$(date +%s.%N)
qemu_console "$work/console.raw" "$work/console"
[ $rc -ne 3 ] || { echo "not ok - no kernel, busybox or QEMU could be installed: the check did not run" ; exit 1; }

free_close() { # the two sources' free memory per node within 5% (+1 MiB)
        paste <(section libnuma | awk '$1 == "node" { print $8 }') \
                <(section sysfs | awk '$1 == "node" { print $8 }') |
                awk 'NF != 2 { bad = 1 }
                     { d = $1 - $2; if (d < 0) d = -d; m = $1 > $2 ? $1 : $2
                       if (d > m / 20 + 1024) bad = 1 }
                     END { exit bad || NR != 2 }'
}
mem_ok() { # both nodes' total_kib in (400, 512] MiB
        [ "$(section "$1" | awk '$1 == "node" && $6 > 409600 && $6 <= 524288' | wc -l)" = 2 ]
}
same_model() {
        diff <(section libnuma | sed 's/ free_kib [0-9]*//; /^source /d') \
                <(section sysfs | sed 's/ free_kib [0-9]*//; /^source /d')
}

check "guest booted and powered off (boot.sh exit $rc)" [ $rc -eq 0 ]
check "guest init finished" grep -q '^VMPLACE-GUEST-EXIT 0$' "$work/console"
for s in libnuma sysfs; do
        check "$s: topo_dump succeeded" has $s '^rc 0$'
        check "$s: 2 nodes" has $s '^nodes 2$'
        check "$s: node0 = cpus 0-1, distances 10,20" \
                has $s '^node 0 cpus 0-1 total_kib [0-9]+ free_kib [0-9]+ distance 10,20$'
        check "$s: node1 = cpus 2-3, distances 20,10" \
                has $s '^node 1 cpus 2-3 total_kib [0-9]+ free_kib [0-9]+ distance 20,10$'
        check "$s: every node has 400-512 MiB" mem_ok $s
        check "$s: online 0-3" has $s '^online 0-3$'
        check "$s: smt" has $s '^smt 1$'
        check "$s: cpu0 and cpu1 are threads of one core" \
                has $s '^cpu 1 online 1 node 0 core 0 package 0 siblings 0-1$'
        check "$s: cpu2 and cpu3 are threads of one core on package 1" \
                has $s '^cpu 3 online 1 node 1 core 0 package 1 siblings 2-3$'
done
check "libnuma and sysfs give the same model" same_model
check "free memory agrees within 5%" free_close

t3=$(date +%s.%N)
qemu_times "$t0" "$t1" "$t2" "$t3"
echo "# guest:"
section raw | sed 's/^/#   /'
echo "1..$n"
if [ $failed -gt 0 ]; then
        qemu_failed_console
        echo "# raw console, last 40 lines (kernel messages included):"
        tr -d '\r' <"$work/console.raw" | tail -n 40 | sed 's/^/#   /'
        exit 1
fi
