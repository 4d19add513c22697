/* The ledger (SPEC section 4): rundir/ledger.json replaced atomically under an
 * flock on rundir/ledger.lock, plus per-domain state files under
 * rundir/domains/. The file is only ever replaced by rename(2), so a reader
 * sees the old or the new content whatever happens to the writer; leftover
 * NAME.tmp.PID files of killed writers are never read and are swept under
 * the lock once their PID is gone. */
#include "ledger.h"
#include "fileio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "confindex.h"
#include "jsonfile.h"
#include "ledgercache.h"
#include "topoload.h"

#define LEDGER_FILE      "ledger.json"
#define LEDGER_LOCK      "ledger.lock"
#define LEDGER_DOMAINS   "domains"
#define LEDGER_VERSION   1
#define LEDGER_MAX_BYTES (64u << 20)
#define STATE_MAX_BYTES  (16u << 20)
#define PIDFILE_MAX      64

static const char *const kind_names[] = {
    [VP_KIND_NONE] = "none",
    [VP_KIND_SHARED] = "shared",
    [VP_KIND_DEDICATED] = "dedicated",
};

const char *vp_entry_kind_name(vp_entry_kind k)
{
        if ((unsigned)k < VP_ARRAY_SIZE(kind_names) && kind_names[k])
                return kind_names[k];
        return "invalid";
}

static int kind_from_name(const char *s, vp_entry_kind *out)
{
        for (unsigned i = 0; i < VP_ARRAY_SIZE(kind_names); i++)
                if (kind_names[i] && strcmp(s, kind_names[i]) == 0) {
                        *out = (vp_entry_kind)i;
                        return 0;
                }
        return -EINVAL;
}

/* Hex digits by table, not isxdigit() (a call per character): the sweeps
 * check a uuid per file. */
static const bool is_hex[256] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
};

/* n hex digits at s (a NUL ends the run early: not hex) */
static bool hex_run(const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (!is_hex[(unsigned char)s[i]])
                        return false;
        return true;
}

bool vp_uuid_valid(const char *uuid)
{
        const char *u = uuid;
        return u && hex_run(u, 8) && u[8] == '-' && hex_run(u + 9, 4) && u[13] == '-' &&
               hex_run(u + 14, 4) && u[18] == '-' && hex_run(u + 19, 4) && u[23] == '-' &&
               hex_run(u + 24, 12) && u[36] == '\0';
}

/* UUIDs compare case-insensitively; the ledger stores and names files in
 * lower case so one domain never gets two spellings. */
static void uuid_lower(char *uuid)
{
        for (char *p = uuid; p && *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                        *p = (char)(*p - 'A' + 'a');
}

static bool uuid_eq(const char *a, const char *b)
{
        return a && b && strcasecmp(a, b) == 0;
}

/* ---- entries ---- */

/* Room for n elements of size sz in p, growing geometrically. The arrays
 * carry no capacity field, so ask the allocator what p really holds; that
 * also stays right for arrays a caller allocated itself. */
static void *grow(void *p, size_t n, size_t sz)
{
        if (p && malloc_usable_size(p) >= n * sz)
                return p;
        return vp_xrealloc(p, (n < 8 ? 8 : n * 2) * sz);
}

void vp_ledger_entry_free(vp_ledger_entry *e)
{
        if (!e)
                return;
        free(e->name);
        free(e->uuid);
        free(e->profile);
        free(e->matched_by);
        free(e->state);
        free(e->mem);
        free(e->commit);
        vp_cpumask_free(&e->held);
        vp_cpumask_free(&e->vcpu_cpus);
        vp_cpumask_free(&e->emulator_cpus);
        vp_cpumask_free(&e->nodes);
        memset(e, 0, sizeof(*e));
}

static void prev_free(vp_ledger_prev *p)
{
        free(p->uuid);
        vp_cpumask_free(&p->held);
        vp_cpumask_free(&p->emulator_cpus);
}

void vp_ledger_free(vp_ledger *l)
{
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++)
                vp_ledger_entry_free(&l->entries[i]);
        free(l->entries);
        for (size_t i = 0; i < l->n_prev; i++)
                prev_free(&l->prev[i]);
        free(l->prev);
        free(l->kept);
        memset(l, 0, sizeof(*l));
}

static int entry_cmp(const vp_ledger_entry *a, const vp_ledger_entry *b)
{
        int r = strcmp(a->name ? a->name : "", b->name ? b->name : "");
        return r ? r : strcmp(a->uuid ? a->uuid : "", b->uuid ? b->uuid : "");
}

static int entry_qsort_cmp(const void *a, const void *b)
{
        return entry_cmp(a, b);
}

