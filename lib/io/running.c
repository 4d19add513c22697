/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "running.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "affinity.h"
#include "fileio.h"
#include "liveness.h"

static int by_name(const void *a, const void *b)
{
        return strcmp(((const vp_running *)a)->name, ((const vp_running *)b)->name);
}

/* libvirt refuses such names (virXMLCheckIllegalChars "\n"; XML is UTF-8),
 * so a pid file carrying one is not libvirt's. */
static bool libvirt_name(const char *name)
{
        return *name && !strchr(name, '\n') && vp_utf8_valid(name);
}

/* The next domain libvirt runs, from the listing d of p's libvirt run dir:
 * 1 with *name (malloc'd), *pid and *xml (its status file's path,
 * malloc'd), 0 at the end, -errno when the listing fails (err names the
 * dir). look (may be NULL) is asked first, by name: -1 passes the domain
 * over, 1 says it is a domain and runs with *pid (neither its pid file nor
 * its status file looked at), 0 leaves it to those files. */
static int next_running(DIR *d, const vp_paths *p, int (*look)(const char *, void *, long *),
                        void *ctx, char **name, long *pid, char **xml, vp_error *err)
{
        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                size_t len = strlen(de->d_name);
                if (len <= 4 || strcmp(de->d_name + len - 4, ".pid") != 0)
                        continue;
                /* on the stack: a prepare passes over every recorded VM here */
                char n[sizeof(de->d_name)];
                memcpy(n, de->d_name, len - 4);
                n[len - 4] = '\0';
                if (!libvirt_name(n))
                        continue;
                int known = look ? look(n, ctx, pid) : 0;
                if (known < 0 ||
                    (known == 0 && !vp_libvirt_alive(p->libvirt_rundir, p->proc, n, pid)))
                        continue;
                /* libvirt writes NAME.xml for every domain it runs; a pid
                 * file without one is not a domain (driver.pid is the QEMU
                 * driver's lock, holding libvirtd's own pid) */
                char *x = vp_xasprintf("%s/%s.xml", p->libvirt_rundir, n);
                if (known == 0 && access(x, F_OK) < 0 && errno == ENOENT) {
                        free(x);
                        continue;
                }
                *name = vp_xstrdup(n);
                *xml = x;
                return 1;
        }
        if (errno) {
                int e = errno;
                return vp_error_at(err, -e, p->libvirt_rundir, 0, "%s", strerror(e));
        }
        return 0;
}

/* Open p's libvirt run dir for listing: 1 with *d, 0 when it does not exist
 * (no domains run), -errno (err names it) when it cannot be read. */
static int open_rundir(const vp_paths *p, DIR **d, vp_error *err)
{
        *d = opendir(p->libvirt_rundir);
        if (*d)
                return 1;
        if (errno == ENOENT)
                return 0;
        return vp_error_at(err, -errno, p->libvirt_rundir, 0, "%s", strerror(errno));
}

int vp_running_list(const vp_paths *p, vp_running **out, size_t *n, vp_error *err)
{
        *out = NULL;
        *n = 0;
        _cleanup_closedir_ DIR *d = NULL;
        int r = open_rundir(p, &d, err);
        if (r <= 0)
                return r;
        vp_running *list = NULL;
        size_t count = 0;
        char *name = NULL, *xml = NULL;
        long pid = 0;
        while ((r = next_running(d, p, NULL, NULL, &name, &pid, &xml, err)) > 0) {
                list = vp_xrealloc(list, (count + 1) * sizeof(*list));
                vp_running *e = &list[count++];
                *e = (vp_running){.name = name, .pid = pid};
                int pr = vp_domain_parse_file(xml, &e->dom, &e->err);
                if (pr < 0)
                        e->err.code = pr; /* the code says "unreadable", whatever set msg */
                free(xml);
        }
        if (r < 0) {
                vp_running_free(list, count);
                return r;
        }
        if (count)
                qsort(list, count, sizeof(*list), by_name);
        *out = list;
        *n = count;
        return 0;
}

/* What vp_running_unrecorded's next_running knows: the ledger, and the
 * domain being planned, passed over unlooked. e is the entry of the name
 * looked at last (NULL: none), which is the domain next_running returns. */
typedef struct known_ctx {
        const vp_paths *p;
        const vp_ledger *l;
        const char *self;
        const vp_ledger_entry *e;
} known_ctx;

/* A recorded domain whose recorded pid (what `started` saw) still runs
 * runs as that pid, its pid file being listed: one kill(pid, 0) instead of
 * reading the file. Otherwise (a pid from an earlier run, as a run dir
 * replaced by an older copy has) the pid file decides. */
