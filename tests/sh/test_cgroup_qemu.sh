#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The cgroup module on a real cgroup v2 kernel: boot a Debian cloud kernel
# under QEMU (cgroup2 only, cpu and cpuset enabled at the root, 4 CPUs on 2
# NUMA nodes: node0 = CPUs 0-1, node1 = CPUs 2-3) and run tests/test_cgroup_real
# there. In the guest it builds libvirt's v2 trees -- machine/qemu-ID-vptest.
# libvirt-qemu and machine.slice/machine-qemu\x2dID\x2dvptest.scope/libvirt,
# +cpu +cpuset in subtree_control down the path, threaded vcpu0, vcpu1,
# emulator, iothread1 -- moves a stand-in QEMU's threads in through
# cgroup.procs / cgroup.threads, applies plans and checks cpu.weight, cpu.max,
# cpuset.cpus/mems and every thread's Cpus_allowed_list / Mems_allowed_list
# (vCPUs on CPUs 2 and 3, emulator on 0-1, memory bound to node 1).
# Needs VMPLACE_BUILD (with tests/test_cgroup_real built); fetches the kernel
# and busybox through apt on first use (cached under the build dir). Exit 0
# pass, 1 fail (also when QEMU, kernel or busybox cannot be had).
set -euo pipefail

src=${VMPLACE_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/qemu/guestlib.sh"
build=${VMPLACE_BUILD:?VMPLACE_BUILD must name the build directory}
bin=$build/tests/test_cgroup_real
[ -x "$bin" ] || {
        echo "not ok - $bin not built"
        exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/vmplace-cgroup-qemu.XXXXXX")
trap 'rm -rf "$work"' EXIT

cat >"$work/init.sh" <<'EOF'
. /lib/vmplace/guestlib.sh
sec_begin env
echo "controllers $(cat /sys/fs/cgroup/cgroup.controllers)"
echo "subtree $(cat /sys/fs/cgroup/cgroup.subtree_control)"
echo "cpus $(cat /sys/fs/cgroup/cpuset.cpus.effective) mems $(cat /sys/fs/cgroup/cpuset.mems.effective)"
sec_end env
sec_begin tap
test_cgroup_real
echo "rc $?"
sec_end tap
sec_begin left
find /sys/fs/cgroup -name '*vptest*' -o -name machine -o -name machine.slice
sec_end left
EOF

rc=0
"$src/tests/qemu/mkinitrd.sh" "$work/initrd.gz" "$work/init.sh" "$bin" || rc=$?
[ $rc -eq 0 ] || {
        echo "not ok - initramfs not built (mkinitrd.sh exit $rc)"
        exit 1
}
qemu_boot_2node "$work/initrd.gz" >"$work/console.raw" || rc=$?
qemu_console "$work/console.raw" "$work/console"
[ $rc -ne 3 ] || {
        echo "not ok - no kernel, busybox or QEMU could be installed: the check did not run"
        exit 1
}

count() { section tap | grep -Ec "$1" || true; }

oks=$(count '^ok [0-9]+ ')
noks=$(count '^not ok [0-9]+ ')
check "guest booted and powered off (boot.sh exit $rc)" [ $rc -eq 0 ]
check "guest has cgroup v2 with cpu and cpuset" has env '^controllers .*cpuset.* cpu '
check "guest has 4 CPUs on 2 nodes" has env '^cpus 0-3 mems 0-1$'
check "test_cgroup_real ran on cgroup v2" has tap '^# cgroup v2; CPUs 0-3, nodes 0-1$'
check "test_cgroup_real passed (exit 0)" has tap '^rc 0$'
check "no failed check in the guest ($noks)" [ "$noks" -eq 0 ]
check "the guest ran the full set ($oks checks)" [ "$oks" -ge 150 ]
for l in plain systemd; do
        check "$l layout: found, v2" has tap "^ok [0-9]+ - $l layout: cgroup v2 for cpu$"
        check "$l layout: plan A without drift" has tap "^ok [0-9]+ - $l layout: plan A reads back, no drift$"
done
check "cpu.weight 512 (shares passed through)" has tap '^ok [0-9]+ - v2 cpu.weight = shares passed through$'
check "global cpu.max 150000 100000 on the nested group" has tap '^ok [0-9]+ - v2 global cpu.max at the nested group$'
check "vcpu0 cpuset.cpus = 2" has tap '^ok [0-9]+ - vcpu0 cpuset.cpus = 2$'
check "vCPU thread 0 on CPU 2" has tap '^ok [0-9]+ - CPU 0/TCG thread: Cpus_allowed_list 2$'
check "vCPU thread 1 on CPU 3" has tap '^ok [0-9]+ - CPU 1/TCG thread: Cpus_allowed_list 3$'
check "emulator thread on 0-1" has tap '^ok [0-9]+ - qemu-system-x86 thread: Cpus_allowed_list 0-1$'
check "memory bound to node 1" has tap '^ok [0-9]+ - CPU 0/TCG thread: Mems_allowed_list 1$'
check "nothing left in the guest's cgroup tree" [ -z "$(section left)" ]

echo "# guest:"
section env | sed 's/^/#   /'
section tap | grep -E '^#' | sed 's/^/#   /'
echo "1..$n"
if [ $failed -gt 0 ]; then
        qemu_failed_console
        exit 1
fi