static int mem_cmp(const void *a, const void *b)
{
        const vp_ledger_mem *x = a, *y = b;
        return x->node < y->node ? -1 : x->node > y->node;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
        return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Sort by node and fold duplicates so the per-node map is well defined. */
static void mem_normalise(vp_ledger_entry *e)
{
        if (e->n_mem < 2)
                return;
        qsort(e->mem, e->n_mem, sizeof(*e->mem), mem_cmp);
        size_t o = 0;
        for (size_t i = 1; i < e->n_mem; i++) {
                if (e->mem[i].node == e->mem[o].node)
                        e->mem[o].kib = add_sat(e->mem[o].kib, e->mem[i].kib);
                else
                        e->mem[++o] = e->mem[i];
        }
        e->n_mem = o + 1;
}

static void entry_delete_at(vp_ledger *l, size_t i)
{
        vp_ledger_entry_free(&l->entries[i]);
        memmove(&l->entries[i], &l->entries[i + 1], (l->n - i - 1) * sizeof(*l->entries));
        l->n--;
}

vp_ledger_entry *vp_ledger_find_uuid(vp_ledger *l, const char *uuid)
{
        for (size_t i = 0; uuid && i < l->n; i++)
                if (uuid_eq(l->entries[i].uuid, uuid))
                        return &l->entries[i];
        return NULL;
}

vp_ledger_entry *vp_ledger_find_name(vp_ledger *l, const char *name)
{
        for (size_t i = 0; name && i < l->n; i++)
                if (l->entries[i].name && strcmp(l->entries[i].name, name) == 0)
                        return &l->entries[i];
        return NULL;
}

void vp_ledger_put(vp_ledger *l, vp_ledger_entry *e)
{
        uuid_lower(e->uuid);
        mem_normalise(e);
        /* Same uuid: an update. Same name, other uuid: the domain was
         * undefined and redefined while its old entry lingered. */
        for (size_t i = 0; i < l->n;) {
                vp_ledger_entry *o = &l->entries[i];
                if (uuid_eq(o->uuid, e->uuid) ||
                    (o->name && e->name && strcmp(o->name, e->name) == 0))
                        entry_delete_at(l, i);
                else
                        i++;
        }
        size_t pos = 0;
        while (pos < l->n && entry_cmp(&l->entries[pos], e) <= 0)
                pos++;
        l->entries = grow(l->entries, l->n + 1, sizeof(*l->entries));
        memmove(&l->entries[pos + 1], &l->entries[pos], (l->n - pos) * sizeof(*l->entries));
        l->entries[pos] = *e;
        l->n++;
        memset(e, 0, sizeof(*e));
}

/* Append (uuid, held, emulator) as the newest record, dropping an older
 * record of the same uuid and the oldest beyond the cap. Takes uuid and the
 * two masks (left empty). */
static void prev_record(vp_ledger *l, char *uuid, vp_cpumask *held, vp_cpumask *emu,
                        int64_t released)
{
        for (size_t i = 0; i < l->n_prev;) {
                if (uuid_eq(l->prev[i].uuid, uuid)) {
                        prev_free(&l->prev[i]);
                        memmove(&l->prev[i], &l->prev[i + 1],
                                (l->n_prev - i - 1) * sizeof(*l->prev));
                        l->n_prev--;
                } else {
                        i++;
                }
        }
        if (l->n_prev >= VP_LEDGER_PREVIOUS_MAX) {
                size_t drop = l->n_prev - VP_LEDGER_PREVIOUS_MAX + 1;
                for (size_t i = 0; i < drop; i++)
                        prev_free(&l->prev[i]);
                memmove(&l->prev[0], &l->prev[drop], (l->n_prev - drop) * sizeof(*l->prev));
                l->n_prev -= drop;
        }
        l->prev = grow(l->prev, l->n_prev + 1, sizeof(*l->prev));
        l->prev[l->n_prev++] = (vp_ledger_prev){
            .uuid = uuid,
            .held = *held,
            .emulator_cpus = *emu,
            .released = released,
        };
        *held = (vp_cpumask){0};
        *emu = (vp_cpumask){0};
}

static void remove_at(vp_ledger *l, size_t i, int64_t now)
{
        vp_ledger_entry *e = &l->entries[i];
        if (e->uuid)
                prev_record(l, TAKE_PTR(e->uuid), &e->held, &e->emulator_cpus, now);
        entry_delete_at(l, i);
}

bool vp_ledger_remove(vp_ledger *l, const char *uuid, int64_t now)
{
        for (size_t i = 0; uuid && i < l->n; i++)
                if (uuid_eq(l->entries[i].uuid, uuid)) {
                        remove_at(l, i, now);
                        return true;
                }
        return false;
}

const vp_ledger_prev *vp_ledger_previous(const vp_ledger *l, const char *uuid)
{
        for (size_t i = l->n_prev; uuid && i-- > 0;)
                if (uuid_eq(l->prev[i].uuid, uuid))
                        return &l->prev[i];
        return NULL;
}

uint64_t vp_ledger_committed_kib(const vp_ledger *l, unsigned node, const char *skip_uuid)
{
        uint64_t sum = 0;
        for (size_t i = 0; i < l->n; i++) {
                const vp_ledger_entry *e = &l->entries[i];
                if (skip_uuid && uuid_eq(e->uuid, skip_uuid))
                        continue;
                for (size_t m = 0; m < e->n_mem; m++)
                        if (e->mem[m].node == node)
                                sum = add_sat(sum, e->mem[m].kib);
        }
        return sum;
}

void vp_ledger_held(const vp_ledger *l, const char *skip_uuid, vp_cpuset *out)
{
        vp_cpuset_zero(out);
        for (size_t i = 0; i < l->n; i++) {
                const vp_ledger_entry *e = &l->entries[i];
                if (skip_uuid && uuid_eq(e->uuid, skip_uuid))
                        continue;
                vp_cpumask_or_into(out, &e->held);
        }
}

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
                uuid_lower(idx[k++]);
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
                uuid_lower(u);
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
                        return vp_error_set(err, -errno, "%s: flock: %s", path, strerror(errno));
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
                return vp_error_set(err, -errno, "%s: %s", path, strerror(errno));
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

/* ---- load ---- */

/* The members of an entry or a previous record, in the order save writes
 * them. */
enum {
        K_NAME,
        K_UUID,
        K_PROFILE,
        K_MATCHED_BY,
        K_STATE,
        K_KIND,
        K_HELD,
        K_VCPU_CPUS,
        K_EMULATOR_CPUS,
        K_NODES,
        K_MEMORY,
        K_CREATED,
        K_PID,
        K_COMMIT,
        K_RELEASED,
        K_COUNT,
};
static const char *const member_keys[K_COUNT] = {
    [K_NAME] = "name",
    [K_UUID] = "uuid",
    [K_PROFILE] = "profile",
    [K_MATCHED_BY] = "matched_by",
    [K_STATE] = "state",
    [K_KIND] = "kind",
    [K_HELD] = "held",
    [K_VCPU_CPUS] = "vcpu_cpus",
    [K_EMULATOR_CPUS] = "emulator_cpus",
    [K_NODES] = "nodes",
    [K_MEMORY] = "memory",
    [K_CREATED] = "created",
    [K_PID] = "pid",
    [K_COMMIT] = "commit",
    [K_RELEASED] = "released",
};

typedef struct load_ctx {
        const char *file;
        const char *what; /* "entry" or "previous" */
        size_t idx;
        vp_error *err;
        /* the object's members by K_*: has[k] when present, v[k] its value
         * (NULL for a JSON null) */
        json_object *v[K_COUNT];
        bool has[K_COUNT];
} load_ctx;

/* The order save writes an entry's and a previous record's members in. */
static const int entry_order[] = {K_NAME,   K_UUID,    K_PROFILE,   K_MATCHED_BY,    K_STATE,
                                  K_KIND,   K_HELD,    K_VCPU_CPUS, K_EMULATOR_CPUS, K_NODES,
                                  K_MEMORY, K_CREATED, K_PID,       K_COMMIT};
static const int prev_order[] = {K_UUID, K_HELD, K_EMULATOR_CPUS, K_RELEASED};

/* Fill c->v and c->has from o in one pass over its members instead of a
 * hash lookup per key: the key save writes next (order[]) is tried first
 * and is nearly always the one; else any known key. Unknown keys are
 * ignored. */
static void collect_members(load_ctx *c, json_object *o, const int *order, size_t n_order)
{
        size_t pos = 0;
        json_object_object_foreach(o, key, val)
        {
                int k = pos < n_order ? order[pos] : -1;
                if (k < 0 || strcmp(key, member_keys[k]) != 0) {
                        for (k = 0; k < K_COUNT; k++)
                                if (key[0] == member_keys[k][0] && strcmp(key, member_keys[k]) == 0)
                                        break;
                        if (k == K_COUNT)
                                continue;
                        for (pos = 0; pos < n_order && order[pos] != k; pos++)
                                ;
                }
                c->v[k] = val;
                c->has[k] = true;
                pos++;
        }
}

/* Quote a value for a one-line message: control characters become '?',
 * long values are cut. */
static const char *sanitize(const char *s, char *buf, size_t len)
{
        size_t o = 0;
        for (; s && *s && o + 4 < len; s++)
                buf[o++] = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;
        if (s && *s) {
                memcpy(buf + o, "...", 3);
                o += 3;
        }
        buf[o] = '\0';
        return buf;
}

static const char *render(json_object *v, char *buf, size_t len)
{
        return sanitize(json_object_is_type(v, json_type_string)
                            ? json_object_get_string(v)
                            : json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN),
                        buf, len);
}

