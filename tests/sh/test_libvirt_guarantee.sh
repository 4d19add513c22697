#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The promise at its edges (issue "Guarantee": a dedicated CPU belongs to one
# VM), on the real libvirtd with real QEMU VMs, read back from the kernel
# (cgroup files and each thread's Cpus_allowed_list). The dedicated pool is
# two CPUs, 0-1, whatever the host has:
#   1. Two dedicated 1-vCPU VMs with the default emulator_policy = share. The
#      first's emulator floats over the shared pool, the other CPU; the second
#      takes that CPU. The first's emulator must leave it, in the kernel, by
#      the time the second runs (it falls back onto its own vCPU's CPU), and
#      float over the freed CPU again when the second stops. It stayed on the
#      second VM's CPU, with status --check and enforce --all content.
#   2. A floating VM (cpu_policy = shared) with a dedicated VM beside it: a
#      second dedicated VM would take the last shared CPU and leave the
#      floating VM on a CPU it holds exclusively: refused with one line
#      naming the floating VM; the floating VM keeps its CPU.
#   3. A VM whose profile leaves CPUs alone (shares only) and whose own XML
#      pins its vCPU to a dedicated VM's CPU: refused like the same pin in a
#      profile, naming the element. It was admitted and ran there.
#   4. The run dir lost between a dedicated VM's prepare and its started (a
#      started that finds no plan): the VM is placed then, its plan recorded
#      and enforced, instead of running unrecorded, its CPU free for the next.
#   5. The run dir lost while that VM runs (I3): the next dedicated VM's
#      prepare records the running one again from the kernel (its vCPU keeps
#      its CPU) and takes the other CPU. It was given the first VM's CPU
#      before I3, then refused until `vmplace apply` recorded it.
#   6. A start slower than the 60 s stale grace (a slow hook after vmplace's
#      holds a's start between prepare and QEMU's fork; its entry's created
#      is aged past the grace): while the libvirtd that ran its prepare runs,
#      a's CPU stays a's. Before, the next prepares reclaimed the entry and
#      handed its CPU out while libvirt went on to start a there.
. "$(dirname "$0")/lib.sh"
scratch
[ "$(nproc)" -ge 2 ] || { ok 1 "needs 2 CPUs, the host has $(nproc)"; done_testing; }
tag=vpg$$
LV_VMS="$tag-a $tag-b $tag-c $tag-s $tag-p"
libvirt_setup "guar-$tag"
printf '[host]\ndedicated_cpus = 0-1\n' >"$W/conf/vmplace.ini"
printf '[match]\nnames = %s-a, %s-b, %s-c\n[placement]\ncpu_policy = dedicated\n' \
        "$tag" "$tag" "$tag" >"$W/conf/profiles.d/ded.ini"
printf '[match]\nnames = %s-s\n[placement]\ncpu_policy = shared\n' "$tag" \
        >"$W/conf/profiles.d/float.ini"
