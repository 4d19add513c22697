#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The model-based randomized tester of issue "Guarantee"
# (tests/sh/guarantee_model.py): random sequences of VM starts, stops, crashes,
# libvirtd restarts, apply, enforce, config edits, kills of any hook call,
# concurrent starts, a held lock, the run dir lost and a FIFO in it, driven
# through the real programs with stand-in QEMU processes whose real thread
# affinity is checked against I1-I7 after every step. MODEL_SEEDS seeds of
# MODEL_STEPS steps each (CI: 5 x 400); MODEL_SEED picks the first seed
# (default: from the pid) so a failure names the seed that reproduces it.
. "$(dirname "$0")/lib.sh"
scratch
need flock util-linux
STANDIN=$VMPLACE_BUILD/tests/standin_qemu
need_file "$STANDIN" "(the build's standin_qemu target)"
export VMPLACE_PROC=$W/proc VMPLACE_SYSFS=$W/sys
export HOOK CLI ENFORCE W STANDIN
# counts, not lists: a typo must fail, not plan 0 tests and pass
for v in "${MODEL_SEEDS:-5}" "${MODEL_STEPS:-400}" "${MODEL_SEED:-1}"; do
        [[ $v =~ ^[1-9][0-9]*$ ]] || { ok 1 "MODEL_SEEDS, MODEL_STEPS and MODEL_SEED are numbers (got '$v')"; done_testing; exit 1; }
done
seed0=${MODEL_SEED:-$$}
total=0
for i in $(seq 0 $((${MODEL_SEEDS:-5} - 1))); do
        seed=$((seed0 + i))
        rm -rf "$W/run" "$W/lvrun" "$W/proc" "$W/cgroup" "$W/sys" "$W"/conf/profiles.d/*
        out=$(python3 "$VMPLACE_SRC/tests/sh/guarantee_model.py" "${MODEL_STEPS:-400}" "$seed")
        rc=$?
        printf '%s\n' "$out" | grep '^#'
        res=$(printf '%s\n' "$out" | grep '^{')
        is "$rc" 0 "seed $seed: no invariant broken"
        is "$(jget - 'j["violations"]' <<<"$res" 2>/dev/null)" 0 "seed $seed: violations = 0"
        steps=$(jget - 'j["steps"]' <<<"$res" 2>/dev/null)
        is "$steps" "${MODEL_STEPS:-400}" "seed $seed: every step run"
        # the runs must have exercised what they claim
        ok "$(jget - 'int(not (j["admitted"] > 0 and j["refused"] + j["started_failed"] > 0 and j["kills"] > 0))' <<<"$res" 2>/dev/null || echo 1)" \
                "seed $seed: VMs admitted, refused and hook calls killed"
        total=$((total + ${steps:-0}))
done
echo "# $total steps"
done_testing
