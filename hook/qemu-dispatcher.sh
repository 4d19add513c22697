#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# qemu-dispatcher: /etc/libvirt/hooks/qemu for libvirt older than 6.5.
#
# libvirt runs /etc/libvirt/hooks/qemu.d/* (where vmplace's hook is linked as
# 50-vmplace) only since 6.5; openEuler 20.03 to 23.03 ship libvirt 6.2, which
# runs /etc/libvirt/hooks/qemu alone. Linked there, this script runs qemu.d/*
# as libvirt >= 6.5 does (src/util/virhook.c, virHookCall), and nothing more:
#  - every entry of qemu.d but "." and ".." (dotfiles too) that is a regular
#    file, or a link to one, with an execute bit, in strcmp order of the names;
#  - each with the same four arguments (object, operation, sub-operation,
#    extra) and the same stdin (the domain XML);
#  - a failing entry does not stop the others; the call fails (here: exits
#    with the status of the last failing entry, naming each on stderr);
#  - for the operations whose output libvirt reads (migrate and restore: a
#    new domain XML), the output of an entry that succeeded and printed
#    something becomes the next entry's stdin as long as none failed, and the
#    last such output is the result; an entry that prints nothing keeps the
#    XML as it was. For the other operations every entry gets the original
#    XML and its output goes to libvirt's log as it would.
#
# On libvirt >= 6.5 it does nothing (libvirt runs qemu.d itself: running them
# here too would run every hook twice). Which libvirt calls it is read from
# the calling daemon, never asked of libvirt (a hook that calls libvirt back
# deadlocks): the nearest ancestor named libvirtd or virtqemud, and the
# version in the soname of the libvirt.so.0 it has mapped (libvirt names it
# libvirt.so.0.MAJOR*1000+MINOR.MICRO: 6.2.0 is libvirt.so.0.6002.0). That is
# the running daemon's own version, right also between a libvirt upgrade and
# the daemon's restart, costs no program start, and needs neither the package
# database (locked during a transaction) nor the daemon. Called by anything
# else (an admin trying it by hand) it dispatches.
#
# The packages run it as
#   qemu-dispatcher --install   (after install or upgrade)
#   qemu-dispatcher --remove    (before erase)
# --install links /etc/libvirt/hooks/qemu to it when the installed libvirt
# (the soname of libvirt.so.0 on disk) is older than 6.5 and nothing is at
# that path; a file or link there that is not this link is left alone and
# named, with how to chain. On libvirt >= 6.5 it removes its own link (an
# upgraded libvirt). --remove removes the link only when it is this link,
# and then reloads a libvirt < 6.5 daemon of this root: libvirt 6.2 decides
# at start or on SIGHUP that hooks/qemu exists and would otherwise fail every
# VM operation trying to run the missing file. The install's reload is the
# scriptlet's own (it follows --install).
#
# Environment, for tests and DPKG_ROOT only (libvirt runs hooks with a clean
# environment): VMPLACE_DISPATCH_ROOT, the root the hooks and libraries are
# under (default /); VMPLACE_DISPATCH_PROC, the proc file system to read the
# caller from (default /proc).
LC_ALL=C
export LC_ALL
SELF='@VMPLACE_DISPATCHER@'
ROOT=${VMPLACE_DISPATCH_ROOT:-}
PROC=${VMPLACE_DISPATCH_PROC:-/proc}
HOOKS=$ROOT/etc/libvirt/hooks
# the first libvirt that runs qemu.d itself, as MAJOR*1000+MINOR
NATIVE=6005

# soname_version FILE: MAJOR*1000+MINOR from a libvirt.so.0.N.M name in FILE
soname_version() {
	sed -n '/libvirt\.so\.0\.[0-9]/{s/.*libvirt\.so\.0\.\([0-9]*\).*/\1/p;q;}' "$1" 2>/dev/null
}

# caller_version: the version of the libvirt daemon that runs this script,
# empty when no ancestor (up to 4 levels) is one
caller_version() {
	pid=$PPID n=0
	while [ "$n" -lt 4 ] && [ "${pid:-0}" -gt 1 ] 2>/dev/null; do
		comm=
		read -r comm 2>/dev/null <"$PROC/$pid/comm" || return 0
		case $comm in
		libvirtd | virtqemud)
			soname_version "$PROC/$pid/maps"
			return 0
			;;
		esac
		pid=$(sed -n 's/^PPid:[[:space:]]*//p' "$PROC/$pid/status" 2>/dev/null)
		n=$((n + 1))
	done
}

# installed_version: the highest libvirt.so.0.N on disk under $ROOT
installed_version() {
	best=
	for f in "$ROOT"/usr/lib64/libvirt.so.0.* "$ROOT"/usr/lib/*/libvirt.so.0.* \
		"$ROOT"/usr/lib/libvirt.so.0.*; do
		[ -e "$f" ] || continue
		v=$(echo "${f##*/}" | soname_version /dev/stdin)
		[ -n "$v" ] && { [ -z "$best" ] || [ "$v" -gt "$best" ]; } && best=$v
	done
	echo "$best"
}

