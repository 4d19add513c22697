# SPDX-License-Identifier: GPL-2.0-or-later
# The C compiler flags the distributions build packages with, for the builds
# that stand in for theirs here (scripts/test.sh, packaging/build-rpm.sh).
# Sourced (POSIX sh). Fedora's %optflags from redhat-rpm-config, minus the
# -specs= files that exist only there (GCC 12 found a use-after-free with
# these that -O2 alone does not); openEuler's from openEuler-rpm-config;
# Debian's from dpkg-buildflags as packaging/debian/rules sets them.
fedora_cflags='-O2 -flto=auto -ffat-lto-objects -fexceptions -g -grecord-gcc-switches -pipe -Wall
 -Werror=format-security -Wp,-D_FORTIFY_SOURCE=3 -Wp,-D_GLIBCXX_ASSERTIONS -fstack-protector-strong
 -fstack-clash-protection -fcf-protection'
openeuler_cflags='-O2 -g -pipe -Wall -Werror=format-security -Wp,-D_FORTIFY_SOURCE=2 -fexceptions
 -fstack-protector-strong -grecord-gcc-switches -fasynchronous-unwind-tables -fstack-clash-protection'
# one line each
fedora_cflags=$(echo $fedora_cflags)
openeuler_cflags=$(echo $openeuler_cflags)
if command -v dpkg-buildflags >/dev/null 2>&1; then
	debian_cflags=$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get CFLAGS)
fi
