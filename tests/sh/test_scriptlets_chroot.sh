#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The scriptlets that reload libvirt (packaging/debian/postinst, the RPM's
# %post) signal only a daemon of their own root, and only on a first
# install. Run in a chroot (as when an image is built), they find the host's
# libvirtd through pidof, and readlink /proc/PID/root says "/" for it there
# too; the guard compares the device and inode of the daemon's root with the
# chroot's /. Stand-in daemons named libvirtd (a copy of sleep: SIGHUP kills
# it, so its exit status says whether it got one) run outside and inside a
# busybox chroot:
#   - first install in the chroot: the outside one gets no signal, the inside
#     one (the chroot's own daemon) gets SIGHUP;
#   - upgrade in the chroot (%post 2, postinst configure OLD-VERSION): none;
#   - the same scriptlets outside the chroot (paths moved to a scratch dir):
#     the outside one, now of this root, gets SIGHUP (the control that shows
#     the test can fail).
# Everything runs in a new PID namespace whose /proc shows only this test's
# processes, so no scriptlet here can see, let alone signal, the host's real
# libvirtd / virtqemud; the mount namespace keeps the chroot's /proc private.
# systemd's paths are moved away in the scriptlets run outside the chroot, so
# they never reach systemctl. Needs root (chroot, unshare). The RPM's %post
# comes from the RPMs of HEAD (rpm_cache, shared with test_packaging_rpm.sh).
. "$(dirname "$0")/lib.sh"

if [ "${VMPLACE_SCRIPTLET_NS:-}" != 1 ]; then
        [ "$(id -u)" = 0 ] || { ok 1 "needs root (chroot, unshare)"; done_testing; }
        need unshare util-linux
        need chroot coreutils
        need_file /bin/busybox busybox-static
        need rpmbuild rpm
        exec unshare --fork --pid --mount-proc env VMPLACE_SCRIPTLET_NS=1 bash "$0" "$@"
fi

# --- in the new PID and mount namespaces -------------------------------------
W=$(mktemp -d /tmp/vmplace-scriptlets.XXXXXX)
R=$W/root
cleanup() {
        local p
        for p in $(jobs -p); do kill "$p" 2>/dev/null; done
        umount "$R/proc" 2>/dev/null
        rm -rf "$W"
}
trap cleanup EXIT

# nothing but this test's processes is visible: the host's daemons are not
is "$(pidof libvirtd virtqemud)" "" "no libvirtd / virtqemud visible in the test's PID namespace"

# the chroot: busybox for the shell and every tool the scriptlets call,
# /proc of this namespace, the defaults the postinst installs from
mkdir -p "$R/bin" "$R/dev" "$R/proc" "$R/etc" "$R/run" "$R/var/lib" "$R/usr/sbin" "$R/usr/share/vmplace/conf/profiles.d"
cp /bin/busybox "$R/bin/"
mknod -m 666 "$R/dev/null" c 1 3
chroot "$R" /bin/busybox --install -s /bin
mount -t proc proc "$R/proc"
ok $? "/proc mounted in the chroot"
cp "$VMPLACE_SRC/profiles/vmplace.ini" "$R/usr/share/vmplace/conf/"
for p in "$VMPLACE_SRC"/profiles/*.ini; do
        [ "${p##*/}" = vmplace.ini ] || cp "$p" "$R/usr/share/vmplace/conf/profiles.d/"
done

# in_chroot PROGRAM PATH: the host's PROGRAM at PATH in the chroot, with the
# libraries it needs
in_chroot() {
        local lib
        cp "$(command -v "$1")" "$R$2"
        for lib in $(ldd "$(command -v "$1")" | grep -o '/[^ ]*'); do
                mkdir -p "$R${lib%/*}"
                cp -L "$lib" "$R$lib"
        done
}
# busybox has no install (the postinst's install_conf uses it)
in_chroot install /bin/install
# the stand-in: sleep under the name libvirtd (comm, argv[0] and exe all say
# so), outside at $W/out/libvirtd and inside at /usr/sbin/libvirtd
mkdir -p "$W/out"
cp "$(command -v sleep)" "$W/out/libvirtd"
in_chroot sleep /usr/sbin/libvirtd
# start_daemon WHERE (out|in): a stand-in of 30 s, its pid in $daemon
start_daemon() {
        if [ "$1" = out ]; then "$W/out/libvirtd" 30 &
        else chroot "$R" /usr/sbin/libvirtd 30 & fi
        daemon=$!
        for _ in $(seq 100); do
                [ "$(cat "/proc/$daemon/comm" 2>/dev/null)" = libvirtd ] && return 0
                sleep 0.05
        done
        echo "# stand-in $1 did not start"
}
# signalled PID: $sig is "hup" if SIGHUP ended it, else "none" (it is ended
# here with SIGTERM; a pending SIGHUP, the lower number, is delivered first).
# Not in a $(...): only this shell can wait for its children.
signalled() {
        local rc
        kill -TERM "$1" 2>/dev/null
        wait "$1" 2>/dev/null
        rc=$?
        case $rc in 129) sig=hup ;; 143) sig=none ;; *) sig="exit $rc" ;; esac
}