static int bad(const load_ctx *c, const char *key, json_object *v, const char *why)
{
        char b[96];
        return vp_error_set(c->err, -EBADMSG, "%s: %s %zu: bad '%s' value '%s': %s", c->file,
                            c->what, c->idx, key, render(v, b, sizeof(b)), why);
}

static int missing(const load_ctx *c, const char *key)
{
        return vp_error_set(c->err, -EBADMSG, "%s: %s %zu: missing '%s'", c->file, c->what, c->idx,
                            key);
}

/* Member k as a string that stays valid while the tree lives: *out NULL
 * when absent or null and nullable. */
static int get_str_ref(const load_ctx *c, int k, bool nullable, const char **out)
{
        const char *key = member_keys[k];
        json_object *v = c->v[k];
        *out = NULL;
        if (!c->has[k])
                return nullable ? 0 : missing(c, key);
        if (!v && nullable)
                return 0;
        if (!json_object_is_type(v, json_type_string))
                return bad(c, key, v, nullable ? "expected a string or null" : "expected a string");
        const char *s = json_object_get_string(v);
        if ((size_t)json_object_get_string_len(v) != strlen(s))
                return bad(c, key, v, "contains a NUL character");
        if (!*s && !nullable)
                return bad(c, key, v, "must not be empty");
        *out = s;
        return 0;
}

static int get_string(const load_ctx *c, int k, bool nullable, char **out)
{
        const char *s;
        int r = get_str_ref(c, k, nullable, &s);
        *out = s ? vp_xstrdup(s) : NULL;
        return r;
}

static int get_uuid(const load_ctx *c, char **out)
{
        json_object *v = c->v[K_UUID];
        *out = NULL;
        if (!c->has[K_UUID])
                return missing(c, "uuid");
        if (!json_object_is_type(v, json_type_string) || !vp_uuid_valid(json_object_get_string(v)))
                return bad(c, "uuid", v, "expected a UUID like 8-4-4-4-12 hex digits");
        *out = vp_xstrdup(json_object_get_string(v));
        uuid_lower(*out);
        return 0;
}

static int get_cpuset(const load_ctx *c, int k, vp_cpumask *out)
{
        const char *key = member_keys[k];
        json_object *v = c->v[k];
        vp_cpumask_free(out);
        if (!c->has[k])
                return missing(c, key);
        if (!json_object_is_type(v, json_type_string))
                return bad(c, key, v, "expected a cpuset string");
        const char *s = json_object_get_string(v);
        if (!*s)
                return 0;
        vp_error perr;
        vp_cpuset set;
        if ((size_t)json_object_get_string_len(v) != strlen(s) ||
            vp_cpuset_parse(&set, s, VP_MAX_CPUS, &perr) < 0)
                return bad(c, key, v, "expected a cpuset like \"0-3,8\" or \"\"");
        vp_cpumask_set(out, &set);
        return 0;
}

/* json-c clamps out-of-range integers to INT64_MIN/INT64_MAX, so the limits
 * stay strictly inside them to catch overflow. */
static bool int_in_range(json_object *v, int64_t min, int64_t max, int64_t *out)
{
        if (!json_object_is_type(v, json_type_int))
                return false;
        int64_t x = json_object_get_int64(v);
        if (x < min || x > max || x == INT64_MAX || x == INT64_MIN)
                return false;
        *out = x;
        return true;
}

static int int_value(const load_ctx *c, const char *key, json_object *v, int64_t min, int64_t max,
                     int64_t *out)
{
        if (int_in_range(v, min, max, out))
                return 0;
        return bad(c, key, v,
                   json_object_is_type(v, json_type_int) ? "out of range" : "expected an integer");
}

static int get_int(const load_ctx *c, int k, bool optional, int64_t min, int64_t max, int64_t *out)
{
        *out = 0;
        if (!c->has[k])
                return optional ? 0 : missing(c, member_keys[k]);
        return int_value(c, member_keys[k], c->v[k], min, max, out);
}

