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
 * procdir/PID) and whose created is older than VP_LEDGER_STALE_SECONDS
 * before now (now - created > 60); dropping records them in prev. Their
 * state files stay: vp_state_sweep removes them under the lock once a
 * ledger without the entries was saved. Only entries old enough are checked; a pid
 * several entries name is looked up in procdir once. Returns how many were dropped; when names is
 * non-NULL it receives a malloc'd array of malloc'd names (NULL when none). */
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
/* Whether the entry's QEMU runs: vp_libvirt_alive for its name, except that
 * an entry with the pid enforce recorded (e->pid) is alive without reading
 * the pid file while that file exists and procdir/PID does (two stats
 * instead of open, read, close and a stat; a file that names another pid
 * still counts when the recorded one is gone). */
bool vp_ledger_entry_alive(const vp_ledger_entry *e, const char *libvirt_rundir,
                           const char *procdir);

#endif