printf '[match]\nnames = %s-p\n[cputune]\nshares = 512\n' "$tag" >"$W/conf/profiles.d/web.ini"
chmod 644 "$W"/conf/vmplace.ini "$W"/conf/profiles.d/*.ini
lv_reload
for d in a b c s; do
        "$VMPLACE_SRC/scripts/minivm-xml.sh" "$tag-$d" 1 >"$W/$d.xml"
        $V define "$W/$d.xml" >/dev/null
done

cpus() { cat "$(cgdir "$1" cpuset)/$2/cpuset.cpus" 2>/dev/null; }
aff() { # aff NAME COMM: Cpus_allowed_list of the domain's thread named COMM
        local pid t
        pid=$(qpid "$1")
        for t in /proc/$pid/task/*; do
                [ "$(cat "$t/comm")" = "$2" ] && awk '/Cpus_allowed_list/ {print $2}' "$t/status" && return
        done
}
held() { jget "$W/run/ledger.json" "[e['held'] for e in j['entries'] if e['name'] == '$1'][0]"; }

# ---- 1. two dedicated VMs, emulators shared ------------------------------------
$V start "$tag-a" >/dev/null; ok $? "dedicated VM a starts"
ha=$(held "$tag-a")
hb=$((1 - ha))
is "$(aff "$tag-a" "CPU 0/TCG")" "$ha" "a's vCPU runs on CPU $ha"
is "$(cpus "$tag-a" emulator)" "$hb" "a's emulator floats over the shared pool, CPU $hb"
$V start "$tag-b" >/dev/null; ok $? "dedicated VM b starts"
is "$(held "$tag-b")" "$hb" "b holds CPU $hb"
is "$(aff "$tag-b" "CPU 0/TCG")" "$hb" "b's vCPU runs there"
is "$(cpus "$tag-a" emulator)" "$ha" "a's emulator group left CPU $hb (on a's own CPU $ha)"
is "$(aff "$tag-a" qemu-system-x86)" "$ha" "... and so did a's main thread"
"$ENFORCE" --check --all >/dev/null 2>&1; is $? 0 "enforce --check --all: kernel and plan agree"
$V destroy "$tag-b" >/dev/null; ok $? "b stops"
is "$(cpus "$tag-a" emulator)" "$hb" "a's emulator floats over the freed CPU $hb again"
is "$(aff "$tag-a" qemu-system-x86)" "$hb" "... its main thread too"
$V destroy "$tag-a" >/dev/null

# ---- 2. a floating VM keeps a CPU ----------------------------------------------
$V start "$tag-s" >/dev/null; ok $? "floating VM s starts"
is "$(aff "$tag-s" "CPU 0/TCG")" "0-1" "s floats over 0-1"
$V start "$tag-a" >/dev/null; ok $? "dedicated VM a starts beside it"
ha=$(held "$tag-a")
is "$(aff "$tag-s" "CPU 0/TCG")" "$((1 - ha))" "s narrowed off a's CPU $ha"
$V start "$tag-c" >/dev/null 2>"$W/err"; rc=$?
is "$rc" 1 "dedicated VM c, which would take the last shared CPU, is refused"
like "$(cat "$W/err")" "would leave no shared CPU for the floating VM $tag-s" "... saying why"
is "$($V domstate "$tag-c")" "shut off" "c does not run"
is "$(aff "$tag-s" "CPU 0/TCG")" "$((1 - ha))" "s keeps its CPU"

# ---- 3. the domain's own pins answer to the same rules ---------------------------
"$VMPLACE_SRC/scripts/minivm-xml.sh" "$tag-p" 1 |
        sed "s#<os>#<cputune><vcpupin vcpu='0' cpuset='$ha'/></cputune><os>#" >"$W/p.xml"
$V define "$W/p.xml" >/dev/null
$V start "$tag-p" >/dev/null 2>"$W/err"; rc=$?
is "$rc" 1 "a shares-only VM whose XML pins its vCPU to a's CPU $ha is refused"
like "$(cat "$W/err")" "the domain's <vcpupin vcpu='0' cpuset> = $ha: CPUs $ha are held by dedicated VMs" \
        "... naming the element and why"
is "$($V domstate "$tag-p")" "shut off" "it does not run"
is "$(jget "$W/run/ledger.json" "sorted(e['name'] for e in j['entries'])")" \
        "[\"$tag-a\", \"$tag-s\"]" "the ledger holds a and s only"
$V destroy "$tag-a" >/dev/null
$V destroy "$tag-s" >/dev/null

# ---- 4. a started that finds no plan ---------------------------------------------
# the hook wrapper loses the run dir just before started, as a lost /run would
cat >"$LV_HOOK" <<SH
#!/bin/sh
export VMPLACE_CONFDIR=$W/conf VMPLACE_RUNDIR=$W/run
[ "\$2" = started ] && [ -e "$W/lose" ] && rm -rf "$W/run"
exec $HOOK "\$@"
SH
touch "$W/lose"
$V start "$tag-b" >/dev/null 2>"$W/err"; ok $? "b starts, its run dir lost before started"
rm -f "$W/lose"
is "$(jget "$W/run/ledger.json" "[e['name'] for e in j['entries']]")" "[\"$tag-b\"]" \
        "started placed it anew: b is in the ledger"
hb=$(held "$tag-b")
is "$(aff "$tag-b" "CPU 0/TCG")" "$hb" "b's vCPU runs on the CPU it now holds ($hb)"
"$ENFORCE" --check "$tag-b" >/dev/null 2>&1; is $? 0 "enforce --check b: kernel and plan agree"

# ---- 5. the run dir lost while b runs (I3) ----------------------------------------
rm -rf "$W/run"
$V start "$tag-a" >/dev/null 2>"$W/err"; ok $? "with the run dir lost while b runs, a starts ($(head -c 200 "$W/err"))"
is "$(jget "$W/run/ledger.json" "sorted(e['name'] for e in j['entries'])")" "[\"$tag-a\", \"$tag-b\"]" \
        "a's prepare recorded b again, from the kernel"
is "$(held "$tag-b")" "$hb" "b keeps the CPU its vCPU is pinned to ($hb)"
is "$(held "$tag-a")" "$((1 - hb))" "a holds the CPU b does not"
is "$(aff "$tag-a" "CPU 0/TCG")" "$((1 - hb))" "a's vCPU runs there"
is "$(aff "$tag-b" "CPU 0/TCG")" "$hb" "b's vCPU on its own CPU $hb"
is "$(aff "$tag-b" qemu-system-x86)" "$hb" "b's emulator left a's CPU"
"$ENFORCE" --check --all >/dev/null 2>&1; is $? 0 "enforce --check --all: kernel and plan agree"
$V destroy "$tag-a" >/dev/null
$V destroy "$tag-b" >/dev/null

# ---- 6. a start slower than the stale grace ---------------------------------------
# the wrapper holds a's start after vmplace's start hook while $W/hold exists
# (at most 120 s), as a slow hook or slow device setup would
cat >"$LV_HOOK" <<SH
#!/bin/sh
export VMPLACE_CONFDIR=$W/conf VMPLACE_RUNDIR=$W/run
[ "\$1 \$2" = "$tag-a start" ] || exec $HOOK "\$@"
$HOOK "\$@"; rc=\$?
touch "$W/waiting"
i=0
while [ -e "$W/hold" ] && [ \$i -lt 1200 ]; do sleep 0.1; i=\$((i + 1)); done
exit \$rc
SH
touch "$W/hold"
rm -f "$W/waiting"
$V start "$tag-a" >"$W/a.out" 2>&1 &
astart=$!
for _ in $(seq 600); do [ -e "$W/waiting" ] && break; sleep 0.1; done
ok "$([ -e "$W/waiting" ]; echo $?)" "a's start is held after its prepare"
ha=$(held "$tag-a")
# a minute passes: the entry is older than the grace, a's QEMU not yet forked
python3 - "$W/run/ledger.json" "$tag-a" <<'PY'
import json, os, sys
j = json.load(open(sys.argv[1]))
for e in j["entries"]:
    if e["name"] == sys.argv[2]:
        e["created"] -= 3600
tmp = sys.argv[1] + ".edit"
json.dump(j, open(tmp, "w"))
os.chmod(tmp, 0o600)
os.rename(tmp, sys.argv[1])
PY
is "$(jget "$W/run/ledger.json" "[e['starter_pid'] for e in j['entries'] if e['name'] == '$tag-a'][0]")" \
        "$(pgrep -x libvirtd | head -1)" "a's entry names the libvirtd that ran its prepare"
is "$("$CLI" status --json | jget - "[d['state'] for d in j['domains'] if d['name'] == '$tag-a'][0]")" \
        prepared "status: a's start is in progress, not stale"
$V start "$tag-b" >/dev/null 2>"$W/err"; ok $? "b starts meanwhile ($(head -c 200 "$W/err"))"
is "$(held "$tag-b")" "$((1 - ha))" "b gets the CPU a does not hold"
$V start "$tag-c" >/dev/null 2>"$W/err"; rc=$?
is "$rc" 1 "c is refused: a's CPU $ha is still a's"
is "$(held "$tag-a")" "$ha" "a's entry still holds CPU $ha"
rm -f "$W/hold"
wait "$astart"; ok $? "a's start completes ($(head -c 200 "$W/a.out"))"
is "$(aff "$tag-a" "CPU 0/TCG")" "$ha" "a's vCPU runs on its CPU $ha"
is "$(aff "$tag-b" "CPU 0/TCG")" "$((1 - ha))" "b's on the other"
"$ENFORCE" --check --all >/dev/null 2>&1; is $? 0 "enforce --check --all: kernel and plan agree"
$V destroy "$tag-a" >/dev/null
$V destroy "$tag-b" >/dev/null
done_testing
