#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The model-based tester of issue "Guarantee" (tests/sh/guarantee_model.py)
# on the real libvirtd with real QEMU VMs: a smaller run of the same model.
# virsh starts (one at a time and several at once, also while the ledger
# lock is held) and destroys nine domains of dedicated, shared, none and
# unmanaged classes, libvirtd restarts (reconnect) and a QEMU dies while it
# is down, `vmplace apply`, `vmplace-enforce --all`, config edits, the run dir
# lost and a FIFO ledger; after every step the invariants are checked
# against the QEMU threads' real affinity. vmplace-agent runs throughout,
# telling libvirt each placement as VMs come and go (its calls make libvirt
# write the cgroups too: a told placement that is out of date by then would
# show here). MODEL_LV_STEPS (default 40), MODEL_SEED (default from the pid).
. "$(dirname "$0")/lib.sh"
scratch
need virsh libvirt-clients
tag=vpm$$
LV_VMS=
for d in ded-1 ded-2 ded-3 shr-1 shr-2 non-1 non-2 um-1 um-2; do LV_VMS="$LV_VMS $d-$tag"; done
libvirt_setup "model-$tag"
lv_reload
VMPLACE_CONFDIR=$W/conf VMPLACE_RUNDIR=$W/run "$AGENT" -c "$URI" 2>"$W/agent.log" &
agent=$!
trap 'kill $agent 2>/dev/null; wait $agent 2>/dev/null; lv_cleanup' EXIT
seed=${MODEL_SEED:-$$}
steps=${MODEL_LV_STEPS:-40}
out=$(MODEL_LIBVIRT=1 MODEL_TAG=$tag LIBVIRT_UP=$VMPLACE_SRC/scripts/libvirt-up.sh \
        HOOK=$HOOK CLI=$CLI ENFORCE=$ENFORCE W=$W \
        python3 "$VMPLACE_SRC/tests/sh/guarantee_model.py" "$steps" "$seed")
rc=$?
printf '%s\n' "$out" | grep '^#'
res=$(printf '%s\n' "$out" | grep '^{')
is "$rc" 0 "seed $seed: no invariant broken on the real libvirtd"
is "$(jget - 'j["violations"]' <<<"$res" 2>/dev/null)" 0 "seed $seed: violations = 0"
is "$(jget - 'j["steps"]' <<<"$res" 2>/dev/null)" "$steps" "seed $seed: every step run"
ok "$(jget - 'int(not (j["admitted"] > 0 and j["refused"] > 0))' <<<"$res" 2>/dev/null || echo 1)" \
        "seed $seed: VMs admitted and refused"
is "$(jget "$W/run/ledger.json" 'len(j["entries"])' 2>/dev/null || echo 0)" 0 \
        "every VM destroyed: the ledger is empty"
kill -0 $agent 2>/dev/null; is $? 0 "vmplace-agent ran throughout"
told=$(grep -c "live definition now says" "$W/agent.log")
ok "$([ "$told" -gt 0 ]; echo $?)" "and told libvirt $told placements ($(grep -c disagrees "$W/agent.log") left for a later pass)"
done_testing
