#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Rebuild tests/data/selinux/fedora-targeted.tar.xz: Fedora's targeted
# policy, compiled from its sources with this machine's checkpolicy, for
# tests/sh/test_packaging_rpm.sh to build vmplace.pp against Fedora's
# headers and link it with Fedora's modules, with no network at test time.
#   tests/selinux/fedora-policy.sh SELINUX_POLICY_GIT CONTAINER_SELINUX_GIT
# The arguments are checkouts (or bare mirrors) of
# https://github.com/fedora-selinux/selinux-policy and
# https://github.com/containers/container-selinux; their HEAD commits are
# recorded in the tarball's SOURCE file. Both are GPL-2.0-or-later, as is
# what is kept here (headers and compiled modules).
# What is kept: the development headers (make install-headers; the Makefile
# Fedora ships as /usr/share/selinux/devel/Makefile is include/Makefile),
# without the XML documentation, and the modules vmplace.pp needs to link:
# base and the closure of virt's requirements (the list below: found by
# linking, adding each module that declares a missing symbol).
set -eu
pol=${1:?SELINUX_POLICY_GIT}
ctr=${2:?CONTAINER_SELINUX_GIT}
here=$(cd "$(dirname "$0")/../.." && pwd)
out=$here/tests/data/selinux/fedora-targeted.tar.xz
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
MODULES="virt container userdomain libraries miscfiles selinuxutil init systemd
authlogin logging modutils sysnetwork rpm udev application iptables gnome sssd
anaconda ssh mount usermanage locallogin clock fstools xserver getty netutils
bootloader"
# Fedora's spec (selinux-policy.spec) builds targeted with these settings.
FLAGS="NAME=targeted TYPE=mcs DISTRO=redhat UBAC=n DIRECT_INITRC=n MONOLITHIC=n MLS_CATS=1024 MCS_CATS=1024"

mkdir -p "$tmp/src" "$tmp/fedora-targeted/modules"
git -C "$pol" archive HEAD | tar -x -C "$tmp/src"
# Fedora's policy uses container-selinux's interfaces (its spec fetches them)
for f in container.if container.te container.fc; do
	git -C "$ctr" show "HEAD:$f" >"$tmp/src/policy/modules/contrib/$f"
done
cp "$tmp/src/dist/targeted/modules.conf" "$tmp/src/policy/modules.conf"
cp "$tmp/src/dist/targeted/booleans.conf" "$tmp/src/policy/booleans.conf"
# shellcheck disable=SC2086
make -s -C "$tmp/src" $FLAGS base.pp $(for m in $MODULES; do printf '%s.pp ' "$m"; done) >/dev/null
# shellcheck disable=SC2086
make -s -C "$tmp/src" $FLAGS install-headers DESTDIR="$tmp/hdr" >/dev/null
cp "$tmp/src/base.pp" "$tmp/fedora-targeted/modules/"
for m in $MODULES; do cp "$tmp/src/$m.pp" "$tmp/fedora-targeted/modules/"; done
(cd "$tmp/hdr/usr/share/selinux/targeted" && tar --exclude='*.xml' -c include) | tar -x -C "$tmp/fedora-targeted"
{
	echo "fedora-selinux/selinux-policy $(git -C "$pol" rev-parse HEAD)"
	echo "containers/container-selinux $(git -C "$ctr" rev-parse HEAD)"
	echo "checkpolicy $(checkpolicy -V | cut -d' ' -f1)"
	echo "make $FLAGS"
} >"$tmp/fedora-targeted/SOURCE"
mkdir -p "$(dirname "$out")"
tar -C "$tmp" --sort=name --owner=0 --group=0 --mtime=@0 -cJf "$out" fedora-targeted
echo "$out"
