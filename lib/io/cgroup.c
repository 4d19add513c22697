/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cgroup.h"
#include "fileio.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "cpuset.h"

const char *const vp_cg_controller_names[VP_CG__NCONTROLLERS] = {"cpu", "cpuset"};

/* /proc/PID/cgroup and cgroup files are small; this only bounds a bad read. */
#define CG_FILE_MAX (1u << 20)

static bool is_dir(const char *path)
{
        struct stat st;
        return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* word appears in list, items separated by any of seps */
static bool list_has(const char *list, const char *word, const char *seps)
{
        size_t wl = strlen(word);
        for (const char *p = list; *p;) {
                size_t n = strcspn(p, seps);
                if (n == wl && !strncmp(p, word, wl))
                        return true;
                p += n;
                p += strspn(p, seps);
        }
        return false;
}

/* Same members in two comma-separated controller lists ("cpuacct,cpu" = "cpu,cpuacct"). */
static bool same_list(const char *a, const char *b)
{
        for (int pass = 0; pass < 2; pass++) {
                const char *x = pass ? b : a, *y = pass ? a : b;
                for (const char *p = x; *p;) {
                        size_t n = strcspn(p, ",");
                        char w[64];
                        if (n == 0 || n >= sizeof(w))
                                return false;
                        memcpy(w, p, n);
                        w[n] = '\0';
                        if (!list_has(y, w, ","))
                                return false;
                        p += n;
                        p += strspn(p, ",");
                }
        }
        return true;
}

/* The cgroup2 mount under root: root itself (pure v2) or root/unified
 * (hybrid), with its cgroup.controllers content. NULL when there is none. */
static char *v2_mount(const char *root, char **controllers)
{
        const char *cands[] = {"", "/unified"};
        for (size_t i = 0; i < VP_ARRAY_SIZE(cands); i++) {
                _cleanup_free_ char *dir = vp_xasprintf("%s%s", root, cands[i]);
                _cleanup_free_ char *f = vp_xasprintf("%s/cgroup.controllers", dir);
                if (vp_read_file(f, CG_FILE_MAX, controllers, NULL, NULL) == 0)
                        return TAKE_PTR(dir);
        }
        return NULL;
}

vp_cgroup_version vp_cgroup_detect(const char *cgroup_root)
{
        _cleanup_free_ char *controllers = NULL;
        _cleanup_free_ char *mount = v2_mount(cgroup_root, &controllers);
        return mount && list_has(controllers, "cpu", " \t\n") ? VP_CGROUP_V2 : VP_CGROUP_V1;
}

/* The v1 hierarchy mounted for the controllers of one /proc/PID/cgroup line:
 * root/LIST ("cpu,cpuacct" as the kernel prints it), root/CONTROLLER (the
 * symlinks systemd makes, or a single-controller mount), or any dir of root
 * naming the same controllers in another order. */
static char *v1_hierarchy(const char *root, const char *list, const char *ctl)
{
        _cleanup_free_ char *a = vp_xasprintf("%s/%s", root, list);
        if (is_dir(a))
                return TAKE_PTR(a);
        _cleanup_free_ char *b = vp_xasprintf("%s/%s", root, ctl);
        if (is_dir(b))
                return TAKE_PTR(b);
        DIR *d = opendir(root);
        if (!d)
                return NULL;
        char *found = NULL;
        struct dirent *e;
        while (!found && (e = readdir(d))) {
                if (e->d_name[0] == '.' || !strchr(e->d_name, ','))
                        continue;
                if (same_list(e->d_name, list)) {
                        char *p = vp_xasprintf("%s/%s", root, e->d_name);
                        if (is_dir(p))
                                found = p;
                        else
                                free(p);
                }
        }
        closedir(d);
        return found;
}

/* Remove a trailing "/name" component from path in place; true if removed. */
static bool strip_component(char *path, const char *name)
{
        char *slash = strrchr(path, '/');
        if (!slash || strcmp(slash + 1, name))
                return false;
        *slash = '\0';
        return true;
}

typedef struct cg_line {
        char *controllers; /* "" for the v2 line */
        char *path;
} cg_line;

static void lines_free(cg_line *l, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(l[i].controllers);
                free(l[i].path);
        }
        free(l);
}

