/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QEMU liveness (liveness.h): libvirt's NAME.pid files and procfs, read
 * with as few system calls as a reclaim of a host's worth of VMs allows. */
#include "liveness.h"
#include "fileio.h"
#include "sysfs_parse.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PIDFILE_MAX 64

/* The kernel's PID_MAX_LIMIT: no pid is larger. */
#define PID_MAX_LIMIT 4194304

/* Whether name can be a file name in libvirt's run dir. "." and ".." are
 * told by their bytes: reclaim asks twice an entry, and a strcmp call's cost
 * moved with where the linker put the literal. */
static bool pidfile_name_ok(const char *name)
{
        return name && *name && !strchr(name, '/') &&
               !(name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0')));
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
                return vp_error_at(err, -e, pidfile, 0, "%s", strerror(e));
        }
        char text[PIDFILE_MAX + 2];
        ssize_t n;
        do
                n = read(fd, text, PIDFILE_MAX + 1);
        while (n < 0 && errno == EINTR);
        int e = errno;
        close(fd);
        if (n < 0)
                return vp_error_at(err, -e, pidfile, 0, "%s", strerror(e));
        if (n > PIDFILE_MAX)
                return vp_error_at(err, -EFBIG, pidfile, 0, "file too large");
        text[n] = '\0';
        uint64_t v;
        if (vp_parse_u64(vp_strstrip(text), &v) < 0 || v == 0 || v > PID_MAX_LIMIT)
                return vp_error_at(err, -EBADMSG, pidfile, 0, "not a pid");
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

bool vp_pid_alive(const char *procdir, long pid)
{
        alive_dirs d = by_path(NULL, procdir);
        return pid > 0 && proc_alive(&d, pid);
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

/* PROCDIR/PID/stat, parsed. Returns 0, or -errno (-ENOENT: no such
 * process). */
static int read_stat(const char *procdir, long pid, vp_proc_stat *st)
{
        char path[PATH_MAX];
        if (snprintf(path, sizeof(path), "%s/%ld/stat", procdir, pid) >= (int)sizeof(path))
                return -ENAMETOOLONG;
        /* a stat line is under 1 KiB; the command name is cut to 15 bytes */
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = vp_read_file(path, 4096, &text, &len, NULL);
        return r < 0 ? r : vp_proc_parse_stat(text, len, st, NULL);
}

int vp_starter_find(const char *procdir, long *pid, uint64_t *start)
{
        long p = (long)getppid();
        for (int level = 0; level < 4 && p > 1; level++) {
                vp_proc_stat st;
                if (read_stat(procdir, p, &st) < 0)
                        break;
                if (strcmp(st.comm, "libvirtd") == 0 || strcmp(st.comm, "virtqemud") == 0) {
                        *pid = p;
                        *start = st.starttime;
                        return 0;
                }
                p = st.ppid;
        }
        *pid = 0;
        *start = 0;
        return -ENOENT;
}

/* The daemon that ran e's prepare: the same pid with the same starttime (a
 * pid reused by another process has another). */
bool vp_ledger_entry_starting(const vp_ledger_entry *e, const char *procdir)
{
        vp_proc_stat st;
        if (e->pid > 0 || e->starter_pid <= 0)
                return false;
        int r = read_stat(procdir, e->starter_pid, &st);
        if (r == -ENOENT || r == -ESRCH || r == -EINVAL)
                return false;
        /* unreadable for another reason: keep the entry, as pidfile_state */
        return r < 0 || st.starttime == e->starter_start;
}

/* Whether e's QEMU runs (VP_QEMU_*). The pid enforce recorded once QEMU
 * ran, still there, and the pid file still there: it runs, for two stats
 * instead of reading the file. Anything else takes the full look: the file
 * may name another pid, and when the recorded one is gone the entry is of
 * an earlier run of the domain (a run dir replaced by an older copy). seen
 * as for pid_alive. */
static int entry_alive(const vp_ledger_entry *e, const alive_dirs *d, pid_seen *seen,
                       size_t *n_seen)
{
        if (e->pid > 0 && pidfile_present(d, e->name) && pid_alive(seen, n_seen, d, e->pid))
                return VP_QEMU_RUNS;
        long pid = 0;
        int st = pidfile_state(d->libvirt_rundir, e->name, &pid);
        if (st > 0)
                return VP_QEMU_RUNS;
        if (st < 0 || !pid_alive(seen, n_seen, d, pid))
                return VP_QEMU_GONE;
        return e->pid > 0 && pid != e->pid && !pid_alive(seen, n_seen, d, e->pid) ? VP_QEMU_EARLIER
                                                                                  : VP_QEMU_RUNS;
}

bool vp_ledger_entry_alive(const vp_ledger_entry *e, const char *libvirt_rundir,
                           const char *procdir)
{
        pid_seen seen[2];
        size_t n = 0;
        alive_dirs d = by_path(libvirt_rundir, procdir);
        return entry_alive(e, &d, seen, &n) != VP_QEMU_GONE;
}

/* What reclaim's liveness callback keeps between entries: the dirs,
 * listed and opened at the first entry old enough to be asked about, and
 * the pids looked up so far (up to two an entry: recorded and in the
 * file). */
typedef struct reclaim_ctx {
        alive_dirs d;
        pid_seen *seen;
        size_t n_seen, n_entries;
} reclaim_ctx;

static int reclaim_alive(const vp_ledger_entry *e, void *opaque)
{
        reclaim_ctx *c = opaque;
        if (!c->seen) {
                c->seen = vp_xmalloc(2 * c->n_entries * sizeof(*c->seen));
                list_pidfiles(&c->d);
                if (c->d.listed < 0)
                        c->d.lv_fd = open_dir(c->d.libvirt_rundir);
                c->d.proc_fd = open_dir(c->d.procdir);
        }
        int st = entry_alive(e, &c->d, c->seen, &c->n_seen);
        return st == VP_QEMU_GONE && vp_ledger_entry_starting(e, c->d.procdir) ? VP_QEMU_RUNS : st;
}

size_t vp_ledger_reclaim(vp_ledger *l, const char *libvirt_rundir, const char *procdir, int64_t now,
                         char ***names)
{
        reclaim_ctx c = {.d = by_path(libvirt_rundir, procdir), .n_entries = l->n};
        size_t n = vp_ledger_drop_stale(l, now, reclaim_alive, &c, names);
        alive_dirs_close(&c.d);
        free(c.seen);
        return n;
}
