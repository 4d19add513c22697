/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The configuration's match index: what the hook needs to choose a profile,
 * compiled from a valid configuration and kept in VMPLACE_RUNDIR/config.index
 * under a key made of the identity of every file the full load reads (device,
 * inode, size, mtime, ctime, mode, owner of the config directory, vmplace.ini,
 * profiles.d and each profile file). While the key holds, a start matches on
 * the index and parses only vmplace.ini and the chosen profile's include
 * chain instead of every profile; the hook still refuses while any profile is
 * invalid, because an invalid configuration never gets an index and any
 * change to a file changes the key. */
#ifndef VMPLACE_CONFINDEX_H
#define VMPLACE_CONFINDEX_H

#include <stdbool.h>
#include <time.h>

#include "config.h"

/* The index file's name under the run directory. */
#define VP_CONFINDEX_FILE "config.index"
/* A file changed less than this many seconds before the index would be built
 * gets no index: within the file system's timestamp granularity a second
 * change could keep size, mtime and ctime ("racy" entries, as in git). */
#define VP_CONFINDEX_SETTLE_SECONDS 2

/* Load the configuration for choosing a profile for a domain (name and
 * metadata as vp_config_match takes them) and choose it. Uses rundir's index
 * when its key matches the files (then *cfg is partial: vmplace.ini and the
 * chosen profile's include chain), else loads everything and, when the
 * configuration is valid and settled, writes the index (rundir may be NULL:
 * no index). *profile is NULL when the domain is unmanaged, else points into
 * *cfg; *matched_by as vp_config_match. now is the current time (the settle
 * rule). Returns what vp_config_load returns for the same files; a missing,
 * stale, foreign or unreadable index only costs the full load. */
int vp_config_load_for(const char *confdir, const char *rundir, bool check_perms, const char *name,
                       const char *metadata, time_t now, vp_config **cfg,
                       const vp_profile **profile, char **matched_by, vp_diag *diag);

/* Which domains a profile manages, for the running domains the ledger lacks
 * (I3): from rundir's index when its key holds, else from the full
 * configuration. open returns NULL when the configuration cannot be loaded.
 * manages matches as vp_config_match (metadata may be NULL); whether any
 * profile matches by metadata at all says reads_metadata, so that a
 * domain's XML is parsed for its metadata only when that can matter. */
typedef struct vp_config_matcher vp_config_matcher;
vp_config_matcher *vp_config_matcher_open(const char *confdir, const char *rundir,
                                          bool check_perms);
bool vp_config_matcher_manages(const vp_config_matcher *m, const char *name, const char *metadata);
bool vp_config_matcher_reads_metadata(const vp_config_matcher *m);
void vp_config_matcher_free(vp_config_matcher *m);

#endif