static int parse_proc_cgroup(const char *file, char *buf, cg_line **out, size_t *n, vp_error *err)
{
        cg_line *l = NULL;
        size_t cnt = 0;
        unsigned lineno = 0;
        char *save = NULL;
        for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                lineno++;
                /* ID:CONTROLLERS:PATH; the path may itself contain ':' */
                char *c1 = strchr(line, ':');
                char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                bool id_ok = c1 && c1 > line;
                for (char *p = line; id_ok && p < c1; p++)
                        id_ok = isdigit((unsigned char)*p);
                if (!c2 || !id_ok || c2[1] != '/') {
                        lines_free(l, cnt);
                        return vp_error_set(err, -EINVAL,
                                            "%s line %u: '%.80s' is not ID:CONTROLLERS:/PATH", file,
                                            lineno, line);
                }
                *c2 = '\0';
                char *path = c2 + 1;
                /* a v2 group removed under a live task reads "PATH (deleted)" */
                size_t pl = strlen(path);
                const char *del = " (deleted)";
                if (pl > strlen(del) && !strcmp(path + pl - strlen(del), del))
                        path[pl - strlen(del)] = '\0';
                l = vp_xrealloc(l, (cnt + 1) * sizeof(*l));
                l[cnt].controllers = vp_xstrdup(c1 + 1);
                l[cnt].path = vp_xstrdup(path);
                cnt++;
        }
        *out = l;
        *n = cnt;
        return 0;
}

void vp_cgroup_free(vp_cgroup *cg)
{
        for (int i = 0; i < VP_CG__NCONTROLLERS; i++) {
                free(cg->c[i].domain);
                free(cg->c[i].nested);
                cg->c[i].domain = cg->c[i].nested = NULL;
                cg->c[i].found = false;
        }
}

static int fill_ctl(vp_cgroup_ctl *c, vp_cgroup_version v, const char *hier, const char *placement,
                    const char *ctlname, long pid, const char *file, vp_error *err)
{
        _cleanup_free_ char *pl = vp_xstrdup(placement);
        size_t n = strlen(pl);
        while (n > 1 && pl[n - 1] == '/')
                pl[--n] = '\0';
        /* libvirt moves QEMU's main thread into emulator/, and under systemd
         * keeps QEMU in the scope's libvirt/ child: the domain is above both. */
        strip_component(pl, "emulator");
        strip_component(pl, "libvirt");
        if (pl[0] == '\0' || !strcmp(pl, "/"))
                return vp_error_set(err, -ENOENT,
                                    "QEMU pid %ld is in the root %s cgroup (%s): libvirt made no "
                                    "group for it",
                                    pid, ctlname, file);
        _cleanup_free_ char *dom = vp_xasprintf("%s%s", hier, pl);
        if (!is_dir(dom))
                return vp_error_set(err, -ENOENT, "%s: no such cgroup (%s of pid %ld in %s)", dom,
                                    ctlname, pid, file);
        /* no free-and-reassign of a _cleanup_free_ variable: GCC 12's
         * -Wuse-after-free (in -Wall) reports it at -O2 */
        _cleanup_free_ char *nested = vp_xasprintf("%s/libvirt", dom);
        c->found = true;
        c->version = v;
        c->nested = is_dir(nested) ? TAKE_PTR(nested) : vp_xstrdup(dom);
        c->domain = TAKE_PTR(dom);
        return 0;
}

