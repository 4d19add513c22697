#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# boot.sh: boot a Debian cloud kernel under qemu-system-x86_64 on an initramfs
# made by tests/qemu/mkinitrd.sh, with NUMA nodes and SMT, and print the
# guest's serial console on stdout until it powers off.
#
#   tests/qemu/boot.sh [OPTIONS] INITRD
#   tests/qemu/boot.sh --kernel          fetch the kernel if needed, print its path
#
#   --node CPUS:MIB   one guest NUMA node (ids in order from 0) with those CPUs
#                     and MiB of RAM; CPUS may be empty for a memory-only node.
#                     Default: --node 0-1:512 --node 2-3:512
#   --dist A:B:D      distance from node A to node B (both ways); QEMU's default
#                     is 10 local, 20 remote
#   --smp SPEC        qemu -smp; default 4,sockets=2,cores=1,threads=2 (CPUs 0-1
#                     are the two threads of socket 0's core, 2-3 of socket 1's)
#   --append ARGS     more kernel command line (after
#                     "console=ttyS0 quiet cgroup_no_v1=all panic=-1": cgroup v2 only)
#   --timeout S       kill QEMU after S seconds (default 90); exit 124 then
#   --cpu MODEL       qemu -cpu; default host under KVM, else
#                     qemu64,vendor=GenuineIntel: TCG's default CPUs are
#                     AMD-family, for which QEMU cannot present SMT threads
#                     (the guest would see 4 single-thread cores)
#   --qemu ARG        pass ARG to QEMU (repeatable)
#
# Uses KVM when a trial boot shows it can run the guest (tests/qemu/accel.sh:
# a writable /dev/kvm is not enough), else TCG (a guest boots to /init in ~4 s);
# the one line saying which, and why not KVM, goes to stderr.
# The kernel is linux-image-<version>-cloud-amd64, the version Debian's
# linux-image-cloud-amd64 depends on, fetched with `apt-get download` (no
# install) and cached as vmlinuz in $VMPLACE_QEMU_CACHE, else
# $VMPLACE_BUILD/qemu-cache, else /tmp/vmplace-qemu-cache; $VMPLACE_QEMU_KERNEL
# names a kernel to use instead. qemu-system-x86 is installed with apt-get if
# missing and we are root. Exit: QEMU's status (0 when the guest powered off),
# 124 on timeout, 3 when the kernel or QEMU cannot be had.
set -euo pipefail
. "$(dirname "$0")/guestlib.sh"

die() {
        echo "boot.sh: $*" >&2
        exit "${2:-1}"
}

cache=${VMPLACE_QEMU_CACHE:-${VMPLACE_BUILD:+$VMPLACE_BUILD/qemu-cache}}
cache=${cache:-/tmp/vmplace-qemu-cache}

get_kernel() {
        if [ -n "${VMPLACE_QEMU_KERNEL:-}" ]; then
                echo "$VMPLACE_QEMU_KERNEL"
                return
        fi
        mkdir -p "$cache"
        local k=$cache/vmlinuz
        (
                flock 9
                [ -s "$k" ] && exit 0
                command -v apt-get >/dev/null || die "no kernel cached and no apt-get" 3
                local pkg dl
                pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
                        awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
                if [ -z "$pkg" ]; then
                        apt-get update >/dev/null 2>&1 || true
                        pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
                                awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
                fi
                [ -n "$pkg" ] || die "cannot resolve linux-image-cloud-amd64" 3
                dl=$(mktemp -d "$cache/kernel-dl.XXXXXX")
                # as root apt-get warns that _apt cannot write here; harmless
                if ! (cd "$dl" && apt-get download "$pkg" >/dev/null 2>&1); then
                        apt-get update >/dev/null 2>&1 || true
                        (cd "$dl" && apt-get download "$pkg" >/dev/null) ||
                                { rm -rf "$dl"; die "cannot download $pkg" 3; }
                fi
                # only boot/ is needed: skip unpacking the modules
                dpkg-deb --fsys-tarfile "$dl"/"$pkg"_*.deb | tar -x -C "$dl" --wildcards './boot/vmlinuz-*'
                cp "$dl"/boot/vmlinuz-* "$k.tmp" && mv "$k.tmp" "$k"
                echo "$pkg" >"$cache/vmlinuz.package"
                rm -rf "$dl"
        ) 9>"$cache/.kernel.lock" || return $?
        echo "$k"
}

nodes=() dists=() qemu_extra=()
smp=4,sockets=2,cores=1,threads=2
append='' timeout_s=90 initrd='' cpu=''
while [ $# -gt 0 ]; do
        case $1 in
        --kernel)
                get_kernel
                exit
                ;;
        --node) nodes+=("$2") && shift 2 ;;
        --dist) dists+=("$2") && shift 2 ;;
        --smp) smp=$2 && shift 2 ;;
        --cpu) cpu=$2 && shift 2 ;;
        --append) append=$2 && shift 2 ;;
        --timeout) timeout_s=$2 && shift 2 ;;
        --qemu) qemu_extra+=("$2") && shift 2 ;;
        -*) die "unknown option $1" ;;
        *) initrd=$1 && shift ;;
        esac
done
[ -n "$initrd" ] || die "usage: boot.sh [OPTIONS] INITRD (see the top of this script)"
[ -f "$initrd" ] || die "$initrd: no such file"
[ ${#nodes[@]} -gt 0 ] || nodes=(0-1:512 2-3:512)

if ! command -v qemu-system-x86_64 >/dev/null; then
        if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
                die "qemu-system-x86_64 missing" 3
        fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
                qemu-system-x86 >/dev/null 2>&1 || die "cannot install qemu-system-x86" 3
fi
kernel=$(get_kernel) || exit $?

args=(-M q35 -smp "$smp" -nodefaults -display none -monitor none -serial stdio -no-reboot)
accel=$("$(dirname "$0")/accel.sh" "$kernel" "$cache") || exit 3
[ "$accel" = kvm ] || accel=tcg
args+=(-accel "$accel" -cpu "${cpu:-$(qemu_cpu "$accel")}")
total=0 id=0
for n in "${nodes[@]}"; do
        cpus=${n%%:*} mib=${n#*:}
        [[ $mib =~ ^[0-9]+$ ]] || die "--node $n: expected CPUS:MIB"
        args+=(-object "memory-backend-ram,id=m$id,size=${mib}M")
        args+=(-numa "node,nodeid=$id${cpus:+,cpus=$cpus},memdev=m$id")
        total=$((total + mib)) id=$((id + 1))
done
for d in "${dists[@]}"; do
        IFS=: read -r a b v <<<"$d"
        args+=(-numa "dist,src=$a,dst=$b,val=$v")
done
args+=(-m "${total}M" -kernel "$kernel" -initrd "$initrd")
args+=(-append "console=ttyS0 quiet cgroup_no_v1=all panic=-1${append:+ $append}")

rc=0
timeout -k 5 "$timeout_s" qemu-system-x86_64 "${args[@]}" "${qemu_extra[@]}" </dev/null || rc=$?
[ $rc -ne 124 ] || echo "boot.sh: guest still running after ${timeout_s}s, killed" >&2
exit $rc
