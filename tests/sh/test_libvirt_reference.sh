#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# libvirt is the reference (SPEC section 7): for the same placement, the
# cgroup files and thread affinities vmplace's enforcement produces must equal
# what libvirt itself produces. For each case, domain A carries no tuning and
# is matched by a profile; its placement is applied by the hook. Domain B is
# the hook's recorded rewrite of A (RUNDIR/domains/UUID.xml after A's
# prepare), renamed, with a new UUID and matched by no profile: libvirt
# applies the same values itself. A and B run one after the other (their pins
# overlap); every relevant file of both is snapshotted and compared file by
# file, plus each thread's Cpus_allowed_list / Mems_allowed_list by name.
# Cases: explicit shares/period/quota/pins/strict numatune with an iothread;
# cpu_policy=dedicated with emulator_policy=isolate; a bare <vcpu cpuset>
# default (vcpus=) that libvirt also applies to the emulator and iothreads.
# Starts its own libvirtd when none answers (scripts/libvirt-up.sh).
. "$(dirname "$0")/lib.sh"
scratch
tag=vpr$$
CASES="ex ded def"
LV_VMS=
for c in $CASES; do LV_VMS="$LV_VMS $tag-$c-a $tag-$c-b"; done
libvirt_setup "reference-$tag"


printf '[host]\non_error = refuse\n' >"$W/conf/vmplace.ini"
# Case ex: everything explicit, pins crossed; v1 CFS children fit under global.
cat >"$W/conf/profiles.d/ex.ini" <<INI
[match]
names = $tag-ex-a
[cputune]
shares = 1536
global_period = 200000
global_quota = 300000
vcpu_period = 100000
vcpu_quota = 60000
emulator_period = 50000
emulator_quota = 25000
iothread_period = 100000
iothread_quota = 40000
vcpupin.0 = 1
vcpupin.1 = 0
emulatorpin = 1
iothreadpin.1 = 0
[numatune]
mode = strict
nodeset = 0
INI
# Case ded: the planner chooses: one dedicated CPU for the vCPU, one
# exclusive CPU for emulator and iothread.
cat >"$W/conf/profiles.d/ded.ini" <<INI
[match]
names = $tag-ded-a
[cputune]
shares = 4096
vcpu_period = 100000
vcpu_quota = 80000
[placement]
cpu_policy = dedicated
emulator_policy = isolate
[numatune]
mode = strict
nodeset = auto
INI
# Case def: only a default cpuset for all vCPUs (<vcpu cpuset='1'>), which
# libvirt applies to every thread that has no pin of its own.
cat >"$W/conf/profiles.d/def.ini" <<INI
[match]
names = $tag-def-a
[cputune]
vcpus = 1
emulator_period = 100000
emulator_quota = 50000
INI
chmod 644 "$W"/conf/vmplace.ini "$W"/conf/profiles.d/*.ini
lv_reload

# run_case CASE VCPUS: A then B, snapshots in $W/CASE-{a,b}.snap
run_case() {
        local c=$1 A=$tag-$1-a B=$tag-$1-b ua rc
        "$VMPLACE_SRC/scripts/minivm-xml.sh" "$A" "$2" |
                sed 's#<vcpu #<iothreads>1</iothreads><vcpu #' >"$W/$c-a.xml"
        $V define "$W/$c-a.xml" >/dev/null
        $V start "$A" >/dev/null 2>"$W/err"; rc=$?
        is "$rc" 0 "$c: A ($A, no tuning in its XML, matched by profile $c) starts"
        [ $rc -eq 0 ] || sed 's/^/#   /' "$W/err"
        ua=$($V domuuid "$A")
        ok $([ -s "$W/run/domains/$ua.xml" ]; echo $?) "$c: the hook recorded A's rewritten XML"
        cp "$W/run/domains/$ua.xml" "$W/$c-rewrite.xml" 2>/dev/null
        snap "$A" >"$W/$c-a.snap"
        $V destroy "$A" >/dev/null 2>&1

        # B = A's rewrite under a new name and UUID, matched by no profile
        python3 - "$W/$c-rewrite.xml" "$A" "$B" >"$W/$c-b.xml" <<'PY'
import re, sys, uuid
x = open(sys.argv[1]).read()
x = re.sub(r"<name>%s</name>" % re.escape(sys.argv[2]), "<name>%s</name>" % sys.argv[3], x, 1)
x = re.sub(r"<uuid>[^<]*</uuid>", "<uuid>%s</uuid>" % uuid.uuid4(), x, 1)
x = re.sub(r"(<domain\b[^>]*?)\s+id=(['\"])[^'\"]*\2", r"\1", x, 1)
print(x)
PY
        like "$(cat "$W/$c-b.xml")" "<cputune>" "$c: B's XML carries the rewrite's <cputune>"
        $V define "$W/$c-b.xml" >/dev/null 2>"$W/err"; rc=$?
        is "$rc" 0 "$c: libvirt accepts B ($B = A's rewrite, renamed, new UUID)"
        [ $rc -eq 0 ] || sed 's/^/#   /' "$W/err"
        $V start "$B" >/dev/null 2>"$W/err"; rc=$?
        is "$rc" 0 "$c: B starts"
        [ $rc -eq 0 ] || sed 's/^/#   /' "$W/err"
        is "$(jget "$W/run/ledger.json" 'len([e for e in j["entries"] if e["uuid"]=="'"$($V domuuid "$B")"'"])')" 0 \
                "$c: B is not managed by vmplace (libvirt alone placed it)"
        snap "$B" >"$W/$c-b.snap"
        $V destroy "$B" >/dev/null 2>&1
}

# compare CASE: one assertion per file/thread line of either snapshot
compare() {
        local c=$1 k a b n=0 bad=0
        while IFS= read -r k; do
                a=$(val "$W/$c-a.snap" "$k") b=$(val "$W/$c-b.snap" "$k")
                n=$((n + 1))
                [ "$a" == "$b" ] || bad=$((bad + 1))
                is "$a" "$b" "$c: $k after vmplace (A) equals libvirt's own (B)"
        done < <(cut -d= -f1 "$W/$c-a.snap" "$W/$c-b.snap" | sort -u)
        ok $([ $n -gt 10 ]; echo $?) "$c: $n files and threads compared"
        if [ $bad -gt 0 ]; then
                echo "# $c: diff A (vmplace) vs B (libvirt):"
                diff "$W/$c-a.snap" "$W/$c-b.snap" | sed 's/^/#   /'
        fi
}

run_case ex 2
# B really has the values (a comparison of two untouched groups proves nothing)
S=$W/ex-b.snap
is "$(val $S cpu.shares) $(val $S cpu.cfs_quota_us) $(val $S vcpu0/cpu.cfs_quota_us) $(val $S emulator/cpu.cfs_quota_us) $(val $S iothread1/cpu.cfs_quota_us)" \
        "1536 300000 60000 25000 40000" "ex: libvirt applied B's shares and global/vcpu/emulator/iothread quotas"
is "$(val $S vcpu0/cpuset.cpus) $(val $S vcpu1/cpuset.cpus) $(val $S emulator/cpuset.cpus) $(val $S iothread1/cpuset.cpus)" \
        "1 0 1 0" "ex: libvirt applied B's vcpupin, emulatorpin, iothreadpin"
is "$(val $S 'thread:CPU 0/TCG:Cpus_allowed_list') $(val $S 'thread:CPU 1/TCG:Cpus_allowed_list') $(val $S thread:main:Cpus_allowed_list) $(val $S 'thread:IO iothread1:Cpus_allowed_list')" \
        "1 0 1 0" "ex: and pinned B's threads"
compare ex

run_case ded 1
S=$W/ded-b.snap
v=$(val $S vcpu0/cpuset.cpus) e=$(val $S emulator/cpuset.cpus)
ok $([ -n "$v" ] && [ -n "$e" ] && [ "$v" != "$e" ] && [ "$v" != 0-1 ] && [ "$e" != 0-1 ]; echo $?) \
        "ded: B's vCPU ($v) and emulator ($e) are on different single CPUs"
is "$(val $S iothread1/cpuset.cpus) $(val $S cpu.shares) $(val $S vcpu0/cpu.cfs_quota_us)" "$e 4096 80000" \
        "ded: iothread with the emulator, shares 4096, vcpu_quota 80000 in B"
compare ded

run_case def 2
S=$W/def-b.snap
is "$(val $S vcpu0/cpuset.cpus) $(val $S vcpu1/cpuset.cpus) $(val $S emulator/cpuset.cpus) $(val $S iothread1/cpuset.cpus)" \
        "1 1 1 1" "def: libvirt applies <vcpu cpuset='1'> to vcpu0, vcpu1, emulator, iothread1"
compare def

is "$(jget "$W/run/ledger.json" 'len(j["entries"])')" 0 "ledger empty after all test VMs are destroyed"
done_testing