int vp_cgroup_find(const char *cgroup_root, const char *proc, long pid, vp_cgroup *cg,
                   vp_error *err)
{
        memset(cg, 0, sizeof(*cg));
        cg->pid = pid;
        if (pid <= 0)
                return vp_error_set(err, -EINVAL, "invalid QEMU pid %ld", pid);
        _cleanup_free_ char *file = vp_xasprintf("%s/%ld/cgroup", proc, pid);
        _cleanup_free_ char *buf = NULL;
        int r = vp_read_file(file, CG_FILE_MAX, &buf, NULL, err);
        if (r == -ENOENT || r == -ESRCH)
                return vp_error_set(err, -ESRCH, "QEMU pid %ld is not running (no %s)", pid, file);
        if (r < 0)
                return r;
        cg_line *lines = NULL;
        size_t nl = 0;
        if ((r = parse_proc_cgroup(file, buf, &lines, &nl, err)) < 0)
                return r;

        _cleanup_free_ char *v2ctl = NULL;
        _cleanup_free_ char *v2 = v2_mount(cgroup_root, &v2ctl);
        const char *v2path = NULL;
        for (size_t i = 0; i < nl; i++)
                if (!strcmp(lines[i].controllers, ""))
                        v2path = lines[i].path;

        for (int c = 0; c < VP_CG__NCONTROLLERS && r == 0; c++) {
                const char *name = vp_cg_controller_names[c];
                /* A controller lives in one hierarchy only: bound to the cgroup2
                 * mount when that lists it (a v2 mount with no or other
                 * controllers, as on hybrid hosts, leaves it to v1). */
                if (v2 && v2path && list_has(v2ctl, name, " \t\n")) {
                        r = fill_ctl(&cg->c[c], VP_CGROUP_V2, v2, v2path, name, pid, file, err);
                        continue;
                }
                for (size_t i = 0; i < nl; i++) {
                        if (!list_has(lines[i].controllers, name, ","))
                                continue;
                        _cleanup_free_ char *hier =
                            v1_hierarchy(cgroup_root, lines[i].controllers, name);
                        if (!hier) {
                                r = vp_error_set(err, -ENOENT,
                                                 "%s names the %s hierarchy, but %s has neither "
                                                 "%s/ nor %s/",
                                                 file, lines[i].controllers, cgroup_root,
                                                 lines[i].controllers, name);
                                break;
                        }
                        r = fill_ctl(&cg->c[c], VP_CGROUP_V1, hier, lines[i].path, name, pid, file,
                                     err);
                        break;
                }
        }
        lines_free(lines, nl);
        if (r < 0) {
                vp_cgroup_free(cg);
                return r;
        }
        if (!cg->c[VP_CG_CPU].found && !cg->c[VP_CG_CPUSET].found)
                return vp_error_set(err, -ENOENT,
                                    "no cpu or cpuset controller for QEMU pid %ld under %s (%s)",
                                    pid, cgroup_root, file);
        cg->version =
            cg->c[VP_CG_CPU].found ? cg->c[VP_CG_CPU].version : cg->c[VP_CG_CPUSET].version;
        return 0;
}

int vp_cgroup_path(const vp_cgroup *cg, const char *file, char **path, vp_error *err)
{
        if (!file || !*file || file[0] == '/' || strstr(file, "..") ||
            file[strlen(file) - 1] == '/')
                return vp_error_set(err, -EINVAL, "'%s' is not a file name relative to a cgroup",
                                    file ? file : "");
        const char *base = strrchr(file, '/');
        base = base ? base + 1 : file;
        size_t pl = strcspn(base, ".");
        int c = -1;
        for (int i = 0; i < VP_CG__NCONTROLLERS; i++)
                if (strlen(vp_cg_controller_names[i]) == pl &&
                    !strncmp(base, vp_cg_controller_names[i], pl))
                        c = i;
        if (c < 0 || base[pl] != '.')
                return vp_error_at(err, -EINVAL, file, 0, "not a cpu or cpuset file");
        const vp_cgroup_ctl *ctl = &cg->c[c];
        if (!ctl->found)
                return vp_error_set(err, -ENOENT,
                                    "%s: the %s controller is not available for QEMU pid %ld", file,
                                    vp_cg_controller_names[c], cg->pid);
        /* libvirt sets shares/weight on the machine group itself (systemd's
         * scope) and everything else through the nested group. */
        bool top =
            !strchr(file, '/') && (!strcmp(file, "cpu.shares") || !strcmp(file, "cpu.weight"));
        *path = vp_xasprintf("%s/%s", top ? ctl->domain : ctl->nested, file);
        return 0;
}

/* --- apply ---------------------------------------------------------------- */

static int real_read(void *ctx, const char *path, char **out)
{
        (void)ctx;
        return vp_read_file(path, CG_FILE_MAX, out, NULL, NULL);
}

static int real_write(void *ctx, const char *path, const char *value)
{
        (void)ctx;
        /* cgroup files take one write() per value; the kernel rejects it there */
        return vp_write_value(path, value);
}

static const vp_cgroup_io real_io = {.read = real_read, .write = real_write, .ctx = NULL};

typedef struct item {
        const vp_cgwrite *w;
        char *path;
        char *dir; /* the group: path without its last component */
        unsigned depth;
        vp_cgwrite_kind kind;
        bool want_ok; /* value parsed as a cpuset */
        vp_cpuset want;
        bool cur_ok; /* current content read and parsed */
        vp_cpuset cur;
        int rc; /* final: 0 written, <0 failed, 1 not attempted */
} item;

typedef struct op {
        item *it;
        char *value; /* owned */
        bool temp;   /* intermediate widening; its failure is not reported */
        int phase;   /* 0 widen (shallow first), 1 narrow (deep first), 2 others */
        size_t idx;
        bool done;
} op;

