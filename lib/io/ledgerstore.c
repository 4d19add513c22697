/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ledger store (SPEC section 4): rundir/ledger.json replaced atomically
 * under an flock on rundir/ledger.lock, plus per-domain state files under
 * rundir/domains/. The file is only ever replaced by rename(2), so a reader
 * sees the old or the new content whatever happens to the writer; leftover
 * NAME.tmp.PID files of killed writers are never read and are swept under
 * the lock once their PID is gone. */
#include "ledgerstore.h"
#include "fileio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "confindex.h"
#include "jsonfile.h"
#include "ledgercache.h"
#include "ledgerjson.h"
#include "topoload.h"

#define LEDGER_FILE      "ledger.json"
#define LEDGER_LOCK      "ledger.lock"
#define LEDGER_DOMAINS   "domains"
#define LEDGER_MAX_BYTES (64u << 20)
#define STATE_MAX_BYTES  (16u << 20)

/* ---- lock ---- */

/* The lock file's flag byte (lock_and_sweep). */
#define LOCK_DONE    '0'
#define LOCK_BUSY    '1'
#define LOCK_PARTIAL '2'

/* Write the flag; false when it could not be (on the file this process
 * has just read and written: not seen in practice). Callers treat that as
 * the flag left as it was: not done costs the next holder a scan. */
static bool set_flag(int fd, char flag)
{
        return pwrite(fd, &flag, 1, 0) == 1;
}

/* A writer killed between open and rename leaves PATH.tmp.PID behind. Under
 * the lock no ledger writer can be running, and a dead PID cannot finish a
 * state write either, so such files are garbage. A live PID (or one we may
 * not signal) is left alone. */
static bool tmp_owner_dead(const char *pid_text)
{
        uint64_t pid;
        if (vp_parse_u64(pid_text, &pid) < 0 || pid == 0 || pid > INT_MAX)
                return false;
        return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

static const char *const state_exts[] = {"plan.json", "xml", "input.xml"};

/* The files vp_write_file_atomic writes straight into the run dir: the
 * ledger and its cache, and the config index and topology cache the hook
 * writes before it takes the lock (a writer killed there used to leave its
 * temp file for good). */
static const char *const rundir_files[] = {LEDGER_FILE, VP_LEDGER_CACHE_FILE, VP_CONFINDEX_FILE,
                                           VP_TOPOLOGY_CACHE_FILE};

/* The PID text of name when it is KIND.tmp.PID for one of kinds[0..n),
 * else NULL: the temp names vp_write_file_atomic gives the rundir files
 * (rundir_files) and, after UUID., the state files (state_exts). */
static const char *tmp_pid(const char *name, const char *const *kinds, size_t n)
{
        for (size_t k = 0; k < n; k++) {
                size_t len = strlen(kinds[k]);
                if (strncmp(name, kinds[k], len) == 0 && strncmp(name + len, ".tmp.", 5) == 0)
                        return name + len + 5;
        }
        return NULL;
}

static bool state_ext_valid(const char *ext)
{
        for (size_t k = 0; ext && k < VP_ARRAY_SIZE(state_exts); k++)
                if (strcmp(ext, state_exts[k]) == 0)
                        return true;
        return false;
}

static void sweep_rundir_tmp(const char *rundir)
{
        _cleanup_closedir_ DIR *d = opendir(rundir);
        if (!d)
                return;
        struct dirent *de;
        while ((de = readdir(d))) {
                const char *pid = tmp_pid(de->d_name, rundir_files, VP_ARRAY_SIZE(rundir_files));
                if (pid && tmp_owner_dead(pid))
                        (void)unlinkat(dirfd(d), de->d_name, 0);
        }
}

typedef char uuid_text[37];

static int uuid_text_cmp(const void *a, const void *b)
{
        return strcmp(a, b);
}

/* The lower-case uuids of l's entries, sorted for bsearch (malloc'd, *n of
 * them): the sweeps look a uuid up per file, and a linear search per file
 * was most of their cost with 50 domains. */
static uuid_text *uuid_index(const vp_ledger *l, size_t *n)
{
        uuid_text *idx = vp_xmalloc((l->n ? l->n : 1) * sizeof(*idx));
        size_t k = 0;
        for (size_t i = 0; i < l->n; i++) {
                if (!vp_uuid_valid(l->entries[i].uuid))
                        continue;
                memcpy(idx[k], l->entries[i].uuid, sizeof(idx[k]));
                vp_uuid_lower(idx[k++]);
        }
        qsort(idx, k, sizeof(*idx), uuid_text_cmp);
        *n = k;
        return idx;
}

/* One pass over the open rundir/domains d: with tmp, the temp files of
 * writers whose PID is gone (the lock's sweep; *left counts those that
 * stay); with idx, the state files of uuids not among idx[0..n)
 * (vp_state_sweep's). Returns how many state files went. */
static size_t sweep_domains(DIR *d, bool tmp, const uuid_text *idx, size_t n, size_t *left)
{
        size_t gone = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                const char *name = de->d_name;
                if (strlen(name) <= 37 || name[36] != '.')
                        continue;
                uuid_text u;
                memcpy(u, name, 36);
                u[36] = '\0';
                if (!vp_uuid_valid(u))
                        continue;
                const char *ext = name + 37;
                /* a killed writer of input.xml used to leave its temp
                 * file for good: every kind vp_state_write writes */
                const char *pid = tmp_pid(ext, state_exts, VP_ARRAY_SIZE(state_exts));
                if (pid) {
                        /* a killed writer not yet reaped is a zombie, which
                         * kill(2) still finds: its file stays for later */
                        if (tmp && !(tmp_owner_dead(pid) && unlinkat(dirfd(d), name, 0) == 0))
                                (*left)++;
                        continue;
                }
                /* only the state kinds, never someone else's file */
                if (!idx || !state_ext_valid(ext))
                        continue;
                vp_uuid_lower(u);
                if (!bsearch(u, idx, n, sizeof(*idx), uuid_text_cmp) &&
                    unlinkat(dirfd(d), name, 0) == 0)
                        gone++;
        }
        return gone;
}

