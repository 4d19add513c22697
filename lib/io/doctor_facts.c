/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vp_doctor_gather: the doctor's only I/O. Reads each fact where SPEC 2's
 * paths say, turning every problem into a *_error the checks report. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <libgen.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "configfile.h"
#include "doctor_facts.h"
#include "fileio.h"
#include "ledger.h"
#include "ledgerstore.h"
#include "liveness.h"
#include "sysfs_parse.h"
#include "topoload.h"

#define SMALL_FILE (64 * 1024)

/* A small kernel or state file; -ENOENT when absent, which callers take
 * as "this kernel has no such thing". */
static int slurp(const char *path, char **buf, size_t *len, vp_error *err)
{
        return vp_read_file(path, SMALL_FILE, buf, len, err);
}

/* An int file (sysctl, ksm): stays -1 when absent. */
static void int_fact(const char *path, int *out, char **error)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        vp_error err = {0};
        int r = slurp(path, &buf, &len, &err);
        if (r == -ENOENT)
                return;
        if (r == 0) {
                vp_error sub = {0};
                if (vp_sysfs_parse_int(buf, len, out, &sub) == 0)
                        return;
                vp_error_set(&err, -EINVAL, "%s: %s", path, sub.msg);
        }
        if (!*error)
                *error = vp_xstrdup(err.msg);
}

/* A CPU list file. Returns 1 when read, 0 when absent, -1 on error (in
 * *error). nohz_full reads "(null)" on kernels built with NO_HZ_FULL but
 * booted without it: no CPU. */
static int cpulist_fact(const char *path, vp_cpuset *out, char **error)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        vp_error err = {0};
        int r = slurp(path, &buf, &len, &err);
        if (r == -ENOENT)
                return 0;
        if (r == 0) {
                if (strcmp(vp_strstrip(buf), "(null)") == 0) {
                        vp_cpuset_zero(out);
                        return 1;
                }
                vp_error sub = {0};
                if (vp_sysfs_parse_cpulist(buf, strlen(buf), out, &sub) == 0)
                        return 1;
                vp_error_set(&err, -EINVAL, "%s: %s", path, sub.msg);
        }
        if (!*error)
                *error = vp_xstrdup(err.msg);
        return -1;
}

static void gather_kernel(const vp_paths *p, const char *sys, vp_doctor_facts *f)
{
        _cleanup_free_ char *nb = vp_xasprintf("%s/sys/kernel/numa_balancing", p->proc);
        int_fact(nb, &f->numa_balancing, &f->numa_balancing_error);

        _cleanup_free_ char *run = vp_xasprintf("%s/kernel/mm/ksm/run", sys);
        int_fact(run, &f->ksm_run, &f->ksm_error);
        if (f->ksm_run >= 0) {
                _cleanup_free_ char *m = vp_xasprintf("%s/kernel/mm/ksm/merge_across_nodes", sys);
                int_fact(m, &f->ksm_merge_across_nodes, &f->ksm_error);
                /* pages_shared can exceed an int on a large host */
                _cleanup_free_ char *ps = vp_xasprintf("%s/kernel/mm/ksm/pages_shared", sys);
                _cleanup_free_ char *buf = NULL;
                size_t len;
                vp_error err = {0};
                uint64_t v;
                if (slurp(ps, &buf, &len, &err) == 0 && vp_parse_u64(vp_strstrip(buf), &v) == 0 &&
                    v <= LLONG_MAX)
                        f->ksm_pages_shared = (long long)v;
        }

        vp_topology *t = NULL;
        vp_error err = {0};
        if (vp_topology_load(p->sysfs, &t, &err) == 0)
                f->n_nodes = (unsigned)t->n_nodes;
        vp_topology_free(t);
}

