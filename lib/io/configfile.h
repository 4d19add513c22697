/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading the configuration from confdir: vmplace.ini and profiles.d/NAME.ini
 * opened safely (regular files, permission and owner checks, a size limit),
 * their text handed to the pure steps (confread, confcheck, confinclude),
 * and every problem collected as "FILE:LINE: message" (LINE 0 = the whole
 * file) in the order the files are read. */
#ifndef VMPLACE_CONFIGFILE_H
#define VMPLACE_CONFIGFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* Load confdir/vmplace.ini (missing file = all defaults) and every
 * confdir/profiles.d/NAME.ini (missing dir = no profiles), resolve include
 * chains, validate. When check_perms, a file or profiles.d writable by group
 * or others, or not owned by root, is an error (the programs pass true; unit
 * tests on trees they own as non-root may pass false).
 * Returns 0 when the config is valid (*out set), -EINVAL when diag->n_errors > 0
 * (*out NULL), or another -errno for I/O failure (also recorded in diag). */
int vp_config_load(const char *confdir, bool check_perms, vp_config **out, vp_diag *diag);

/* Like vp_config_load, but reads vmplace.ini and only the named profiles
 * (sorted by strcmp, unique; every profile their include chains name must be
 * among them) and skips what needs the others: profiles.d is not listed and
 * default_profile is not looked up. The result (c->partial set) is what a full
 * load gives for those profiles; it is for a configuration a full load found
 * valid and whose files have not changed since (lib/io/confindex.c). Returns as
 * vp_config_load; -EINVAL too for a name list that is not sorted and valid. */
int vp_config_load_some(const char *confdir, bool check_perms, const char *const *names, size_t n,
                        vp_config **out, vp_diag *diag);

#endif
