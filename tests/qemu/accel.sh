#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# accel.sh: the accelerator QEMU can really run a guest with on this machine.
#
#   tests/qemu/accel.sh KERNEL [CACHEDIR]
#
# Prints "kvm" or "tcg" on stdout. A writable /dev/kvm is not proof that KVM
# works: on some hosts nested KVM cannot run a `-cpu host` guest, and QEMU
# aborts at once (`failed to set MSR 0x10a`, an assertion in kvm.c) or the
# guest spins without printing. So KVM is tried once: KERNEL boots with no
# root file system under `-accel kvm -cpu host`, and KVM counts as working only
# when the kernel got as far as its panic at mounting root (panic=-1 with
# -no-reboot makes QEMU exit then) within 20 s. Otherwise one line on stderr
# says why and the answer is tcg.
#
# The verdict is kept for this boot of the host (keyed by its boot id and the
# QEMU binary) in CACHEDIR, default /tmp/vmplace-qemu-cache. VMPLACE_QEMU_ACCEL
# (kvm or tcg) overrides the trial; VMPLACE_KVM_DEV names the device to look
# for (default /dev/kvm; tests point it elsewhere).
# Exit: 0 with an answer, 2 usage.
set -euo pipefail

kernel=${1:-}
cache=${2:-/tmp/vmplace-qemu-cache}
[ -n "$kernel" ] && [ -f "$kernel" ] || {
        echo "usage: accel.sh KERNEL [CACHEDIR]" >&2
        exit 2
}
case ${VMPLACE_QEMU_ACCEL:-} in
kvm | tcg)
        echo "$VMPLACE_QEMU_ACCEL"
        exit 0
        ;;
'') ;;
*)
        echo "accel.sh: VMPLACE_QEMU_ACCEL=$VMPLACE_QEMU_ACCEL: expected kvm or tcg" >&2
        exit 2
        ;;
esac
dev=${VMPLACE_KVM_DEV:-/dev/kvm}
if [ ! -e "$dev" ]; then
        echo "qemu: no $dev: using TCG (software emulation)" >&2
        echo tcg
        exit 0
fi
if [ ! -w "$dev" ]; then
        echo "qemu: $dev is not writable: using TCG (software emulation)" >&2
        echo tcg
        exit 0
fi

qemu=$(command -v qemu-system-x86_64) || {
        echo tcg
        exit 0
}
boot_id=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown)
key="$boot_id $(stat -c '%i %Y' "$qemu") $dev"
mkdir -p "$cache"
verdict=$cache/accel
if [ -f "$verdict" ] && [ "$(sed -n 1p "$verdict")" = "$key" ]; then
        sed -n 2p "$verdict"
        sed -n '3p' "$verdict" | grep . >&2 || true
        exit 0
fi

log=$(mktemp "$cache/accel-trial.XXXXXX")
trap 'rm -f "$log"' EXIT
rc=0
# (in a group whose stderr is the log: bash's own "Aborted" report of an
# aborting QEMU goes there too, not to the caller)
{ timeout -k 5 20 "$qemu" -M q35 -accel kvm -cpu host -m 256 -smp 1 -nodefaults \
        -display none -monitor none -serial stdio -no-reboot -kernel "$kernel" \
        -append "console=ttyS0 panic=-1" </dev/null; } >"$log" 2>&1 || rc=$?
why=
if grep -q 'Kernel panic' "$log"; then
        answer=kvm
else
        answer=tcg
        if [ $rc = 124 ]; then
                why="the trial guest printed no panic in 20 s"
        else
                why=$(grep -m1 -iE 'error|assert|fail' "$log" | tr -d '\r' || true)
                why=${why:-QEMU exited $rc}
        fi
        why="qemu: KVM cannot run a -cpu host guest here ($why): using TCG (software emulation)"
        echo "$why" >&2
fi
printf '%s\n%s\n%s\n' "$key" "$answer" "$why" >"$verdict.tmp"
mv "$verdict.tmp" "$verdict"
echo "$answer"
