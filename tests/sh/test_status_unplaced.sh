#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `vmplace status` rows for running domains a profile matches but vmplace
# never placed (state "unplaced", SPEC 5), and `status --prometheus`, against
# a scratch libvirt run dir: NAME.pid files pointing at a real live process
# (and at a dead one) with libvirt <domstatus> files made from a real one.
. "$(dirname "$0")/lib.sh"
# started before scratch sets its EXIT trap, which a forked child would
# otherwise run when killed
sleep 300 &
LIVE=$!
sleep 300 &
DEAD=$!
kill "$DEAD"; wait "$DEAD" 2>/dev/null
scratch
export VMPLACE_SYSFS=$VMPLACE_TEST_DATA/topo/2node-smt
PROMCHECK=$VMPLACE_SRC/tests/sh/promcheck.py
trap 'kill "$LIVE" 2>/dev/null; rm -rf "$W"' EXIT

# running NAME PID MEM_KIB [METADATA-PROFILE]: libvirt's NAME.pid and NAME.xml
# (name, uuid and memory replaced in a real status file; & and < escaped)
running() {
        local xname=${1//&/&amp;}
        xname=${xname//</&lt;}
        echo "$2" >"$W/lvrun/$1.pid"
        python3 - "$VMPLACE_TEST_DATA/xml/status/running-2vcpu.xml" "$xname" "$(uuidn "$RANDOM")" \
                "$3" "${4:-}" >"$W/lvrun/$1.xml" <<'PY'
import sys
src, name, uuid, mem, meta = sys.argv[1:]
x = open(src, encoding="utf-8").read()
x = x.replace("<name>vpxml-tiny</name>", "<name>%s</name>" % name)
x = x.replace("316b3243-0c17-4261-a116-9ae25b72f227", uuid)
x = x.replace("<memory unit='KiB'>65536</memory>", "<memory unit='KiB'>%s</memory>" % mem)
if meta:
    x = x.replace("</uuid>", "</uuid><metadata><vmplace:profile xmlns:vmplace='urn:vmplace:1'>"
                  "%s</vmplace:profile></metadata>" % meta, 1)
sys.stdout.write(x)
PY
}
printf '[host]\n' >"$W/conf/vmplace.ini"
printf '[match]\nnames = web-*, we*\n[placement]\ncpu_policy = shared\n' >"$W/conf/profiles.d/web.ini"
printf '[match]\nmetadata = db\n[placement]\ncpu_policy = dedicated\n' >"$W/conf/profiles.d/db.ini"
chmod 644 "$W"/conf/vmplace.ini "$W"/conf/profiles.d/*.ini

hostile='we"b\1-数据'
export H=$hostile
running web-1 "$LIVE" 131072
running other-1 "$LIVE" 65536                 # no profile matches: not listed
running web-dead "$DEAD" 65536                # its QEMU is gone: not running
running anything "$LIVE" 262144 db            # matched by metadata
running "$hostile" "$LIVE" 65536
echo garbage >"$W/lvrun/web-garbage.pid"      # not a pid: not running
echo "$LIVE" >"$W/lvrun/web-badxml.pid"       # status XML unreadable
echo '<domstatus><domain>' >"$W/lvrun/web-badxml.xml"
echo "$LIVE" >"$W/lvrun/driver.pid"           # libvirt's driver lock: no status XML, no domain
# a placed domain: prepared by the hook, running too
domxml web-9 "$(uuidn 9)" 1 512 | "$HOOK" web-9 prepare begin -; ok $? "hook prepares web-9"
running web-9 "$LIVE" 524288
sed -i "s/<uuid>[^<]*</<uuid>$(uuidn 9)</" "$W/lvrun/web-9.xml"

"$CLI" status --json >"$W/st.json" 2>"$W/err"; rc=$?
is "$rc" 0 "status --json exits 0 with unplaced domains"
is "$(cat "$W/err")" "" "no warning"
is "$(jget "$W/st.json" '[d["name"] for d in j["domains"]]')" \
        '["anything", "we\"b\\1-\u6570\u636e", "web-1", "web-9", "web-badxml"]' \
        "rows: placed and unplaced, by name (bytes); no unmatched, dead or unreadable-pid domain, no driver.pid"
# row NAME EXPR: EXPR on d, the status row of NAME
row() { jget "$W/st.json" "(lambda d: $2)([d for d in j['domains'] if d['name'] == '$1'][0])"; }
is "$(row web-1 'd["state"]')" unplaced "web-1: unplaced"
is "$(row web-1 'd["profile"]')" web "web-1: profile web"
is "$(row web-1 'd["matched_by"]')" "name:web-*" "web-1: matched by name"
is "$(row web-1 'd["memory_kib"]')" 131072 "web-1: memory_kib from its status XML"
is "$(row web-1 'd["uuid"] != None')" True "web-1: uuid from its status XML"
is "$(row web-1 '[d[k] for k in ("cpus", "emulator_cpus", "kind")]')" "[null, null, null]" \
        "web-1: no CPUs, no kind"
is "$(row web-1 '[d["nodes"], d["drift"]]')" "[[], []]" "web-1: nodes [] and drift []"
is "$(row anything 'd["profile"] + " " + d["matched_by"] + " " + str(d["memory_kib"])')" \
        "db metadata 262144" "a metadata match: profile db, matched_by metadata"
is "$(row web-9 'd["state"]')" prepared "the ledger's domain keeps its state, not unplaced"
is "$(jget "$W/st.json" 'sum(d["name"] == "web-9" for d in j["domains"])')" 1 "and shows once"
is "$(row web-badxml 'd["state"] + " " + str(d["memory_kib"])')" "unplaced 0" \
        "unreadable status XML: unplaced by name, memory unknown"
like "$(row web-badxml 'd["error"]')" "$W/lvrun/web-badxml.xml" "with an error naming the file"
"$CLI" status --check >/dev/null 2>&1; is $? 1 "status --check exits 1 on unplaced domains"

out=$("$CLI" status); rc=$?
is "$rc" 0 "human status exits 0"
like "$out" "web-1              web          name:web-* unplaced -         -            -         -     128 MiB" \
        "human row: unplaced, no placement, memory"
is "$(printf '%s\n' "$out" | python3 -c 'import sys; print(int(max(len(l.rstrip("\n")) for l in sys.stdin) <= 100))')" 1 \
        "human table within 100 columns"

# --- Prometheus ------------------------------------------------------------
before=$(date +%s)
"$CLI" status --prometheus >"$W/p.txt" 2>"$W/err"; rc=$?
after=$(date +%s)
is "$rc" 0 "status --prometheus exits 0"
is "$(cat "$W/err")" "" "nothing on stderr"
python3 "$PROMCHECK" "$W/p.txt" >"$W/p.json"; ok $? "the output passes the exposition-format validator"
# which does catch what it is there for
bad() { printf '# HELP m x\n# TYPE m gauge\n%s\n' "$1" | python3 "$PROMCHECK" >/dev/null 2>&1; is $? 1 "validator refuses $2"; }
bad 'm{domain="a\x"} 1' "an unknown escape"
bad 'm{domain="a"b"} 1' "a bare quote"
bad 'm{domain="a\"} 1' "an escaped closing quote"
bad 'n{domain="a"} 1' "a sample without TYPE"
bad 'm{domain="a"} one' "a value that is not a number"
printf '# HELP m x\n# TYPE m gauge\nm{d="\xff"} 1\n' | python3 "$PROMCHECK" >/dev/null 2>&1
is $? 1 "validator refuses bytes that are not UTF-8"
pget() { jget "$W/p.json" "$1"; }
is "$(pget "[s[1]['domain'] for s in j if s[0] == 'vmplace_domain_info']")" \
        '["anything", "we\"b\\1-\u6570\u636e", "web-1", "web-9", "web-badxml"]' \
        "one info sample per row, the hostile name unescaped back to itself"
is "$(pget "[s[2] for s in j if s[0] == 'vmplace_domain_state' and s[1]['domain'] == __import__('os').environ['H'] and s[1]['state'] == 'unplaced']")" \
        "[1.0]" "the hostile domain's state sample: unplaced 1"
is "$(grep -c '^vmplace_domain_info{domain="we\\"b\\\\1-数据",' "$W/p.txt")" 1 \
        "written as we\\\"b\\\\1-数据 on the wire"
is "$(pget "[s[1]['state'] for s in j if s[0] == 'vmplace_domain_state' and s[1]['domain'] == 'web-1' and s[2] == 1]")" \
        '["unplaced"]' "one-hot: only unplaced is 1"
is "$(pget "len([s for s in j if s[0] == 'vmplace_domain_state' and s[1]['domain'] == 'web-1'])")" 5 \
        "five state samples per domain"
is "$(pget "[s[1]['profile'] + ' ' + s[1]['matched_by'] for s in j if s[0] == 'vmplace_domain_info' and s[1]['domain'] == 'anything']")" \
        '["db metadata"]' "info labels: profile and matched_by"
is "$(pget "[s[1]['domain'] for s in j if s[0] == 'vmplace_domain_vcpu_cpus']")" '["web-9"]' \
        "CPU gauges only for the placed domain"
is "$(pget "sorted((s[1]['node'], s[2]) for s in j if s[0] == 'vmplace_domain_memory_bytes')")" \
        "$(jget "$W/run/ledger.json" 'sorted((n, kib * 1024.0) for n, kib in j["entries"][0]["memory"].items())')" \
        "memory bytes per node equal the ledger's"
is "$(pget "[s[2] for s in j if s[0] == 'vmplace_drift_detections_total']")" "[0.0]" "counter 0"
is "$(pget "[s[2] for s in j if s[0] == 'vmplace_config_valid']")" "[1.0]" "config valid"
ts=$(pget "[s[2] for s in j if s[0] == 'vmplace_last_run_timestamp_seconds'][0]")
ok "$(python3 -c "print(0 if $before <= $ts <= $after else 1)")" "timestamp is the run's ($before <= $ts <= $after)"
is "$(stat -c %a "$W/run/metrics.state")" 600 "metrics.state is 0600"
"$CLI" status --prometheus --check >/dev/null 2>&1; is $? 1 "--prometheus --check still exits 1"
"$CLI" status --prometheus --json >/dev/null 2>"$W/err"; is $? 2 "--prometheus with --json: usage error"
like "$(cat "$W/err")" "exclude each other" "saying so"
"$CLI" status --prometheus= >/dev/null 2>&1; is $? 2 "--prometheus= without a file: usage error"
"$CLI" status --prometheus="$W/out.prom"; is $? 0 "--prometheus=FILE exits 0"
is "$(diff <(grep -v ^vmplace_last_run "$W/p.txt") <(grep -v ^vmplace_last_run "$W/out.prom"))" "" \
        "FILE has what stdout had (but the timestamp)"
is "$(ls "$W" | grep -c 'out.prom.tmp')" 0 "no temporary file left"
"$CLI" status --prometheus="$W/nodir/out.prom" 2>"$W/err"; is $? 2 "unwritable FILE exits 2"
like "$(cat "$W/err")" "$W/nodir/out.prom.tmp." "naming the file"

# --- a broken configuration ---------------------------------------------------
printf '[match]\nnames = web-*\n[cputune]\nshares = 1\n' >"$W/conf/profiles.d/web.ini"
"$CLI" status --json >"$W/st.json" 2>"$W/err"; rc=$?
is "$rc" 0 "broken config: status still exits 0"
is "$(wc -l <"$W/err")" 1 "one warning line"
like "$(cat "$W/err")" "vmplace status: cannot tell unplaced domains: configuration error: $W/conf/profiles.d/web.ini:4: " \
        "naming the problem with file and line"
is "$(jget "$W/st.json" '[d["name"] + ":" + d["state"] for d in j["domains"]]')" '["web-9:prepared"]' \
        "the ledger rows are still printed"
"$CLI" status --check >/dev/null 2>&1; is $? 2 "--check that could not look for unplaced domains exits 2"
"$CLI" status --prometheus >"$W/p.txt" 2>/dev/null; is $? 0 "--prometheus exits 0"
is "$(python3 "$PROMCHECK" "$W/p.txt" | jget - "[s[2] for s in j if s[0] == 'vmplace_config_valid']")" \
        "[0.0]" "vmplace_config_valid 0"
# a stale ledger row is worse than not knowing: exit 1
python3 - "$W/run/ledger.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); j["entries"][0]["created"] -= 3600
json.dump(j, open(sys.argv[1], "w"))
PY
rm "$W/lvrun/web-9.pid"
"$CLI" status --check >/dev/null 2>&1; is $? 1 "--check: a stale entry still exits 1 with the config broken"

# no config problem, nothing matches: --check passes
rm "$W/conf/profiles.d/web.ini" "$W/run/ledger.json"
"$CLI" status --check >/dev/null 2>&1; is $? 1 "web.ini gone: the metadata-matched domain alone fails --check"
rm "$W/conf/profiles.d/db.ini"
"$CLI" status --check >"$W/out" 2>"$W/err"; is $? 0 "no profile, no ledger: --check exits 0"
is "$(tail -1 "$W/out")" "(no managed domains)" "running but unmanaged domains are not listed"
is "$(cat "$W/err")" "" "and no warning"
done_testing
