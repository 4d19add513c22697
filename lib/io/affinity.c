/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "affinity.h"
#include "fileio.h"

#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <string.h>

#include "cpuset.h"

static int tid_cmp(const void *a, const void *b)
{
        const vp_thread *x = a, *y = b;
        return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/* "CPU 3/KVM", "CPU 3/TCG" (QEMU's vCPU thread names) -> 3 */
static bool vcpu_from_comm(const char *comm, unsigned *id)
{
        if (strncmp(comm, "CPU ", 4))
                return false;
        const char *p = comm + 4;
        unsigned long v = 0;
        if (*p < '0' || *p > '9')
                return false;
        for (; *p >= '0' && *p <= '9'; p++)
                if ((v = v * 10 + (unsigned long)(*p - '0')) > 65535)
                        return false;
        if (*p != '/')
                return false;
        *id = (unsigned)v;
        return true;
}

/* "IO iothread4" (QEMU names an iothread "IO " + its object id, which libvirt
 * makes "iothreadN") -> 4 */
static bool iothread_from_comm(const char *comm, unsigned *id)
{
        const char *pfx = "IO iothread";
        if (strncmp(comm, pfx, strlen(pfx)))
                return false;
        uint64_t v;
        if (vp_parse_u64(comm + strlen(pfx), &v) < 0 || v > 0xffffffffu)
                return false;
        *id = (unsigned)v;
        return true;
}

int vp_threads_list(const char *proc, long pid, const unsigned *vcpu_tids, size_t n_vcpu_tids,
                    vp_threads *out, vp_error *err)
{
        memset(out, 0, sizeof(*out));
        _cleanup_free_ char *dir = vp_xasprintf("%s/%ld/task", proc, pid);
        DIR *d = opendir(dir);
        if (!d)
                return vp_error_set(err, errno == ENOENT ? -ESRCH : -errno,
                                    "QEMU pid %ld: cannot list %s: %s", pid, dir, strerror(errno));
        bool by_tid = false;
        for (size_t i = 0; i < n_vcpu_tids; i++)
                by_tid |= vcpu_tids[i] != 0;

        struct dirent *e;
        while ((e = readdir(d))) {
                uint64_t tid;
                if (vp_parse_u64(e->d_name, &tid) < 0 || tid == 0 || tid > 0x7fffffff)
                        continue;
                _cleanup_free_ char *cf = vp_xasprintf("%s/%s/comm", dir, e->d_name);
                _cleanup_free_ char *comm = NULL;
                if (vp_read_file(cf, 4096, &comm, NULL, NULL) < 0)
                        continue; /* exited meanwhile */
                char *c = vp_strstrip(comm);
                vp_thread t = {.tid = (long)tid, .kind = VP_THREAD_EMULATOR};
                unsigned id;
                for (size_t i = 0; by_tid && i < n_vcpu_tids; i++)
                        if (vcpu_tids[i] == tid)
                                t = (vp_thread){
                                    .tid = (long)tid, .kind = VP_THREAD_VCPU, .id = (unsigned)i};
                /* by name when the status does not say (no TIDs, or 0 for this vCPU) */
                if (t.kind == VP_THREAD_EMULATOR && vcpu_from_comm(c, &id) &&
                    (!by_tid || (id < n_vcpu_tids && !vcpu_tids[id])))
                        t = (vp_thread){.tid = (long)tid, .kind = VP_THREAD_VCPU, .id = id};
                if (t.kind == VP_THREAD_EMULATOR && iothread_from_comm(c, &id))
                        t = (vp_thread){.tid = (long)tid, .kind = VP_THREAD_IOTHREAD, .id = id};
                out->t = vp_xrealloc(out->t, (out->n + 1) * sizeof(*out->t));
                out->t[out->n++] = t;
        }
        closedir(d);
        if (out->n > 1)
                qsort(out->t, out->n, sizeof(*out->t), tid_cmp);

        for (size_t i = 0; i < n_vcpu_tids; i++) {
                if (!vcpu_tids[i])
                        continue;
                vp_thread key = {.tid = vcpu_tids[i]};
                if (!out->n || !bsearch(&key, out->t, out->n, sizeof(*out->t), tid_cmp)) {
                        vp_threads_free(out);
                        return vp_error_set(err, -ESRCH,
                                            "vCPU %zu thread %u (from the domain status) is not a "
                                            "thread of QEMU pid %ld",
                                            i, vcpu_tids[i], pid);
                }
        }
        if (!out->n)
                return vp_error_set(err, -ESRCH, "QEMU pid %ld has no threads in %s", pid, dir);
        return 0;
}

void vp_threads_free(vp_threads *t)
{
        free(t->t);
        t->t = NULL;
        t->n = 0;
}

const char *vp_thread_group(const vp_thread *t, char *buf, size_t len)
{
        switch (t->kind) {
        case VP_THREAD_VCPU:
                snprintf(buf, len, "vcpu%u", t->id);
                break;
        case VP_THREAD_IOTHREAD:
                snprintf(buf, len, "iothread%u", t->id);
                break;
        default:
                snprintf(buf, len, "emulator");
                break;
        }
        return buf;
}

/* The value w gives GROUP/FILE, or NULL. */
static const char *want_of(const vp_cgwrites *w, const char *group, const char *file)
{
        size_t gl = strlen(group);
        for (size_t i = 0; i < w->n; i++) {
                const char *f = w->w[i].file;
                if (!strncmp(f, group, gl) && f[gl] == '/' && !strcmp(f + gl + 1, file))
                        return w->w[i].value;
        }
        return NULL;
}

int vp_affinity_apply(const vp_threads *th, const vp_cgwrites *w, vp_error *err)
{
        int first = 0;
        size_t failed = 0;
        cpu_set_t *mask = CPU_ALLOC(VP_MAX_CPUS);
        size_t msize = CPU_ALLOC_SIZE(VP_MAX_CPUS);
        for (size_t i = 0; i < th->n; i++) {
                const vp_thread *t = &th->t[i];
                char g[32];
                vp_thread_group(t, g, sizeof(g));
                const char *want = want_of(w, g, "cpuset.cpus");
                if (!want)
                        continue;
                vp_cpuset s;
                vp_error pe;
                int r = vp_cpuset_parse(&s, want, VP_MAX_CPUS, &pe);
                if (r < 0) {
                        if (!failed++)
                                first = vp_error_set(err, r, "cannot pin %s thread %ld: %s", g,
                                                     t->tid, pe.msg);
                        continue;
                }
                CPU_ZERO_S(msize, mask);
                for (int c = vp_cpuset_next(&s, 0); c >= 0; c = vp_cpuset_next(&s, c + 1))
                        CPU_SET_S((unsigned)c, msize, mask);
                r = sched_setaffinity((pid_t)t->tid, msize, mask) < 0 ? -errno : 0;
                if (r == -ESRCH)
                        continue; /* the thread exited */
                if (r < 0 && !failed++)
                        first = vp_error_set(err, r, "cannot pin %s thread %ld to CPUs '%s': %s", g,
                                             t->tid, want, strerror(-r));
        }
        CPU_FREE(mask);
        if (failed > 1 && err) {
                size_t l = strlen(err->msg);
                snprintf(err->msg + l, sizeof(err->msg) - l, " (and %zu more threads failed)",
                         failed - 1);
        }
        return first;
}

/* Thread tid's CPU affinity from the kernel. Returns 0, or -errno (-ESRCH:
 * it exited). */
static int thread_affinity(pid_t tid, vp_cpuset *out)
{
        /* The kernel's mask is an array of unsigned long, bit c of long
         * c / bits: with 64-bit longs that is vp_cpuset's own layout, so it
         * is written in place (glibc zeroes what the kernel leaves), instead
         * of testing 4096 bits a thread (a prepare asks this of every
         * thread of every running VM). */
        if (sizeof(unsigned long) == sizeof(uint64_t))
                return sched_getaffinity(tid, sizeof(out->w), (cpu_set_t *)(void *)out->w) < 0
                           ? -errno
                           : 0;
        cpu_set_t *mask = CPU_ALLOC(VP_MAX_CPUS);
        size_t msize = CPU_ALLOC_SIZE(VP_MAX_CPUS);
        if (!mask)
                return -ENOMEM;
        int r = sched_getaffinity(tid, msize, mask) < 0 ? -errno : 0;
        vp_cpuset_zero(out);
        for (unsigned c = 0; r == 0 && c < VP_MAX_CPUS; c++)
                if (CPU_ISSET_S(c, msize, mask))
                        vp_cpuset_set(out, c);
        CPU_FREE(mask);
        return r;
}

/* The value of "Key:\tVALUE" in a /proc status file, trimmed; NULL if absent. */
static char *status_field(char *status, const char *key)
{
        size_t kl = strlen(key);
        for (char *line = status; line && *line;) {
                char *nl = strchr(line, '\n');
                if (!strncmp(line, key, kl) && line[kl] == ':') {
                        if (nl)
                                *nl = '\0';
                        return vp_strstrip(line + kl + 1);
                }
                line = nl ? nl + 1 : NULL;
        }
        return NULL;
}

static void check_field(const char *status, const char *key, const char *want, const char *group,
                        long tid, vp_drifts *out)
{
        if (!want)
                return;
        _cleanup_free_ char *copy = vp_xstrdup(status);
        const char *have = status_field(copy, key);
        vp_cpuset a, b;
        bool same = have && vp_cpuset_parse(&a, want, VP_MAX_CPUS, NULL) == 0 &&
                    vp_cpuset_parse(&b, have, VP_MAX_CPUS, NULL) == 0 && vp_cpuset_equal(&a, &b);
        if (same)
                return;
        _cleanup_free_ char *name = vp_xasprintf("%s tid %ld %s", group, tid, key);
        vp_drifts_add(out, name, want, have ? have : "(missing)");
}

int vp_affinity_verify(const char *proc, long pid, const vp_threads *th, const vp_cgwrites *w,
                       vp_drifts *out, vp_error *err)
{
        (void)err;
        for (size_t i = 0; i < th->n; i++) {
                const vp_thread *t = &th->t[i];
                char g[32];
                vp_thread_group(t, g, sizeof(g));
                const char *cpus = want_of(w, g, "cpuset.cpus");
                const char *mems = want_of(w, g, "cpuset.mems");
                if (!cpus && !mems)
                        continue;
                _cleanup_free_ char *f = vp_xasprintf("%s/%ld/task/%ld/status", proc, pid, t->tid);
                _cleanup_free_ char *status = NULL;
                if (vp_read_file(f, 1u << 20, &status, NULL, NULL) < 0)
                        continue; /* the thread exited */
                check_field(status, "Cpus_allowed_list", cpus, g, t->tid, out);
                check_field(status, "Mems_allowed_list", mems, g, t->tid, out);
        }
        return 0;
}

/* Whether thread TID under task dir dir is a vCPU thread, by its name
 * ("CPU N/KVM", "CPU N/TCG"); a thread whose name cannot be read is not. */
static bool thread_is_vcpu(const char *dir, const char *tid)
{
        _cleanup_free_ char *cf = vp_xasprintf("%s/%s/comm", dir, tid);
        _cleanup_free_ char *comm = NULL;
        unsigned id;
        return vp_read_file(cf, 4096, &comm, NULL, NULL) == 0 && vcpu_from_comm(comm, &id);
}

/* vp_affinity_pinned, and with vcpus (rec NULL) vp_affinity_split. */
static int pinned_threads(const char *proc, long pid, const vp_cpuset *all,
                          const vp_pin_record *rec, vp_cpuset *out, vp_cpuset *vcpus, vp_error *err)
{
        vp_cpuset_zero(out);
        if (vcpus)
                vp_cpuset_zero(vcpus);
        _cleanup_free_ char *dir = vp_xasprintf("%s/%ld/task", proc, pid);
        _cleanup_closedir_ DIR *d = opendir(dir);
        if (!d)
                return vp_error_at(err, errno == ENOENT ? -ESRCH : -errno, dir, 0, "%s",
                                   strerror(errno));
        /* the tids under the real procfs are the kernel's: ask it directly */
        bool real_proc = strcmp(proc, "/proc") == 0;
        struct dirent *e;
        while ((e = readdir(d))) {
                uint64_t tid;
                if (vp_parse_u64(e->d_name, &tid) < 0 || tid == 0 || tid > 0x7fffffff)
                        continue;
                vp_cpuset allowed;
                if (real_proc) {
                        /* one system call instead of opening, reading and
                         * parsing the thread's status: a prepare asks this
                         * of every thread of every running VM (I3) */
                        if (thread_affinity((pid_t)tid, &allowed) < 0)
                                continue; /* exited meanwhile */
                } else {
                        _cleanup_free_ char *f = vp_xasprintf("%s/%s/status", dir, e->d_name);
                        _cleanup_free_ char *status = NULL;
                        if (vp_read_file(f, 1u << 20, &status, NULL, NULL) < 0)
                                continue; /* exited meanwhile */
                        const char *cpus = status_field(status, "Cpus_allowed_list");
                        if (!cpus || vp_cpuset_parse(&allowed, cpus, VP_MAX_CPUS, NULL) < 0)
                                continue;
                }
                if (vp_cpuset_subset(all, &allowed))
                        continue; /* allowed everywhere: floating, not pinned */
                vp_cpuset_and(&allowed, all);
                if (rec) {
                        /* where the record has its threads: on its vCPUs'
                         * CPUs, or floating over its emulator's; only a
                         * thread elsewhere costs reading its name */
                        if (vp_cpuset_subset(&allowed, &rec->vcpus) ||
                            vp_cpuset_equal(&allowed, &rec->emulator))
                                continue;
                        vp_cpuset_andnot(&allowed,
                                         thread_is_vcpu(dir, e->d_name) ? &rec->vcpus : &rec->own);
                } else if (vcpus && thread_is_vcpu(dir, e->d_name)) {
                        vp_cpuset_or(vcpus, &allowed);
                        continue;
                }
                vp_cpuset_or(out, &allowed);
        }
        return 0;
}

int vp_affinity_pinned(const char *proc, long pid, const vp_cpuset *all, const vp_pin_record *rec,
                       vp_cpuset *out, vp_error *err)
{
        return pinned_threads(proc, pid, all, rec, out, NULL, err);
}

int vp_affinity_split(const char *proc, long pid, const vp_cpuset *all, vp_cpuset *vcpus,
                      vp_cpuset *others, vp_error *err)
{
        return pinned_threads(proc, pid, all, NULL, others, vcpus, err);
}
