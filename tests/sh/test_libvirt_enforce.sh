#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Enforcement under a real libvirtd with real QEMU (TCG) VMs, read back from
# the kernel: the started hook writes the profile's shares, global / vcpu /
# emulator / iothread period+quota, vcpupin / emulatorpin / iothreadpin and
# strict memory into the domain's cgroup v1 files and the threads' affinity;
# `vmplace-enforce --check` sees drift made behind vmplace's back (virsh
# schedinfo, a cgroup write, taskset) and `vmplace-enforce` repairs it;
# save + restore goes through the restore filter and is enforced again; two
# dedicated VMs started at once get different CPUs and a third is refused;
# a libvirtd restart keeps the VMs, re-enforces drift made while it was down
# and rebuilds a lost ledger entry (reconnect hook); the ledger is empty at
# the end. Starts its own libvirtd when none answers (scripts/libvirt-up.sh).
. "$(dirname "$0")/lib.sh"
scratch
ENF=$ENFORCE
LVRUN=/run/libvirt/qemu
CG=/sys/fs/cgroup
tag=vpe$$
LEDGER=$W/run/ledger.json
LV_VMS="$tag-x $tag-d1 $tag-d2 $tag-d3"
# the hook (through the wrapper) and vmplace-enforce act on the real host:
# only the config and run dirs are this test's own
libvirt_setup "enforce-$tag"

