#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# libvirt's own view agrees with what vmplace placed (issue "Agree"), on the
# real libvirtd: what virsh vcpupin, emulatorpin, iothreadpin, numatune and
# dumpxml say equals the threads' affinity and the cgroup files
# (tests/sh/lvview.py). Before any agent: status names each disagreeing item;
# `vmplace-agent --once` makes libvirt agree, and libvirt's own writes of the
# same values change no cgroup file or thread (snap before/after). With the
# agent running: a dedicated VM's start narrows a floating VM and both agree
# within a bound; a vCPU hot-plugged with setvcpus --live lands on the
# dedicated VM's own CPU; a dedicated VM with an isolated emulator agrees
# too; the stop widens the floating VM again; after a
# libvirtd restart the agent reconnects and a new start agrees too; a
# change made through libvirt (virsh schedinfo --live) is undone at the
# agent's next pass; `vmplace apply` tells libvirt a changed profile by itself.
. "$(dirname "$0")/lib.sh"
scratch
tag=vpg$$
LV_VMS="$tag-ex $tag-flt $tag-ded $tag-hot $tag-iso $tag-late"
libvirt_setup "agree-$tag"
AGENT_PID=
stop_agent() { [ -z "$AGENT_PID" ] || { kill "$AGENT_PID" 2>/dev/null; wait "$AGENT_PID" 2>/dev/null; AGENT_PID=; }; }
trap 'stop_agent; lv_cleanup' EXIT
start_agent() {
        VMPLACE_CONFDIR=$W/conf VMPLACE_RUNDIR=$W/run "$AGENT" -c "$URI" 2>>"$W/agent.log" &
        AGENT_PID=$!
}

