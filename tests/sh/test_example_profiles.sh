#!/usr/bin/env bash
# The shipped example profiles and vmplace.ini pass `vmplace validate`, and each
# matches only the domains tagged with its metadata.
. "$(dirname "$0")/lib.sh"
scratch
cp "$VMPLACE_SRC/profiles/vmplace.ini" "$W/conf/"
for f in "$VMPLACE_SRC"/profiles/*.ini; do
        [ "$(basename "$f")" = vmplace.ini ] || cp "$f" "$W/conf/profiles.d/"
done
chmod 644 "$W"/conf/vmplace.ini "$W"/conf/profiles.d/*.ini
out=$("$CLI" validate 2>&1); rc=$?
is "$rc" 0 "examples validate"
like "$out" "valid (5 profiles)" "all five are loaded"
export VMPLACE_SYSFS=$VMPLACE_TEST_DATA/topo/8node-smt
for p in latency-critical database general-purpose batch noisy-neighbour; do
        domxml "vm-$p" "$(uuidn 1)" 2 1024 "<metadata><vmplace:profile xmlns:vmplace='urn:vmplace:1'>$p</vmplace:profile></metadata>" >"$W/d.xml"
        is "$("$CLI" plan --json --xml "$W/d.xml" | jget - 'j["profile"]+" "+j["matched_by"]')" \
                "$p metadata" "a domain tagged $p gets $p"
done
domxml plain "$(uuidn 2)" 2 1024 >"$W/d.xml"
is "$("$CLI" plan --json --xml "$W/d.xml" | jget - 'j["profile"]')" "null" \
        "an untagged domain is left alone"
done_testing
