/* SPDX-License-Identifier: GPL-2.0-or-later */
/* affinity.c: QEMU's threads and their CPU affinity. On this process's own
 * threads, named as QEMU names its threads: listing from the real
 * /proc/self/task (by name and by the TIDs a domain status gives, stale
 * TIDs), pinning with the real sched_setaffinity (each group to its CPUs,
 * read back with sched_getaffinity and from /proc/self/task/TID/status),
 * drift found against the kernel, threads that exit meanwhile skipped, and
 * the errors. On a fake /proc only what a real one cannot show: QEMU's pid
 * and TIDs, thread names no test thread can take, status files without the
 * fields. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "affinity.h"
#include "cpusets.h"
#include "fileio.h"
#include "tap.h"
#include "tree.h"

static char *tmp;

static void put(const char *rel, const char *content)
{
        tree_put(tmp, rel, content, 0644);
}

/* A fresh fake tree: tmp/proc. */
static void fresh(void)
{
        tree_fresh(&tmp, "affinity");
}

static char *procroot(void)
{
        return vp_xasprintf("%s/proc", tmp);
}

static void add(vp_cgwrites *w, const char *file, const char *value)
{
        w->w = vp_xrealloc(w->w, (w->n + 1) * sizeof(*w->w));
        w->w[w->n++] = (vp_cgwrite){.file = vp_xstrdup(file), .value = vp_xstrdup(value)};
}

/* A fake QEMU pid's threads: proc/PID/task/TID/comm for each, and each
 * TID's status file with status unless that is NULL. */
typedef struct fake_thread {
        const char *tid, *comm;
} fake_thread;

static void fake_threads(long pid, const fake_thread *th, size_t n, const char *status)
{
        for (size_t i = 0; i < n; i++) {
                char *f = vp_xasprintf("proc/%ld/task/%s/comm", pid, th[i].tid);
                char *c = vp_xasprintf("%s\n", th[i].comm);
                put(f, c);
                free(c);
                free(f);
                if (status) {
                        f = vp_xasprintf("proc/%ld/task/%s/status", pid, th[i].tid);
                        put(f, status);
                        free(f);
                }
        }
}

/* t's threads as "TID=GROUP TID=GROUP...", in got (len bytes). */
static const char *groups(const vp_threads *t, char *got, size_t len)
{
        char g[32];
        got[0] = '\0';
        for (size_t i = 0; i < t->n; i++) {
                size_t l = strlen(got);
                snprintf(got + l, len - l, "%s%ld=%s", i ? " " : "", t->t[i].tid,
                         vp_thread_group(&t->t[i], g, sizeof(g)));
        }
        return got;
}

/* --- threads --------------------------------------------------------------- */