static void gather_cpus(const vp_paths *p, const char *sys, vp_doctor_facts *f)
{
        _cleanup_free_ char *dir = vp_xasprintf("%s/devices/system/cpu", sys);
        _cleanup_free_ char *online = vp_xasprintf("%s/online", dir);
        _cleanup_free_ char *present = vp_xasprintf("%s/present", dir);
        _cleanup_free_ char *iso = vp_xasprintf("%s/isolated", dir);
        _cleanup_free_ char *nohz = vp_xasprintf("%s/nohz_full", dir);
        if (cpulist_fact(online, &f->online, &f->cpus_error) == 0)
                f->cpus_error = vp_xasprintf("%s: no such file", online);
        f->present_known = cpulist_fact(present, &f->present, &f->cpus_error) == 1;
        int ri = cpulist_fact(iso, &f->isolated, &f->cpus_error);
        int rn = cpulist_fact(nohz, &f->nohz_full, &f->cpus_error);
        if (ri != 0 && rn != 0)
                return;
        /* A kernel (or fake tree) without these files: what the command line
         * asked for. */
        _cleanup_free_ char *cl = vp_xasprintf("%s/cmdline", p->proc);
        _cleanup_free_ char *buf = NULL;
        size_t len;
        vp_error err = {0};
        if (slurp(cl, &buf, &len, &err) < 0)
                return;
        vp_cpuset ci, cn;
        if (vp_proc_parse_cmdline_isolation(buf, len, &ci, &cn, &err) < 0) {
                if (!f->cpus_error)
                        f->cpus_error = vp_xasprintf("%s: %s", cl, err.msg);
                return;
        }
        if (ri == 0)
                f->isolated = ci;
        if (rn == 0)
                f->nohz_full = cn;
}

static void gather_config(const vp_paths *p, bool check_perms, vp_doctor_facts *f)
{
        vp_diag diag = {0};
        int r = vp_config_load(p->confdir, check_perms, &f->config, &diag);
        if (r < 0)
                f->config_error = diag.n_errors ? vp_xstrdup(diag.errors[0].msg)
                                                : vp_xasprintf("%s: cannot be read: %s", p->confdir,
                                                               strerror(-r));
        vp_diag_free(&diag);
}

/* Whether a ledger entry's memory is bound to its nodes. The ledger keeps
 * the nodes; the numatune mode is in the plan the hook saved. No mode means
 * libvirt's default, strict. An unreadable plan counts as bound: the
 * ledger's nodes say memory was committed there, and the planner binds
 * strictly unless a profile says otherwise. */
static bool entry_bound(const char *rundir, const vp_ledger_entry *e)
{
        if (vp_cpumask_empty(&e->nodes))
                return false;
        _cleanup_free_ char *text = NULL;
        vp_error err = {0};
        if (vp_state_read(rundir, e->uuid, "plan.json", &text, &err) < 0)
                return true;
        json_object *root = json_tokener_parse(text), *nt = NULL, *mode = NULL;
        bool bound = true;
        if (root && json_object_object_get_ex(root, "numatune", &nt) &&
            json_object_object_get_ex(nt, "mode", &mode) && mode) {
                const char *m = json_object_get_string(mode);
                bound = strcmp(m, "strict") == 0 || strcmp(m, "restrictive") == 0;
        }
        json_object_put(root);
        return bound;
}

/* /proc/stat's btime (epoch seconds of boot); -errno with err. */
static int boot_time(const vp_paths *p, int64_t *btime, vp_error *err)
{
        _cleanup_free_ char *statp = vp_xasprintf("%s/stat", p->proc);
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r = slurp(statp, &buf, &len, err);
        if (r == 0 && (r = vp_proc_parse_btime(buf, len, btime, err)) < 0)
                vp_error_set(err, r, "%s: %s", statp, err->msg);
        return r;
}