static int op_cmp(const void *a, const void *b)
{
        const op *x = a, *y = b;
        if (x->phase != y->phase)
                return x->phase - y->phase;
        if (x->phase == 0 && x->it->depth != y->it->depth)
                return x->it->depth < y->it->depth ? -1 : 1;
        if (x->phase == 1 && x->it->depth != y->it->depth)
                return x->it->depth > y->it->depth ? -1 : 1;
        return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Another cpuset write of the same kind lies below its group. */
static bool has_child_write(const item *items, size_t n, const item *it)
{
        size_t dl = strlen(it->dir);
        for (size_t i = 0; i < n; i++) {
                const item *o = &items[i];
                if (o == it || o->kind != it->kind || !o->path)
                        continue;
                if (!strncmp(o->dir, it->dir, dl) && o->dir[dl] == '/')
                        return true;
        }
        return false;
}

static char *describe_failure(const char *path, const char *value, int rc)
{
        const char *why = strerror(-rc);
        const char *hint = "";
        struct stat st;
        if (rc == -ENOENT) {
                _cleanup_free_ char *dir = vp_xstrdup(path);
                char *s = strrchr(dir, '/');
                if (s)
                        *s = '\0';
                why = is_dir(dir) ? "no such file (controller not enabled for this group?)"
                                  : "no such cgroup";
        } else if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
                   !(st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH))) {
                /* v1 lets root open read-only files and fails the write with EINVAL */
                hint = " (the file is read-only)";
        } else if (rc == -EACCES && strstr(path, "/cpuset.")) {
                hint = " (not within the parent group's cpuset?)";
        }
        return vp_xasprintf("cannot write '%s' to %s: %s%s", value, path, why, hint);
}

static void items_free(item *items, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(items[i].path);
                free(items[i].dir);
        }
        free(items);
}

/* What v1 answers when a write conflicts with the current state of parent or
 * children: EACCES for a cpuset not within its parent's, EBUSY for one not
 * covering a child's, EINVAL for CFS ratios (and for plain bad values). */
static bool retryable(int r)
{
        return r == -EINVAL || r == -EBUSY || r == -EACCES;
}

/* The kernel checks each write against the current state of parents and
 * children (v1 cpuset subsets, v1 CFS quota ratios): a refused write is
 * retried after the others of the pass, as long as a pass progresses.
 * Returns how many writes are still refused. */
static size_t run_passes(op *ops, size_t nops, const vp_cgroup_io *io)
{
        size_t pending = 0;
        for (size_t pass = 0; pass <= nops; pass++) {
                bool progress = false;
                pending = 0;
                for (size_t i = 0; i < nops; i++) {
                        op *o = &ops[i];
                        if (o->done)
                                continue;
                        int r = io->write(io->ctx, o->it->path, o->value);
                        if (r == 0) {
                                o->done = progress = true;
                                if (!o->temp)
                                        o->it->rc = 0;
                        } else if (retryable(r) && !o->temp) {
                                o->it->rc = r;
                                pending++;
                        } else {
                                o->done = true;
                                if (!o->temp)
                                        o->it->rc = r;
                        }
                }
                if (!pending || !progress)
                        break;
        }
        return pending;
}

static bool ends_with(const char *s, const char *suffix)
{
        size_t a = strlen(s), b = strlen(suffix);
        return a >= b && !strcmp(s + a - b, suffix);
}

/* v1 CFS: a group changing both period and quota passes through (new period,
 * old quota) or (old period, new quota), and both can break the ratio rule
 * against its parent or its children (10000/5000 -> 100000/50000 under a
 * parent at 0.5). An unlimited quota (-1) is always accepted and makes any
 * period acceptable: when a period write stays refused and the same group's
 * quota is being written too, lift the quota for a moment and write both
 * again. Returns true when something was lifted. */
static bool unlimit_stuck_periods(op *ops, size_t nops, const vp_cgroup_io *io)
{
        bool any = false;
        for (size_t i = 0; i < nops; i++) {
                op *p = &ops[i];
                if (p->done || p->it->rc != -EINVAL ||
                    !ends_with(p->it->path, "/cpu.cfs_period_us"))
                        continue;
                for (size_t j = 0; j < nops; j++) {
                        op *q = &ops[j];
                        if (q->temp || !ends_with(q->it->path, "/cpu.cfs_quota_us") ||
                            strcmp(q->it->dir, p->it->dir))
                                continue;
                        if (io->write(io->ctx, q->it->path, "-1") == 0) {
                                q->done = false;
                                any = true;
                        }
                }
        }
        return any;
}

