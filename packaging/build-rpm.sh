#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the binary RPMs (vmplace and the noarch vmplace-selinux) from the
# committed tree (git HEAD):
#   packaging/build-rpm.sh [OUTDIR]      (default: ./dist)
# As rpmbuild does on Fedora: git archive HEAD is Source0, the spec is
# packaging/rpm/vmplace.spec, and rpmbuild -bb runs in a private %_topdir,
# so neither the worktree nor ~/rpmbuild is touched.
# Needs: rpm (rpmbuild), cmake, a C compiler, the -dev/-devel packages of
# libxml2, inih, json-c, libnuma and libvirt, the SELinux policy development
# Makefile (Fedora: selinux-policy-devel, Debian: selinux-policy-dev) and
# bzip2. --nodeps: on a Debian host the rpm database is empty, so no
# BuildRequires can be met through it; the build itself fails if one is
# really missing.
set -eu

src=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
out=$(realpath -m "${1:-dist}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

mkdir -p "$tmp/SOURCES" "$tmp/SPECS" "$tmp/BUILD" "$tmp/RPMS" "$tmp/SRPMS"
git -C "$src" show HEAD:packaging/rpm/vmplace.spec >"$tmp/SPECS/vmplace.spec"
git -C "$src" show HEAD:packaging/rpm/macros.fallback >"$tmp/macros.all"
version=$(sed -n 's/^Version:[[:space:]]*//p' "$tmp/SPECS/vmplace.spec")
git -C "$src" archive --format=tar.gz --prefix="vmplace-$version/" \
	-o "$tmp/SOURCES/vmplace-$version.tar.gz" HEAD

# Load a fallback only for a macro this rpm does not define: a macro starts
# at a line "%name" that does not continue the previous one ("\" at its end).
missing=
for name in $(sed -n 's/^%\([A-Za-z_][A-Za-z0-9_]*\).*/\1/p' "$tmp/macros.all"); do
	[ -n "$(rpm --eval "%{?$name:1}")" ] || missing="$missing $name "
done
awk -v missing="$missing" '
	!cont && /^%[A-Za-z_]/ { name = substr($1, 2); sub(/\(.*/, "", name)
	                         keep = index(missing, " " name " ") > 0 }
	!cont && !/^%/ { keep = 0 }
	keep { print }
	{ cont = /\\$/ }' "$tmp/macros.all" >"$tmp/macros.fallback"
[ -z "$missing" ] || echo "build-rpm.sh: fallback macros for:$missing"

set -- --define "_topdir $tmp" --load "$tmp/macros.fallback"
# Compiler flags: a Fedora-family rpm brings its distribution's %optflags;
# Debian's rpm has a bare "-O2 -g", so build with Fedora's set
# (packaging/distflags.sh) unless VMPLACE_RPM_FLAGS says otherwise:
# fedora, openeuler, or host (the rpm's own %optflags).
flags=${VMPLACE_RPM_FLAGS:-}
[ -n "$flags" ] || { [ "$(rpm --eval '%{optflags}')" = "-O2 -g" ] && flags=fedora || flags=host; }
git -C "$src" show HEAD:packaging/distflags.sh >"$tmp/distflags.sh"
. "$tmp/distflags.sh"
case $flags in
fedora) set -- "$@" --define "optflags $fedora_cflags" ;;
openeuler) set -- "$@" --define "optflags $openeuler_cflags" ;;
host) ;;
*) echo "build-rpm.sh: VMPLACE_RPM_FLAGS=$flags: fedora, openeuler or host" >&2 && exit 2 ;;
esac
# Debian's rpm keeps the historic /usr/com; Fedora and every FHS system use
# /var/lib (the SELinux module store path in the spec depends on it).
[ "$(rpm --eval '%{_sharedstatedir}')" != /usr/com ] || set -- "$@" --define "_sharedstatedir /var/lib"
# rpm's brp-compress (man pages) uses bash's read -d under a #!/bin/sh line:
# fine where /bin/sh is bash (Fedora), not with Debian's dash. Run the same
# post-install steps with brp-compress under bash there.
post=$(rpm --eval '%{?__os_install_post}')
case $post in
*/brp-compress*)
	if [ "$(readlink -f /bin/sh)" != "$(readlink -f /bin/bash)" ]; then
		post=$(printf '%s\n' "$post" | sed -n 's|^[[:space:]]*\(/[^ ]*/brp-compress\)|bash \1|; /[^[:space:]]/p' |
			paste -sd ';' -)
		set -- "$@" --define "__os_install_post $post"
	fi
	;;
esac
rpmbuild -bb --nodeps "$@" "$tmp/SPECS/vmplace.spec"

mkdir -p "$out"
cp "$tmp"/RPMS/*/*.rpm "$out/"
ls -1 "$out"/*.rpm
