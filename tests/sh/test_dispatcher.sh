#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# qemu-dispatcher (hook/qemu-dispatcher.sh), /etc/libvirt/hooks/qemu for
# libvirt < 6.5, called here as libvirt 6.2 calls hooks/qemu: argv (object,
# operation, sub-operation, extra) and the domain XML on stdin, from a daemon
# named libvirtd whose mapped libvirt.so.0 is 6.2's (a scratch /proc). It must
# run qemu.d/* as libvirt >= 6.5 does (src/util/virhook.c, virHookCall): every
# entry but . and .. that is an executable regular file or a link to one, in
# strcmp order, each with the same argv and stdin, all of them even after one
# fails (the call fails), and for migrate and restore the output of one as the
# next one's input. Called by libvirt >= 6.5 it runs nothing. Then --install
# and --remove, which the packages run, on a scratch root.
. "$(dirname "$0")/lib.sh"
DISP=$VMPLACE_BUILD/hook/qemu-dispatcher
need_file "$DISP" "(the build: hook/qemu-dispatcher)"
W=$(mktemp -d /tmp/vmplace-test.XXXXXX)
trap 'rm -rf "$W"' EXIT
R=$W/root
QD=$R/etc/libvirt/hooks/qemu.d
mkdir -p "$QD"
export VMPLACE_DISPATCH_ROOT=$R VMPLACE_DISPATCH_PROC=$W/proc
SELF=$(sed -n "s/^SELF='\(.*\)'$/\1/p" "$DISP")

# caller PID COMM [SONAME-N PPID]: a scratch /proc entry
caller() {
	mkdir -p "$W/proc/$1"
	echo "$2" >"$W/proc/$1/comm"
	printf 'PPid:\t%s\n' "${4:-1}" >"$W/proc/$1/status"
	: >"$W/proc/$1/maps"
	[ -z "${3:-}" ] || printf '7f0000000000-7f0000001000 r-xp 00000000 fe:01 1234 /usr/lib64/libvirt.so.0.%s.0\n' \
		"$3" >"$W/proc/$1/maps"
	printf '7f0000002000-7f0000003000 r-xp 00000000 fe:01 1235 /usr/lib64/libvirt-qemu.so.0.1.0\n' >>"$W/proc/$1/maps"
}
# this shell runs the dispatcher (a plain command: its parent is $$)
v62() { rm -rf "$W/proc"; caller $$ libvirtd 6002; }

# mk NAME [SHELL-CODE]: qemu.d/NAME records "NAME ARGV" in $W/log and its
# stdin in $W/in.NAME, then runs SHELL-CODE ($W/in.NAME is its input)
mk() {
	local f=$QD/$1
	printf '#!/bin/sh\necho "%s $*" >>"%s/log"\ncat >"%s/in.%s"\n%s\n' "$1" "$W" "$W" "$1" "${2:-}" >"$f"
	chmod 755 "$f"
}
reset() { rm -rf "$QD" "$W"/log "$W"/in.* "$W"/out "$W"/err; mkdir -p "$QD"; }
printf "<domain type='qemu'>\n  <name>disp-a</name>\n</domain>\n\n" >"$W/xml"
run() { "$DISP" "$@" <"$W/xml" >"$W/out" 2>"$W/err"; }

# --- order, argv, stdin; what libvirt skips ----------------------------------------
v62
reset
mk 10-a 'echo "<changed-by-a/>"'
mk 20-b
mk .05-dot              # libvirt skips only . and ..: dotfiles run
mk -01-dash             # '-' sorts before '.' (strcmp)
mk Z9-upper             # 'Z' after the digits, before lower case
mk 15-noexec && chmod 644 "$QD/15-noexec"
mkdir "$QD/30-dir" && chmod 755 "$QD/30-dir"
printf '#!/bin/sh\necho "ext $*" >>"%s/log"\ncat >"%s/in.ext"\n' "$W" "$W" >"$W/ext" && chmod 755 "$W/ext"
ln -s "$W/ext" "$QD/40-link"
ln -s "$W/nowhere" "$QD/45-dangling"
run disp-a prepare begin -
is "$?" 0 "libvirt 6.2 calling: the dispatcher exits 0 when every entry does"
is "$(cat "$W/log")" "-01-dash disp-a prepare begin -
.05-dot disp-a prepare begin -
10-a disp-a prepare begin -
20-b disp-a prepare begin -
ext disp-a prepare begin -
Z9-upper disp-a prepare begin -" \
	"each executable entry once, in strcmp order, dotfiles and links included, with libvirt's argv"