static int get_memory(const load_ctx *c, vp_ledger_entry *e)
{
        json_object *v = c->v[K_MEMORY];
        if (!c->has[K_MEMORY])
                return missing(c, "memory");
        if (!json_object_is_type(v, json_type_object))
                return bad(c, "memory", v, "expected an object of node to KiB");
        size_t n = (size_t)json_object_object_length(v), i = 0;
        e->mem = vp_xcalloc(n, sizeof(*e->mem));
        json_object_object_foreach(v, key, val)
        {
                uint64_t node;
                int64_t kib;
                if (vp_parse_u64(key, &node) < 0 || node >= VP_MAX_CPUS) {
                        json_object *k = json_object_new_string(key);
                        char b[96];
                        vp_error_set(c->err, -EBADMSG,
                                     "%s: %s %zu: bad 'memory' key '%s': expected a node number",
                                     c->file, c->what, c->idx, render(k, b, sizeof(b)));
                        json_object_put(k);
                        return -EBADMSG;
                }
                if (!int_in_range(val, 0, INT64_MAX - 1, &kib)) {
                        /* the field's name only for the message */
                        char field[40];
                        snprintf(field, sizeof(field), "memory.%u", (unsigned)node);
                        return int_value(c, field, val, 0, INT64_MAX - 1, &kib);
                }
                e->mem[i++] = (vp_ledger_mem){.node = (unsigned)node, .kib = (uint64_t)kib};
        }
        e->n_mem = i;
        mem_normalise(e);
        return 0;
}

static int parse_entry(load_ctx *c, json_object *o, vp_ledger_entry *e)
{
        if (!json_object_is_type(o, json_type_object))
                return vp_error_set(c->err, -EBADMSG, "%s: %s %zu: not an object", c->file, c->what,
                                    c->idx);
        collect_members(c, o, entry_order, VP_ARRAY_SIZE(entry_order));
        const char *kind;
        int64_t created, pid;
        int r;
        if ((r = get_string(c, K_NAME, false, &e->name)) < 0 || (r = get_uuid(c, &e->uuid)) < 0 ||
            (r = get_string(c, K_PROFILE, true, &e->profile)) < 0 ||
            (r = get_string(c, K_MATCHED_BY, true, &e->matched_by)) < 0 ||
            (r = get_string(c, K_STATE, false, &e->state)) < 0 ||
            (r = get_str_ref(c, K_KIND, false, &kind)) < 0)
                return r;
        if (kind_from_name(kind, &e->kind) < 0)
                return bad(c, "kind", c->v[K_KIND], "expected dedicated, shared or none");
        if ((r = get_cpuset(c, K_HELD, &e->held)) < 0 ||
            (r = get_cpuset(c, K_VCPU_CPUS, &e->vcpu_cpus)) < 0 ||
            (r = get_cpuset(c, K_EMULATOR_CPUS, &e->emulator_cpus)) < 0 ||
            (r = get_cpuset(c, K_NODES, &e->nodes)) < 0 || (r = get_memory(c, e)) < 0 ||
            (r = get_int(c, K_CREATED, false, 0, INT64_MAX - 1, &created)) < 0 ||
            (r = get_int(c, K_PID, true, 0, INT_MAX, &pid)) < 0 ||
            (r = get_string(c, K_COMMIT, true, &e->commit)) < 0)
                return r;
        e->created = created;
        e->pid = (long)pid;
        return 0;
}

static int parse_prev(load_ctx *c, json_object *o, vp_ledger_prev *p)
{
        if (!json_object_is_type(o, json_type_object))
                return vp_error_set(c->err, -EBADMSG, "%s: %s %zu: not an object", c->file, c->what,
                                    c->idx);
        collect_members(c, o, prev_order, VP_ARRAY_SIZE(prev_order));
        int r;
        if ((r = get_uuid(c, &p->uuid)) < 0 || (r = get_cpuset(c, K_HELD, &p->held)) < 0 ||
            (r = get_cpuset(c, K_EMULATOR_CPUS, &p->emulator_cpus)) < 0 ||
            (r = get_int(c, K_RELEASED, false, 0, INT64_MAX - 1, &p->released)) < 0)
                return r;
        return 0;
}

/* Whether two of the n strings at base + i * stride (char * members) are
 * equal: sorted pointers, neighbours compared, O(n log n). */
static bool any_repeat(const void *base, size_t n, size_t stride)
{
        _cleanup_free_ const char **s = vp_xmalloc(n * sizeof(*s));
        for (size_t i = 0; i < n; i++)
                s[i] = *(const char *const *)((const char *)base + i * stride);
        qsort(s, n, sizeof(*s), vp_strp_cmp);
        for (size_t i = 1; i < n; i++)
                if (strcmp(s[i - 1], s[i]) == 0)
                        return true;
        return false;
}

/* The first entry (in file order) whose uuid or name repeats an earlier
 * one, reported as the entry-by-entry check always did; only looked for
 * when any_repeat found one. Returns -EBADMSG. */
static int report_repeat(const char *file, const vp_ledger *l, vp_error *err)
{
        for (size_t i = 1; i < l->n; i++)
                for (size_t j = 0; j < i; j++) {
                        if (strcmp(l->entries[j].uuid, l->entries[i].uuid) == 0)
                                return vp_error_set(err, -EBADMSG,
                                                    "%s: entry %zu: uuid %s repeats entry %zu",
                                                    file, i, l->entries[i].uuid, j);
                        if (strcmp(l->entries[j].name, l->entries[i].name) == 0) {
                                char b[96];
                                return vp_error_set(
                                    err, -EBADMSG, "%s: entry %zu: name '%s' repeats entry %zu",
                                    file, i, sanitize(l->entries[i].name, b, sizeof(b)), j);
                        }
                }
        return 0;
}

