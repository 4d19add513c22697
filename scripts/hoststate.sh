#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# hoststate.sh: save and restore the host state vmplace's demo and test suite
# touch, so that each leaves the host as it found it:
#   /etc/vmplace           the configuration (an admin's, or the demo's)
#   /etc/libvirt/hooks     hook links (the demo's 50-vmplace, an admin's own)
#   /run/vmplace           the ledger and plans
#
#   scripts/hoststate.sh save DIR [--clear]
#       Record each path into DIR (a copy, or the note that it was absent).
#       When DIR already holds a save, it is kept as it is (the state found
#       first is the one to go back to). --clear then removes the paths, so
#       that what runs next depends on none of them.
#   scripts/hoststate.sh restore DIR
#       Put each path back as DIR recorded it (removing what was absent),
#       tell libvirtd to re-read its hooks, and remove DIR (and its parent,
#       when that is left empty). Without a save in DIR it does nothing.
#
# Exit 0, 1 when a copy fails (the save is then left in DIR), 2 usage.
set -euo pipefail
PATHS=(/etc/vmplace /etc/libvirt/hooks /run/vmplace)

usage() {
        echo "usage: hoststate.sh save DIR [--clear] | restore DIR" >&2
        exit 2
}
[ $# -ge 2 ] || usage
cmd=$1 dir=$2 clear=0
[ "${3:-}" = --clear ] && clear=1

# libvirt lists a driver's hooks at start and on SIGHUP only
reload_libvirt() {
        if [ -d /run/systemd/system ]; then
                systemctl reload libvirtd 2>/dev/null || systemctl reload virtqemud 2>/dev/null || true
        else
                pkill -HUP -x libvirtd 2>/dev/null || true
        fi
}

case $cmd in
save)
        if [ ! -f "$dir/saved" ]; then
                rm -rf "$dir"
                mkdir -p -m 0700 "$dir/root"
                : >"$dir/absent"
                for p in "${PATHS[@]}"; do
                        if [ -e "$p" ] || [ -L "$p" ]; then
                                mkdir -p "$dir/root$(dirname "$p")"
                                cp -a "$p" "$dir/root$p"
                        else
                                echo "$p" >>"$dir/absent"
                        fi
                done
                date -u +%FT%TZ >"$dir/saved"
        fi
        if [ $clear = 1 ]; then
                rm -rf "${PATHS[@]}"
                reload_libvirt
        fi
        ;;
restore)
        [ -f "$dir/saved" ] || exit 0
        for p in "${PATHS[@]}"; do
                rm -rf "$p"
                if ! grep -qxF "$p" "$dir/absent"; then
                        mkdir -p "$(dirname "$p")"
                        cp -a "$dir/root$p" "$p"
                fi
        done
        reload_libvirt
        rm -rf "$dir"
        rmdir "$(dirname "$dir")" 2>/dev/null || true # when it held only this save
        ;;
*) usage ;;
esac
