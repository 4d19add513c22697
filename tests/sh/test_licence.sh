#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vmplace is GPL-2.0-or-later (issue "Distributions"): COPYING is the GPL-2
# text, and every source file the project writes (C, shell, Python, CMake,
# SELinux, systemd units, the CI entry point) says so in an SPDX line among
# its first three lines, so a file added without one fails here.
. "$(dirname "$0")/lib.sh"
cd "$VMPLACE_SRC" || exit 1
if [ -r /usr/share/common-licenses/GPL-2 ]; then
        cmp -s COPYING /usr/share/common-licenses/GPL-2; ok $? "COPYING is the GPL-2 text (/usr/share/common-licenses/GPL-2)"
else
        like "$(head -5 COPYING)" "GNU GENERAL PUBLIC LICENSE" "COPYING is the GPL"
        like "$(head -5 COPYING)" "Version 2, June 1991" "version 2"
fi
if [ -d .git ]; then files=$(git ls-files)
else files=$(find . -type f ! -path './build*' | sed 's|^\./||'); fi
n=0 missing=
while IFS= read -r f; do
        case $f in
        *.c | *.h | *.sh | *.py | *.te | *.if | *.fc | *.service | */CMakeLists.txt | CMakeLists.txt | .ci/run) ;;
        *) continue ;;
        esac
        n=$((n + 1))
        head -3 "$f" | grep -q 'SPDX-License-Identifier: GPL-2.0-or-later' || missing="$missing $f"
done <<<"$files"
ok $([ "$n" -gt 200 ]; echo $?) "$n source files looked at"
is "${missing# }" "" "every one has an SPDX-License-Identifier: GPL-2.0-or-later line at its top"
like "$(grep -m1 '^License:' packaging/rpm/vmplace.spec)" "GPL-2.0-or-later" "the spec's License"
like "$(head -1 packaging/debian/copyright)" "copyright-format/1.0" "debian/copyright is machine-readable"
like "$(cat packaging/debian/copyright)" "License: GPL-2.0+" "and says GPL-2.0+"
done_testing