static int parse_ledger(const char *file, json_object *root, vp_ledger *l, vp_error *err)
{
        json_object *v, *entries, *prev = NULL;
        if (!json_object_is_type(root, json_type_object))
                return vp_error_set(err, -EBADMSG, "%s: top level is not a JSON object", file);
        if (!json_object_object_get_ex(root, "version", &v))
                return vp_error_set(err, -EBADMSG, "%s: missing 'version'", file);
        if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) != LEDGER_VERSION) {
                char b[96];
                return vp_error_set(err, -EBADMSG,
                                    "%s: unsupported version '%s' (this vmplace reads version %d)",
                                    file, render(v, b, sizeof(b)), LEDGER_VERSION);
        }
        if (!json_object_object_get_ex(root, "entries", &entries))
                return vp_error_set(err, -EBADMSG, "%s: missing 'entries'", file);
        if (!json_object_is_type(entries, json_type_array))
                return vp_error_set(err, -EBADMSG, "%s: 'entries' is not an array", file);
        if (json_object_object_get_ex(root, "previous", &prev) && prev &&
            !json_object_is_type(prev, json_type_array))
                return vp_error_set(err, -EBADMSG, "%s: 'previous' is not an array", file);

        /* Entries are parsed up to the first bad one; a uuid or name that
         * repeats an earlier entry's is an error of the later entry, and
         * the first entry in the file with either problem is the one
         * reported, as when each entry was compared with all before it. */
        size_t n = json_object_array_length(entries);
        l->entries = vp_xcalloc(n, sizeof(*l->entries));
        int bad_r = 0;
        vp_error bad_err;
        for (size_t i = 0; i < n; i++) {
                load_ctx c = {.file = file, .what = "entry", .idx = i, .err = &bad_err};
                bad_r = parse_entry(&c, json_object_array_get_idx(entries, i), &l->entries[i]);
                l->n = i + 1; /* so vp_ledger_free sees the partial entry */
                if (bad_r < 0)
                        break;
        }
        size_t good = bad_r < 0 ? l->n - 1 : l->n;
        if (good > 1 && (any_repeat(&l->entries[0].uuid, good, sizeof(*l->entries)) ||
                         any_repeat(&l->entries[0].name, good, sizeof(*l->entries)))) {
                vp_ledger tmp = {.entries = l->entries, .n = good};
                return report_repeat(file, &tmp, err);
        }
        if (bad_r < 0) {
                if (err)
                        *err = bad_err;
                return bad_r;
        }
        /* save writes them sorted: sort only a file that is not */
        for (size_t i = 1; i < l->n; i++)
                if (entry_cmp(&l->entries[i - 1], &l->entries[i]) > 0) {
                        qsort(l->entries, l->n, sizeof(*l->entries), entry_qsort_cmp);
                        break;
                }

        /* Appended as they come: remove never writes two records of one uuid,
         * and vp_ledger_previous looks newest first anyway. Beyond the cap
         * (a file from elsewhere) the oldest go. */
        size_t np = prev ? json_object_array_length(prev) : 0;
        size_t first = np > VP_LEDGER_PREVIOUS_MAX ? np - VP_LEDGER_PREVIOUS_MAX : 0;
        l->prev = vp_xcalloc(np - first, sizeof(*l->prev));
        for (size_t i = first; i < np; i++) {
                load_ctx c = {.file = file, .what = "previous", .idx = i, .err = err};
                int r = parse_prev(&c, json_object_array_get_idx(prev, i), &l->prev[l->n_prev]);
                l->n_prev++;
                if (r < 0)
                        return r;
        }
        return 0;
}

static bool lower_uuid(const char *u)
{
        if (!u)
                return false;
        for (; *u; u++)
                if (*u >= 'A' && *u <= 'Z')
                        return false;
        return true;
}

bool vp_ledger_normal(const vp_ledger *l)
{
        if (l->n_prev > VP_LEDGER_PREVIOUS_MAX)
                return false;
        for (size_t i = 0; i < l->n; i++) {
                const vp_ledger_entry *e = &l->entries[i];
                if (!e->name || !lower_uuid(e->uuid) ||
                    (i > 0 && entry_cmp(&l->entries[i - 1], e) >= 0) ||
                    (i > 0 && strcmp(l->entries[i - 1].name, e->name) == 0))
                        return false;
                for (size_t m = 1; m < e->n_mem; m++)
                        if (e->mem[m - 1].node >= e->mem[m].node)
                                return false;
        }
        for (size_t i = 0; i < l->n_prev; i++)
                if (!lower_uuid(l->prev[i].uuid))
                        return false;
        /* names repeat only side by side (sorted); uuids anywhere */
        return l->n < 2 || !any_repeat(&l->entries[0].uuid, l->n, sizeof(*l->entries));
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
        _cleanup_json_ json_object *root = NULL;
        int r = vp_json_file_read(path, LEDGER_MAX_BYTES, &root, err);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        r = parse_ledger(path, root, l, err);
        if (r < 0)
                vp_ledger_free(l);
        return r;
}

/* ---- save ---- */

/* Whether e->mem[m] is the first element with its node, and then in *kib
 * the memory committed on that node by e: an entry not put through
 * vp_ledger_put may repeat a node, and the file gets one key per node, the
 * sum, at its first place. */
static bool mem_on_node(const vp_ledger_entry *e, size_t m, uint64_t *kib)
{
        for (size_t k = 0; k < m; k++)
                if (e->mem[k].node == e->mem[m].node)
                        return false;
        *kib = e->mem[m].kib;
        for (size_t k = m + 1; k < e->n_mem; k++)
                if (e->mem[k].node == e->mem[m].node)
                        *kib = add_sat(*kib, e->mem[k].kib);
        return true;
}

static int check_entry(const char *path, const vp_ledger_entry *e, vp_error *err)
{
        if (!e->name || !*e->name || !vp_uuid_valid(e->uuid) || !e->state || !*e->state)
                return vp_error_set(err, -EINVAL,
                                    "%s: refusing to save entry '%s' (%s): needs a name, a "
                                    "canonical uuid and a state",
                                    path, e->name ? e->name : "", e->uuid ? e->uuid : "no uuid");
        if ((unsigned)e->kind >= VP_ARRAY_SIZE(kind_names) || e->created < 0 ||
            e->created == INT64_MAX || e->pid < 0 || e->pid > INT_MAX)
                return vp_error_set(err, -EINVAL,
                                    "%s: refusing to save entry '%s': bad kind, "
                                    "created or pid",
                                    path, e->name);
        /* a repeated node's sum too: load refuses INT64_MAX and beyond */
        for (size_t m = 0; m < e->n_mem; m++) {
                uint64_t kib = 0;
                if (e->mem[m].node >= VP_MAX_CPUS ||
                    (mem_on_node(e, m, &kib) && kib >= (uint64_t)INT64_MAX))
                        return vp_error_set(err, -EINVAL,
                                            "%s: refusing to save entry '%s': memory on node %u "
                                            "out of range",
                                            path, e->name, e->mem[m].node);
        }
        return 0;
}

