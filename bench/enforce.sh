#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark 2: `vmplace-enforce` applying shares, vCPU and emulator CFS quotas
# and vCPU/emulator pins to a running VM, against the same settings made with
# virsh: 4 virsh processes (schedinfo, vcpupin x2, emulatorpin; what a script
# would run) and, for reference, one virsh process running the 4 commands.
# Needs a real libvirtd and QEMU; takes /tmp/vmplace-libvirt.lock (shared with
# the libvirt tests) for the whole run, starts one VM named vpb-PID-e and
# removes it at the end. Both ways must leave the same cgroup values; they
# are printed. Rounds interleave the three cases; the ratio is the median
# over rounds of (virsh median / enforce median) of the round.
# Usage: bench/enforce.sh BUILD_DIR [RUNS]   (default 100 enforcer runs; virsh
# cases run RUNS/5 times)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/bench/lib.sh"
build=$(cd "${1:?usage: bench/enforce.sh BUILD_DIR [RUNS]}" && pwd)
runs=${2:-100}
rounds=$((runs >= 50 ? 5 : 1))
H=$build/hook/vmplace-hook
URI=qemu:///system
V="virsh -q -c $URI"
dom=vpb-$$-e
W=$(mktemp -d /tmp/vmplace-bench.XXXXXX)
# the run dir on tmpfs, as /run/vmplace is in production (and in benchmark 1):
# on a disk each of the enforcer's two ledger writes pays an fsync
R=$(mktemp -d /dev/shm/vmplace-bench.XXXXXX)
cleanup() {
        $V destroy "$dom" >/dev/null 2>&1 || true
        $V undefine "$dom" >/dev/null 2>&1 || true
        rm -rf "$W" "$R"
}
# timed from an installed copy, as the hook in benchmark 1 (bench/lib.sh)
E=$W/vmplace-enforce
install -m 0755 "$build/enforcer/vmplace-enforce" "$E"
exec 9>/tmp/vmplace-libvirt.lock
flock 9
trap cleanup EXIT
# shellcheck disable=SC2086 # one name per word
(unset ${!VMPLACE_*}; "$src/scripts/libvirt-up.sh") >/dev/null
cc -O2 -o "$W/runner" "$src/bench/runner.c"

last=$(($(nproc) - 1))
mkdir -p "$W/conf/profiles.d"
printf '[host]\n' >"$W/conf/vmplace.ini"
cat >"$W/conf/profiles.d/bench.ini" <<INI
[match]
names = vpb-*
[cputune]
shares = 2048
vcpu_period = 100000
vcpu_quota = 50000
emulator_period = 100000
emulator_quota = 20000
vcpupin.0 = 0
vcpupin.1 = $last
emulatorpin = 0-$last
INI
chmod -R go-w "$W/conf"
"$src/scripts/minivm-xml.sh" "$dom" 2 >"$W/dom.xml"
$V define "$W/dom.xml" >/dev/null
$V start "$dom" >/dev/null
export VMPLACE_CONFDIR=$W/conf VMPLACE_RUNDIR=$R/run
# the plan, as the hook's prepare records it (our hook is not installed:
# the VM starts unplaced and the enforcer places it)
$V dumpxml "$dom" | "$H" "$dom" prepare begin -

pid=$(cat "/run/libvirt/qemu/$dom.pid")
# cgdir CONTROLLER: the VM's group in that v1 hierarchy (QEMU sits in emulator/)
cgdir() {
        local p
        p=$(awk -F: -v c="$1" '{n = split($2, a, ","); for (i = 1; i <= n; i++)
                if (a[i] == c) { print $3; exit } }' "/proc/$pid/cgroup")
        echo "/sys/fs/cgroup/$1${p%/emulator}"
}
cg=$(cgdir cpu) cs=$(cgdir cpuset)
values() {
        printf 'cpu.shares=%s vcpu0.quota=%s emulator.quota=%s vcpu1.cpus=%s emulator.cpus=%s' \
                "$(cat "$cg/cpu.shares")" "$(cat "$cg/vcpu0/cpu.cfs_quota_us")" \
                "$(cat "$cg/emulator/cpu.cfs_quota_us")" "$(cat "$cs/vcpu1/cpuset.cpus")" \
                "$(cat "$cs/emulator/cpuset.cpus")"
}
# neutral values between the cases, so each one really changes something
reset() {
        $V "schedinfo $dom --live cpu_shares=1024 vcpu_quota=-1 emulator_quota=-1; \
            vcpupin $dom 0 0-$last --live; vcpupin $dom 1 0-$last --live" >/dev/null
}
cat >"$W/seq.sh" <<SH
$V schedinfo $dom --live cpu_shares=2048 vcpu_period=100000 vcpu_quota=50000 emulator_period=100000 emulator_quota=20000 >/dev/null
$V vcpupin $dom 0 0 --live >/dev/null
$V vcpupin $dom 1 $last --live >/dev/null
$V emulatorpin $dom 0-$last --live >/dev/null
SH
cat >"$W/session.sh" <<SH
$V "schedinfo $dom --live cpu_shares=2048 vcpu_period=100000 vcpu_quota=50000 emulator_period=100000 emulator_quota=20000; vcpupin $dom 0 0 --live; vcpupin $dom 1 $last --live; emulatorpin $dom 0-$last --live" >/dev/null
SH

reset
"$E" "$dom" >/dev/null
v_enf=$(values)
reset
sh "$W/seq.sh"
v_seq=$(values)
reset
sh "$W/session.sh"
v_ses=$(values)

per=$((runs / rounds))
vper=$(((per + 4) / 5))
declare -a me ms mv rs rv
for ((r = 0; r < rounds; r++)); do
        read -r a _ < <("$W/runner" "$per" /dev/null "$E" "$dom")
        read -r b _ < <("$W/runner" "$vper" /dev/null /bin/sh "$W/seq.sh")
        read -r c _ < <("$W/runner" "$vper" /dev/null /bin/sh "$W/session.sh")
        me+=("$a") ms+=("$b") mv+=("$c")
        rs+=("$(ratio "$b" "$a")") rv+=("$(ratio "$c" "$a")")
done
med() { printf '%s\n' "$@" | median; }

echo "benchmark 2: vmplace-enforce vs virsh on a running VM ($runs enforcer runs, $rounds rounds)"
printf '%-34s %10s %14s\n' case median_us "x enforce"
printf '%-34s %10s %14s\n' "vmplace-enforce" "$(med "${me[@]}")" 1.00
printf '%-34s %10s %14s\n' "virsh x4 (schedinfo,vcpupin x2,emulatorpin)" "$(med "${ms[@]}")" "$(med "${rs[@]}")"
printf '%-34s %10s %14s\n' "virsh x1 (the 4 commands in one)" "$(med "${mv[@]}")" "$(med "${rv[@]}")"
echo "values after vmplace-enforce: $v_enf"
echo "values after virsh x4:        $v_seq"
echo "values after virsh x1:        $v_ses"
if [ "$v_enf" != "$v_seq" ] || [ "$v_enf" != "$v_ses" ]; then
        echo "bench/enforce.sh: the two ways left different values" >&2
        exit 1
fi
