#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/qemu/accel.sh, the choice of accelerator for the QEMU-booted tests and
# the lab: KVM only when a trial boot shows it can run a -cpu host guest. The
# machines differ (no /dev/kvm; a /dev/kvm whose nested KVM aborts at once,
# "failed to set MSR 0x10a"; a KVM that works), and one machine shows only
# one of them, so each is played here by a stand-in qemu-system-x86_64 that
# answers the trial as that machine's QEMU did. The real QEMU-booted tests
# (test_*_qemu.sh, the lab) run on whatever this machine has.
. "$(dirname "$0")/lib.sh"
ACCEL=$VMPLACE_SRC/tests/qemu/accel.sh
W=$(mktemp -d /tmp/vmplace-accel.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir "$W/bin"
cat >"$W/bin/qemu-system-x86_64" <<'SH'
#!/bin/sh
echo "$*" >>"$FAKE_CALLS"
case $FAKE in
msr) # Debian 12's QEMU on a host whose nested KVM cannot take the MSR
        echo "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69" >&2
        echo "qemu-system-x86_64: ../../target/i386/kvm/kvm.c:3183: kvm_buf_set_msrs: Assertion \`ret == cpu->kvm_msr_buf->nmsrs' failed." >&2
        exit 134 ;;
ok) # the kernel boots, finds no root file system and panics
        echo "[    0.000000] Linux version 6.1.0"
        echo "[    0.512345] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)"
        exit 0 ;;
esac
exit 1
SH
chmod 755 "$W/bin/qemu-system-x86_64"
: >"$W/vmlinuz"
: >"$W/kvm"
export FAKE_CALLS=$W/calls
unset VMPLACE_QEMU_ACCEL
calls() { [ -f "$W/calls" ] && wc -l <"$W/calls" || echo 0; }
run() { # run CACHE: accel.sh with the stand-in first on PATH; stdout, then stderr on line 2+
        PATH=$W/bin:$PATH "$ACCEL" "$W/vmlinuz" "$1" 2>"$W/err"
}

out=$(VMPLACE_KVM_DEV=$W/none run "$W/c0")
is "$out" tcg "no KVM device: tcg"
like "$(cat "$W/err")" "no $W/none: using TCG" "... saying so in one line"
is "$(calls)" 0 "... without a trial"

out=$(FAKE=msr VMPLACE_KVM_DEV=$W/kvm run "$W/c1")
is "$out" tcg "KVM that aborts (failed to set MSR): tcg"
is "$(wc -l <"$W/err")" 1 "... one line on stderr"
like "$(cat "$W/err")" "failed to set MSR 0x10a" "... quoting QEMU's error"
like "$(cat "$W/err")" "using TCG" "... and saying what is used instead"
like "$(cat "$W/calls")" "-accel kvm -cpu host" "the trial runs KVM with -cpu host, as the tests do"
n=$(calls)
out=$(FAKE=ok VMPLACE_KVM_DEV=$W/kvm run "$W/c1")
is "$out" tcg "the verdict is kept for this boot of the host"
is "$(calls)" "$n" "... no second trial"
like "$(cat "$W/err")" "failed to set MSR 0x10a" "... and its reason is said again"

out=$(FAKE=ok VMPLACE_KVM_DEV=$W/kvm run "$W/c2")
is "$out" kvm "KVM whose trial kernel reaches its panic: kvm"
is "$(cat "$W/err")" "" "... quietly"

out=$(FAKE=msr VMPLACE_KVM_DEV=$W/kvm VMPLACE_QEMU_ACCEL=kvm run "$W/c3")
is "$out" kvm "VMPLACE_QEMU_ACCEL overrides the trial"
VMPLACE_QEMU_ACCEL=both run "$W/c3" >/dev/null
is $? 2 "a VMPLACE_QEMU_ACCEL other than kvm or tcg: exit 2"

# this machine, for the record: what the QEMU-booted tests will use here
kernel=$("$VMPLACE_SRC/tests/qemu/boot.sh" --kernel 2>/dev/null) || kernel=
if [ -n "$kernel" ]; then
        out=$("$ACCEL" "$kernel" "$W/real" 2>"$W/err")
        case $out in kvm | tcg) ok 0 "this machine: $out" ;; *) ok 1 "this machine: '$out'" ;; esac
        [ ! -s "$W/err" ] || sed 's/^/# /' "$W/err"
fi
done_testing
