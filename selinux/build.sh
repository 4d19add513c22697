#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the SELinux policy module vmplace.pp from vmplace.{te,if,fc}:
#   selinux/build.sh [OUTDIR]     (default: ./dist)
# with the policy's development Makefile (Fedora: selinux-policy-devel,
# Debian: selinux-policy-dev; both install it as
# /usr/share/selinux/devel/Makefile). The Makefile writes a tmp/ dir next to
# the sources, so the build runs in a temporary copy.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "${1:-dist}")
makefile=${SELINUX_DEVEL_MAKEFILE:-/usr/share/selinux/devel/Makefile}
[ -r "$makefile" ] || {
	echo "selinux/build.sh: $makefile: not found (install selinux-policy-devel or selinux-policy-dev)" >&2
	exit 2
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

cp "$here/vmplace.te" "$here/vmplace.if" "$here/vmplace.fc" "$tmp/"
make -s -C "$tmp" -f "$makefile" vmplace.pp
mkdir -p "$out"
cp "$tmp/vmplace.pp" "$out/"
echo "$out/vmplace.pp"
