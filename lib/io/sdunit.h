/* SPDX-License-Identifier: GPL-2.0-or-later */
/* systemd owns the attributes of the cgroups of its units: on
 * `systemctl daemon-reload` it re-applies a scope's CPUWeight / CPUShares and
 * so reverts whatever was written into the scope's cpu.weight / cpu.shares
 * behind its back (systemd issue 17938; seen in the lab on systemd 252).
 * libvirt sets shares on a systemd host as a runtime unit property for that
 * reason; this module does the same for the one file vmplace writes at the
 * scope's level. Everything below the scope (libvirt/, vcpuN, emulator) is
 * delegated to libvirt and left alone by systemd. */
#ifndef VMPLACE_SDUNIT_H
#define VMPLACE_SDUNIT_H

#include "util.h"

/* The unit property systemd keeps for a cgroup file at the unit's own level
 * ("cpu.weight" -> "CPUWeight", "cpu.shares" -> "CPUShares"), or NULL for a
 * file systemd does not set from a property vmplace uses. */
const char *vp_sdunit_property(const char *file);

/* The unit name of a machine group directory when it is a systemd scope
 * (".../machine.slice/machine-qemu\x2d1\x2dvm.scope" ->
 * "machine-qemu\x2d1\x2dvm.scope"), else NULL. Points into dir. */
const char *vp_sdunit_name(const char *dir);

/* Make systemd own FILE=VALUE of the scope at DIR: runs
 * `systemctl set-property --runtime -- UNIT PROPERTY=VALUE` with no stdin,
 * stdout or stderr of ours (the hook's stdout is libvirt's pipe). The program
 * is $VMPLACE_SYSTEMCTL when set, else "systemctl" when DIR is under
 * /sys/fs/cgroup on a host booted with systemd (/run/systemd/system exists).
 * Returns 0 when set; 1 when there is nothing to do (DIR is no scope, FILE
 * has no property, no systemd, a fake cgroup tree); -ENOENT
 * when systemctl cannot be run, -EIO when it fails (err names the unit). */
int vp_sdunit_set(const char *dir, const char *file, const char *value, vp_error *err);

#endif
