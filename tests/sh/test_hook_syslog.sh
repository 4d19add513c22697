#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# One syslog line per decision, ident "vmplace" (issue "Enforce"): a datagram
# socket stands in for /dev/log (in a private mount namespace when the host
# has a real one) and collects what the hook sends for a placement, a
# refusal, an unmanaged domain and a release.
. "$(dirname "$0")/lib.sh"
scratch
export VMPLACE_SYSFS=$VMPLACE_TEST_DATA/topo/2node-smt
# names unique to this run: other tests' hooks may log to the socket meanwhile
t=slg$$
printf '[host]\n' >"$W/conf/vmplace.ini"
printf '[match]\nnames = %s-db-*\n[placement]\ncpu_policy = dedicated\n' "$t" >"$W/conf/profiles.d/db.ini"
chmod 644 "$W"/conf/vmplace.ini "$W"/conf/profiles.d/*.ini
domxml "$t-db-1" "$(uuidn 1)" 2 512 >"$W/db1.xml"
domxml "$t-db-2" "$(uuidn 2)" 9 512 >"$W/db2.xml"
domxml "$t-web-1" "$(uuidn 3)" 1 64 >"$W/web.xml"

cat >"$W/run-hooks.sh" <<SH
set -e
python3 - "$W/log" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
if os.path.exists("/dev/log.vmplace-test.$$"): os.unlink("/dev/log.vmplace-test.$$")
s.bind("/dev/log.vmplace-test.$$")
s.settimeout(3)
with open(sys.argv[1], "w") as out:
    try:
        while True:
            out.write(s.recv(4096).decode(errors="replace").rstrip("\n") + "\n"); out.flush()
    except socket.timeout:
        pass
os.unlink("/dev/log.vmplace-test.$$")
PY
while [ ! -S /dev/log.vmplace-test.$$ ]; do sleep 0.05; done
if [ -S /dev/log ]; then mount --bind /dev/log.vmplace-test.$$ /dev/log
else ln -sfn /dev/log.vmplace-test.$$ /dev/log; trap 'rm -f /dev/log' EXIT; fi
"$HOOK" $t-db-1 prepare begin - <"$W/db1.xml"
"$HOOK" $t-db-2 prepare begin - <"$W/db2.xml" 2>/dev/null || true
"$HOOK" $t-web-1 prepare begin - <"$W/web.xml"
"$HOOK" $t-db-1 stopped end - <"$W/db1.xml"
wait
SH
if [ -S /dev/log ]; then unshare -m bash "$W/run-hooks.sh"; else bash "$W/run-hooks.sh"; fi
ok $? "hooks ran with a syslog socket"
grep -F "$t-" "$W/log" >"$W/ours"
log=$(cat "$W/ours")
sed "s/^/# syslog: /" "$W/ours"
is "$(grep -c 'vmplace\[[0-9]*\]: ' "$W/ours")" 2 "two decisions logged (placement, refusal), ident vmplace with pid"
like "$log" "$t-db-1 prepare: profile db (name:$t-db-*): spread: node" "the placement with profile, match and reason"
like "$log" "$t-db-2 (profile db): no NUMA node has 9 free dedicated CPUs" "the refusal with its reason"
ok $(grep -q "$t-web-1" "$W/ours"; [ $? -ne 0 ]; echo $?) "unmanaged domains log nothing"
is "$(grep -c '^<27>' "$W/ours")" 1 "the refusal at error priority (LOG_ERR), once"
done_testing