int vp_cgroup_apply(const vp_cgroup *cg, const vp_cgwrites *w, const vp_cgroup_io *io,
                    vp_error *err)
{
        if (!io)
                io = &real_io;
        if (w->n == 0)
                return 0;
        item *items = vp_xcalloc(w->n, sizeof(*items));
        op *ops = vp_xcalloc(2 * w->n, sizeof(*ops));
        size_t nops = 0;
        int first_rc = 0;
        _cleanup_free_ char *first_msg = NULL;
        size_t failed = 0;

        for (size_t i = 0; i < w->n; i++) {
                item *it = &items[i];
                it->w = &w->w[i];
                it->rc = 1;
                vp_error e;
                int r = vp_cgroup_path(cg, it->w->file, &it->path, &e);
                if (r < 0) {
                        it->rc = r;
                        if (!failed++) {
                                first_rc = r;
                                first_msg =
                                    vp_xasprintf("cannot write '%s': %s", it->w->value, e.msg);
                        }
                        continue;
                }
                it->dir = vp_xstrdup(it->path);
                *strrchr(it->dir, '/') = '\0';
                for (const char *p = it->path; *p; p++)
                        it->depth += *p == '/';
                it->kind = vp_cgwrite_kind_of(it->w->file);
                if (it->kind != VP_CGW_OTHER) {
                        it->want_ok = vp_cgwrite_parse_set(it->w->value, &it->want);
                        _cleanup_free_ char *cur = NULL;
                        if (io->read(io->ctx, it->path, &cur) == 0)
                                it->cur_ok = vp_cgwrite_parse_set(cur, &it->cur);
                }
        }

        for (size_t i = 0; i < w->n; i++) {
                item *it = &items[i];
                if (!it->path)
                        continue;
                int phase = 2;
                if (it->kind != VP_CGW_OTHER && it->want_ok) {
                        if (it->cur_ok && vp_cpuset_subset(&it->cur, &it->want)) {
                                phase = 0;
                        } else {
                                phase = 1;
                                /* a parent trading members: widen it to old|new first so
                                 * children can move into the new members, narrow it after them */
                                vp_cpuset gain = it->want;
                                vp_cpuset_andnot(&gain, &it->cur);
                                if (it->cur_ok && !vp_cpuset_empty(&gain) &&
                                    has_child_write(items, w->n, it)) {
                                        vp_cpuset u = it->cur;
                                        vp_cpuset_or(&u, &it->want);
                                        ops[nops++] = (op){.it = it,
                                                           .value = vp_cpuset_format(&u),
                                                           .temp = true,
                                                           .phase = 0,
                                                           .idx = i};
                                }
                        }
                }
                ops[nops++] =
                    (op){.it = it, .value = vp_xstrdup(it->w->value), .phase = phase, .idx = i};
        }
        qsort(ops, nops, sizeof(*ops), op_cmp);

        size_t pending = run_passes(ops, nops, io);
        if (pending && unlimit_stuck_periods(ops, nops, io))
                run_passes(ops, nops, io);

        for (size_t i = 0; i < w->n; i++) {
                item *it = &items[i];
                if (!it->path || it->rc >= 0)
                        continue;
                if (!failed++) {
                        first_rc = it->rc;
                        first_msg = describe_failure(it->path, it->w->value, it->rc);
                }
        }
        for (size_t i = 0; i < nops; i++)
                free(ops[i].value);
        free(ops);
        items_free(items, w->n);
        if (!failed)
                return 0;
        if (failed > 1)
                return vp_error_set(err, first_rc, "%s (and %zu more of %zu writes failed)",
                                    first_msg, failed - 1, w->n);
        return vp_error_set(err, first_rc, "%s", first_msg);
}

/* --- verify --------------------------------------------------------------- */

int vp_cgroup_verify(const vp_cgroup *cg, const vp_cgwrites *w, const vp_cgroup_io *io,
                     vp_drifts *out, vp_error *err)
{
        if (!io)
                io = &real_io;
        for (size_t i = 0; i < w->n; i++) {
                const vp_cgwrite *x = &w->w[i];
                _cleanup_free_ char *path = NULL;
                int r = vp_cgroup_path(cg, x->file, &path, err);
                if (r < 0)
                        return r;
                _cleanup_free_ char *raw = NULL;
                r = io->read(io->ctx, path, &raw);
                if (r < 0) {
                        _cleanup_free_ char *h = vp_xasprintf("(unreadable: %s)", strerror(-r));
                        vp_drifts_add(out, x->file, x->value, h);
                        continue;
                }
                if (!vp_drift_same(x->file, x->value, raw))
                        vp_drifts_add(out, x->file, x->value, vp_drift_collapse(raw));
        }
        return 0;
}