static void put_cpuset(vp_buf *b, bool first, unsigned level, const char *key, const vp_cpumask *m)
{
        vp_cpuset set = vp_cpumask_get(m);
        const vp_cpuset *s = &set;
        vp_jbuf_key(b, first, level, key);
        /* a cpuset's text needs no escaping; most fit a small buffer, else
         * room for the worst case as vp_cpuset_format makes it */
        char small[256];
        vp_cpuset_fmt(s, small, sizeof(small));
        size_t n = strlen(small);
        if (n >= sizeof(small) - 4) {
                size_t room = (size_t)vp_cpuset_count(s) * 6 + 3;
                vp_buf_reserve(b, room);
                b->s[b->len++] = '"';
                vp_cpuset_fmt(s, b->s + b->len, room - 2);
                b->len += strlen(b->s + b->len);
                vp_buf_add(b, "\"", 1);
                return;
        }
        vp_buf_reserve(b, n + 2);
        b->s[b->len++] = '"';
        memcpy(b->s + b->len, small, n);
        b->len += n;
        b->s[b->len++] = '"';
        b->s[b->len] = '\0';
}

static void put_str_or_null(vp_buf *b, const char *s)
{
        if (s)
                vp_jbuf_put_str(b, s);
        else
                vp_buf_str(b, "null");
}

/* One element of "entries" at level 2, its members at 3, as the json-c tree
 * this replaced printed it. */
static void put_entry(vp_buf *b, const vp_ledger_entry *e)
{
        vp_buf_str(b, "{");
        vp_jbuf_key(b, true, 3, "name");
        vp_jbuf_put_str(b, e->name);
        vp_jbuf_key(b, false, 3, "uuid");
        vp_jbuf_put_str(b, e->uuid);
        vp_jbuf_key(b, false, 3, "profile");
        put_str_or_null(b, e->profile);
        vp_jbuf_key(b, false, 3, "matched_by");
        put_str_or_null(b, e->matched_by);
        vp_jbuf_key(b, false, 3, "state");
        vp_jbuf_put_str(b, e->state);
        vp_jbuf_key(b, false, 3, "kind");
        vp_jbuf_put_str(b, vp_entry_kind_name(e->kind));
        put_cpuset(b, false, 3, "held", &e->held);
        put_cpuset(b, false, 3, "vcpu_cpus", &e->vcpu_cpus);
        put_cpuset(b, false, 3, "emulator_cpus", &e->emulator_cpus);
        put_cpuset(b, false, 3, "nodes", &e->nodes);
        vp_jbuf_key(b, false, 3, "memory");
        vp_buf_str(b, "{");
        bool first = true;
        for (size_t m = 0; m < e->n_mem; m++) {
                uint64_t kib;
                if (!mem_on_node(e, m, &kib))
                        continue;
                /* the key is the node number: no escaping, no snprintf */
                vp_jbuf_next(b, first, 4);
                vp_buf_add(b, "\"", 1);
                vp_jbuf_put_i64(b, e->mem[m].node);
                vp_buf_add(b, "\": ", 3);
                vp_jbuf_put_i64(b, (int64_t)kib);
                first = false;
        }
        vp_jbuf_close(b, 3, '}');
        vp_jbuf_key(b, false, 3, "created");
        vp_jbuf_put_i64(b, e->created);
        vp_jbuf_key(b, false, 3, "pid");
        vp_jbuf_put_i64(b, e->pid);
        if (e->commit) {
                vp_jbuf_key(b, false, 3, "commit");
                vp_jbuf_put_str(b, e->commit);
        }
        vp_jbuf_close(b, 2, '}');
}

static void put_prev(vp_buf *b, const vp_ledger_prev *p)
{
        char uuid[37];
        memcpy(uuid, p->uuid, sizeof(uuid));
        uuid_lower(uuid);
        vp_buf_str(b, "{");
        vp_jbuf_key(b, true, 3, "uuid");
        vp_jbuf_put_str(b, uuid);
        put_cpuset(b, false, 3, "held", &p->held);
        put_cpuset(b, false, 3, "emulator_cpus", &p->emulator_cpus);
        vp_jbuf_key(b, false, 3, "released");
        vp_jbuf_put_i64(b, p->released);
        vp_jbuf_close(b, 2, '}');
}

/* The text is written directly, not through a json-c tree: building,
 * printing and freeing the tree was most of a save's cost. The bytes are
 * those json-c printed (jsonfile.h), and the fuzzer and the unit tests check
 * that json-c reprints a saved file to the same bytes. */