static void test_threads_fake(void)
{
        fresh();
        static const fake_thread th[] = {{"100", "qemu-system-x86"}, {"101", "CPU 0/KVM"},
                                         {"102", "CPU 1/KVM"},       {"103", "IO iothread1"},
                                         {"104", "call_rcu"},        {"105", "IO mon_iothread"},
                                         {"106", "CPU 12/TCG"},      {"107", "worker"}};
        fake_threads(
            100, th, VP_ARRAY_SIZE(th),
            "Name:\tx\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1\nMems_allowed_list:\t0\n");
        char *proc = procroot();
        vp_threads t;
        vp_error e;
        int r = vp_threads_list(proc, 100, NULL, 0, &t, &e);
        is_int(r, 0, "threads by name (%s)", r ? e.msg : "");
        is_int(t.n, 8, "every task listed");
        char got[512];
        is_str(groups(&t, got, sizeof(got)),
               "100=emulator 101=vcpu0 102=vcpu1 103=iothread1 104=emulator 105=emulator "
               "106=vcpu12 107=emulator",
               "classified by comm: CPU N/KVM|TCG, IO iothreadN, the rest emulator");
        vp_threads_free(&t);

        unsigned tids[] = {102, 101};
        r = vp_threads_list(proc, 100, tids, 2, &t, &e);
        is_str(groups(&t, got, sizeof(got)),
               "100=emulator 101=vcpu1 102=vcpu0 103=iothread1 104=emulator 105=emulator "
               "106=emulator 107=emulator",
               "status TIDs win over names; other CPU threads are then emulator");

        vp_cgwrites w = {0};
        add(&w, "vcpu0/cpuset.cpus", "1");
        add(&w, "vcpu0/cpuset.mems", "0");
        add(&w, "emulator/cpuset.cpus", "0-1");
        add(&w, "iothread1/cpuset.mems", "1");
        vp_drifts d = {0};
        r = vp_affinity_verify(proc, 100, &t, &w, &d, &e);
        is_int(d.n, 2, "affinity drift: vcpu0's CPUs, iothread1's nodes");
        if (d.n == 2) {
                is_str(d.d[0].file, "vcpu0 tid 102 Cpus_allowed_list", "drift names group and tid");
                is_str(d.d[0].want, "1", "want");
                is_str(d.d[0].have, "0-1", "have");
                is_str(d.d[1].file, "iothread1 tid 103 Mems_allowed_list", "mems drift");
        }
        vp_drifts_free(&d);
        vp_cgwrites_free(&w);
        vp_threads_free(&t);

        unsigned partial[] = {0, 101, 0};
        r = vp_threads_list(proc, 100, partial, 3, &t, &e);
        is_str(groups(&t, got, sizeof(got)),
               "100=emulator 101=vcpu1 102=emulator 103=iothread1 104=emulator 105=emulator "
               "106=emulator 107=emulator",
               "status gives vCPU 1 only: 'CPU 0/KVM' is vcpu0 by name, 'CPU 1/KVM' not vcpu1 "
               "twice, 'CPU 12' beyond the domain's vCPUs not one");
        vp_threads_free(&t);

        unsigned stale[] = {101, 999};
        r = vp_threads_list(proc, 100, stale, 2, &t, &e);
        is_int(r, -ESRCH, "a status TID that is no thread: -ESRCH");
        like(e.msg, "vCPU 1 thread 999 (from the domain status) is not a thread of QEMU pid 100",
             "message");
        r = vp_threads_list(proc, 555, NULL, 0, &t, &e);
        is_int(r, -ESRCH, "pid gone: -ESRCH");
        like(e.msg, "/555/task", "message names the dir");
        free(proc);
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long helper_tid;
static bool stop;

static void *helper(void *arg)
{
        (void)arg;
        pthread_setname_np(pthread_self(), "CPU 0/TCG");
        pthread_mutex_lock(&mu);
        helper_tid = syscall(SYS_gettid);
        pthread_cond_broadcast(&cv);
        while (!stop)
                pthread_cond_wait(&cv, &mu);
        pthread_mutex_unlock(&mu);
        return NULL;
}

static void test_affinity_self(void)
{
        /* pin one of our own threads: the real syscall and the real /proc */
        cpu_set_t all;
        if (sched_getaffinity(0, sizeof(all), &all) < 0) {
                ok(0, "sched_getaffinity");
                return;
        }
        int first = -1;
        for (int c = 0; c < CPU_SETSIZE && first < 0; c++)
                if (CPU_ISSET(c, &all))
                        first = c;
        pthread_t th;
        pthread_create(&th, NULL, helper, NULL);
        pthread_mutex_lock(&mu);
        while (!helper_tid)
                pthread_cond_wait(&cv, &mu);
        pthread_mutex_unlock(&mu);

        vp_threads t;
        vp_error e;
        int r = vp_threads_list("/proc", getpid(), NULL, 0, &t, &e);
        is_int(r, 0, "own threads listed (%s)", r ? e.msg : "");
        bool found = false;
        for (size_t i = 0; i < t.n; i++)
                found |= t.t[i].tid == helper_tid && t.t[i].kind == VP_THREAD_VCPU && !t.t[i].id;
        ok(found, "helper named 'CPU 0/TCG' is vcpu0");

        vp_cgwrites w = {0};
        char one[16];
        snprintf(one, sizeof(one), "%d", first);
        add(&w, "vcpu0/cpuset.cpus", one);
        r = vp_affinity_apply(&t, &w, &e);
        is_int(r, 0, "vcpu0 pinned to CPU %s (%s)", one, r ? e.msg : "");
        vp_drifts d = {0};
        vp_affinity_verify("/proc", getpid(), &t, &w, &d, &e);
        is_int(d.n, 0, "Cpus_allowed_list reads back %s", one);
        vp_drifts_free(&d);
        cpu_set_t got;
        ok(sched_getaffinity((pid_t)helper_tid, sizeof(got), &got) == 0 && CPU_COUNT(&got) == 1 &&
               CPU_ISSET(first, &got),
           "sched_getaffinity agrees");
        ok(sched_getaffinity(0, sizeof(got), &got) == 0 && CPU_EQUAL(&got, &all),
           "the emulator (main) thread untouched: no emulator entry");
        vp_cgwrites_free(&w);

        /* the kernel's word on what a process holds (I3): the helper's CPU,
         * as its affinity leaves out the others; every other thread floats */
        vp_cpuset allset = own_affinity(), pinned, want;
        vp_cpuset_zero(&want);
        if (CPU_COUNT(&all) > 1)
                vp_cpuset_set(&want, (unsigned)first);
        r = vp_affinity_pinned("/proc", getpid(), &allset, NULL, &pinned, &e);
        is_int(r, 0, "vp_affinity_pinned on ourselves (%s)", r ? e.msg : "");
        char pb[64];
        ok(vp_cpuset_equal(&pinned, &want), "pinned: the helper's CPU %d alone (got '%s')", first,
           vp_cpuset_fmt(&pinned, pb, sizeof(pb)));
        /* against a record: the helper is 'CPU 0/TCG', a vCPU thread, so
         * its CPU is beyond a record whose vCPUs are elsewhere even when
         * the emulator floats there; within a record placing it there,
         * nothing is */
        vp_pin_record rec;
        vp_cpuset_zero(&rec.vcpus);
        rec.emulator = allset;
        rec.own = allset;
        r = vp_affinity_pinned("/proc", getpid(), &allset, &rec, &pinned, &e);
        ok(r == 0 && vp_cpuset_equal(&pinned, &want),
           "a vCPU thread beyond its record's vCPUs counts, by its name (got '%s')",
           vp_cpuset_fmt(&pinned, pb, sizeof(pb)));
        rec.vcpus = want;
        r = vp_affinity_pinned("/proc", getpid(), &allset, &rec, &pinned, &e);
        ok(r == 0 && vp_cpuset_empty(&pinned), "within the record: nothing beyond it (got '%s')",
           vp_cpuset_fmt(&pinned, pb, sizeof(pb)));
        is_int(vp_affinity_pinned("/proc", 0x7ffffff0L, &allset, NULL, &pinned, &e), -ESRCH,
               "a process that is gone: -ESRCH");
        ok(vp_cpuset_empty(&pinned), "and nothing pinned");

        add(&w, "vcpu0/cpuset.cpus", "4000");
        r = vp_affinity_apply(&t, &w, &e);
        is_int(r, -EINVAL, "a CPU that does not exist: -EINVAL");
        like(e.msg, "cannot pin vcpu0 thread", "message names group and thread");
        like(e.msg, "to CPUs '4000': Invalid argument", "message quotes the value");
        vp_cgwrites_free(&w);
        vp_threads_free(&t);

        pthread_mutex_lock(&mu);
        stop = true;
        pthread_cond_broadcast(&cv);
        pthread_mutex_unlock(&mu);
        pthread_join(th, NULL);
}

/* --- real threads of this process ------------------------------------------ */

/* A thread of ours named as QEMU names one, parked until released. */
typedef struct named {
        const char *name;
        pthread_t th;
        long tid;
        bool release;
} named;

static pthread_mutex_t nmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ncv = PTHREAD_COND_INITIALIZER;

static void *named_main(void *arg)
{
        named *n = arg;
        pthread_setname_np(pthread_self(), n->name);
        pthread_mutex_lock(&nmu);
        n->tid = syscall(SYS_gettid);
        pthread_cond_broadcast(&ncv);
        while (!n->release)
                pthread_cond_wait(&ncv, &nmu);
        pthread_mutex_unlock(&nmu);
        return NULL;
}

static void named_start(named *n)
{
        n->tid = 0;
        n->release = false;
        pthread_create(&n->th, NULL, named_main, n);
        pthread_mutex_lock(&nmu);
        while (!n->tid)
                pthread_cond_wait(&ncv, &nmu);
        pthread_mutex_unlock(&nmu);
}

static void named_stop(named *n)
{
        pthread_mutex_lock(&nmu);
        n->release = true;
        pthread_cond_broadcast(&ncv);
        pthread_mutex_unlock(&nmu);
        pthread_join(n->th, NULL);
}

/* The group vp_threads_list gave tid, or "(absent)". */
static const char *group_of(const vp_threads *t, long tid, char *buf, size_t len)
{
        for (size_t i = 0; i < t->n; i++)
                if (t->t[i].tid == tid)
                        return vp_thread_group(&t->t[i], buf, len);
        snprintf(buf, len, "(absent)");
        return buf;
}

/* The CPUs the kernel lets tid run on, as a cpuset list ("0-1"). */
static char *kernel_cpus(long tid)
{
        cpu_set_t s;
        if (sched_getaffinity((pid_t)tid, sizeof(s), &s) < 0)
                return vp_xstrdup("(error)");
        vp_cpuset c;
        vp_cpuset_zero(&c);
        for (int i = 0; i < CPU_SETSIZE && i < VP_MAX_CPUS; i++)
                if (CPU_ISSET(i, &s))
                        vp_cpuset_set(&c, (unsigned)i);
        return vp_cpuset_format(&c);
}

/* Field key of /proc/self/task/TID/status, trimmed. */
static char *status_field(long tid, const char *key)
{
        char *path = vp_xasprintf("/proc/self/task/%ld/status", tid);
        char *text = NULL, *r = NULL;
        if (vp_read_file(path, 1 << 20, &text, NULL, NULL) == 0) {
                size_t kl = strlen(key);
                for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
                        if (!strncmp(line, key, kl) && line[kl] == ':') {
                                r = vp_xstrdup(vp_strstrip(line + kl + 1));
                                break;
                        }
        }
        free(text);
        free(path);
        return r ? r : vp_xstrdup("(missing)");
}

#define IS_KERNEL(tid, want, what)                                                                 \
        do {                                                                                       \
                char *_k = kernel_cpus(tid), *_s = status_field(tid, "Cpus_allowed_list");         \
                is_str(_k, want, "%s: sched_getaffinity", what);                                   \
                is_str(_s, want, "%s: Cpus_allowed_list", what);                                   \
                free(_k);                                                                          \
                free(_s);                                                                          \
        } while (0)

static void test_real_threads(void)
{
        cpu_set_t all;
        if (sched_getaffinity(0, sizeof(all), &all) < 0) {
                ok(0, "sched_getaffinity");
                return;
        }
        int c0 = -1, c1 = -1;
        for (int c = 0; c < CPU_SETSIZE; c++)
                if (CPU_ISSET(c, &all)) {
                        if (c0 < 0)
                                c0 = c;
                        else if (c1 < 0)
                                c1 = c;
                }
        char *all_txt = kernel_cpus(0);

        named th[] = {{.name = "CPU 0/TCG"},
                      {.name = "CPU 1/TCG"},
                      {.name = "IO iothread2"},
                      {.name = "IO mon_iothread"},
                      {.name = "worker"}};
        enum { V0, V1, IO2, MON, WORKER };
        for (size_t i = 0; i < VP_ARRAY_SIZE(th); i++)
                named_start(&th[i]);
        long self = syscall(SYS_gettid);

        vp_threads t;
        vp_error e;
        char g[32];
        int r = vp_threads_list("/proc", getpid(), NULL, 0, &t, &e);
        is_int(r, 0, "real /proc: own threads listed (%s)", r ? e.msg : "");
        /* (a sanitizer runtime may have threads of its own: count ours) */
        size_t ours = 0;
        for (size_t i = 0; i < t.n; i++) {
                bool mine = t.t[i].tid == self;
                for (size_t k = 0; k < VP_ARRAY_SIZE(th); k++)
                        mine |= t.t[i].tid == th[k].tid;
                ours += mine;
        }
        is_int(ours, VP_ARRAY_SIZE(th) + 1, "the main thread and the %zu named ones listed",
               VP_ARRAY_SIZE(th));
        is_str(group_of(&t, self, g, sizeof(g)), "emulator", "main thread: emulator");
        is_str(group_of(&t, th[V0].tid, g, sizeof(g)), "vcpu0", "'CPU 0/TCG': vcpu0");
        is_str(group_of(&t, th[V1].tid, g, sizeof(g)), "vcpu1", "'CPU 1/TCG': vcpu1");
        is_str(group_of(&t, th[IO2].tid, g, sizeof(g)), "iothread2", "'IO iothread2': iothread2");
        is_str(group_of(&t, th[MON].tid, g, sizeof(g)), "emulator", "'IO mon_iothread': emulator");
        is_str(group_of(&t, th[WORKER].tid, g, sizeof(g)), "emulator", "'worker': emulator");
        bool sorted = true;
        for (size_t i = 1; i < t.n; i++)
                sorted &= t.t[i - 1].tid < t.t[i].tid;
        ok(sorted, "sorted by tid");
        vp_threads_free(&t);
        ok(t.t == NULL && t.n == 0, "threads_free empties");

        /* TIDs from the domain status win over names */
        unsigned tids[] = {(unsigned)th[WORKER].tid, (unsigned)th[V0].tid};
        r = vp_threads_list("/proc", getpid(), tids, 2, &t, &e);
        is_int(r, 0, "listed with status TIDs (%s)", r ? e.msg : "");
        is_str(group_of(&t, th[WORKER].tid, g, sizeof(g)), "vcpu0", "status TID 0: 'worker'");
        is_str(group_of(&t, th[V0].tid, g, sizeof(g)), "vcpu1", "status TID 1: 'CPU 0/TCG'");
        is_str(group_of(&t, th[V1].tid, g, sizeof(g)), "emulator",
               "'CPU 1/TCG' is not vcpu1 when the status names vcpu1's thread");
        is_str(group_of(&t, th[IO2].tid, g, sizeof(g)), "iothread2", "iothreads by name still");
        vp_threads_free(&t);

        /* pin every group, then ask the kernel */
        r = vp_threads_list("/proc", getpid(), NULL, 0, &t, &e);
        char s0[16], s1[16], both[32];
        snprintf(s0, sizeof(s0), "%d", c0);
        snprintf(s1, sizeof(s1), "%d", c1 >= 0 ? c1 : c0);
        if (c1 >= 0)
                snprintf(both, sizeof(both), "%d,%d", c0, c1);
        else
                snprintf(both, sizeof(both), "%d", c0);
        char *both_txt;
        {
                vp_cpuset b;
                vp_cpuset_parse(&b, both, VP_MAX_CPUS, NULL);
                both_txt = vp_cpuset_format(&b);
        }
        vp_cgwrites w = {0};
        add(&w, "cpu.shares", "1024");
        add(&w, "vcpu0/cpuset.cpus", s0);
        add(&w, "vcpu0/cpuset.mems", "0");
        add(&w, "vcpu1/cpuset.cpus", s1);
        add(&w, "iothread2/cpuset.cpus", both);
        add(&w, "emulator/cpuset.cpus", s1);
        r = vp_affinity_apply(&t, &w, &e);
        is_int(r, 0, "every group pinned (%s)", r ? e.msg : "");
        IS_KERNEL(th[V0].tid, s0, "vcpu0");
        IS_KERNEL(th[V1].tid, s1, "vcpu1");
        IS_KERNEL(th[IO2].tid, both_txt, "iothread2");
        IS_KERNEL(th[MON].tid, s1, "'IO mon_iothread' with the emulator");
        IS_KERNEL(th[WORKER].tid, s1, "'worker' with the emulator");
        IS_KERNEL(self, s1, "the main thread with the emulator");
        vp_drifts d = {0};
        r = vp_affinity_verify("/proc", getpid(), &t, &w, &d, &e);
        is_int(r, 0, "verify returns 0");
        is_int(d.n, 0, "no drift right after pinning");
        vp_drifts_free(&d);

        /* moved behind vmplace's back: the kernel's value is the drift */
        if (c1 >= 0) {
                cpu_set_t s;
                CPU_ZERO(&s);
                CPU_SET(c1, &s);
                sched_setaffinity((pid_t)th[V0].tid, sizeof(s), &s);
                r = vp_affinity_verify("/proc", getpid(), &t, &w, &d, &e);
                is_int(d.n, 1, "one thread moved: one drift");
                if (d.n == 1) {
                        char *want = vp_xasprintf("vcpu0 tid %ld Cpus_allowed_list", th[V0].tid);
                        is_str(d.d[0].file, want, "names group, tid and field");
                        is_str(d.d[0].want, s0, "want: the plan's CPU");
                        is_str(d.d[0].have, s1, "have: the kernel's");
                        free(want);
                }
                vp_drifts_free(&d);
        } else {
                printf("ok %d # skip one CPU: no second CPU to move a thread to\n", ++tap_n);
        }

        /* memory nodes: this process's Mems_allowed_list is the truth */
        char *mems = status_field(th[V0].tid, "Mems_allowed_list");
        vp_cgwrites wm = {0};
        add(&wm, "vcpu1/cpuset.mems", mems);
        add(&wm, "iothread2/cpuset.mems", "63");
        r = vp_affinity_verify("/proc", getpid(), &t, &wm, &d, &e);
        is_int(d.n, 1, "mems: the kernel's nodes match, node 63 does not");
        if (d.n == 1) {
                char *want = vp_xasprintf("iothread2 tid %ld Mems_allowed_list", th[IO2].tid);
                is_str(d.d[0].file, want, "mems drift names iothread2");
                is_str(d.d[0].have, mems, "have: Mems_allowed_list as the kernel says");
                free(want);
        }
        vp_drifts_free(&d);
        vp_cgwrites_free(&wm);
        free(mems);

        /* a thread that exits between listing and pinning is skipped by both:
         * wait until the kernel has dropped it (a joined thread's task can
         * linger a moment), then ask for CPUs it does not have */
        named_stop(&th[V1]);
        char *task = vp_xasprintf("/proc/self/task/%ld", th[V1].tid);
        struct stat st;
        for (int i = 0; i < 1000 && stat(task, &st) == 0; i++)
                usleep(1000);
        ok(stat(task, &st) < 0, "vcpu1's thread is gone from /proc");
        free(task);
        vp_cgwrites_free(&w);
        add(&w, "vcpu1/cpuset.cpus", c1 >= 0 ? s0 : "4000");
        add(&w, "vcpu1/cpuset.mems", "63");
        r = vp_affinity_apply(&t, &w, &e);
        is_int(r, 0, "an exited vcpu1 thread is skipped (%s)", r ? e.msg : "");
        r = vp_affinity_verify("/proc", getpid(), &t, &w, &d, &e);
        is_int(d.n, 0, "verify skips it too (no drift though it matches nothing)");
        vp_drifts_free(&d);
        vp_cgwrites_free(&w);

        /* errors: every thread is tried, the first failure reported */
        char *v0_before = kernel_cpus(th[V0].tid);
        add(&w, "vcpu0/cpuset.cpus", "4000");
        add(&w, "iothread2/cpuset.cpus", "4001");
        r = vp_affinity_apply(&t, &w, &e);
        is_int(r, -EINVAL, "CPUs that do not exist: -EINVAL");
        char *m = vp_xasprintf("cannot pin vcpu0 thread %ld to CPUs '4000': Invalid argument (and "
                               "1 more threads failed)",
                               th[V0].tid);
        is_str(e.msg, m, "the first failure, and how many more");
        free(m);
        IS_KERNEL(th[V0].tid, v0_before, "vcpu0 keeps its affinity after the failure");
        free(v0_before);
        vp_cgwrites_free(&w);
        add(&w, "vcpu0/cpuset.cpus", "1-x");
        r = vp_affinity_apply(&t, &w, &e);
        is_int(r, -EINVAL, "a value that is no CPU list: -EINVAL");
        m = vp_xasprintf("cannot pin vcpu0 thread %ld: ", th[V0].tid);
        like(e.msg, m, "names group and thread");
        free(m);
        vp_cgwrites_free(&w);
        vp_threads_free(&t);

        /* a status TID of a thread that is gone: stale status */
        unsigned stale[] = {(unsigned)th[V0].tid, (unsigned)th[V1].tid};
        r = vp_threads_list("/proc", getpid(), stale, 2, &t, &e);
        is_int(r, -ESRCH, "a status TID of an exited thread: -ESRCH");
        m = vp_xasprintf("vCPU 1 thread %ld (from the domain status) is not a thread of QEMU pid "
                         "%ld",
                         th[V1].tid, (long)getpid());
        is_str(e.msg, m, "message names vCPU, TID and pid");
        free(m);
        ok(t.t == NULL && t.n == 0, "nothing listed");

        /* give the main thread its CPUs back */
        sched_setaffinity(0, sizeof(all), &all);
        IS_KERNEL(self, all_txt, "main thread restored");
        for (size_t i = 0; i < VP_ARRAY_SIZE(th); i++)
                if (i != V1)
                        named_stop(&th[i]);
        free(all_txt);
        free(both_txt);
}

/* Names and files no thread of ours can show (QEMU's limits, a task dir
 * without comm, a status without the fields). */
static void test_fake_edges(void)
{
        fresh();
        static const fake_thread th[] = {{"200", "qemu-system-x86"}, {"201", "CPU 70000/KVM"},
                                         {"202", "CPU 3"},           {"203", "CPU x/KVM"},
                                         {"204", "IO iothread"},     {"205", "IO iothread4x"},
                                         {"206", "CPU 65535/KVM"},   {"207", "IO iothread7"}};
        fake_threads(200, th, VP_ARRAY_SIZE(th), NULL);
        put("proc/200/task/208/status", "Name:\tgone\n");  /* no comm: exited meanwhile */
        put("proc/200/task/self-ish/comm", "CPU 0/KVM\n"); /* not a TID */
        put("proc/200/task/0/comm", "CPU 0/KVM\n");
        put("proc/200/task/207/status", "Name:\tx\n");
        char *proc = procroot();
        vp_threads t;
        vp_error e;
        int r = vp_threads_list(proc, 200, NULL, 0, &t, &e);
        is_int(r, 0, "listed (%s)", r ? e.msg : "");
        char g[32], got[512];
        is_str(groups(&t, got, sizeof(got)),
               "200=emulator 201=emulator 202=emulator 203=emulator 204=emulator 205=emulator "
               "206=vcpu65535 207=iothread7",
               "vCPU ids above 65535, no '/', no number, iothread without or with a bad "
               "number: emulator; entries that are no TID and tasks without comm skipped");

        /* a status file without the fields: have "(missing)" */
        vp_cgwrites w = {0};
        add(&w, "iothread7/cpuset.cpus", "1");
        add(&w, "iothread7/cpuset.mems", "0");
        vp_drifts d = {0};
        vp_affinity_verify(proc, 200, &t, &w, &d, &e);
        is_int(d.n, 2, "both fields missing: two drifts");
        if (d.n == 2) {
                is_str(d.d[0].file, "iothread7 tid 207 Cpus_allowed_list", "cpus first");
                is_str(d.d[0].have, "(missing)", "have (missing)");
                is_str(d.d[1].file, "iothread7 tid 207 Mems_allowed_list", "then mems");
        }
        vp_drifts_free(&d);
        vp_cgwrites_free(&w);
        vp_threads_free(&t);

        char *empty = vp_xasprintf("%s/300/task", proc);
        vp_mkdir_p(empty, 0755, NULL);
        r = vp_threads_list(proc, 300, NULL, 0, &t, &e);
        is_int(r, -ESRCH, "a task dir without threads: -ESRCH");
        char *m = vp_xasprintf("QEMU pid 300 has no threads in %s", empty);
        is_str(e.msg, m, "message names the dir");
        free(m);
        free(empty);

        vp_thread one = {.tid = 1, .kind = VP_THREAD_IOTHREAD, .id = 4294967295u};
        is_str(vp_thread_group(&one, g, sizeof(g)), "iothread4294967295", "largest iothread id");
        char small[6];
        is_str(vp_thread_group(&one, small, sizeof(small)), "iothr", "cut to the buffer");
        free(proc);
}

int main(void)
{
        test_threads_fake();
        test_affinity_self();
        test_real_threads();
        test_fake_edges();
        if (tmp)
                tree_rm(tmp);
        return tap_done();
}
