/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "irq.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "fileio.h"
#include "isolation.h"

/* The kernel's attribute files are under a page; a bound against junk. */
#define IRQ_FILE_MAX 65536

const char *const vp_hostmask_names[VP_HOSTMASK__N] = {
    [VP_HOSTMASK_IRQ_DEFAULT] = "default IRQ mask",
    [VP_HOSTMASK_WORKQUEUE] = "workqueue mask",
};

/* A decimal IRQ number filling name ("24"), as the kernel names the
 * directories. */
static bool irq_number(const char *name, unsigned *out)
{
        uint64_t v;
        if (name[0] < '0' || name[0] > '9' || vp_parse_u64(name, &v) < 0 || v > 0xffffffffu)
                return false;
        *out = (unsigned)v;
        return true;
}

/* Read path, a hex mask, into out (its width in *nbits when not NULL).
 * Returns 0 or -errno (-ENOENT: absent) with err naming the path. */
static int read_hex(const char *path, vp_cpuset *out, unsigned *nbits, vp_error *err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r = vp_read_file(path, IRQ_FILE_MAX, &buf, &len, err);
        if (r < 0)
                return r;
        vp_error sub = {0};
        if ((r = vp_hexmask_parse(buf, len, out, nbits, &sub)) < 0)
                return vp_error_at(err, r, path, 0, "%s", sub.msg);
        return 0;
}

/* PROC/irq/N/file, a CPU list. */
static int read_list(const char *dir, const char *file, vp_cpuset *out, vp_error *err)
{
        _cleanup_free_ char *path = vp_xasprintf("%s/%s", dir, file);
        return vp_read_cpulist(path, IRQ_FILE_MAX, out, err);
}

/* The subdirectories of dir (the handlers' names), sorted, comma-joined. */
static char *actions_of(const char *dir)
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        if (!d)
                return vp_xstrdup("");
        char **names = NULL;
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                bool is_dir = de->d_type == DT_DIR;
                if (de->d_type == DT_UNKNOWN) {
                        struct stat st;
                        is_dir = fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                                 S_ISDIR(st.st_mode);
                }
                if (!is_dir)
                        continue;
                names = vp_xrealloc(names, (n + 1) * sizeof(*names));
                names[n++] = vp_xstrdup(de->d_name);
        }
        if (n > 1) /* qsort of NULL is undefined, even for 0 items (UBSan) */
                qsort(names, n, sizeof(*names), vp_strp_cmp);
        vp_buf b = {0};
        for (size_t i = 0; i < n; i++) {
                if (i)
                        vp_buf_str(&b, ",");
                vp_buf_str(&b, names[i]);
                free(names[i]);
        }
        free(names);
        return vp_buf_take(&b);
}

static int irq_cmp(const void *a, const void *b)
{
        unsigned x = ((const vp_irq *)a)->irq, y = ((const vp_irq *)b)->irq;
        return (x > y) - (x < y);
}

/* Fill one IRQ from its directory: 1 when read, 0 when it vanished. */
static int read_irq(const char *dir, vp_irq *q, vp_error *err)
{
        int r = read_list(dir, "smp_affinity_list", &q->affinity, err);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        r = read_list(dir, "effective_affinity_list", &q->effective, err);
        if (r < 0 && r != -ENOENT)
                return r;
        q->has_effective = r == 0;
        q->actions = actions_of(dir);
        return 1;
}

int vp_irq_list_read(const char *proc, vp_irq_list *out, vp_error *err)
{
        *out = (vp_irq_list){0};
        _cleanup_free_ char *root = vp_xasprintf("%s/irq", proc);
        _cleanup_closedir_ DIR *d = opendir(root);
        if (!d) {
                int e = errno;
                return vp_error_at(err, -e, root, 0, "%s", strerror(e));
        }
        vp_irq_list l = {0};
        size_t cap = 0;
        struct dirent *de;
        int r = 0;
        while ((de = readdir(d))) {
                unsigned n;
                if (!irq_number(de->d_name, &n))
                        continue;
                _cleanup_free_ char *dir = vp_xasprintf("%s/%s", root, de->d_name);
                vp_irq q = {.irq = n};
                r = read_irq(dir, &q, err);
                if (r < 0)
                        break;
                if (r == 0)
                        continue;
                /* doubling: an entry is two full CPU sets (1 KiB), and a
                 * large host has thousands of IRQs */
                if (l.n == cap) {
                        cap = cap ? 2 * cap : 64;
                        l.v = vp_xrealloc(l.v, cap * sizeof(*l.v));
                }
                l.v[l.n++] = q;
                r = 0;
        }
        if (r < 0) {
                vp_irq_list_free(&l);
                return r;
        }
        if (l.n > 1)
                qsort(l.v, l.n, sizeof(*l.v), irq_cmp);
        *out = l;
        return 0;
}

void vp_irq_list_free(vp_irq_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->v[i].actions);
        free(l->v);
        *l = (vp_irq_list){0};
}

/* What the kernel's refusal means for these files, for the message. */
static const char *refusal_hint(int code, bool irq)
{
        if (code == -EIO && irq)
                return " (the kernel does not let it move: a managed or per-CPU IRQ)";
        if (code == -EINVAL)
                return " (no online CPU the kernel accepts in it)";
        return "";
}

int vp_irq_set_affinity(const char *proc, unsigned irq, const vp_cpuset *set, vp_error *err)
{
        _cleanup_free_ char *path = vp_xasprintf("%s/irq/%u/smp_affinity_list", proc, irq);
        _cleanup_free_ char *list = vp_cpuset_format(set);
        _cleanup_free_ char *value = vp_xasprintf("%s\n", list);
        int r = vp_write_value(path, value);
        if (r < 0)
                return vp_error_set(err, r, "IRQ %u: cannot set its affinity to '%s' (%s): %s%s",
                                    irq, list, path, strerror(-r), refusal_hint(r, true));
        return 0;
}

char *vp_hostmask_path(const vp_paths *p, vp_hostmask which)
{
        if (which == VP_HOSTMASK_IRQ_DEFAULT)
                return vp_xasprintf("%s/irq/default_smp_affinity", p->proc);
        return vp_xasprintf("%s/devices/virtual/workqueue/cpumask", p->sysfs ? p->sysfs : "/sys");
}

int vp_hostmask_read(const vp_paths *p, vp_hostmask which, vp_cpuset *out, unsigned *nbits,
                     vp_error *err)
{
        _cleanup_free_ char *path = vp_hostmask_path(p, which);
        return read_hex(path, out, nbits, err);
}

int vp_hostmask_write(const vp_paths *p, vp_hostmask which, const vp_cpuset *set, unsigned nbits,
                      vp_error *err)
{
        _cleanup_free_ char *path = vp_hostmask_path(p, which);
        _cleanup_free_ char *mask = vp_hexmask_format(set, nbits);
        _cleanup_free_ char *value = vp_xasprintf("%s\n", mask);
        int r = vp_write_value(path, value);
        if (r < 0)
                return vp_error_set(err, r, "cannot write '%s' to %s: %s%s", mask, path,
                                    strerror(-r), refusal_hint(r, false));
        return 0;
}