/* When process pid started, in epoch seconds; -errno when it is gone. */
static int started_at(const vp_paths *p, int64_t btime, long pid, double *t)
{
        _cleanup_free_ char *sp = vp_xasprintf("%s/%ld/stat", p->proc, pid);
        _cleanup_free_ char *st = NULL;
        size_t len;
        uint64_t ticks;
        vp_error err;
        int r = slurp(sp, &st, &len, &err);
        if (r == 0)
                r = vp_proc_parse_stat_starttime(st, len, &ticks, &err);
        if (r == 0) {
                long hz = sysconf(_SC_CLK_TCK);
                *t = (double)btime + (double)ticks / (double)(hz > 0 ? hz : 100);
        }
        return r;
}

static void gather_ledger(const vp_paths *p, vp_doctor_facts *f)
{
        vp_ledger l = {0};
        vp_error err = {0};
        /* Replaced by rename: reading it without the lock is safe. */
        if (vp_ledger_load(p->rundir, &l, &err) < 0) {
                f->ledger_error = vp_xstrdup(err.msg);
                return;
        }
        for (size_t i = 0; i < l.n; i++)
                if (entry_bound(p->rundir, &l.entries[i])) {
                        f->bound = vp_xrealloc(f->bound, (f->n_bound + 1) * sizeof(*f->bound));
                        f->bound[f->n_bound++] = vp_xstrdup(l.entries[i].name);
                }
        int64_t btime;
        for (size_t i = 0; i < l.n && boot_time(p, &btime, &err) == 0; i++) {
                long pid;
                double t;
                if (vp_libvirt_pid(p->libvirt_rundir, l.entries[i].name, &pid, &err) == 0 &&
                    started_at(p, btime, pid, &t) == 0 &&
                    (!f->newest_placed || t > f->newest_placed_started)) {
                        free(f->newest_placed);
                        f->newest_placed = vp_xstrdup(l.entries[i].name);
                        f->newest_placed_started = t;
                }
        }
        vp_ledger_free(&l);
}

static double ctime_of(const struct stat *st)
{
        return (double)st->st_ctim.tv_sec + (double)st->st_ctim.tv_nsec / 1e9;
}

/* A script that names PROGRAM: how a wrapper that runs it looks (the tests'
 * hooks set the environment and exec vmplace-hook; another package's
 * hooks/qemu chains to qemu-dispatcher). */
static bool script_names(const char *path, const char *program)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        vp_error err = {0};
        if (vp_read_file(path, SMALL_FILE, &buf, &len, &err) < 0)
                return false;
        return len > 2 && buf[0] == '#' && buf[1] == '!' && strstr(buf, program);
}

static void add_hook(vp_doctor_facts *f, const char *path)
{
        struct stat ls, st;
        if (lstat(path, &ls) < 0)
                return;
        vp_hook_entry e = {.path = vp_xstrdup(path), .installed = ctime_of(&ls)};
        e.target = realpath(path, NULL);
        if (stat(path, &st) == 0) {
                e.executable = S_ISREG(st.st_mode) && (st.st_mode & 0111);
                if (ctime_of(&st) > e.installed)
                        e.installed = ctime_of(&st);
        }
        if (e.executable && e.target) {
                const char *b = strrchr(e.target, '/');
                b = b ? b + 1 : e.target;
                if (strcmp(b, "vmplace-hook") != 0)
                        e.wrapper = script_names(e.target, "vmplace-hook");
                e.dispatcher =
                    !strcmp(b, "qemu-dispatcher") || script_names(e.target, "qemu-dispatcher");
        }
        f->hooks = vp_xrealloc(f->hooks, (f->n_hooks + 1) * sizeof(*f->hooks));
        f->hooks[f->n_hooks++] = e;
}

