/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ledger store under VMPLACE_RUNDIR (SPEC section 4): one JSON file
 * (ledger.json) replaced atomically, guarded by an flock on ledger.lock, plus
 * per-domain state files domains/UUID.plan.json and domains/UUID.xml. The
 * ledger itself is ledger.h's, its text ledgerjson.h's, its binary cache
 * ledgercache.h's. */
#ifndef VMPLACE_LEDGERSTORE_H
#define VMPLACE_LEDGERSTORE_H

#include <stdbool.h>
#include <stddef.h>

#include "ledger.h"
#include "util.h"

/* How long taking the lock waits for another holder by default: libvirt's
 * own wait for a domain job (VIR_JOB_WAIT_TIME, 30 s), so a hook never waits
 * longer for this lock than libvirt waits for a job. */
#define VP_LEDGER_LOCK_WAIT_MS 30000u

/* Set how long vp_ledger_lock and vp_ledger_lock_load wait for a lock held
 * by someone else (default VP_LEDGER_LOCK_WAIT_MS; 0: one try, no wait), for
 * this process: for tests, and for a CLI that wants another bound. It also
 * forgets an earlier timeout (after one, later locks of the process try once
 * and do not wait again). */
void vp_ledger_set_lock_wait_ms(unsigned ms);

/* Create rundir (0700) and rundir/domains if missing, open rundir/ledger.lock
 * and take an exclusive flock, waiting at most the bound
 * (vp_ledger_set_lock_wait_ms) for another holder. Returns the fd (>= 0) or
 * -errno: -ETIMEDOUT when the lock stayed held, err then one line naming
 * the file, "RUNDIR/ledger.lock: held by another vmplace process for over
 * 30 s (giving up)"; once that happened, later calls in the same process
 * try once and fail at once the same way while the lock is held (a hook
 * call that locks several times waits at most one bound in all). Without
 * a holder it is one flock(2), no clock read. The fd is O_CLOEXEC. Once
 * locked, leftover *.tmp.PID files of writers whose PID is gone are removed
 * (those under domains/ only when the last holder did not end with
 * vp_ledger_unlock_done). Existing directories keep their mode. */
int vp_ledger_lock(const char *rundir, vp_error *err);
/* vp_ledger_lock, vp_ledger_load into l and vp_state_sweep against it, with
 * one scan of rundir/domains for both sweeps instead of two (what a
 * committing hook call or a release starts with), and no scan when the last
 * holder ended with vp_ledger_unlock_done after a lock like this one. Returns the lock fd, or
 * -errno with the lock released (a ledger that does not load: load's error,
 * after only the temp files were swept; -ETIMEDOUT as vp_ledger_lock's).
 * l is overwritten and is empty on error. */
int vp_ledger_lock_load(const char *rundir, vp_ledger *l, vp_error *err);
/* Release the lock, leaving the next holder to scan domains/ (after an
 * error, or when this holder may have left files behind). */
void vp_ledger_unlock(int fd);
/* Release the lock after a holder that finished what it wrote (or wrote
 * nothing): the run dir has no temp file of its and no state file of a uuid
 * the saved ledger lacks. The next vp_ledger_lock_load then skips the scan
 * of domains/ (when this lock had swept it or found it swept). */
void vp_ledger_unlock_done(int fd);

/* Read rundir/ledger.json. A missing file is an empty ledger. Returns 0, or
 * -EBADMSG when the file does not parse (err names the file and problem,
 * "FILE: entry N: bad 'held' value 'x': ...", N counting from 0 in the file),
 * or another -errno. *l is overwritten (free it first) and is empty on error.
 * Unknown keys are ignored; a version other than 1 is refused. */
int vp_ledger_load(const char *rundir, vp_ledger *l, vp_error *err);
/* Replace rundir/ledger.json atomically (write tmp, fsync, rename), mode
 * 0600. Call it under the lock. -EINVAL, leaving the file alone, when an
 * entry could not be loaded back (no name or state, bad uuid, ...). */
int vp_ledger_save(const char *rundir, const vp_ledger *l, vp_error *err);

/* Per-domain state files rundir/domains/UUID.plan.json and UUID.xml, each
 * replaced atomically, mode 0600; a NULL plan_json or xml leaves that file
 * alone. uuid must be a canonical UUID (else -EINVAL). */
int vp_state_save(const char *rundir, const char *uuid, const char *plan_json, const char *xml,
                  vp_error *err);
/* Replace one state file, ext "plan.json", "xml" (the rewritten domain) or
 * "input.xml" (the domain as libvirt gave it to the hook: the baseline
 * `vmplace apply` re-plans from, free of later live edits), atomically,
 * mode 0600. Returns 0 or -errno (-EINVAL for a bad uuid or ext). */
int vp_state_write(const char *rundir, const char *uuid, const char *ext, const char *data,
                   size_t len, vp_error *err);
/* Read back one of them (ext as for vp_state_write, else -EINVAL; at most
 * 16 MiB); -ENOENT when absent. */
int vp_state_read(const char *rundir, const char *uuid, const char *ext, char **out, vp_error *err);
void vp_state_remove(const char *rundir, const char *uuid);

/* A fresh commit token (malloc'd): unique per commit on this host. */
char *vp_commit_token(void);
/* Whether e's state files are those of the commit that wrote e: its
 * plan.json carries e->commit under "commit" (both absent counts as a match:
 * files from before tokens). A commit writes plan.json first and the ledger
 * last, so a writer killed in between leaves a plan.json of another commit,
 * and possibly the XML of that commit, next to the entry it did not replace.
 * Returns 0; -ESTALE for such an interrupted update ("NAME: state files are
 * of an interrupted update, not of its ledger entry; run vmplace apply
 * NAME"); -ENOENT when plan.json is missing; another -errno (-EBADMSG for
 * a plan.json that does not parse). */
int vp_state_check(const char *rundir, const vp_ledger_entry *e, vp_error *err);
/* Remove the state files of uuids that have no entry
 * in l: left by a commit killed before its ledger rename or a release killed
 * after it, or of entries l dropped (reclaimed, replaced) once l without them
 * is saved. Call under the lock with l freshly loaded or as just saved (temp
 * files are vp_ledger_lock's). When l->swept (l came from
 * vp_ledger_lock_load, or was swept before, under this same lock) only the
 * files of the kept uuids that l no longer has are removed, without a
 * directory scan: only lock holders write state files. Returns how many
 * files went; l->kept becomes l's uuids. */
size_t vp_state_sweep(const char *rundir, vp_ledger *l);

#endif
