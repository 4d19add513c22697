#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# qemu-dispatcher as /etc/libvirt/hooks/qemu under the real libvirtd (9.0
# here), which runs hooks/qemu and then qemu.d/* itself: a real VM started
# and destroyed, and a recording qemu.d entry must run exactly once per
# operation (the dispatcher, called by libvirt, runs nothing). The same run
# also shows on the real libvirt what the dispatcher copies from it: an
# executable dotfile runs, entries run in strcmp order, and a failing entry
# does not stop the ones after it. Then the control: the dispatcher made to
# believe its caller is libvirt 6.2 (a scratch /proc for libvirtd's pid) runs
# every entry in libvirt's own order, so each runs twice: the double run the
# version check prevents, and which this test would see. /etc/libvirt/hooks
# is left as found (the test refuses to run when a hooks/qemu is there).
. "$(dirname "$0")/lib.sh"
DISP=$VMPLACE_BUILD/hook/qemu-dispatcher
[ "${VMPLACE_INSTALLED:-0}" = 1 ] && DISP=/usr/libexec/vmplace/qemu-dispatcher
need_file "$DISP" "(the build: hook/qemu-dispatcher)"
need virsh libvirt-clients
W=$(mktemp -d /tmp/vmplace-test.XXXXXX)
chmod 755 "$W"
H=/etc/libvirt/hooks
QD=$H/qemu.d
dom=disp-$$
state() { if [ -e "$H" ]; then find "$H" -printf '%p %M %s %l\n' | sort; else echo "$H absent"; fi; }
before=$(state)
if [ -e "$H/qemu" ] || [ -L "$H/qemu" ]; then
	ok 1 "$H/qemu exists (not this test's): not touching it"
	rm -rf "$W"
	done_testing
fi
lv_up || { echo "not ok 1 - libvirtd could not be started"; exit 1; }
V="virsh -q -c qemu:///system"
made=
[ -d "$QD" ] || made=$QD
[ -d "$H" ] || made="$made $H"
ENTRIES="$QD/40-disp-rec-$$ $QD/.41-disp-dot-$$ $QD/42-disp-fail-$$ $QD/43-disp-after-$$"
# libvirt reads which hooks exist at start or on SIGHUP only (lib.sh)
reload() { lv_reload; }
cleanup() {
	$V destroy "$dom" >/dev/null 2>&1
	$V undefine "$dom" >/dev/null 2>&1
	# hooks/qemu was absent when the test began: it is this test's
	rm -f "$H/qemu" $ENTRIES
	[ -z "$made" ] || rmdir $made 2>/dev/null
	reload >/dev/null 2>&1
}
trap 'cleanup; rm -rf "$W"' EXIT

mkdir -p "$QD"
# rec NAME: a qemu.d entry recording "NAME OP SUBOP" for this test's domain
rec() {
	printf '#!/bin/sh\n[ "$1" = %s ] || exit 0\necho "%s $2 $3" >>%s/log\n%s\n' \
		"$dom" "$2" "$W" "${3:-}" >"$1"
	chmod 755 "$1"
}
rec "$QD/40-disp-rec-$$" rec
rec "$QD/.41-disp-dot-$$" dot
# fails at stopped, whose failure libvirt ignores (the VM still stops)
rec "$QD/42-disp-fail-$$" fail '[ "$2" = stopped ] && exit 1; exit 0'
rec "$QD/43-disp-after-$$" after
# hooks/qemu: notes that libvirt called it, then is the dispatcher (exec:
# its parent stays libvirtd, as when linked there)
cat >"$H/qemu" <<SH
#!/bin/sh
[ "\$1" = $dom ] && echo "hooks/qemu \$2 \$3" >>$W/log
exec $DISP "\$@"
SH
chmod 755 "$H/qemu"
reload >/dev/null
is "$($V version --daemon 2>/dev/null | sed -n 's/^Running against daemon: //p')" 9.0.0 "the libvirtd here is 9.0"
"$VMPLACE_SRC/scripts/minivm-xml.sh" "$dom" 1 >"$W/dom.xml"
$V define "$W/dom.xml" >/dev/null
lifecycle() {
	: >"$W/log"
	$V start "$dom" >/dev/null 2>"$W/err"
	ok $? "$1: $dom starts"
	$V destroy "$dom" >/dev/null 2>>"$W/err"
	ok $? "$1: and is destroyed"
	sed 's/^/# /' "$W/err"
}
# what libvirt 9.0 runs per operation: hooks/qemu first, then qemu.d in
# strcmp order (the dotfile first), all of them after 42 fails at stopped
per_op() { # per_op OP SUBOP [TIMES]: the entries' lines for one operation
	local _
	for _ in $(seq "${3:-1}"); do
		printf 'dot %s %s\nrec %s %s\nfail %s %s\nafter %s %s\n' "$1" "$2" "$1" "$2" "$1" "$2" "$1" "$2"
	done
}
want() { # want TIMES
	local op
	for op in "prepare begin" "start begin" "started begin" "stopped end" "release end"; do
		echo "hooks/qemu $op"
		per_op $op "$1"
	done
}

lifecycle "libvirt 9.0"
is "$(cat "$W/log")" "$(want 1)" \
	"libvirt ran hooks/qemu (the dispatcher) and each qemu.d entry exactly once per operation"
for op in prepare start started stopped release; do
	is "$(grep -c "^rec $op " "$W/log")" 1 "the recording entry ran once at $op"
done

# the control: the same dispatcher, told its caller is libvirt 6.2
pid=$(pgrep -x libvirtd | head -1)
mkdir -p "$W/proc/$pid"
echo libvirtd >"$W/proc/$pid/comm"
echo '7f0000000000-7f0000001000 r-xp 00000000 fe:01 1 /usr/lib64/libvirt.so.0.6002.0' >"$W/proc/$pid/maps"
sed -i "s|^exec |exec env VMPLACE_DISPATCH_PROC=$W/proc |" "$H/qemu"
lifecycle "dispatcher told libvirt 6.2"
is "$(cat "$W/log")" "$(want 2)" \
	"as if on libvirt 6.2 it runs qemu.d in libvirt's own order, so on 9.0 every entry runs twice"

cleanup
trap 'rm -rf "$W"' EXIT
is "$(state)" "$before" "$H is as the test found it"
done_testing