printf '[host]\non_error = refuse\n' >"$W/conf/vmplace.ini"
cat >"$W/conf/profiles.d/ex.ini" <<INI
[match]
names = $tag-ex, $tag-late
[cputune]
shares = 1234
vcpu_period = 100000
vcpu_quota = 45000
vcpupin.0 = 1
vcpupin.1 = 0
emulatorpin = 0
iothreadpin.1 = 1
[numatune]
mode = strict
nodeset = 0
INI
cat >"$W/conf/profiles.d/flt.ini" <<INI
[match]
names = $tag-flt
[placement]
cpu_policy = shared
INI
cat >"$W/conf/profiles.d/ded.ini" <<INI
[match]
names = $tag-ded, $tag-hot
[placement]
cpu_policy = dedicated
INI
cat >"$W/conf/profiles.d/iso.ini" <<INI
[match]
names = $tag-iso
[cputune]
shares = 4096
[placement]
cpu_policy = dedicated
emulator_policy = isolate
INI
chmod 644 "$W"/conf/vmplace.ini "$W"/conf/profiles.d/*.ini
lv_reload

# vm NAME VCPUS [CURRENT]: define and start a minimal VM with one iothread
vm() {
        "$VMPLACE_SRC/scripts/minivm-xml.sh" "$1" "$2" |
                sed "s#<vcpu placement='static'>#<iothreads>1</iothreads><vcpu placement='static' current='${3:-$2}'>#" >"$W/$1.xml"
        $V define "$W/$1.xml" >/dev/null && $V start "$1" >/dev/null 2>"$W/err"
        local rc=$?
        is "$rc" 0 "$1 starts"
        [ $rc -eq 0 ] || sed 's/^/#   /' "$W/err"
}
# agree NAME WHEN: every item lvview.py lists agrees (one assertion each)
agree() {
        local line k lv kern n=0
        python3 "$VMPLACE_SRC/tests/sh/lvview.py" "$URI" "$1" >"$W/view" 2>&1 || cat "$W/view" | sed 's/^/#   /'
        while read -r k lv kern; do
                case $k in dumpxml_*) [ "${lv#libvirt=}" = "(unset)" ] && continue ;; esac
                n=$((n + 1))
                is "${lv#libvirt=}" "${kern#kernel=}" "$2: $1 $k: libvirt says what the kernel has"
        done <"$W/view"
        ok $([ $n -ge 4 ]; echo $?) "$2: $1: $n items compared"
}
libvirt_rows() { # libvirt_rows NAME: the status drift rows about libvirt
        "$CLI" status --json | jget - '[d["file"] for r in j["domains"] if r["name"]=="'"$1"'" for d in r["drift"] if d["file"].startswith("libvirt ")]'
}
# settle NAME...: wait (10 s at most) until status shows no libvirt rows for
# them; prints the milliseconds it took
settle() {
        local t0 n
        t0=$(date +%s%N)
        for _ in $(seq 1 100); do
                n=0
                for d in "$@"; do [ "$(libvirt_rows "$d")" = "[]" ] || n=1; done
                [ $n -eq 0 ] && break
                sleep 0.1
        done
        echo $(( ($(date +%s%N) - t0) / 1000000 ))
}

# ---- 1. no agent: status sees libvirt disagree; --once repairs; equality ----
vm $tag-ex 2
vm $tag-flt 2
like "$(libvirt_rows $tag-ex)" '"libvirt vcpupin 0", "libvirt vcpupin 1", "libvirt emulatorpin", "libvirt iothreadpin 1", "libvirt numatune nodeset", "libvirt schedinfo cpu_shares"' \
        "before any agent, status names each item libvirt's live definition lacks"
"$CLI" status --check >/dev/null; is $? 1 "and status --check exits 1"
snap $tag-ex >"$W/ex-before.snap"
snap $tag-flt >"$W/flt-before.snap"
"$AGENT" -c "$URI" --once >"$W/once.out" 2>"$W/once.err"; rc=$?
is "$rc" 0 "vmplace-agent --once: exit 0"
is "$(grep -c 'Sanitizer\|runtime error' "$W/once.err")" 0 "no sanitizer report"
[ $rc -eq 0 ] || sed 's/^/#   /' "$W/once.err"
like "$(cat "$W/once.out")" "$tag-ex: vcpupin 0 1, vcpupin 1 0, emulatorpin 0, iothreadpin 1 1, numatune nodeset strict 0, schedinfo cpu_shares 1234" \
        "--once says what it told libvirt"
snap $tag-ex >"$W/ex-after.snap"
snap $tag-flt >"$W/flt-after.snap"
is "$(diff "$W/ex-before.snap" "$W/ex-after.snap" && echo same)" same \
        "libvirt's own writes of the same values changed no cgroup file or thread of $tag-ex ($(wc -l <"$W/ex-after.snap") compared)"
is "$(diff "$W/flt-before.snap" "$W/flt-after.snap" && echo same)" same "nor of $tag-flt"
is "$(val "$W/ex-after.snap" vcpu0/cpuset.cpus) $(val "$W/ex-after.snap" vcpu1/cpuset.cpus) $(val "$W/ex-after.snap" cpu.shares)" \
        "1 0 1234" "(the snapshot holds the placement)"
agree $tag-ex "--once"
agree $tag-flt "--once"
"$CLI" status --check >/dev/null; is $? 0 "status --check exits 0 once libvirt agrees"
"$AGENT" -c "$URI" --once >"$W/once2.out"; rc=$?
is "$rc:$(cat "$W/once2.out")" "0:" "a second --once changes nothing and says nothing"

# ---- 2. the agent: a dedicated start narrows the floating VM -------------
# (ex's explicit pins cover both CPUs of this host: out of the way)
$V destroy $tag-ex >/dev/null
start_agent
vm $tag-ded 1
ms=$(settle $tag-ded $tag-flt)
ok $([ "$ms" -lt 10000 ]; echo $?) "with the agent running, libvirt agrees on $tag-ded and the narrowed $tag-flt ${ms} ms after virsh start returned"
agree $tag-ded "agent"
agree $tag-flt "agent, narrowed"
held=$(jget "$W/run/ledger.json" '[e["held"] for e in j["entries"] if e["name"]=="'"$tag-ded"'"][0]')
fltcpus=$(jget "$W/run/ledger.json" '[e["vcpu_cpus"] for e in j["entries"] if e["name"]=="'"$tag-flt"'"][0]')
ok $([ -n "$held" ] && [ "$held" != "$fltcpus" ]; echo $?) "$tag-ded holds $held, $tag-flt floats over $fltcpus"
is "$($V vcpupin $tag-flt --live | awk '{print $2}' | sort -u)" "$fltcpus" "virsh vcpupin shows $tag-flt narrowed to $fltcpus"

# ---- 3. the stop widens the floating VM; libvirt follows -----------------
$V destroy $tag-ded >/dev/null
ms=$(settle $tag-flt)
ok $([ "$ms" -lt 10000 ]; echo $?) "after $tag-ded stops, libvirt agrees on the widened $tag-flt ${ms} ms later"
agree $tag-flt "agent, widened"
is "$($V vcpupin $tag-flt --live | awk '{print $2}' | sort -u)" "0-1" "virsh vcpupin shows $tag-flt over 0-1 again"

# ---- 3b. a vCPU hot-plugged into a dedicated VM lands on its own CPU -----
# (two dedicated CPUs for two vCPUs take this host's both: no floating VM)
$V destroy $tag-flt >/dev/null
vm $tag-hot 2 1
settle $tag-hot >/dev/null
want=$($V vcpupin $tag-hot --live | awk '$1 == 1 {print $2}')
held=$(jget "$W/run/ledger.json" '[e["held"] for e in j["entries"] if e["name"]=="'"$tag-hot"'"][0]')
ok $([ -n "$want" ] && [ "$want" != "$held" ]; echo $?) "virsh vcpupin says offline vCPU 1 of $tag-hot goes to $want, one of its CPUs ($held)"
$V setvcpus $tag-hot 2 --live >/dev/null 2>"$W/err"; rc=$?
is "$rc" 0 "virsh setvcpus $tag-hot 2 --live"
[ $rc -eq 0 ] || sed 's/^/#   /' "$W/err"
for _ in $(seq 1 50); do
        pid=$(qpid $tag-hot)
        tid=$(grep -lx 'CPU 1/TCG' /proc/"$pid"/task/*/comm 2>/dev/null | head -1)
        [ -n "$tid" ] && break
        sleep 0.1
