#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the Debian binary package from the committed tree (git HEAD):
#   packaging/build-deb.sh [OUTDIR]      (default: ./dist)
# Debian's tools want the packaging in debian/ at the top of the source; the
# repository keeps it in packaging/debian so the tree serves RPM too. The
# build runs in a temporary copy, so the worktree is never touched.
# Needs: dpkg-dev, debhelper, fakeroot (unless run as root), the
# Build-Depends of packaging/debian/control; lintian to check the result.
set -eu

src=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
out=$(realpath -m "${1:-dist}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

mkdir -p "$tmp/vmplace"
git -C "$src" archive --format=tar HEAD | tar -x -C "$tmp/vmplace"
cp -r "$tmp/vmplace/packaging/debian" "$tmp/vmplace/debian"
(cd "$tmp/vmplace" && dpkg-buildpackage -us -uc -b)

mkdir -p "$out"
for f in "$tmp"/*.deb "$tmp"/*.changes "$tmp"/*.buildinfo; do
	[ -e "$f" ] && cp "$f" "$out/"
done
ls -1 "$out"
