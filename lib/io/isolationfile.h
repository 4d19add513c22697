/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RUNDIR/isolation.json (docs/isolation.md, "State"): the isolation
 * record the agent writes before it changes anything and after each step,
 * and reads after a restart to restore or repair. isolationjson.h is its
 * text. */
#ifndef VMPLACE_ISOLATIONFILE_H
#define VMPLACE_ISOLATIONFILE_H

#include "isolation.h"
#include "util.h"

#define VP_ISOLATION_FILE "isolation.json"

/* Replace RUNDIR/isolation.json with r, atomically (write and rename),
 * mode 0600: the file tells the agent what to write back into the kernel,
 * so it is vmplace's own like the ledger. Returns 0 or -errno, err naming
 * the file. */
int vp_isolation_save(const char *rundir, const vp_isolation_record *r, vp_error *err);

/* Read RUNDIR/isolation.json into *r (zeroed first; free it with
 * vp_isolation_record_free, also on error). Returns 0; -ENOENT when there
 * is none (nothing is isolated, or the run dir was lost); -EPERM when it is
 * not this euid's or others may write it; -EBADMSG when it is no JSON or no
 * record ("FILE: what is wrong"); another -errno when it cannot be read. */
int vp_isolation_load(const char *rundir, vp_isolation_record *r, vp_error *err);

/* Remove RUNDIR/isolation.json (everything restored). Returns 0, also when
 * it is already gone, or -errno naming it. */
int vp_isolation_remove(const char *rundir, vp_error *err);

#endif
