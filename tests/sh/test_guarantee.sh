#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The promise at its edges (issue "Guarantee") on a fake tree, where the order
# of events can be forced (the real libvirtd cases: test_libvirt_guarantee.sh).
#   I6: `vmplace apply` checks that the domain runs, then waits for the ledger
#       lock; the domain stops meanwhile. Under the lock apply must see that
#       and record nothing: it re-planned and committed an entry for a VM that
#       no longer ran, holding its CPUs.
. "$(dirname "$0")/lib.sh"
scratch
export VMPLACE_SYSFS=$VMPLACE_TEST_DATA/topo/1node-4cpu
need flock util-linux
dedicated_conf $'[host]\n'
U=$(uuidn 1)
domxml vm-1 "$U" 1 64 >"$W/vm-1.xml"
"$HOOK" vm-1 prepare begin - <"$W/vm-1.xml"; ok $? "vm-1 prepared"
# libvirt's run dir: a running QEMU (a sleep stands in) and its status file
sleep 300 &
qemu=$!
echo "$qemu" >"$W/lvrun/vm-1.pid"
{ echo "<domstatus state='running' pid='$qemu'>"; cat "$W/vm-1.xml"; echo "</domstatus>"; } \
        >"$W/lvrun/vm-1.xml"
token() { jget "$W/run/ledger.json" "[e.get('commit') for e in j['entries'] if e['name'] == 'vm-1']"; }
before=$(token)

# hold the lock; apply checks vm-1 runs, then waits for the lock
flock "$W/run/ledger.lock" sleep 30 &
holder=$!
for _ in $(seq 1 100); do
        [ -n "$(pgrep -P "$holder" sleep)" ] && break
        sleep 0.05
done
"$CLI" apply --json vm-1 >"$W/apply.json" 2>"$W/apply.err" &
apply=$!
waiting=1
for _ in $(seq 1 200); do
        case $(cat "/proc/$apply/wchan" 2>/dev/null) in *nanosleep*) waiting=0 && break ;; esac
        sleep 0.05
done
is "$waiting" 0 "apply waits for the ledger lock"
# vm-1 stops meanwhile (libvirt removes its pid file; its release hook would
# wait for the lock too)
kill "$qemu"
wait "$qemu" 2>/dev/null
rm -f "$W/lvrun/vm-1.pid" "$W/lvrun/vm-1.xml"
pkill -P "$holder" sleep
wait "$holder" 2>/dev/null
wait "$apply"
rc=$?
is "$rc" 1 "apply exits 1"
is "$(jget "$W/apply.json" "[d['result'] for d in j['domains']]")" '["not-running"]' \
        "apply says vm-1 is not running"
like "$(jget "$W/apply.json" "j['domains'][0]['message']")" "it stopped while vmplace was planning it" \
        "... because it stopped meanwhile"
is "$(token)" "$before" "apply committed nothing for it (the entry is prepare's)"
done_testing