done
is "$(awk '/^Cpus_allowed_list:/ {print $2}' "${tid%/comm}/status" 2>/dev/null)" "$want" \
        "the hot-plugged vCPU 1's thread runs on $want, where vmplace planned it"
is "$(cat "$(cgdir $tag-hot cpuset)/vcpu1/cpuset.cpus" 2>/dev/null)" "$want" "and its vcpu1 cgroup has cpuset.cpus $want"
$V destroy $tag-hot >/dev/null

# ---- 3c. a dedicated VM with an isolated emulator -------------------------
vm $tag-iso 1
ms=$(settle $tag-iso)
ok $([ "$ms" -lt 10000 ]; echo $?) "libvirt agrees on $tag-iso (dedicated, emulator isolated) ${ms} ms after its start"
agree $tag-iso "isolated emulator"
v=$($V vcpupin $tag-iso --live | awk '$1 == 0 {print $2}') e=$($V emulatorpin $tag-iso --live | awk '{print $NF}')
ok $([ -n "$v" ] && [ -n "$e" ] && [ "$v" != "$e" ]; echo $?) "virsh shows the vCPU on $v and the emulator on its own CPU $e"
$V destroy $tag-iso >/dev/null
$V start $tag-ex >/dev/null
settle $tag-ex >/dev/null

# ---- 4. libvirtd restart: the agent reconnects ---------------------------
lpids=$(pgrep -x libvirtd)
for p in $lpids; do kill -TERM "$p"; done
for _ in $(seq 1 100); do
        alive=0
        for p in $lpids; do kill -0 "$p" 2>/dev/null && alive=1; done
        [ $alive -eq 0 ] && break
        sleep 0.1
done
lv_up; is $? 0 "libvirtd stopped and started again"
for _ in $(seq 1 50); do [ "$($V domstate $tag-ex 2>/dev/null)" = running ] && break; sleep 0.2; done
agree $tag-ex "after the libvirtd restart"
vm $tag-late 2
ms=$(settle $tag-late)
ok $([ "$ms" -lt 15000 ]; echo $?) "the agent reconnected: a VM started after the restart agrees ${ms} ms later"
agree $tag-late "after the restart"
like "$(cat "$W/agent.log")" "connected to $URI" "the agent logged its reconnection"
kill -0 "$AGENT_PID" 2>/dev/null; is $? 0 "the agent still runs"

# ---- 4b. a change made through libvirt is undone at the agent's next pass -
# (the sweep's, every 30 s; SIGHUP asks for one now)
$V schedinfo $tag-ex --live vcpu_quota=30000 >/dev/null
is "$(cat "$(cgdir $tag-ex cpu)/vcpu0/cpu.cfs_quota_us")" 30000 "virsh schedinfo --live vcpu_quota=30000 took (kernel)"
kill -HUP "$AGENT_PID"
ms=$(settle $tag-ex)
ok $([ "$ms" -lt 10000 ]; echo $?) "after SIGHUP the agent's pass tells libvirt the profile's quota again (${ms} ms)"
is "$(cat "$(cgdir $tag-ex cpu)/vcpu0/cpu.cfs_quota_us")" 45000 "and libvirt wrote it: vcpu0/cpu.cfs_quota_us 45000"
"$CLI" status --check >/dev/null; is $? 0 "status --check exits 0: nothing left drifting"

# ---- 5. apply tells libvirt by itself ------------------------------------
stop_agent
is "$(grep -c 'Sanitizer\|runtime error' "$W/agent.log")" 0 "the agent stopped on SIGTERM with no sanitizer report (ASan builds)"
sed -i 's/^shares = 1234/shares = 2048/' "$W/conf/profiles.d/ex.ini"
"$CLI" apply --json $tag-ex >"$W/apply.json"; rc=$?
is "$rc" 0 "vmplace apply $tag-ex after the shares changed (no agent running)"
is "$(jget "$W/apply.json" '[d["libvirt"]["result"], d["libvirt"]["set"]] if (d := j["domains"][0])["libvirt"] else None')" \
        '["set", "schedinfo cpu_shares 2048"]' "apply told libvirt the new shares"
is "$($V dumpxml $tag-ex | sed -n 's/.*<shares>\(.*\)<\/shares>.*/\1/p')" 2048 "virsh dumpxml shows <shares>2048"
agree $tag-ex "after apply"
"$CLI" status --check >/dev/null; is $? 0 "status --check exits 0"
done_testing
