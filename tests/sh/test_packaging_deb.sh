#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian maintainer scripts' handling of /etc/libvirt/hooks/qemu
# (packaging/debian/postinst configure, prerm remove), run against a scratch
# root through dpkg's DPKG_ROOT: the package's files as dh_install lays them
# out there, qemu-dispatcher as installed (/usr/libexec/vmplace), and a
# libvirt.so.0 of the version under test. libvirt 6.2: the postinst links
# hooks/qemu to the dispatcher; 9.0 (Debian 12): nothing; another package's
# hooks/qemu: untouched and named; prerm remove: only our link goes, prerm
# upgrade keeps it. (tests/package/test_deb.sh runs the real package on the
# real host; this runs without dpkg and without root's /etc.)
. "$(dirname "$0")/lib.sh"
DISP=$VMPLACE_BUILD/hook/qemu-dispatcher
need_file "$DISP" "(the build: hook/qemu-dispatcher)"
W=$(mktemp -d /tmp/vmplace-test.XXXXXX)
trap 'rm -rf "$W"' EXIT
R=$W/root H=$W/root/etc/libvirt/hooks/qemu
SELF=/usr/libexec/vmplace/qemu-dispatcher

# root LIBVIRT-SONAME-N: a fresh root with the package's files
root() {
        rm -rf "$R"
        mkdir -p "$R/usr/libexec/vmplace" "$R/usr/lib/x86_64-linux-gnu"
        # the dispatcher as the package's /usr prefix configures it
        sed "s|^SELF=.*|SELF='$SELF'|" "$DISP" >"$R$SELF" && chmod 755 "$R$SELF"
        while read -r src dst; do
                mkdir -p "$R/$dst" && cp "$VMPLACE_SRC/$src" "$R/$dst"
        done <"$VMPLACE_SRC/packaging/debian/vmplace.install"
        : >"$R/usr/lib/x86_64-linux-gnu/libvirt.so.0.$1.0"
}
maint() { # maint SCRIPT ARG...: output and status, as dpkg runs it
        DPKG_ROOT=$R sh "$VMPLACE_SRC/packaging/debian/$1" "${@:2}" 2>&1
}
absent() { [ ! -e "$H" ] && [ ! -L "$H" ]; }

root 6002
out=$(maint postinst configure)
is "$?:$(readlink "$H")" "0:$SELF" "libvirt 6.2: postinst configure links /etc/libvirt/hooks/qemu to $SELF"
like "$out" "libvirt 6.2 runs no hooks/qemu.d: linked" "and says so"
ok "$([ -f "$R/etc/vmplace/vmplace.ini" ]; echo $?)" "(the rest of the postinst ran: /etc/vmplace/vmplace.ini)"
out=$(maint postinst configure 0.1.0-1)
is "$?:$(readlink "$H"):$out" "0:$SELF:" "an upgrade's postinst keeps it, silently"
maint prerm upgrade 0.1.0-2 >/dev/null
is "$(readlink "$H")" "$SELF" "prerm upgrade keeps it"
out=$(maint prerm remove)
ok "$(absent; echo $?)" "prerm remove removes it"
like "$out" "removed the dispatcher link" "and says so"

root 6002
mkdir -p "${H%/*}" && printf '#!/bin/sh\necho theirs\n' >"$H" && chmod 755 "$H"
out=$(maint postinst configure)
is "$?:$(cat "$H")" "0:#!/bin/sh
echo theirs" "another package's hooks/qemu: postinst leaves it untouched (and succeeds)"
like "$out" "$H is not vmplace's and libvirt 6.2 runs only it" "and names it"
like "$out" "exec $SELF" "and says how to chain"
maint prerm remove >/dev/null
is "$(cat "$H")" "#!/bin/sh
echo theirs" "prerm remove leaves it untouched"

root 9000
out=$(maint postinst configure)
ok "$(absent; echo $?)" "libvirt 9.0 (Debian 12): postinst links nothing"
is "$(grep -c hooks <<<"$out")" 0 "and says nothing of hooks"
mkdir -p "${H%/*}" && ln -s "$SELF" "$H"
maint postinst configure >/dev/null
ok "$(absent; echo $?)" "a link left from libvirt 6.2 goes at the next configure on 9.0"
done_testing
