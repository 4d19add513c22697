#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# lab.sh: prove vmplace end to end on the kind of host it is made for — systemd
# as PID 1, cgroup v2 only, 2 NUMA nodes with SMT siblings — by booting one
# under qemu-system-x86_64 (software emulation) and running
# tests/lab/run-in-guest.sh inside it: the package installed with dpkg on the
# running system, a nested QEMU domain under the real libvirtd, the hook's
# values read back from the kernel, through daemon-reload and a libvirtd
# restart. Prints each check and a summary; exit 0 only when all passed.
#
#   tests/lab/lab.sh [--deb FILE] [--cache DIR] [--timeout S] [--keep] [--if-cached]
#
#   --deb FILE    the vmplace .deb to install (default: build one from this
#                 tree's git HEAD with packaging/build-deb.sh)
#   --cache DIR   where the base image is kept between runs
#                 (default $VMPLACE_LAB_CACHE, else /var/cache/vmplace-lab)
#   --timeout S   give up on the guest after S seconds (default 1800)
#   --keep        keep the run directory (overlay, serial log, results)
#   --if-cached   exit 77 (skip) at once when the base image is not cached
#                 instead of building it (CI: a cold build takes ~25 min)
#
# Needs root (debootstrap), qemu-system-x86, qemu-utils, debootstrap,
# e2fsprogs; Debian's mirror only for the first build of the base image.
# Exit: 0 all checks passed, 1 a check failed or the guest did not finish,
# 2 usage, 3 the image or the package could not be built.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
. "$src/tests/qemu/guestlib.sh"
here=$src/tests/lab
deb= keep=0 timeout=1800 if_cached=0
cache=${VMPLACE_LAB_CACHE:-/var/cache/vmplace-lab}
usage() {
	sed -n '/^#   tests/,/^#  *instead of building/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case "$1" in
	--deb) deb=$(realpath "${2:?}") && shift 2 ;;
	--cache) cache=${2:?} && shift 2 ;;
	--timeout) timeout=${2:?} && shift 2 ;;
	--keep) keep=1 && shift ;;
	--if-cached) if_cached=1 && shift ;;
	-h | --help) usage ;;
	*) usage ;;
	esac
done
if [ "$if_cached" = 1 ] && ! "$here/image.sh" --cached "$cache" >/dev/null; then
	echo "lab: SKIP: no base image cached in $cache (build it with tests/lab/lab.sh)"
	exit 77
fi
t_start=$(date +%s)
elapsed() { echo "$(($(date +%s) - t_start)) s"; }

work=$(mktemp -d /tmp/vmplace-lab.XXXXXX)
qpid=
cleanup() {
	[ -z "$qpid" ] || kill "$qpid" 2>/dev/null || true
	if [ "$keep" = 1 ]; then echo "lab: run directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
share=$work/share
mkdir -p "$share"

if [ -z "$deb" ]; then
	echo "lab: building the package from git HEAD ($(git -C "$src" rev-parse --short HEAD))"
	"$src/packaging/build-deb.sh" "$work/dist" >"$work/build-deb.log" 2>&1 ||
		{ tail -20 "$work/build-deb.log"; echo "lab: FAIL: the package did not build"; exit 3; }
	deb=$(ls "$work"/dist/vmplace_*.deb | head -1)
fi
[ -f "$deb" ] || { echo "lab: no such package: $deb" >&2; exit 3; }
cp "$deb" "$share/vmplace.deb"
echo "lab: package $(basename "$deb")"

echo "lab: base image (cache $cache)"
img=$("$here/image.sh" "$cache") || { echo "lab: FAIL: no base image"; exit 3; }
echo "lab: base image $img ready at $(elapsed)"

install -m 0755 "$here/run-in-guest.sh" "$share/run-in-guest.sh"
# The share is a second disk (Debian's cloud kernel has no 9p): an ext4 image
# made and read back without mounting it (mkfs.ext4 -d, debugfs rdump).
mkfs.ext4 -q -F -L lab-share -d "$share" "$work/share.img" 256M >/dev/null
qemu-img create -q -f qcow2 -b "$img/base.raw" -F raw "$work/run.qcow2"

# 4 vCPUs: 2 sockets of one core with 2 threads, one socket per node, so
# the CPU model must show SMT (qemu_cpu says how).
# KVM only where a trial boot shows it can run a -cpu host guest: a writable
# /dev/kvm is not enough (tests/qemu/accel.sh says why in one line when not).
accel=$("$src/tests/qemu/accel.sh" "$img/vmlinuz" "$cache") || { echo "lab: FAIL: accel.sh"; exit 3; }
cpu=$(qemu_cpu "$accel")
echo "lab: booting the lab guest ($accel; serial log $work/serial.log)"
timeout -k 10 "$timeout" qemu-system-x86_64 -M q35 -accel "$accel" -cpu "$cpu" \
	-m 2048 -smp 4,sockets=2,cores=1,threads=2 \
	-object memory-backend-ram,id=m0,size=1024M -object memory-backend-ram,id=m1,size=1024M \
	-numa node,nodeid=0,cpus=0-1,memdev=m0 -numa node,nodeid=1,cpus=2-3,memdev=m1 \
	-kernel "$img/vmlinuz" -initrd "$img/initrd.img" \
	-append "root=/dev/vda rw console=ttyS0 systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all panic=-1 systemd.show_status=0" \
	-drive file="$work/run.qcow2",if=virtio,format=qcow2 \
	-drive file="$work/share.img",if=virtio,format=raw \
	-nic none -display none -monitor none -serial file:"$work/serial.log" -no-reboot &
qpid=$!
rc=0
wait "$qpid" || rc=$?
qpid=
echo "lab: guest exited ($rc) at $(elapsed)"
out=$work/out
debugfs -R "rdump /out $work" "$work/share.img" >/dev/null 2>&1 || true
mkdir -p "$out"

[ -f "$out/results.txt" ] && grep -E '^(PASS|FAIL): ' "$out/results.txt"
grc=$(cat "$out/guest.rc" 2>/dev/null || echo none)
if [ "$rc" = 0 ] && [ "$grc" = 0 ] && grep -q '^SUMMARY: .* 0 failed' "$out/results.txt"; then
	echo "lab: PASS: $(sed -n 's/^SUMMARY: //p' "$out/results.txt") in $(elapsed)"
	exit 0
fi
[ "$rc" = 124 ] && echo "lab: the guest did not finish within $timeout s"
echo "---- guest's output (tail)"
tail -40 "$out/guest.log" 2>/dev/null || true
echo "---- serial console (tail)"
tail -40 "$work/serial.log" 2>/dev/null || true
echo "---- journal: libvirtd, vmplace, lab-runner (tail)"
grep -E 'libvirt|vmplace|lab-runner|qemu' "$out/journal.txt" 2>/dev/null | tail -40 || true
echo "lab: FAIL: $(sed -n 's/^SUMMARY: //p' "$out/results.txt" 2>/dev/null || echo 'no summary') (guest rc $grc, qemu rc $rc) in $(elapsed)"
exit 1