for n in -01-dash .05-dot 10-a 20-b ext Z9-upper; do
	cmp -s "$W/xml" "$W/in.$n"
	ok $? "$n got the domain XML byte for byte on stdin"
done
is "$(cat "$W/out")" "<changed-by-a/>" "prepare: an entry's output goes out as it would to libvirt's log"
is "$(cat "$W/err")" "" "nothing on stderr"

# --- a failing entry -------------------------------------------------------------
reset
mk 10-a
mk 20-fail 'echo "20-fail: no room" >&2; exit 3'
mk 30-c
run disp-a start begin -
is "$?" 3 "a failing entry fails the call with its status"
is "$(cut -d' ' -f1 "$W/log" | tr '\n' ' ')" "10-a 20-fail 30-c " \
	"and the entries after it still run (libvirt >= 6.5 runs them all)"
like "$(cat "$W/err")" "20-fail: no room" "its stderr reaches libvirt"
like "$(cat "$W/err")" "qemu-dispatcher: $QD/20-fail disp-a start begin - exited with status 3" \
	"and the dispatcher names it"
reset
mk 10-a 'exit 1'
mk 20-b 'exit 2'
run disp-a start begin -
is "$?" 2 "two failing: the status of the last one (libvirt reports the last error)"
is "$(grep -c 'exited with status' "$W/err")" 2 "both named"

# --- migrate and restore: output chained --------------------------------------------
for op in migrate restore; do
	reset
	mk 10-a "sed 's|</domain>|<a/></domain>|' \"$W/in.10-a\""
	mk 20-quiet                         # prints nothing: the XML stays
	mk 30-b "sed 's|</domain>|<b/></domain>|' \"$W/in.30-b\""
	run disp-a "$op" begin -
	is "$?" 0 "$op: exit 0"
	cmp -s "$W/xml" "$W/in.10-a"
	ok $? "$op: the first entry gets libvirt's XML"
	is "$(cat "$W/in.20-quiet")" "$(sed 's|</domain>|<a/></domain>|' "$W/xml")" "$op: the second the first one's output"
	is "$(cat "$W/in.30-b")" "$(sed 's|</domain>|<a/></domain>|' "$W/xml")" "$op: one that printed nothing passes the XML on"
	cmp -s "$W/out" <(sed 's|</domain>|<a/><b/></domain>|' "$W/xml")
	ok $? "$op: the last output is the result, byte for byte (trailing newlines kept)"
done
reset
mk 10-a "sed 's|</domain>|<a/></domain>|' \"$W/in.10-a\""
mk 20-fail 'echo "<bad/>"; exit 1'
mk 30-b "sed 's|</domain>|<b/></domain>|' \"$W/in.30-b\""
run disp-a migrate begin -
is "$?" 1 "migrate with a failing entry fails"
cmp -s "$W/xml" "$W/in.30-b"
ok $? "after a failure the next entry gets libvirt's original XML (as virHookCall)"
reset
mk 10-a
run disp-a migrate begin -
is "$?:$(wc -c <"$W/out")" "0:0" "migrate, no entry printed anything: no output (libvirt keeps its XML)"

