/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whether a domain's QEMU runs, read from libvirt's run dir
 * (LIBVIRT_RUNDIR/NAME.pid) and procfs, and the reclaim of ledger entries
 * whose QEMU is gone. */
#ifndef VMPLACE_LIVENESS_H
#define VMPLACE_LIVENESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger.h"
#include "util.h"

/* Drop entries whose QEMU is gone (vp_ledger_entry_alive: no
 * libvirt_rundir/NAME.pid, or neither the recorded pid nor the file's has
 * procdir/PID), that are no start in progress (vp_ledger_entry_starting)
 * and whose created is older than VP_LEDGER_STALE_SECONDS before now
 * (now - created > 60); and, whatever their age, entries of an earlier run:
 * the QEMU they recorded is gone and another runs under the name (a run dir
 * replaced by an older copy; that VM then counts as running without an
 * entry, I3). Dropping records them in prev. Their state files stay:
 * vp_state_sweep removes them under the lock once a ledger without the
 * entries was saved. Only entries old enough or with a recorded pid are
 * checked; a pid several entries name is looked up in procdir once. Returns
 * how many were dropped; when names is non-NULL it receives a malloc'd
 * array of malloc'd names (NULL when none). */
size_t vp_ledger_reclaim(vp_ledger *l, const char *libvirt_rundir, const char *procdir, int64_t now,
                         char ***names);
/* The QEMU pid in libvirt's LIBVIRT_RUNDIR/NAME.pid. Returns 0; -ENOENT
 * when there is no pid file ("NAME is not running"); -EINVAL when NAME
 * cannot be a file name; -EBADMSG when the file holds no valid pid; another
 * -errno when it cannot be read. err says which file. */
int vp_libvirt_pid(const char *libvirt_rundir, const char *name, long *pid, vp_error *err);
/* Whether the QEMU of domain name looks alive: LIBVIRT_RUNDIR/NAME.pid
 * holds a pid that PROCDIR/PID exists for. A name that is not a safe file
 * name ("", ".", "..", containing '/') has no pid file. A pid file that
 * exists but cannot be read, or a procdir entry that cannot be stat'ed for
 * another reason than ENOENT, counts as alive: keeping a stale entry a
 * little longer is better than giving a running VM's CPUs away. *pid
 * receives the pid, or 0 when it could not be read. */
bool vp_libvirt_alive(const char *libvirt_rundir, const char *procdir, const char *name, long *pid);
/* Whether process pid exists (PROCDIR/PID; under the real /proc one
 * kill(pid, 0)): zombies count, and so does a look that fails for another
 * reason than its absence. */
bool vp_pid_alive(const char *procdir, long pid);
/* The libvirt daemon (libvirtd or virtqemud) this process runs under: the
 * nearest of its parent and that parent's next three ancestors, read from
 * PROCDIR/PID/stat, whose command name is one of those (a dispatcher
 * script in /etc/libvirt/hooks/qemu may stand between). Returns 0 with its
 * pid and starttime; -ENOENT when there is none (the CLI, a test): then a
 * commit records no starter and its entry is reclaimed on time alone. */
int vp_starter_find(const char *procdir, long *pid, uint64_t *start);
/* Whether the entry's QEMU runs: vp_libvirt_alive for its name, except that
 * an entry with the pid enforce recorded (e->pid) is alive without reading
 * the pid file while that file exists and procdir/PID does (two stats
 * instead of open, read, close and a stat; a file that names another live
 * pid counts too: a QEMU of that name runs, though reclaim drops the entry
 * as one of an earlier run). */
bool vp_ledger_entry_alive(const vp_ledger_entry *e, const char *libvirt_rundir,
                           const char *procdir);
/* Whether e is a start still in progress: its QEMU never ran (no pid
 * recorded) and the libvirt daemon that ran its prepare still runs
 * (PROCDIR/STARTER/stat with the same starttime; unreadable for another
 * reason than ENOENT counts as running). That daemon calls release when the
 * start fails, so until then the start is only slow (devices, storage, a
 * slow hook after vmplace's): reclaim keeps such an entry whatever its age,
 * and its CPUs are not handed out under it. */
bool vp_ledger_entry_starting(const vp_ledger_entry *e, const char *procdir);

#endif