static int known_pid(const char *name, void *opaque, long *pid)
{
        known_ctx *k = opaque;
        k->e = NULL;
        if (k->self && strcmp(name, k->self) == 0)
                return -1;
        const vp_ledger_entry *e = k->e = vp_ledger_find_name((vp_ledger *)k->l, name);
        if (e && e->pid > 0 && vp_pid_alive(k->p->proc, e->pid)) {
                *pid = e->pid;
                return 1;
        }
        return 0;
}

int vp_running_unrecorded(const vp_paths *p, const vp_ledger *l, const char *self,
                          const vp_cpuset *all,
                          bool (*manages)(const char *name, const char *status, void *ctx),
                          void *ctx, vp_unrecorded *out, vp_error *err)
{
        memset(out, 0, sizeof(*out));
        _cleanup_closedir_ DIR *d = NULL;
        int r = open_rundir(p, &d, err);
        if (r <= 0)
                return r;
        vp_buf by = {0}, floating = {0};
        char *name = NULL, *xml = NULL;
        long pid = 0;
        known_ctx k = {.p = p, .l = l, .self = self};
        while ((r = next_running(d, p, known_pid, &k, &name, &pid, &xml, err)) > 0) {
                vp_cpuset pinned;
                /* A recorded VM's vCPU threads belong on its vcpu_cpus, the
                 * others on its emulator_cpus (or its own CPUs); what they
                 * are pinned to beyond that disagrees with the record (a run
                 * dir replaced by an older copy): the kernel is the truth. */
                const vp_ledger_entry *e = k.e;
                vp_pin_record rec;
                if (e) {
                        rec.vcpus = vp_cpumask_get(&e->vcpu_cpus);
                        rec.emulator = vp_cpumask_get(&e->emulator_cpus);
                        rec.own = rec.vcpus;
                        vp_cpuset_or(&rec.own, &rec.emulator);
                        vp_cpumask_or_into(&rec.own, &e->held);
                }
                /* a QEMU that exited meanwhile holds nothing; one whose
                 * threads cannot be read is passed over too: refusing every
                 * start for it would hold libvirt up for a VM we cannot see */
                if (vp_affinity_pinned(p->proc, pid, all, e ? &rec : NULL, &pinned, NULL) == 0) {
                        bool managed = e || (manages && manages(name, xml, ctx));
                        if (managed && !e) {
                                out->adopt = vp_xrealloc(out->adopt,
                                                         (out->n_adopt + 1) * sizeof(*out->adopt));
                                out->adopt[out->n_adopt++] = vp_xstrdup(name);
                        }
                        if (!vp_cpuset_empty(&pinned)) {
                                char cpus[256];
                                vp_buf_printf(&by, "%s%s (%s%s)", by.s ? ", " : "", name,
                                              vp_cpuset_fmt(&pinned, cpus, sizeof(cpus)),
                                              e ? ", beyond its entry" : "");
                                vp_cpuset_or(&out->pinned, &pinned);
                                if (managed)
                                        vp_cpuset_or(&out->managed, &pinned);
                        } else if (managed && !e) {
                                vp_buf_printf(&floating, "%s%s", floating.s ? ", " : "", name);
                        }
                }
                free(name);
                free(xml);
        }
        if (r < 0) {
                free(by.s);
                free(floating.s);
                vp_unrecorded_free(out);
                return r;
        }
        out->pinned_by = by.s ? vp_buf_take(&by) : NULL;
        out->floating_by = floating.s ? vp_buf_take(&floating) : NULL;
        return 0;
}

void vp_unrecorded_free(vp_unrecorded *u)
{
        free(u->pinned_by);
        free(u->floating_by);
        for (size_t i = 0; i < u->n_adopt; i++)
                free(u->adopt[i]);
        free(u->adopt);
        memset(u, 0, sizeof(*u));
}

void vp_running_free(vp_running *r, size_t n)
{
        for (size_t i = 0; r && i < n; i++) {
                free(r[i].name);
                vp_domain_free(r[i].dom);
        }
        free(r);
}

int vp_domain_parse_file(const char *path, vp_domain **out, vp_error *err)
{
        _cleanup_free_ char *xml = NULL;
        size_t len = 0;
        int r = vp_read_file(path, VP_DOMAIN_XML_MAX, &xml, &len, err);
        if (r < 0)
                return r;
        vp_error perr = {0};
        r = vp_domain_parse(xml, len, out, &perr);
        if (r < 0)
                return vp_error_at(err, r, path, 0, "%s", perr.msg);
        return 0;
}