# --- who calls: nothing runs under libvirt >= 6.5 --------------------------------
reset
mk 10-a
rm -rf "$W/proc"; caller $$ libvirtd 9000
run disp-a prepare begin -
is "$?:$(cat "$W/log" 2>/dev/null)" "0:" "called by libvirtd 9.0: runs nothing (libvirt runs qemu.d itself)"
rm -rf "$W/proc"; caller $$ virtqemud 6005
run disp-a prepare begin -
is "$?:$(cat "$W/log" 2>/dev/null)" "0:" "virtqemud 6.5: nothing"
rm -rf "$W/proc"; caller $$ sh "" 4242; caller 4242 libvirtd 10000
run disp-a prepare begin -
is "$(cat "$W/log" 2>/dev/null)" "" "run by a foreign hooks/qemu under libvirtd 10.0: nothing"
rm -rf "$W/proc"; caller $$ libvirtd 6004
run disp-a prepare begin -
is "$(cat "$W/log" 2>/dev/null)" "10-a disp-a prepare begin -" "libvirtd 6.4: dispatches"
rm -rf "$W/log" "$W/proc"; caller $$ bash "" 1
run disp-a prepare begin -
is "$(cat "$W/log" 2>/dev/null)" "10-a disp-a prepare begin -" "no libvirt daemon calling (run by hand): dispatches"
rm -rf "$W/log" "$W/proc"; mkdir -p "$W/proc"
run disp-a prepare begin -
is "$(cat "$W/log" 2>/dev/null):$(cat "$W/err")" "10-a disp-a prepare begin -:" \
	"its parent gone from /proc: dispatches, and says nothing on stderr"
rm -rf "$W/log"
VMPLACE_DISPATCH_ROOT=$W/none run disp-a prepare begin -
is "$?:$(cat "$W/log" 2>/dev/null)" "0:" "no qemu.d: exit 0, nothing run"

# --- --install / --remove (the packages' scriptlets) ---------------------------------
H=$R/etc/libvirt/hooks/qemu
rm -rf "$R" && mkdir -p "$R/usr/lib64"
: >"$R/usr/lib64/libvirt.so.0.6002.0" && ln -s libvirt.so.0.6002.0 "$R/usr/lib64/libvirt.so.0"
out=$("$DISP" --install 2>&1)
is "$?:$(readlink "$H")" "0:$SELF" "libvirt 6.2, no hooks/qemu: --install links it to $SELF"
like "$out" "libvirt 6.2 runs no hooks/qemu.d: linked $H" "and says so"
is "$("$DISP" --install 2>&1):$(readlink "$H")" ":$SELF" "a second --install (an upgrade) changes nothing, silently"
out=$("$DISP" --remove 2>&1)
ok "$([ ! -e "$H" ] && [ ! -L "$H" ]; echo $?)" "--remove removes its own link"
like "$out" "removed the dispatcher link $H" "and says so"
printf '#!/bin/sh\necho theirs\n' >"$H" && chmod 755 "$H"
out=$("$DISP" --install 2>&1)
is "$?:$(cat "$H")" "0:#!/bin/sh
echo theirs" "another hooks/qemu: --install leaves it as it is (and exits 0)"
like "$out" "$H is not vmplace's and libvirt 6.2 runs only it" "and names it"
like "$out" "exec $SELF \"\$@\"" "and says how to chain"
is "$(echo "$out" | wc -l)" 1 "in one line"
"$DISP" --remove >/dev/null 2>&1
is "$(cat "$H")" "#!/bin/sh
echo theirs" "--remove leaves another hooks/qemu alone"
rm -f "$H" && ln -s /usr/local/bin/their-hook "$H"
"$DISP" --install >/dev/null 2>&1; "$DISP" --remove >/dev/null 2>&1
is "$(readlink "$H")" /usr/local/bin/their-hook "and another link"
rm -f "$H"
# libvirt 9.0 (Debian's multiarch dir)
rm -rf "$R/usr/lib64" && mkdir -p "$R/usr/lib/x86_64-linux-gnu"
: >"$R/usr/lib/x86_64-linux-gnu/libvirt.so.0.9000.0"
out=$("$DISP" --install 2>&1)
ok "$([ ! -e "$H" ] && [ ! -L "$H" ]; echo $?)" "libvirt 9.0: --install links nothing"
is "$out" "" "silently"
ln -s "$SELF" "$H"
out=$("$DISP" --install 2>&1)
ok "$([ ! -e "$H" ] && [ ! -L "$H" ]; echo $?)" "libvirt upgraded to 9.0: --install removes its old link"
like "$out" "libvirt 9.0 runs hooks/qemu.d itself" "and says why"
rm -rf "$R/usr/lib"
out=$("$DISP" --install 2>&1)
ok "$([ ! -e "$H" ] && [ ! -L "$H" ]; echo $?)" "no libvirt.so.0 at all: nothing linked"
like "$out" "no libvirt.so.0 found" "and says so"
done_testing
