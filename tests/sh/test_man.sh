#!/usr/bin/env bash
# The man page documents every command the CLI has (issue "Operate": every
# command has --help and a man page section), and renders without warnings.
. "$(dirname "$0")/lib.sh"
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
MAN=$VMPLACE_SRC/man/vmplace.8
cmds=$("$CLI" --help | awk '/^  [a-z]+ / {print $1}')
ok "$([ -n "$cmds" ]; echo $?)" "vmplace --help lists commands"
for c in $cmds; do
        grep -q "^\.SS $c\$" "$MAN"; ok $? "vmplace.8 has a section for '$c'"
        "$CLI" "$c" --help >"$W/h" 2>&1 || true
        like "$(head -1 "$W/h" 2>/dev/null)" "usage: vmplace $c" "vmplace $c --help prints its usage"
done
# vmplace-enforce.8 names every option of the program's usage text.
for o in $("$ENFORCE" --help | grep -o -- '--[a-z]*' | sort -u); do
        grep -q -- "${o//-/\\\\-}" "$VMPLACE_SRC/man/vmplace-enforce.8"
        ok $? "vmplace-enforce.8 documents $o"
done
sections=$(awk '/^\.SH COMMANDS/ {on=1; next} /^\.SH/ {on=0} on && /^\.SS/ {print $2}' "$MAN" | sort | tr '\n' ' ')
is "$sections" "$(echo "$cmds" | sort | tr '\n' ' ')" "and no section for a command that does not exist"
if command -v groff >/dev/null; then
        warn=$(groff -man -ww -z "$MAN" 2>&1)
        is "$warn" "" "groff -ww renders it without warnings"
        warn=$(groff -man -ww -z "$VMPLACE_SRC/man/vmplace-enforce.8" 2>&1)
        is "$warn" "" "groff -ww renders vmplace-enforce.8 without warnings"
fi
done_testing