# human N: 6002 -> 6.2
human() { echo "$(($1 / 1000)).$(($1 % 1000))"; }

ours() { [ -L "$HOOKS/qemu" ] && [ "$(readlink "$HOOKS/qemu")" = "$SELF" ]; }

do_install() {
	v=$(installed_version)
	if [ -z "$v" ]; then
		echo "vmplace: no libvirt.so.0 found; $HOOKS/qemu left as it is" >&2
		return 0
	fi
	if [ "$v" -ge "$NATIVE" ]; then
		# libvirt runs qemu.d itself: our link would only do nothing
		if ours; then
			rm -f "$HOOKS/qemu"
			echo "vmplace: libvirt $(human "$v") runs hooks/qemu.d itself; removed the dispatcher link $HOOKS/qemu"
		fi
		return 0
	fi
	if ours; then
		return 0
	elif [ -e "$HOOKS/qemu" ] || [ -L "$HOOKS/qemu" ]; then
		echo "vmplace: $HOOKS/qemu is not vmplace's and libvirt $(human "$v") runs only it, not hooks/qemu.d/50-vmplace: make it run '$SELF \"\$@\"' with the domain XML on stdin (e.g. 'exec $SELF \"\$@\"' as its last line)" >&2
		return 0
	fi
	mkdir -p "$HOOKS"
	ln -s "$SELF" "$HOOKS/qemu"
	echo "vmplace: libvirt $(human "$v") runs no hooks/qemu.d: linked $HOOKS/qemu to $SELF, which runs them"
}

# reload_old_libvirt: SIGHUP (systemctl reload under systemd) to the libvirt
# daemons < 6.5 of this root, so that they forget hooks/qemu
reload_old_libvirt() {
	[ -z "$ROOT" ] || return 0
	for daemon in libvirtd virtqemud; do
		for pid in $(pidof "$daemon" 2>/dev/null); do
			# of this root: same device and inode as our / (readlink
			# says "/" for the host's daemons seen from a chroot too);
			# a root we cannot stat is not proven ours
			r=$(stat -Lc '%d:%i' "$PROC/$pid/root" 2>/dev/null) || continue
			[ "$r" = "$(stat -Lc '%d:%i' /)" ] || continue
			v=$(soname_version "$PROC/$pid/maps")
			[ -n "$v" ] && [ "$v" -lt "$NATIVE" ] || continue
			if [ -d /run/systemd/system ] && systemctl -q is-active "$daemon.service" 2>/dev/null; then
				systemctl reload "$daemon.service" || :
			else
				kill -HUP "$pid" || :
			fi
		done
	done
}

do_remove() {
	ours || return 0
	rm -f "$HOOKS/qemu"
	echo "vmplace: removed the dispatcher link $HOOKS/qemu"
	reload_old_libvirt
}

dispatch() {
	v=$(caller_version)
	if [ -n "$v" ] && [ "$v" -ge "$NATIVE" ]; then
		# libvirt itself runs qemu.d: read the XML it writes and go
		cat >/dev/null
		return 0
	fi
	case $2 in
	migrate | restore) filter=1 ;;
	*) filter= ;;
	esac
	# the XML byte for byte (the x keeps trailing newlines)
	input=$(cat; echo x)
	input=${input%x}
	list=$(
		for f in "$HOOKS"/qemu.d/* "$HOOKS"/qemu.d/.[!.]* "$HOOKS"/qemu.d/..?*; do
			{ [ -e "$f" ] || [ -L "$f" ]; } || continue
			case $f in
			*'
'*) echo "qemu-dispatcher: skipping a name with a newline in $HOOKS/qemu.d" >&2 ;;
			*) printf '%s\n' "$f" ;;
			esac
		done | sort
	)
	[ -n "$list" ] || return 0
	failed=0 result=
	while IFS= read -r f; do
		[ -f "$f" ] && [ -x "$f" ] || continue
		# a link back to this script would run it again and again (-ef:
		# dash, bash and busybox sh have it)
		# shellcheck disable=SC3013
		[ "$f" -ef "$0" ] && continue
		in=$input
		[ "$failed" = 0 ] && [ -n "$result" ] && in=$result
		if [ -n "$filter" ]; then
			out=$({ printf '%s' "$in" 2>/dev/null; } | "$f" "$@"; rc=$?; echo x; exit $rc)
			rc=$?
			out=${out%x}
		else
			{ printf '%s' "$in" 2>/dev/null; } | "$f" "$@"
			rc=$?
			out=
		fi
		if [ "$rc" -ne 0 ]; then
			echo "qemu-dispatcher: $f $* exited with status $rc" >&2
			failed=$rc
		elif [ -n "$out" ]; then
			result=$out
		fi
	done <<EOF
$list
EOF
	[ -z "$filter" ] || printf '%s' "$result"
	return "$failed"
}

case ${1:-} in
--install) do_install ;;
--remove) do_remove ;;
*) dispatch "$@" ;;
esac