# ---- helpers: what the kernel says ----------------------------------------
# cg NAME FILE: FILE relative to the domain group ("vcpu0/cpu.cfs_quota_us")
cg() {
        local f=${2##*/} d
        d=$(cgdir "$1" "${f%%.*}") || { echo "(no cgroup)"; return; }
        cat "$d/$2" 2>/dev/null || echo "(missing $d/$2)"
}
cgw() { # cgw NAME FILE VALUE: write behind vmplace's back
        local f=${2##*/}
        echo "$3" >"$(cgdir "$1" "${f%%.*}")/$2"
}
# tid NAME COMM: the thread of that name ("CPU 0/TCG", "IO iothread1"; "main"
# is QEMU's main thread, the emulator thread libvirt pins)
tid() {
        local pid t
        pid=$(qpid "$1") || return 1
        [ "$2" = main ] && { echo "$pid"; return; }
        for t in /proc/"$pid"/task/*; do
                [ "$(cat "$t/comm" 2>/dev/null)" = "$2" ] && { echo "${t##*/}"; return; }
        done
        return 1
}
# thr NAME COMM FIELD: Cpus_allowed_list / Mems_allowed_list of that thread
thr() {
        local t
        t=$(tid "$1" "$2") || { echo "(no thread '$2')"; return; }
        awk -v f="$3:" '$1 == f { print $2 }' "/proc/$(qpid "$1")/task/$t/status"
}
# drift JSON REL: "want=W have=H" of the drift entry for REL (file relative to
# the domain group; an absolute path ending in it is accepted), else "none"
drift() {
        python3 - "$1" "$2" <<'PY'
import json, sys
try:
    j = json.load(open(sys.argv[1]))
except Exception as e:
    print("unparsable: %s" % e); sys.exit()
rel = sys.argv[2]
m = [d for dom in j.get("domains", []) for d in (dom.get("drift") or [])
     if d.get("file") == rel or str(d.get("file", "")).endswith("/" + rel)]
print(" ".join("want=%s have=%s" % (d.get("want"), d.get("have")) for d in m) or "none")
PY
}
ledger_uuids() { jget "$LEDGER" 'sorted(e["uuid"] for e in j["entries"])' 2>/dev/null; }
ledger_held() { jget "$LEDGER" '[e.get("held") for e in j["entries"] if e["uuid"]=="'"$1"'"]' 2>/dev/null; }
# enforce ARGS...: run vmplace-enforce, stdout to $W/out, exit status in $rc
enforce() { "$ENF" "$@" >"$W/out" 2>"$W/err"; rc=$?; }

# ---- set up: hook wrapper, host config, profiles --------------------------
ok $([ -x "$ENF" ]; echo $?) "vmplace-enforce is built ($ENF)"
printf '[host]\non_error = refuse\n' >"$W/conf/vmplace.ini"
# Explicit everything; pins crossed (vCPU 0 on CPU 1) so an index mix-up shows.
# v1 CFS: every child's quota/period (0.5, 0.4, 0.3) fits under global (1.5).
cat >"$W/conf/profiles.d/explicit.ini" <<INI
[match]
names = $tag-x
[cputune]
shares = 3072
global_period = 200000
global_quota = 300000
vcpu_period = 100000
vcpu_quota = 50000
emulator_period = 50000
emulator_quota = 20000
iothread_period = 100000
iothread_quota = 30000
vcpupin.0 = 1
vcpupin.1 = 0
emulatorpin = 1
iothreadpin.1 = 0
[numatune]
mode = strict
nodeset = 0
INI
cat >"$W/conf/profiles.d/ded.ini" <<INI
[match]
names = $tag-d?
[cputune]
shares = 2048
[placement]
cpu_policy = dedicated
[numatune]
mode = strict
nodeset = auto
INI
chmod 644 "$W"/conf/vmplace.ini "$W"/conf/profiles.d/*.ini
lv_reload

mkvm() { "$VMPLACE_SRC/scripts/minivm-xml.sh" "$@"; }
mkvm "$tag-x" 2 | sed 's#<vcpu #<iothreads>1</iothreads><vcpu #' >"$W/x.xml"
for d in d1 d2 d3; do mkvm "$tag-$d" 1 >"$W/$d.xml"; done
for d in x d1 d2 d3; do
        $V define "$W/$d.xml" >/dev/null || { echo "not ok - cannot define $tag-$d"; exit 1; }
done
X=$tag-x

# every value the explicit profile sets, as read from the kernel
check_x() { # check_x WHEN
        local w=$1 f
        is "$(cg $X cpu.shares)" 3072 "$w: shares -> domain cpu.shares 3072"
        is "$(cg $X cpu.cfs_period_us)/$(cg $X cpu.cfs_quota_us)" 200000/300000 \
                "$w: global_period/quota -> domain cpu.cfs_period_us/quota_us"
        for f in vcpu0 vcpu1; do
                is "$(cg $X $f/cpu.cfs_period_us)/$(cg $X $f/cpu.cfs_quota_us)" 100000/50000 \
                        "$w: vcpu_period/quota -> $f/cpu.cfs_period_us/quota_us"
        done
        is "$(cg $X emulator/cpu.cfs_period_us)/$(cg $X emulator/cpu.cfs_quota_us)" 50000/20000 \
                "$w: emulator_period/quota -> emulator/cpu.cfs_period_us/quota_us"
        is "$(cg $X iothread1/cpu.cfs_period_us)/$(cg $X iothread1/cpu.cfs_quota_us)" 100000/30000 \
                "$w: iothread_period/quota -> iothread1/cpu.cfs_period_us/quota_us"
        is "$(cg $X vcpu0/cpuset.cpus) $(cg $X vcpu1/cpuset.cpus)" "1 0" \
                "$w: vcpupin.0=1 vcpupin.1=0 -> vcpu0,vcpu1/cpuset.cpus"
        is "$(cg $X emulator/cpuset.cpus)" 1 "$w: emulatorpin -> emulator/cpuset.cpus"
        is "$(cg $X iothread1/cpuset.cpus)" 0 "$w: iothreadpin.1 -> iothread1/cpuset.cpus"
        is "$(thr $X 'CPU 0/TCG' Cpus_allowed_list) $(thr $X 'CPU 1/TCG' Cpus_allowed_list)" "1 0" \
                "$w: vCPU threads 'CPU 0/TCG', 'CPU 1/TCG' run on CPUs 1, 0"
        is "$(thr $X main Cpus_allowed_list)" 1 "$w: QEMU's main (emulator) thread runs on CPU 1"
        is "$(thr $X 'IO iothread1' Cpus_allowed_list)" 0 "$w: thread 'IO iothread1' runs on CPU 0"
        is "$(cg $X vcpu0/cpuset.mems),$(cg $X vcpu1/cpuset.mems),$(cg $X emulator/cpuset.mems),$(cg $X iothread1/cpuset.mems)" \
                0,0,0,0 "$w: strict nodeset 0 -> cpuset.mems 0 on vcpu0, vcpu1, emulator, iothread1"
        is "$(thr $X 'CPU 0/TCG' Mems_allowed_list),$(thr $X main Mems_allowed_list),$(thr $X 'IO iothread1' Mems_allowed_list)" \
                0,0,0 "$w: vCPU, emulator and iothread threads may allocate only on node 0"
}

# ---- 1. explicit profile: the started hook enforces every value -----------
$V start $X >/dev/null 2>"$W/err"; rc=$?
is "$rc" 0 "a VM matched by an explicit profile starts"
[ $rc -eq 0 ] || sed 's/^/#   /' "$W/err"
like "$($V domstate $X)" running "and runs"
UX=$($V domuuid $X)
PX=$(qpid $X)
like "$(ledger_uuids)" "$UX" "prepare recorded it in the ledger"
check_x "after start"
like "$($V schedinfo $X --live 2>&1)" "cpu_shares     : 3072" \
        "virsh schedinfo --live reads the enforced shares back from the cgroup"

enforce --check $X
is "$rc" 0 "vmplace-enforce --check $X right after start: exit 0 (no drift)"
[ $rc -eq 0 ] || sed 's/^/#   /' "$W/out" "$W/err"
enforce --check --json $X
is "$rc" 0 "--check --json: exit 0"
cp "$W/out" "$W/check.json"
is "$(jget "$W/check.json" '[(d["name"], d["uuid"], d["pid"], d["cgroup_version"], d["drift"], d.get("error")) for d in j["domains"]]' 2>&1)" \
        "[[\"$X\", \"$UX\", $PX, 1, [], null]]" \
        "--json: one domain with name, uuid, QEMU pid, cgroup_version 1, empty drift, no error"

# 1a. drift through libvirt itself: virsh schedinfo writes the cgroup files
$V schedinfo $X --live cpu_shares=512 vcpu_quota=70000 >/dev/null 2>&1
is "$(cg $X cpu.shares) $(cg $X vcpu0/cpu.cfs_quota_us)" "512 70000" \
        "virsh schedinfo --live cpu_shares=512 vcpu_quota=70000 changed the files behind vmplace's back"
enforce --check --json $X
is "$rc" 1 "--check after virsh schedinfo: exit 1 (drift)"
cp "$W/out" "$W/d1.json"
is "$(drift "$W/d1.json" cpu.shares)" "want=3072 have=512" "--json drift names cpu.shares: want 3072, have 512"
is "$(drift "$W/d1.json" vcpu0/cpu.cfs_quota_us)" "want=50000 have=70000" \
        "--json drift names vcpu0/cpu.cfs_quota_us: want 50000, have 70000"
is "$(drift "$W/d1.json" vcpu1/cpu.cfs_quota_us)" "want=50000 have=70000" \
        "--json drift names vcpu1/cpu.cfs_quota_us too"
is "$(cg $X cpu.shares) $(cg $X vcpu0/cpu.cfs_quota_us)" "512 70000" "--check wrote nothing"
enforce $X
is "$rc" 0 "vmplace-enforce $X repairs it: exit 0"
[ $rc -eq 0 ] || sed 's/^/#   /' "$W/out" "$W/err"
is "$(cg $X cpu.shares) $(cg $X vcpu0/cpu.cfs_quota_us) $(cg $X vcpu1/cpu.cfs_quota_us)" "3072 50000 50000" \
        "cpu.shares and vcpuN/cpu.cfs_quota_us are back to the profile's values"
enforce --check $X
is "$rc" 0 "--check after the repair: exit 0"
# state and pid as recorded: a re-enforce rewrites no ledger
before=$(stat -c '%i %Y.%y' "$LEDGER")
enforce $X
is "$rc $(stat -c '%i %Y.%y' "$LEDGER")" "0 $before" \
        "vmplace-enforce of an enforced VM: exit 0, ledger.json not rewritten"
is "$(jget "$LEDGER" '[(e["state"], e.get("pid")) for e in j["entries"] if e["uuid"]=="'"$UX"'"]')" \
        "[[\"enforced\", $PX]]" "... and it still records state enforced and QEMU's pid"

# 1b. drift in a cpuset file and in a vCPU thread's affinity
cgw $X vcpu0/cpuset.cpus 0-1
t0=$(tid $X 'CPU 0/TCG')
taskset -p -c 0 "$t0" >/dev/null 2>&1
is "$(cg $X vcpu0/cpuset.cpus) $(thr $X 'CPU 0/TCG' Cpus_allowed_list)" "0-1 0" \
        "vcpu0/cpuset.cpus widened to 0-1 and thread 'CPU 0/TCG' moved to CPU 0 (taskset)"
enforce --check --json $X
is "$rc" 1 "--check after a cgroup write and taskset: exit 1"
cp "$W/out" "$W/d2.json"
is "$(drift "$W/d2.json" vcpu0/cpuset.cpus)" "want=1 have=0-1" \
        "--json drift names vcpu0/cpuset.cpus: want 1, have 0-1"
enforce $X
is "$rc" 0 "vmplace-enforce $X repairs it: exit 0"
is "$(cg $X vcpu0/cpuset.cpus) $(thr $X 'CPU 0/TCG' Cpus_allowed_list)" "1 1" \
        "vcpu0/cpuset.cpus and thread 'CPU 0/TCG' are back on CPU 1"
enforce --check $X
is "$rc" 0 "--check after the repair: exit 0"
check_x "after the repairs"

# 1c. drift in the global quota only (a domain-level file)
cgw $X cpu.cfs_quota_us -1
enforce --check --json $X
is "$rc:$(drift "$W/out" cpu.cfs_quota_us)" "1:want=300000 have=-1" \
        "domain cpu.cfs_quota_us set to -1 behind vmplace's back: --check exit 1, drift want 300000 have -1"
enforce $X
is "$rc:$(cg $X cpu.cfs_quota_us)" 0:300000 "vmplace-enforce puts the global quota back"

# ---- 2. save + restore: the restore filter, then the started hook ---------
$V save $X "$W/x.save" >/dev/null 2>"$W/err"; rc=$?
is "$rc" 0 "virsh save $X"
[ $rc -eq 0 ] || sed 's/^/#   /' "$W/err"
ok $(case "$(ledger_uuids)" in *"$UX"*) echo 1 ;; *) echo 0 ;; esac) "saving stopped it: its ledger entry is freed"
$V restore "$W/x.save" >/dev/null 2>"$W/err"; rc=$?
is "$rc" 0 "virsh restore $X"
[ $rc -eq 0 ] || sed 's/^/#   /' "$W/err"
like "$($V domstate $X)" running "the restored VM runs"
like "$(ledger_uuids)" "$UX" "the restored VM is in the ledger again"
# The saved XML carried libvirt's live <shares>512</shares> and vcpu_quota
# 70000 from 1a; the restore filter's rewrite (profile values win) is what
# libvirt restored with.
dx=$($V dumpxml $X)
like "$dx" "<shares>3072</shares>" "libvirt restored from the hook's rewritten XML: live <shares>3072</shares>"
like "$dx" "<quota>50000</quota>" "and live vCPU <quota>50000</quota> (vcpu_quota)"
like "$dx" "<vcpupin vcpu='0' cpuset='1'/>" "and live <vcpupin vcpu='0' cpuset='1'/>"
check_x "after restore"
enforce --check $X
is "$rc" 0 "--check after restore: exit 0"
$V destroy $X >/dev/null
ok $(case "$(ledger_uuids)" in *"$UX"*) echo 1 ;; *) echo 0 ;; esac) "destroying $X freed its ledger entry"

# ---- 3. two dedicated VMs at once on 2 CPUs; a third is refused -----------
D1=$tag-d1 D2=$tag-d2 D3=$tag-d3
$V start $D1 >/dev/null 2>"$W/e1" &
p1=$!
$V start $D2 >/dev/null 2>"$W/e2" &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
is "$r1 $r2" "0 0" "two dedicated 1-vCPU VMs started at the same time are both admitted"
[ "$r1$r2" = 00 ] || sed 's/^/#   /' "$W/e1" "$W/e2"
U1=$($V domuuid $D1) U2=$($V domuuid $D2)
c1=$(cg $D1 vcpu0/cpuset.cpus) c2=$(cg $D2 vcpu0/cpuset.cpus)
ok $([ "$c1" != "$c2" ] && [ "$(printf '%s\n' "$c1" "$c2" | sort | tr '\n' ' ')" = "0 1 " ]; echo $?) \
        "their vcpu0/cpuset.cpus are one CPU each, CPUs 0 and 1, no overlap ($c1 / $c2)"
a1=$(thr $D1 'CPU 0/TCG' Cpus_allowed_list) a2=$(thr $D2 'CPU 0/TCG' Cpus_allowed_list)
is "$a1 $a2" "$c1 $c2" "their vCPU threads' affinity is that CPU (and so differs)"
is "$(ledger_held "$U1") $(ledger_held "$U2")" "[\"$c1\"] [\"$c2\"]" "the ledger holds the same CPUs"
is "$(cg $D1 cpu.shares) $(cg $D2 cpu.shares)" "2048 2048" "both have cpu.shares 2048"
is "$(cg $D1 vcpu0/cpuset.mems) $(cg $D1 emulator/cpuset.mems) $(thr $D1 'CPU 0/TCG' Mems_allowed_list)" \
        "0 0 0" "nodeset=auto strict: cpuset.mems 0 on vcpu0 and emulator, vCPU thread Mems_allowed_list 0"
enforce --check $D1 $D2
is "$rc" 0 "vmplace-enforce --check $D1 $D2: exit 0"
enforce --check --all
is "$rc" 0 "vmplace-enforce --check --all: exit 0"
$V start $D3 >/dev/null 2>"$W/err"; rc=$?
ok $([ $rc -ne 0 ]; echo $?) "a third dedicated VM is refused"
like "$(cat "$W/err")" "vmplace: $D3 (profile ded): no NUMA node has 1 free dedicated CPU" \
        "virsh shows the hook's reason"
like "$($V domstate $D3)" "shut off" "the refused VM is not running"
is "$(jget "$LEDGER" 'len(j["entries"])')" 2 "the refusal committed nothing"

# ---- 4. libvirtd restart: reconnect keeps the VMs and re-enforces ---------
P1=$(qpid $D1) P2=$(qpid $D2)
lpids=$(pgrep -x libvirtd)
for p in $lpids; do kill -TERM "$p"; done
for _ in $(seq 1 100); do
        alive=0
        for p in $lpids; do kill -0 "$p" 2>/dev/null && alive=1; done
        [ $alive -eq 0 ] && break
        sleep 0.1
done
is "$alive" 0 "libvirtd stopped on SIGTERM"
# while libvirtd is down: drift on D1, and D2's ledger entry lost
cgw $D1 cpu.shares 100
cgw $D1 vcpu0/cpuset.cpus 0-1
python3 - "$LEDGER" "$U2" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
j["entries"] = [e for e in j["entries"] if e["uuid"] != sys.argv[2]]
json.dump(j, open(sys.argv[1] + ".new", "w"), indent=2)
PY
mv "$LEDGER.new" "$LEDGER"
is "$(ledger_uuids) $(cg $D1 cpu.shares) $(cg $D1 vcpu0/cpuset.cpus)" "[\"$U1\"] 100 0-1" \
        "while libvirtd is down: $D2's ledger entry removed; $D1's cpu.shares 100, vcpu0/cpuset.cpus 0-1"
lv_up; rc=$?
is "$rc" 0 "libvirtd started again (scripts/libvirt-up.sh)"
for _ in $(seq 1 50); do
        [ "$($V domstate $D2 2>/dev/null)" = running ] && [ "$($V domstate $D1 2>/dev/null)" = running ] && break
        sleep 0.2
done
is "$($V domstate $D1) $($V domstate $D2)" "running running" "both VMs still run after the restart"
is "$(qpid $D1) $(qpid $D2)" "$P1 $P2" "with the same QEMU processes (reconnected, not restarted)"
# the reconnect hooks may still be running when virsh answers
for _ in $(seq 1 50); do
        [ "$(cg $D1 cpu.shares)" = 2048 ] && [ -n "$(ledger_held "$U2" | tr -d '[]')" ] && break
        sleep 0.2
done
is "$(cg $D1 cpu.shares) $(cg $D1 vcpu0/cpuset.cpus)" "2048 $c1" \
        "the reconnect hook re-enforced $D1: drift made while libvirtd was down is gone"
like "$(ledger_uuids)" "$U1" "$D1's ledger entry is kept"
is "$(ledger_held "$U2")" "[\"$c2\"]" "$D2's lost ledger entry is rebuilt on reconnect, holding CPU $c2 again"
is "$(cg $D1 vcpu0/cpuset.cpus) $(cg $D2 vcpu0/cpuset.cpus) $(thr $D1 'CPU 0/TCG' Cpus_allowed_list) $(thr $D2 'CPU 0/TCG' Cpus_allowed_list)" \
        "$c1 $c2 $c1 $c2" "their cpusets and vCPU affinities are unchanged"
enforce --check --all
is "$rc" 0 "vmplace-enforce --check --all after the restart: exit 0"
[ $rc -eq 0 ] || sed 's/^/#   /' "$W/out" "$W/err"
$V start $D3 >/dev/null 2>&1; rc=$?
ok $([ $rc -ne 0 ]; echo $?) "the third dedicated VM is still refused (the rebuilt entry counts)"

# ---- 5. the end: destroy everything, the ledger is empty -------------------
for d in $D1 $D2 $D3; do $V destroy $d >/dev/null 2>&1; done
is "$(jget "$LEDGER" 'len(j["entries"])')" 0 "ledger empty after all test VMs are destroyed"
is "$(ls "$W/run/domains" 2>/dev/null | wc -l)" 0 "and no per-domain state files are left"
done_testing