# the scriptlets: the Debian postinst from the tree, the %post of HEAD's RPM
cp "$VMPLACE_SRC/packaging/debian/postinst" "$R/postinst"
rpm_cache
MAIN=$(ls "$cache"/vmplace-[0-9]*.x86_64.rpm 2>/dev/null | head -1)
[ -f "$MAIN" ]; ok $? "the RPM of HEAD is built (its %post is run here)"
[ -f "$MAIN" ] || done_testing
rpm -qp --qf '%{POSTIN}\n' "$MAIN" >"$R/post.sh"
inroot() { chroot "$R" /bin/env -i PATH=/bin /bin/sh "$@"; }

# --- first install inside the chroot: only the chroot's own daemon -----------
start_daemon out; host=$daemon
start_daemon in; own=$daemon
is "$(inroot -c 'pidof libvirtd | wc -w')" 2 "pidof in the chroot sees both stand-ins (the host's and its own)"
out=$(inroot /postinst configure "" 2>&1)
ok $? "postinst configure (first install) in the chroot exits 0"; [ -z "$out" ] || echo "$out" | sed 's/^/# /'
signalled "$host"
is "$sig" none "postinst in a chroot: the daemon outside it gets no signal"
signalled "$own"
is "$sig" hup "postinst in a chroot: the chroot's own daemon gets SIGHUP"
[ -d "$R/run/vmplace" ] && [ -f "$R/etc/vmplace/vmplace.ini" ]
ok $? "and it installed the chroot's /etc/vmplace and /run/vmplace"

start_daemon out; host=$daemon
start_daemon in; own=$daemon
out=$(inroot /post.sh 1 2>&1)
ok $? "%post 1 (first install) in the chroot exits 0"; [ -z "$out" ] || echo "$out" | sed 's/^/# /'
signalled "$host"
is "$sig" none "%post in a chroot: the daemon outside it gets no signal"
signalled "$own"
is "$sig" hup "%post in a chroot: the chroot's own daemon gets SIGHUP"

# --- upgrade inside the chroot: no signal even for its own daemon -------------
start_daemon out; host=$daemon
start_daemon in; own=$daemon
inroot /postinst configure 0.1.0-1 >/dev/null 2>&1
ok $? "postinst configure 0.1.0-1 (upgrade) exits 0"
inroot /post.sh 2 >/dev/null 2>&1
ok $? "%post 2 (upgrade) exits 0"
signalled "$host"; both=$sig
signalled "$own"
is "$both $sig" "none none" "an upgrade signals neither daemon"

# --- after a removal (dpkg -r keeps /var/lib/vmplace): reload as on a first
# install, though postinst gets the removed version -----------------------------
cp "$VMPLACE_SRC/packaging/debian/postrm" "$R/postrm"
inroot /postrm remove >/dev/null 2>&1
ok $? "postrm remove exits 0"
start_daemon in; own=$daemon
inroot /postinst configure 0.1.0-1 >/dev/null 2>&1
signalled "$own"
is "$sig" hup "postinst configure 0.1.0-1 after a removal reloads"
[ ! -e "$R/var/lib/vmplace/removed" ]; ok $? "and clears postrm's mark"
start_daemon in; own=$daemon
inroot /postinst configure 0.1.0-1 >/dev/null 2>&1
signalled "$own"
is "$sig" none "the next upgrade does not"

# --- control: the same scriptlets outside the chroot, where the outside daemon
# is of this root. Every path they write and systemd's are moved into $W. -----
C=$W/ctl
mkdir -p "$C/share/profiles.d"
cp -r "$R/usr/share/vmplace/conf/." "$C/share/"
moved="s|/run/systemd/system|$W/nosystemd|g; s|/run/vmplace|$C/run|g; s|/etc/vmplace|$C/etc|g
        s|/var/lib/vmplace|$C/lib|g; s|/usr/share/vmplace/conf|$C/share|g; s|policy-rc\\.d|$W/no-policy-rc.d|g
        s|/usr/bin/systemctl|$W/none|g; s|/usr/lib/systemd/systemd-update-helper|$W/none|g
        s|/usr/bin/systemd-tmpfiles|$W/none|g"
sed -e "$moved" "$R/postinst" >"$C/postinst"
sed -e "$moved" "$R/post.sh" >"$C/post.sh"
grep -Eq '(^|[^A-Za-z])(/run/systemd/system|/etc/vmplace|/run/vmplace|/usr/bin/systemctl)' "$C/postinst" "$C/post.sh"
ok "$((! $?))" "control: no host path left in the moved scriptlets"
start_daemon out; host=$daemon
sh "$C/postinst" configure "" >/dev/null 2>&1
ok $? "control: postinst configure outside the chroot exits 0"
signalled "$host"
is "$sig" hup "control: postinst signals a daemon of its own root"
start_daemon out; host=$daemon
sh "$C/post.sh" 1 >/dev/null 2>&1
ok $? "control: %post 1 outside the chroot exits 0"
signalled "$host"
is "$sig" hup "control: %post signals a daemon of its own root"
start_daemon out; host=$daemon
sh "$C/post.sh" 2 >/dev/null 2>&1
sh "$C/postinst" configure 0.1.0-1 >/dev/null 2>&1
signalled "$host"
is "$sig" none "control: but not on an upgrade"
done_testing
