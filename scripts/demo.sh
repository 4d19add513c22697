#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vmplace quickstart on a fresh Debian 12 machine, as root: installs the
# dependencies, builds, starts a real libvirtd, installs the hook and a demo
# profile, starts real QEMU VMs and shows what vmplace decided for them.
# It installs into /etc/vmplace and /etc/libvirt/hooks/qemu.d; `demo.sh
# --clean` removes the demo VMs and puts those directories (and /run/vmplace)
# back as the first run found them.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
URI=qemu:///system
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

# What the demo found in /etc/vmplace, /etc/libvirt/hooks and /run/vmplace
# before it installed anything (scripts/hoststate.sh): --clean puts it back.
hoststate=/var/lib/vmplace-demo/hoststate
vms() {
        local d
        for d in vmplace-demo-1 vmplace-demo-2; do
                virsh -c $URI destroy $d >/dev/null 2>&1 || true
                virsh -c $URI undefine $d >/dev/null 2>&1 || true
        done
        rm -f /tmp/vmplace-demo-1.xml /tmp/vmplace-demo-2.xml
}
if [ "${1:-}" = "--clean" ]; then
        command -v virsh >/dev/null && vms
        "$src/scripts/hoststate.sh" restore "$hoststate"
        exit 0
fi

say "installing dependencies and building"
"$src/scripts/install-deps.sh"
BUILD_DIR=$src/build "$src/scripts/build.sh"
VMPLACE=$src/build/cli/vmplace

say "starting libvirtd"
"$src/scripts/libvirt-up.sh"
virsh -c $URI version | sed -n 1,4p

say "installing the hook and a demo profile"
vms
"$src/scripts/hoststate.sh" save "$hoststate"
mkdir -p /etc/libvirt/hooks/qemu.d /etc/vmplace/profiles.d
ln -sf "$src/build/hook/vmplace-hook" /etc/libvirt/hooks/qemu.d/50-vmplace
[ -e /etc/vmplace/vmplace.ini ] || printf '[host]\non_error = refuse\n' >/etc/vmplace/vmplace.ini
cat >/etc/vmplace/profiles.d/demo.ini <<'INI'
; Demo class: one exclusive host CPU per vCPU, memory bound to its node.
[match]
names = vmplace-demo-*
[cputune]
shares = 2048
vcpu_period = 100000
vcpu_quota = 80000
[placement]
cpu_policy = dedicated
INI
chmod 644 /etc/vmplace/vmplace.ini /etc/vmplace/profiles.d/demo.ini
# libvirt notices new hooks only at start or on SIGHUP
if [ -d /run/systemd/system ]; then systemctl reload libvirtd 2>/dev/null || true
else pkill -HUP -x libvirtd; fi
sleep 1
"$src/scripts/libvirt-up.sh"
run "$VMPLACE" validate

say "the host as vmplace sees it"
run "$VMPLACE" topology

ncpu=$(nproc)
mkvm() { "$src/scripts/minivm-xml.sh" "$@"; }
mkvm vmplace-demo-1 1 >/tmp/vmplace-demo-1.xml
mkvm vmplace-demo-2 "$ncpu" >/tmp/vmplace-demo-2.xml
virsh -c $URI define /tmp/vmplace-demo-1.xml >/dev/null
virsh -c $URI define /tmp/vmplace-demo-2.xml >/dev/null

say "what vmplace would do with vmplace-demo-1 (dry run, nothing committed)"
run "$VMPLACE" plan vmplace-demo-1

say "starting vmplace-demo-1: the hook plans it at prepare and enforces it at started"
run virsh -c $URI start vmplace-demo-1

say "telling libvirt, so virsh shows the placement (the vmplace-agent service does this on every start)"
run "$src/build/agent/vmplace-agent" -c $URI --once
run virsh -c $URI vcpupin vmplace-demo-1
run virsh -c $URI emulatorpin vmplace-demo-1
run "$VMPLACE" status

say "what the kernel now says (cgroup files and thread affinity)"
pid=$(cat /run/libvirt/qemu/vmplace-demo-1.pid)
cpu_dir=/sys/fs/cgroup/cpu$(sed -n 's/^[0-9]*:cpu:\(.*\)\/emulator$/\1/p' /proc/$pid/cgroup)
set_dir=/sys/fs/cgroup/cpuset$(sed -n 's/^[0-9]*:cpuset:\(.*\)\/emulator$/\1/p' /proc/$pid/cgroup)
if [ -d /sys/fs/cgroup/cpu ] && [ -d "$cpu_dir" ]; then
        for f in cpu.shares vcpu0/cpu.cfs_period_us vcpu0/cpu.cfs_quota_us; do
                printf '  %-40s %s\n' "$f" "$(cat "$cpu_dir/$f")"
        done
        for f in vcpu0/cpuset.cpus vcpu0/cpuset.mems emulator/cpuset.cpus; do
                printf '  %-40s %s\n' "$f" "$(cat "$set_dir/$f")"
        done
fi
for t in /proc/$pid/task/*; do
        printf '  thread %-6s %-18s Cpus_allowed_list %s\n' "$(basename "$t")" "$(cat "$t/comm")" \
                "$(awk '/Cpus_allowed_list/ {print $2}' "$t/status")"
done
run "$src/build/enforcer/vmplace-enforce" --check vmplace-demo-1

say "vmplace-demo-2 wants $ncpu dedicated CPUs; one is taken: the hook refuses"
set +e
virsh -c $URI start vmplace-demo-2
rc=$?
set -e
echo "(virsh start exit status: $rc)"

say "stopping: the hook frees the CPUs"
run virsh -c $URI destroy vmplace-demo-1
run "$VMPLACE" status
echo
echo "Done. Remove the demo with: $0 --clean"