static void gather_hooks(const vp_paths *p, vp_doctor_facts *f)
{
        _cleanup_free_ char *conf = vp_xstrdup(p->libvirt_confdir);
        _cleanup_free_ char *root = vp_xasprintf("%s/hooks", dirname(conf));
        _cleanup_free_ char *main_hook = vp_xasprintf("%s/qemu", root);
        f->hooks_dir = vp_xasprintf("%s/qemu.d", root);
        add_hook(f, main_hook);
        _cleanup_closedir_ DIR *d = opendir(f->hooks_dir);
        if (!d) {
                if (errno != ENOENT)
                        f->hooks_error = vp_xstrdup(strerror(errno));
                return;
        }
        f->hooks_dir_exists = true;
        char **names = NULL;
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                names = vp_xrealloc(names, (n + 1) * sizeof(*names));
                names[n++] = vp_xasprintf("%s/%s", f->hooks_dir, de->d_name);
        }
        /* libvirt runs them sorted by strcmp */
        if (n > 1)
                qsort(names, n, sizeof(*names), vp_strp_cmp);
        for (size_t i = 0; i < n; i++) {
                add_hook(f, names[i]);
                free(names[i]);
        }
        free(names);
}

/* The version of libvirt a daemon runs, from the name of the libvirt.so.0
 * it has mapped: libvirt names it libvirt.so.0.MAJOR*1000+MINOR.MICRO
 * (6.2.0 is libvirt.so.0.6002.0). 0 when unknown. */
static unsigned mapped_libvirt(const vp_paths *p, long pid)
{
        _cleanup_free_ char *path = vp_xasprintf("%s/%ld/maps", p->proc, pid);
        _cleanup_free_ char *buf = NULL;
        size_t len;
        vp_error err = {0};
        if (vp_read_file(path, 16 * 1024 * 1024, &buf, &len, &err) < 0)
                return 0;
        const char *s = strstr(buf, "libvirt.so.0.");
        if (!s || !isdigit((unsigned char)s[strlen("libvirt.so.0.")]))
                return 0;
        unsigned long v = strtoul(s + strlen("libvirt.so.0."), NULL, 10);
        return v < 1000 * 1000 ? (unsigned)v : 0;
}

static int cmp_daemon(const void *a, const void *b)
{
        long x = ((const vp_daemon *)a)->pid, y = ((const vp_daemon *)b)->pid;
        return (x > y) - (x < y);
}

static void gather_daemons(const vp_paths *p, vp_doctor_facts *f)
{
        vp_error err = {0};
        int64_t btime;
        if (boot_time(p, &btime, &err) < 0) {
                f->daemons_error = vp_xstrdup(err.msg);
                return;
        }
        _cleanup_closedir_ DIR *d = opendir(p->proc);
        if (!d) {
                f->daemons_error = vp_xasprintf("%s: %s", p->proc, strerror(errno));
                return;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                if (!isdigit((unsigned char)de->d_name[0]))
                        continue;
                /* Processes come and go meanwhile: one that vanished is skipped. */
                _cleanup_free_ char *cp = vp_xasprintf("%s/%s/comm", p->proc, de->d_name);
                _cleanup_free_ char *comm = NULL;
                size_t len;
                if (slurp(cp, &comm, &len, &err) < 0)
                        continue;
                const char *name = vp_strstrip(comm);
                if (strcmp(name, "libvirtd") != 0 && strcmp(name, "virtqemud") != 0)
                        continue;
                long pid = strtol(de->d_name, NULL, 10);
                double t;
                if (started_at(p, btime, pid, &t) < 0)
                        continue;
                f->daemons = vp_xrealloc(f->daemons, (f->n_daemons + 1) * sizeof(*f->daemons));
                f->daemons[f->n_daemons++] = (vp_daemon){.name = vp_xstrdup(name),
                                                         .pid = pid,
                                                         .started = t,
                                                         .libvirt = mapped_libvirt(p, pid)};
        }
        if (f->n_daemons > 1)
                qsort(f->daemons, f->n_daemons, sizeof(*f->daemons), cmp_daemon);
}

void vp_doctor_gather(const vp_paths *p, bool check_perms, vp_doctor_facts *f)
{
        const char *sys = p->sysfs ? p->sysfs : "/sys";
        gather_kernel(p, sys, f);
        gather_cpus(p, sys, f);
        gather_config(p, check_perms, f);
        gather_ledger(p, f);
        gather_hooks(p, f);
        gather_daemons(p, f);
}
