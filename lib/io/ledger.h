/* The ledger: which managed domain holds which CPUs and how much memory on
 * which node, under VMPLACE_RUNDIR (SPEC section 4). One JSON file
 * (ledger.json) replaced atomically, guarded by an flock on ledger.lock, plus
 * per-domain state files domains/UUID.plan.json and domains/UUID.xml. */
#ifndef VMPLACE_LEDGER_H
#define VMPLACE_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpuset.h"
#include "util.h"

/* An entry whose QEMU is gone and that is older than this is reclaimed. */
#define VP_LEDGER_STALE_SECONDS 60
/* How many released domains' last CPUs are remembered for restarts. */
#define VP_LEDGER_PREVIOUS_MAX 1024

typedef enum vp_entry_kind {
        VP_KIND_NONE = 0, /* placement without CPU policy: holds nothing */
        VP_KIND_SHARED,   /* floats over the shared pool */
        VP_KIND_DEDICATED,
} vp_entry_kind;
const char *vp_entry_kind_name(vp_entry_kind k);

typedef struct vp_ledger_mem {
        unsigned node;
        uint64_t kib;
} vp_ledger_mem;

typedef struct vp_ledger_entry {
        char *name;
        char *uuid;
        char *profile;    /* may be NULL */
        char *matched_by; /* may be NULL */
        char *state;      /* "prepared", "enforced" */
        vp_entry_kind kind;
        /* compact (vp_cpumask): a ledger holds one entry per VM */
        vp_cpumask held;          /* CPUs no other VM may use (dedicated) */
        vp_cpumask vcpu_cpus;     /* union of where its vCPUs may run */
        vp_cpumask emulator_cpus; /* where emulator threads may run */
        vp_cpumask nodes;         /* host nodes its memory is bound to */
        vp_ledger_mem *mem;       /* committed memory per node, sorted by node */
        size_t n_mem;
        int64_t created; /* epoch seconds of the prepare that made it */
        long pid;        /* QEMU pid once known, else 0 */
        /* Token of the commit that wrote the entry, also written into its
         * plan.json (vp_state_check); NULL in ledgers from before tokens. */
        char *commit;
} vp_ledger_entry;

typedef struct vp_ledger_prev {
        char *uuid;
        vp_cpumask held;
        vp_cpumask emulator_cpus;
        int64_t released;
} vp_ledger_prev;

typedef struct vp_ledger {
        vp_ledger_entry *entries; /* sorted by name then uuid */
        size_t n;
        vp_ledger_prev *prev; /* most recently released last */
        size_t n_prev;
        /* Set by vp_ledger_lock_load and vp_state_sweep: the state files
         * under rundir/domains are only those of the uuids in kept (sorted,
         * lower case), so the next vp_state_sweep under the same lock looks
         * at the kept uuids l no longer has instead of scanning again. */
        bool swept;
        char (*kept)[37];
        size_t n_kept;
} vp_ledger;

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
void vp_ledger_free(vp_ledger *l);
/* Whether l is what vp_ledger_load returns for the file vp_ledger_save
 * writes of it: entries sorted by name then uuid, no name or uuid twice,
 * uuids in lower case, each entry's memory sorted by node with no node
 * twice, at most VP_LEDGER_PREVIOUS_MAX previous records with lower-case
 * uuids. Only such a ledger gets a cache (ledgercache.h). */
bool vp_ledger_normal(const vp_ledger *l);
/* Frees what e owns (not e itself) and zeroes it. */
void vp_ledger_entry_free(vp_ledger_entry *e);

/* UUIDs compare case-insensitively everywhere; put, load and the state file
 * names use the lower-case form. */
vp_ledger_entry *vp_ledger_find_uuid(vp_ledger *l, const char *uuid);
vp_ledger_entry *vp_ledger_find_name(vp_ledger *l, const char *name);
/* Insert e (taking ownership of its strings and arrays, and zeroing *e),
 * replacing any entry with the same uuid and dropping any entry with the
 * same name but another uuid (an undefined and redefined domain; it is not
 * recorded in prev and its state files stay for the caller to remove).
 * e->mem is sorted by node, duplicate nodes summed. */
void vp_ledger_put(vp_ledger *l, vp_ledger_entry *e);
/* Remove the entry with this uuid, remembering its held/emulator CPUs in
 * prev (newest last, capped at VP_LEDGER_PREVIOUS_MAX, an older record of
 * the same uuid replaced). Returns true when an entry was removed. */
bool vp_ledger_remove(vp_ledger *l, const char *uuid, int64_t now);
const vp_ledger_prev *vp_ledger_previous(const vp_ledger *l, const char *uuid);

/* Memory committed on node by all entries except the one with skip_uuid
 * (may be NULL). */
uint64_t vp_ledger_committed_kib(const vp_ledger *l, unsigned node, const char *skip_uuid);
/* Union of held CPUs of all entries except skip_uuid. */
void vp_ledger_held(const vp_ledger *l, const char *skip_uuid, vp_cpuset *out);

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

/* Whether e is a dedicated VM whose emulator has CPUs of its own
 * (emulator_policy = isolate): held by it, and none of its vCPUs'. Such an
 * emulator never floats. A shared emulator that fell back to the VM's vCPU
 * CPUs (no shared CPU was left) is not isolated: it floats again, narrowed
 * and widened with the pool, and enforce writes it from the ledger. */
bool vp_ledger_entry_emu_isolated(const vp_ledger_entry *e);

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

/* true for a canonical 36-character hex UUID (8-4-4-4-12, either case) */
bool vp_uuid_valid(const char *uuid);

#endif