/* How long lock_and_sweep waits for a lock someone else holds
 * (vp_ledger_set_lock_wait_ms), and whether a wait of this process has
 * already run out: a holder stuck that long is not waited for again, so a
 * hook call that takes the lock several times (started, reconnect, the
 * floating VMs after them) still waits at most one bound for it. */
static unsigned lock_wait_ms = VP_LEDGER_LOCK_WAIT_MS;
static bool lock_gave_up;

void vp_ledger_set_lock_wait_ms(unsigned ms)
{
        lock_wait_ms = ms;
        lock_gave_up = false;
}

static int64_t mono_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Sleep ns, resumed after a signal. */
static void sleep_ns(int64_t ns)
{
        struct timespec ts = {.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* The bound as the message says it: whole seconds when it is some. */
static const char *wait_text(char *buf, size_t size)
{
        if (lock_wait_ms % 1000 == 0)
                snprintf(buf, size, "%u s", lock_wait_ms / 1000);
        else
                snprintf(buf, size, "%u ms", lock_wait_ms);
        return buf;
}

/* An exclusive flock on fd (the lock file path), waiting at most
 * lock_wait_ms for a holder: retried with a backoff from 1 ms doubling up
 * to 50 ms, never past the deadline. Uncontended, one flock(2) and nothing
 * else: the clock is read only once the first try has failed. */
static int lock_bounded(int fd, const char *path, vp_error *err)
{
        int64_t deadline = -1, backoff = 1000000; /* ns */
        char bound[32];
        for (;;) {
                if (flock(fd, LOCK_EX | LOCK_NB) == 0)
                        return 0;
                if (errno == EINTR)
                        continue;
                if (errno != EWOULDBLOCK)
                        return vp_error_at(err, -errno, path, 0, "flock: %s", strerror(errno));
                if (lock_gave_up)
                        return vp_error_set(err, -ETIMEDOUT,
                                            "%s: held by another vmplace process (already "
                                            "waited %s for it, not waiting again)",
                                            path, wait_text(bound, sizeof(bound)));
                int64_t now = mono_ns();
                if (deadline < 0)
                        deadline = now + (int64_t)lock_wait_ms * 1000000;
                if (now >= deadline) {
                        lock_gave_up = true;
                        return vp_error_set(err, -ETIMEDOUT,
                                            "%s: held by another vmplace process for over %s "
                                            "(giving up)",
                                            path, wait_text(bound, sizeof(bound)));
                }
                sleep_ns(backoff < deadline - now ? backoff : deadline - now);
                backoff = backoff * 2 < 50000000 ? backoff * 2 : 50000000;
        }
}

/* Hand the fd out of a cleanup-annotated variable. */
static int take_fd(int *fd)
{
        int r = *fd;
        *fd = -1;
        return r;
}

/* vp_ledger_lock, and with l vp_ledger_lock_load: the lock, the temp files
 * of dead writers, and with l the ledger and its state sweep, in one scan
 * of rundir/domains. */
static int lock_and_sweep(const char *rundir, vp_ledger *l, vp_error *err)
{
        if (l)
                memset(l, 0, sizeof(*l));
        _cleanup_free_ char *path = vp_xasprintf("%s/" LEDGER_LOCK, rundir);
        _cleanup_free_ char *domains = vp_xasprintf("%s/" LEDGER_DOMAINS, rundir);
        /* the usual case, the run dir there already, takes no mkdir */
        _cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0 && errno == ENOENT) {
                int r = vp_mkdir_p(rundir, 0700, err);
                if (r < 0)
                        return r;
                fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        }
        if (fd < 0)
                return vp_error_at(err, -errno, path, 0, "%s", strerror(errno));
        /* I4: a run dir someone else could write may hold anything: refused
         * by name (its files are checked as they are read) */
        struct stat rst;
        if (stat(rundir, &rst) < 0)
                return vp_error_set(err, -errno, "%s: %s", rundir, strerror(errno));
        int owned = vp_check_owned(rundir, &rst, err);
        if (owned < 0)
                return owned;
        int locked = lock_bounded(fd, path, err);
        if (locked < 0)
                return locked;
        /* The lock file's first byte says whether domains/ needs its scan.
         * LOCK_DONE: the last holder ended with vp_ledger_unlock_done and had
         * found domains/ swept, so no temp file and no state file without an
         * entry is there (only lock holders write state files). Anything
         * else (a holder killed or failed, a lock file from before the flag)
         * means it may hold some. Before this holder writes anything the
         * flag says LOCK_BUSY, or LOCK_PARTIAL when this lock sweeps no
         * state files (no ledger to sweep against): vp_ledger_unlock_done
         * turns only LOCK_BUSY into LOCK_DONE. */
        char flag = 0;
        bool done = pread(fd, &flag, 1, 0) == 1 && flag == LOCK_DONE;
        if (!set_flag(fd, done || l ? LOCK_BUSY : LOCK_PARTIAL))
                done = false;
        sweep_rundir_tmp(rundir);
        _cleanup_closedir_ DIR *d = done ? NULL : opendir(domains);
        if (!done && !d && errno == ENOENT) {
                int r = vp_mkdir_p(domains, 0700, err);
                if (r < 0) {
                        vp_ledger_unlock(take_fd(&fd));
                        return r;
                }
        }
        int r = l ? vp_ledger_load(rundir, l, err) : 0;
        if (r == 0 && l) {
                l->kept = uuid_index(l, &l->n_kept);
                l->swept = true;
        }
        /* a ledger that does not load sweeps no state file: it would take
         * them all (and the lock is released with the flag not done) */
        size_t left = 0;
        if (d)
                sweep_domains(d, true, r == 0 && l ? l->kept : NULL, l ? l->n_kept : 0, &left);
        /* temp files still there keep the next holder scanning */
        if (left) {
                bool written = set_flag(fd, LOCK_PARTIAL);
                (void)written;
        }
        if (r < 0) {
                vp_ledger_unlock(take_fd(&fd));
                return r;
        }
        return take_fd(&fd);
}

int vp_ledger_lock(const char *rundir, vp_error *err)
{
        return lock_and_sweep(rundir, NULL, err);
}

int vp_ledger_lock_load(const char *rundir, vp_ledger *l, vp_error *err)
{
        return lock_and_sweep(rundir, l, err);
}

void vp_ledger_unlock_done(int fd)
{
        char flag;
        if (fd >= 0 && pread(fd, &flag, 1, 0) == 1 && flag == LOCK_BUSY) {
                bool written = set_flag(fd, LOCK_DONE); /* not: busy stays */
                (void)written;
        }
        vp_ledger_unlock(fd);
}
void vp_ledger_unlock(int fd)
{
        if (fd < 0)
                return;
        /* Explicit unlock: a forked child may still share the open file
         * description, and close() alone would leave it locked for them. */
        (void)flock(fd, LOCK_UN);
        close(fd);
}

int vp_ledger_load(const char *rundir, vp_ledger *l, vp_error *err)
{
        memset(l, 0, sizeof(*l));
        _cleanup_free_ char *path = vp_xasprintf("%s/" LEDGER_FILE, rundir);
        /* the cache, when it was written for the ledger.json there now */
        struct stat st;
        if (stat(path, &st) == 0) {
                _cleanup_free_ char *cache = vp_xasprintf("%s/" VP_LEDGER_CACHE_FILE, rundir);
                if (vp_ledger_cache_read(cache, &st, l) == 0)
                        return 0;
        }
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = vp_read_owned(path, LEDGER_MAX_BYTES, &text, &len, err);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        return vp_ledger_json_parse(path, text, len, l, err);
}

/* ---- save ---- */

int vp_ledger_save(const char *rundir, const vp_ledger *l, vp_error *err)
{
        _cleanup_free_ char *path = vp_xasprintf("%s/" LEDGER_FILE, rundir);
        vp_buf b = {0};
        int r = vp_ledger_json_render(path, l, &b, err);
        if (r == 0)
                r = vp_write_file_atomic(path, b.s, b.len, 0600, err);
        free(b.s);
        /* the cache is of the file as it now is (the rename set its ctime),
         * and only of a ledger that loading that file gives back as it is */
        struct stat st;
        if (r == 0 && vp_ledger_normal(l) && stat(path, &st) == 0) {
                _cleanup_free_ char *cache = vp_xasprintf("%s/" VP_LEDGER_CACHE_FILE, rundir);
                vp_ledger_cache_write(cache, &st, l);
        }
        return r;
}

/* ---- per-domain state ---- */

/* uuid must have passed vp_uuid_valid. */
static char *state_path(const char *rundir, const char *uuid, const char *ext)
{
        char u[37];
        memcpy(u, uuid, sizeof(u));
        vp_uuid_lower(u);
        return vp_xasprintf("%s/" LEDGER_DOMAINS "/%s.%s", rundir, u, ext);
}

/* 0 when uuid and ext name a state file, else -EINVAL (err says which):
 * both become a path. */
static int state_args_check(const char *uuid, const char *ext, vp_error *err)
{
        if (!vp_uuid_valid(uuid))
                return vp_error_set(err, -EINVAL, "invalid domain uuid '%.64s'", uuid ? uuid : "");
        if (!state_ext_valid(ext))
                return vp_error_set(err, -EINVAL, "invalid state file kind '%.32s'",
                                    ext ? ext : "");
        return 0;
}

int vp_state_write(const char *rundir, const char *uuid, const char *ext, const char *data,
                   size_t len, vp_error *err)
{
        int r = state_args_check(uuid, ext, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *p = state_path(rundir, uuid, ext);
        r = vp_write_file_atomic(p, data, len, 0600, err);
        if (r != -ENOENT)
                return r;
        /* domains/ is made only when missing: the usual write, under the
         * lock that made it, takes no mkdir */
        _cleanup_free_ char *dir = vp_xasprintf("%s/" LEDGER_DOMAINS, rundir);
        r = vp_mkdir_p(dir, 0700, err);
        if (r < 0)
                return r;
        return vp_write_file_atomic(p, data, len, 0600, err);
}

int vp_state_save(const char *rundir, const char *uuid, const char *plan_json, const char *xml,
                  vp_error *err)
{
        if (!vp_uuid_valid(uuid))
                return vp_error_set(err, -EINVAL, "invalid domain uuid '%.64s'", uuid ? uuid : "");
        int r = 0;
        if (plan_json)
                r = vp_state_write(rundir, uuid, "plan.json", plan_json, strlen(plan_json), err);
        if (r == 0 && xml)
                r = vp_state_write(rundir, uuid, "xml", xml, strlen(xml), err);
        return r;
}

int vp_state_read(const char *rundir, const char *uuid, const char *ext, char **out, vp_error *err)
{
        *out = NULL;
        int r = state_args_check(uuid, ext, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *p = state_path(rundir, uuid, ext);
        return vp_read_owned(p, STATE_MAX_BYTES, out, NULL, err);
}

void vp_state_remove(const char *rundir, const char *uuid)
{
        if (!vp_uuid_valid(uuid))
                return;
        for (size_t i = 0; i < VP_ARRAY_SIZE(state_exts); i++) {
                _cleanup_free_ char *p = state_path(rundir, uuid, state_exts[i]);
                (void)unlink(p);
        }
}

char *vp_commit_token(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        /* pid + nanoseconds: two commits cannot share both, and commits are
         * serialised by the lock anyway */
        return vp_xasprintf("%lld.%09ld-%ld", (long long)ts.tv_sec, ts.tv_nsec, (long)getpid());
}

int vp_state_check(const char *rundir, const vp_ledger_entry *e, vp_error *err)
{
        if (!vp_uuid_valid(e->uuid))
                return vp_error_set(err, -EINVAL, "invalid domain uuid '%.64s'",
                                    e->uuid ? e->uuid : "");
        _cleanup_free_ char *p = state_path(rundir, e->uuid, "plan.json");
        _cleanup_json_ json_object *plan = NULL;
        int r = vp_json_file_read(p, STATE_MAX_BYTES, &plan, err);
        if (r < 0)
                return r;
        json_object *v = NULL;
        const char *token = json_object_object_get_ex(plan, "commit", &v) &&
                                    json_object_is_type(v, json_type_string)
                                ? json_object_get_string(v)
                                : NULL;
        if ((token || e->commit) && (!token || !e->commit || strcmp(token, e->commit) != 0))
                return vp_error_set(err, -ESTALE,
                                    "%s: state files are of an interrupted update, not of its "
                                    "ledger entry (%s); run vmplace apply %s",
                                    e->name, p, e->name);
        return 0;
}

size_t vp_state_sweep(const char *rundir, vp_ledger *l)
{
        size_t n = 0, gone = 0;
        uuid_text *now = uuid_index(l, &n);
        if (l->swept) {
                /* vp_ledger_lock_load swept the directory against l->kept
                 * under this lock, and only lock holders write state
                 * files: what may be left without an entry is the files of
                 * the kept uuids that l no longer has */
                for (size_t i = 0; i < l->n_kept; i++) {
                        if (bsearch(l->kept[i], now, n, sizeof(*now), uuid_text_cmp))
                                continue;
                        for (size_t k = 0; k < VP_ARRAY_SIZE(state_exts); k++) {
                                _cleanup_free_ char *p =
                                    state_path(rundir, l->kept[i], state_exts[k]);
                                gone += unlink(p) == 0;
                        }
                }
        } else {
                _cleanup_free_ char *dir = vp_xasprintf("%s/" LEDGER_DOMAINS, rundir);
                _cleanup_closedir_ DIR *d = opendir(dir);
                size_t left = 0;
                if (d)
                        gone = sweep_domains(d, false, now, n, &left);
        }
        free(l->kept);
        l->kept = now;
        l->n_kept = n;
        l->swept = true;
        return gone;
}