int vp_ledger_save(const char *rundir, const vp_ledger *l, vp_error *err)
{
        _cleanup_free_ char *path = vp_xasprintf("%s/" LEDGER_FILE, rundir);
        for (size_t i = 0; i < l->n; i++) {
                int r = check_entry(path, &l->entries[i], err);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < l->n_prev; i++)
                if (!vp_uuid_valid(l->prev[i].uuid) || l->prev[i].released < 0 ||
                    l->prev[i].released == INT64_MAX)
                        return vp_error_set(err, -EINVAL,
                                            "%s: refusing to save previous record %zu: bad uuid "
                                            "or release time",
                                            path, i);

        /* only the newest VP_LEDGER_PREVIOUS_MAX, as load would keep */
        size_t first = l->n_prev > VP_LEDGER_PREVIOUS_MAX ? l->n_prev - VP_LEDGER_PREVIOUS_MAX : 0;
        vp_buf b = {0};
        /* about what an entry and a record take, so it seldom grows */
        vp_buf_reserve(&b, 64 + l->n * 640 + (l->n_prev - first) * 192);
        vp_buf_str(&b, "{");
        vp_jbuf_key(&b, true, 1, "version");
        vp_jbuf_put_i64(&b, LEDGER_VERSION);
        vp_jbuf_key(&b, false, 1, "entries");
        vp_buf_str(&b, "[");
        for (size_t i = 0; i < l->n; i++) {
                vp_jbuf_next(&b, i == 0, 2);
                put_entry(&b, &l->entries[i]);
        }
        vp_jbuf_close(&b, 1, ']');
        vp_jbuf_key(&b, false, 1, "previous");
        vp_buf_str(&b, "[");
        for (size_t i = first; i < l->n_prev; i++) {
                vp_jbuf_next(&b, i == first, 2);
                put_prev(&b, &l->prev[i]);
        }
        vp_jbuf_close(&b, 1, ']');
        vp_jbuf_close(&b, 0, '}');
        vp_buf_add(&b, "\n", 1);
        int r = vp_write_file_atomic(path, b.s, b.len, 0600, err);
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

/* ---- liveness and reclaim ---- */

/* The kernel's PID_MAX_LIMIT: no pid is larger. */
#define PID_MAX_LIMIT 4194304

/* Whether name can be a file name in libvirt's run dir. */
static bool pidfile_name_ok(const char *name)
{
        return name && *name && !strchr(name, '/') && strcmp(name, ".") != 0 &&
               strcmp(name, "..") != 0;
}

int vp_libvirt_pid(const char *libvirt_rundir, const char *name, long *pid, vp_error *err)
{
        if (!pidfile_name_ok(name))
                return vp_error_set(err, -EINVAL, "domain name '%s' is not a file name",
                                    name ? name : "");
        _cleanup_free_ char *pidfile = vp_xasprintf("%s/%s.pid", libvirt_rundir, name);
        /* Open, one read, close: a pid file is a few bytes, and one read of
         * a regular file returns all of it up to the count asked, so no
         * fstat for its size (reclaim reads one per domain). One byte more
         * than PIDFILE_MAX tells a file too large. O_NONBLOCK: a FIFO in
         * its place reads as empty (not a pid) instead of waiting. */
        int fd = open(pidfile, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                int e = errno;
                if (e == ENOENT)
                        return vp_error_set(err, -e, "%s is not running (no %s)", name, pidfile);
                return vp_error_set(err, -e, "%s: %s", pidfile, strerror(e));
        }
        char text[PIDFILE_MAX + 2];
        ssize_t n;
        do
                n = read(fd, text, PIDFILE_MAX + 1);
        while (n < 0 && errno == EINTR);
        int e = errno;
        close(fd);
        if (n < 0)
                return vp_error_set(err, -e, "%s: %s", pidfile, strerror(e));
        if (n > PIDFILE_MAX)
                return vp_error_set(err, -EFBIG, "%s: file too large", pidfile);
        text[n] = '\0';
        uint64_t v;
        if (vp_parse_u64(vp_strstrip(text), &v) < 0 || v == 0 || v > PID_MAX_LIMIT)
                return vp_error_set(err, -EBADMSG, "%s: not a pid", pidfile);
        *pid = (long)v;
        return 0;
}

/* What the pid file says about NAME's QEMU: 0 with *pid when it names a
 * pid; -1 when there is none (no file, no valid pid in it, a name that
 * cannot have one): not running; 1 when a file is there but cannot be read
 * (EACCES, EIO, ...): giving a running VM's CPUs away is worse than keeping
 * a stale entry, so it counts as alive. */
static int pidfile_state(const char *libvirt_rundir, const char *name, long *pid)
{
        int r = vp_libvirt_pid(libvirt_rundir, name, pid, NULL);
        if (r == -ENOENT || r == -EINVAL || r == -EBADMSG || r == -ENOTDIR || r == -ENAMETOOLONG ||
            r == -EFBIG)
                return -1;
        return r < 0 ? 1 : 0;
}

/* Where liveness looks: libvirt's run dir and procfs. A reclaim lists the
 * NAME.pid files of the run dir once (sorted in pidfiles[0..n_pidfiles),
 * listed = 1: one getdents for all of a host's VMs, not a stat each) and
 * opens procfs once (a stat relative to it walks one component, not the
 * whole path), or the run dir too when it cannot be listed (listed = -1).
 * Otherwise (listed = 0, fds -1) each look goes by path. */
typedef struct alive_dirs {
        const char *libvirt_rundir, *procdir;
        int lv_fd, proc_fd;
        int listed;
        char **pidfiles;
        size_t n_pidfiles;
} alive_dirs;

/* Each look by path (nothing listed, nothing open). */
static alive_dirs by_path(const char *libvirt_rundir, const char *procdir)
{
        return (alive_dirs){
            .libvirt_rundir = libvirt_rundir, .procdir = procdir, .lv_fd = -1, .proc_fd = -1};
}

static int open_dir(const char *path)
{
        return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* Fill d's pidfiles from a listing of the run dir; listed = 1 on success,
 * also when the dir does not exist (no pid files, as a stat in it would
 * say), -1 when it cannot be read: then stats decide, entry by entry. */
static void list_pidfiles(alive_dirs *d)
{
        d->listed = -1;
        DIR *dir = opendir(d->libvirt_rundir);
        if (!dir) {
                if (errno == ENOENT || errno == ENOTDIR)
                        d->listed = 1;
                return;
        }
        char **v = NULL;
        size_t n = 0, cap = 0;
        struct dirent *de;
        while ((errno = 0, de = readdir(dir))) {
                size_t len = strlen(de->d_name);
                if (len <= 4 || strcmp(de->d_name + len - 4, ".pid") != 0)
                        continue;
                if (n == cap) {
                        cap = cap ? 2 * cap : 64;
                        v = vp_xrealloc(v, cap * sizeof(*v));
                }
                v[n++] = vp_xstrdup(de->d_name);
        }
        bool failed = errno != 0;
        closedir(dir);
        if (failed) {
                for (size_t i = 0; i < n; i++)
                        free(v[i]);
                free(v);
                return;
        }
        if (n > 1)
                qsort(v, n, sizeof(*v), vp_strp_cmp);
        d->pidfiles = v;
        d->n_pidfiles = n;
        d->listed = 1;
}

static void alive_dirs_close(alive_dirs *d)
{
        if (d->lv_fd >= 0)
                close(d->lv_fd);
        if (d->proc_fd >= 0)
                close(d->proc_fd);
        for (size_t i = 0; i < d->n_pidfiles; i++)
                free(d->pidfiles[i]);
        free(d->pidfiles);
}

/* Whether dir/name exists: a stat that fails for another reason than
 * ENOENT says yes (giving a running VM's CPUs away is worse than keeping a
 * stale entry), as pidfile_state's unreadable file does. */
static bool present_in(int dfd, const char *dir, const char *name)
{
        struct stat st;
        int r;
        if (dfd >= 0) {
                r = fstatat(dfd, name, &st, 0);
        } else {
                char path[PATH_MAX];
                if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
                        return true;
                r = stat(path, &st);
        }
        return r == 0 || !(errno == ENOENT || errno == ENOTDIR);
}

/* Whether procdir/PID exists, as present_in. With the real procfs,
 * kill(pid, 0) answers the same question (a process or thread of that id
 * exists, zombies included; EPERM is one this caller may not signal, so
 * alive) in one system call, without the path walk and the procfs inode a
 * stat costs: reclaim asks once for each of a host's VMs. */
static bool proc_alive(const alive_dirs *d, long pid)
{
        if (pid > 0 && pid <= PID_MAX_LIMIT && strcmp(d->procdir, "/proc") == 0)
                return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
        char name[24];
        snprintf(name, sizeof(name), "%ld", pid);
        return present_in(d->proc_fd, d->procdir, name);
}

bool vp_libvirt_alive(const char *libvirt_rundir, const char *procdir, const char *name, long *pid)
{
        long v = 0;
        *pid = 0;
        int r = pidfile_state(libvirt_rundir, name, &v);
        if (r != 0)
                return r > 0;
        *pid = v;
        alive_dirs d = by_path(libvirt_rundir, procdir);
        return proc_alive(&d, v);
}

/* The pids reclaim has looked up in procdir, so that entries naming the
 * same pid cost one stat. */
typedef struct pid_seen {
        long pid;
        bool alive;
} pid_seen;

/* proc_alive through the pids already looked up in seen[0..*n) (room for
 * one more), adding pid. */
static bool pid_alive(pid_seen *seen, size_t *n, const alive_dirs *d, long pid)
{
        for (size_t k = 0; k < *n; k++)
                if (seen[k].pid == pid)
                        return seen[k].alive;
        seen[*n] = (pid_seen){pid, proc_alive(d, pid)};
        return seen[(*n)++].alive;
}

/* Whether libvirt_rundir/NAME.pid exists, as present_in. */
static bool pidfile_present(const alive_dirs *d, const char *name)
{
        char file[NAME_MAX + 1];
        if (!pidfile_name_ok(name))
                return false;
        if (snprintf(file, sizeof(file), "%s.pid", name) >= (int)sizeof(file))
                return true; /* too long for a file name: the full look decides */
        if (d->listed > 0) {
                const char *key = file;
                return d->n_pidfiles &&
                       bsearch(&key, d->pidfiles, d->n_pidfiles, sizeof(char *), vp_strp_cmp);
        }
        return present_in(d->lv_fd, d->libvirt_rundir, file);
}

/* Whether e's QEMU runs. The pid enforce recorded once QEMU ran, still
 * there, and the pid file still there: alive, for two stats instead of
 * reading the file. Anything else takes the full look: the file may name
 * another pid. seen as for pid_alive. */
static bool entry_alive(const vp_ledger_entry *e, const alive_dirs *d, pid_seen *seen,
                        size_t *n_seen)
{
        if (e->pid > 0 && pidfile_present(d, e->name) && pid_alive(seen, n_seen, d, e->pid))
                return true;
        long pid = 0;
        int st = pidfile_state(d->libvirt_rundir, e->name, &pid);
        return st > 0 || (st == 0 && pid_alive(seen, n_seen, d, pid));
}

bool vp_ledger_entry_emu_isolated(const vp_ledger_entry *e)
{
        if (e->kind != VP_KIND_DEDICATED || vp_cpumask_empty(&e->emulator_cpus))
                return false;
        vp_cpuset held = vp_cpumask_get(&e->held), vcpus = vp_cpumask_get(&e->vcpu_cpus);
        return vp_cpumask_subset(&e->emulator_cpus, &held) &&
               !vp_cpumask_intersects(&e->emulator_cpus, &vcpus);
}

bool vp_ledger_entry_alive(const vp_ledger_entry *e, const char *libvirt_rundir,
                           const char *procdir)
{
        pid_seen seen[2];
        size_t n = 0;
        alive_dirs d = by_path(libvirt_rundir, procdir);
        return entry_alive(e, &d, seen, &n);
}

size_t vp_ledger_reclaim(vp_ledger *l, const char *libvirt_rundir, const char *procdir, int64_t now,
                         char ***names)
{
        size_t n = 0, n_seen = 0;
        char **out = NULL;
        _cleanup_free_ pid_seen *seen = NULL;
        alive_dirs d = by_path(libvirt_rundir, procdir);
        for (size_t i = 0; i < l->n;) {
                vp_ledger_entry *e = &l->entries[i];
                /* stale means now - created > 60, written so it cannot overflow */
                if (e->created >= now - VP_LEDGER_STALE_SECONDS) {
                        i++;
                        continue;
                }
                /* up to two pids an entry: recorded and in the file */
                if (!seen) {
                        seen = vp_xmalloc(2 * l->n * sizeof(*seen));
                        list_pidfiles(&d);
                        if (d.listed < 0)
                                d.lv_fd = open_dir(libvirt_rundir);
                        d.proc_fd = open_dir(procdir);
                }
                if (entry_alive(e, &d, seen, &n_seen)) {
                        i++;
                        continue;
                }
                char *name = vp_xstrdup(e->name);
                /* The state files stay until the ledger without the entry is
                 * saved (vp_state_sweep removes them then): removing them now
                 * left an entry without state files whenever the caller was
                 * refused or killed before saving (found by the crash test). */
                remove_at(l, i, now);
                if (names) {
                        out = vp_xrealloc(out, (n + 1) * sizeof(*out));
                        out[n] = name;
                } else {
                        free(name);
                }
                n++;
        }
        alive_dirs_close(&d);
        if (names)
                *names = out;
        return n;
}

/* ---- per-domain state ---- */

/* uuid must have passed vp_uuid_valid. */
static char *state_path(const char *rundir, const char *uuid, const char *ext)
{
        char u[37];
        memcpy(u, uuid, sizeof(u));
        uuid_lower(u);
        return vp_xasprintf("%s/" LEDGER_DOMAINS "/%s.%s", rundir, u, ext);
}

int vp_state_write(const char *rundir, const char *uuid, const char *ext, const char *data,
                   size_t len, vp_error *err)
{
        if (!vp_uuid_valid(uuid))
                return vp_error_set(err, -EINVAL, "invalid domain uuid '%.64s'", uuid ? uuid : "");
        if (!state_ext_valid(ext))
                return vp_error_set(err, -EINVAL, "invalid state file kind '%.32s'",
                                    ext ? ext : "");
        _cleanup_free_ char *p = state_path(rundir, uuid, ext);
        int r = vp_write_file_atomic(p, data, len, 0600, err);
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
        if (!vp_uuid_valid(uuid))
                return vp_error_set(err, -EINVAL, "invalid domain uuid '%.64s'", uuid ? uuid : "");
        if (!state_ext_valid(ext))
                return vp_error_set(err, -EINVAL, "invalid state file kind '%.32s'",
                                    ext ? ext : "");
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
