/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cgroup and affinity modules on this kernel's real cgroups (root only;
 * a failure otherwise). For each layout libvirt makes -- without systemd
 * (machine/qemu-ID-vptest.libvirt-qemu) and with systemd's names
 * (machine.slice/machine-qemu\x2dID\x2dvptest.scope/libvirt) -- it builds the
 * groups as libvirt does (v1: cpu, cpuacct, cpuset hierarchies, cpuset
 * groups given cpus+mems before tasks join; v2: +cpu +cpuset down the path,
 * threaded vcpuN/emulator/iothreadN), starts a stand-in QEMU (a forked child
 * whose threads are named "CPU 0/TCG", "CPU 1/TCG", "IO iothread1",
 * "call_rcu"), moves its threads in like libvirt, writes a libvirt status
 * file (NAME.pid, NAME.xml with the vCPU TIDs) into a temporary
 * VMPLACE_LIBVIRT_RUNDIR, then finds, applies, pins and reads back, checking
 * the cgroup files and /proc/PID/task/TID/status against the plan. Also the
 * orderings the kernel refuses when done naively, errors and drift.
 * Groups and the stand-in are removed on every exit path (atexit, signals;
 * the stand-in dies with us through PR_SET_PDEATHSIG; leftovers of a killed
 * run are swept at the next start). The same binary runs inside a cgroup v2
 * guest kernel from tests/sh/test_cgroup_qemu.sh.
 * needs root: it makes, writes and removes groups in the host's real cgroups */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "affinity.h"
#include "fileio.h"
#include "cgroup.h"
#include "cgwrites.h"
#include "domain.h"
#include "paths.h"
#include "plan.h"
#include "tap.h"

#define ROOT "/sys/fs/cgroup"
#define NAME "vptest"

enum { MODE_V1 = 1, MODE_V2 = 2 };
static int mode;
static const char *const v1_hiers[] = {"cpu", "cpuacct", "cpuset"};
static const char *const thread_groups[] = {"emulator", "vcpu0", "vcpu1", "iothread1"};

/* --- cleanup state: only what this run created ----------------------------- */

#define MAXMADE 64
static char made[MAXMADE][512];
static volatile int nmade;
static volatile pid_t standin;
static char rundir[96];

static void sleep_ms(long ms)
{
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
}

/* async-signal-safe: kill + reap our own child, rmdir what we made */
static void cleanup_groups(void)
{
        pid_t c = standin;
        if (c > 0) {
                kill(c, SIGKILL);
                waitpid(c, NULL, 0);
                standin = 0;
        }
        for (int i = nmade - 1; i >= 0; i--)
                for (int t = 0; t < 100; t++) {
                        if (rmdir(made[i]) == 0 || errno == ENOENT)
                                break;
                        sleep_ms(10); /* a killed task leaves its groups shortly after */
                }
        nmade = 0;
}

static void cleanup(void)
{
        cleanup_groups();
        if (rundir[0]) {
                char p[128];
                const char *files[] = {NAME ".pid", NAME ".xml"};
                for (int i = 0; i < 2; i++) {
                        snprintf(p, sizeof(p), "%s/%s", rundir, files[i]);
                        unlink(p);
                }
                rmdir(rundir);
                rundir[0] = '\0';
        }
}

static void on_signal(int sig)
{
        cleanup();
        signal(sig, SIG_DFL);
        raise(sig);
}

/* --- small file helpers ------------------------------------------------------ */

static int wr(const char *path, const char *val)
{
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        ssize_t n = write(fd, val, strlen(val));
        int r = n < 0 ? -errno : 0;
        close(fd);
        return r;
}

static char *rd(const char *path)
{
        char *b = NULL;
        if (vp_read_file(path, 1 << 20, &b, NULL, NULL) < 0)
                return vp_xstrdup("(unreadable)");
        char *s = vp_xstrdup(vp_strstrip(b));
        free(b);
        return s;
}

#define IS_FILE(path, want, ...) is_str_free(rd(path), want, __VA_ARGS__)

static char *pj(const char *a, const char *b)
{
        return vp_xasprintf("%s/%s", a, b);
}

/* mkdir, remembered for cleanup when we made it */
static int mkgroup(const char *path)
{
        if (mkdir(path, 0755) == 0) {
                if (nmade < MAXMADE)
                        snprintf(made[nmade++], sizeof(made[0]), "%s", path);
                return 0;
        }
        return errno == EEXIST ? 0 : -errno;
}

/* v1: a new cpuset group starts with no CPUs and no nodes; libvirt copies the parent's */
static int cpuset_inherit(const char *path)
{
        static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
        for (int i = 0; i < 2; i++) {
                char *mine = pj(path, files[i]);
                char *cur = rd(mine);
                int r = 0;
                if (!*cur) {
                        char *parent = vp_xstrdup(path);
                        *strrchr(parent, '/') = '\0';
                        char *pf = pj(parent, files[i]);
                        char *pv = rd(pf);
                        r = wr(mine, pv);
                        free(pv);
                        free(pf);
                        free(parent);
                }
                free(cur);
                free(mine);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Remove groups a killed earlier run left: NAMEs with the id of a dead pid. */
static void rm_tree(const char *dir)
{
        DIR *d = opendir(dir);
        if (!d)
                return;
        struct dirent *e;
        while ((e = readdir(d)))
                if (e->d_type == DT_DIR && e->d_name[0] != '.') {
                        char *c = pj(dir, e->d_name);
                        rm_tree(c);
                        free(c);
                }
        closedir(d);
        rmdir(dir);
}

/* the id in "qemu-ID-vptest.libvirt-qemu" or "machine-qemu\x2dID\x2dvptest.scope", else 0 */
static int stale_id(const char *name)
{
        static const char *const pre[] = {"qemu-", "machine-qemu\\x2d"};
        static const char *const post[] = {"-" NAME ".libvirt-qemu", "\\x2d" NAME ".scope"};
        for (int i = 0; i < 2; i++) {
                size_t pl = strlen(pre[i]);
                if (strncmp(name, pre[i], pl))
                        continue;
                char *end;
                long id = strtol(name + pl, &end, 10);
                if (end > name + pl && id > 0 && id < INT32_MAX && !strcmp(end, post[i]))
                        return (int)id;
        }
        return 0;
}

static void sweep_stale(const char *base)
{
        static const char *const parts[] = {"machine", "machine.slice"};
        for (int p = 0; p < 2; p++) {
                char *dir = pj(base, parts[p]);
                DIR *d = opendir(dir);
                struct dirent *e;
                bool swept = false;
                while (d && (e = readdir(d))) {
                        int id = stale_id(e->d_name);
                        if (id <= 0)
                                continue;
                        if (id > 0 && kill(id, 0) < 0 && errno == ESRCH) {
                                char *g = pj(dir, e->d_name);
                                printf("# removing %s left by a killed run\n", g);
                                rm_tree(g);
                                free(g);
                                swept = true;
                        }
                }
                if (d)
                        closedir(d);
                /* the partition too when that run made it (no one else uses
                 * machine.slice without systemd); fails harmlessly if in use */
                if (swept && p == 1)
                        rmdir(dir);
                free(dir);
        }
}

/* temporary libvirt run dirs of killed runs: /tmp/vmplace-lvrun-PID-XXXXXX */
static void sweep_rundirs(void)
{
        DIR *d = opendir("/tmp");
        struct dirent *e;
        while (d && (e = readdir(d))) {
                int id = 0;
                char rest[16];
                if (sscanf(e->d_name, "vmplace-lvrun-%d-%6[A-Za-z0-9]", &id, rest) != 2 ||
                    strlen(rest) != 6 || id <= 0 || kill(id, 0) == 0 || errno != ESRCH)
                        continue;
                char *dir = pj("/tmp", e->d_name);
                DIR *sub = opendir(dir);
                struct dirent *f;
                while (sub && (f = readdir(sub)))
                        if (!strncmp(f->d_name, NAME ".", strlen(NAME ".")))
                                unlinkat(dirfd(sub), f->d_name, 0);
                if (sub)
                        closedir(sub);
                rmdir(dir);
                free(dir);
        }
        if (d)
                closedir(d);
}

/* --- the stand-in QEMU ------------------------------------------------------- */

enum { T_MAIN = 0, T_VCPU0, T_VCPU1, T_IO, T_RCU, T_N };
static const char *const tnames[T_N] = {"qemu-system-x86", "CPU 0/TCG", "CPU 1/TCG", "IO iothread1",
                                        "call_rcu"};
static int standin_fd = -1;

struct rec {
        long idx; /* no padding: the whole struct goes through the pipe */
        long tid;
};

static void *standin_thread(void *arg)
{
        int idx = (int)(intptr_t)arg;
        pthread_setname_np(pthread_self(), tnames[idx]);
        struct rec r = {idx, (long)syscall(SYS_gettid)};
        if (write(standin_fd, &r, sizeof(r)) != sizeof(r))
                _exit(1);
        for (;;)
                pause();
        return NULL;
}

static int start_standin(long tids[T_N])
{
        int p[2];
        if (pipe(p) < 0)
                return -errno;
        pid_t parent = getpid();
        pid_t c = fork();
        if (c < 0)
                return -errno;
        if (c == 0) {
                signal(SIGINT, SIG_DFL);
                signal(SIGTERM, SIG_DFL);
                signal(SIGHUP, SIG_DFL);
                nmade = 0;
                rundir[0] = '\0';
                standin = 0;
                close(p[0]);
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (getppid() != parent)
                        _exit(0);
                prctl(PR_SET_NAME, tnames[T_MAIN]);
                standin_fd = p[1];
                struct rec r = {T_MAIN, (long)syscall(SYS_gettid)};
                if (write(standin_fd, &r, sizeof(r)) != sizeof(r))
                        _exit(1);
                for (int i = 1; i < T_N; i++) {
                        pthread_t t;
                        if (pthread_create(&t, NULL, standin_thread, (void *)(intptr_t)i))
                                _exit(1);
                        pthread_detach(t);
                }
                for (;;)
                        pause();
        }
        standin = c;
        close(p[1]);
        int got = 0;
        while (got < T_N) {
                struct pollfd pf = {p[0], POLLIN, 0};
                if (poll(&pf, 1, 30000) <= 0)
                        break;
                struct rec r;
                if (read(p[0], &r, sizeof(r)) != sizeof(r))
                        break;
                if (r.idx >= 0 && r.idx < T_N) {
                        tids[r.idx] = r.tid;
                        got++;
                }
        }
        close(p[0]);
        return got == T_N ? 0 : -EIO;
}

/* --- host shape -------------------------------------------------------------- */

static bool has_word(const char *list, const char *word)
{
        size_t wl = strlen(word);
        for (const char *p = list; (p = strstr(p, word)); p += wl)
                if ((p == list || p[-1] == ' ') && (p[wl] == ' ' || p[wl] == '\0'))
                        return true;
        return false;
}

static int detect_mode(char *why, size_t len)
{
        char *ctl = rd(ROOT "/cgroup.controllers");
        bool v2 = has_word(ctl, "cpu") && has_word(ctl, "cpuset");
        free(ctl);
        if (v2)
                return MODE_V2;
        struct stat st;
        if (stat(ROOT "/cpu/cpu.shares", &st) == 0 && stat(ROOT "/cpuset/cpuset.cpus", &st) == 0 &&
            stat(ROOT "/cpuacct", &st) == 0)
                return MODE_V1;
        snprintf(why, len, "no cgroup2 root with cpu+cpuset and no v1 cpu/cpuacct/cpuset under %s",
                 ROOT);
        return 0;
}

/* CPUs and nodes the partition offers; the values every check uses */
static struct {
        char all[64], nodes_all[64];
        char a[16], b[16];            /* two CPUs */
        char p0[16], p1[16], emu[32]; /* vcpu0/vcpu1/emulator pins */
        char io[16], mem[16];
} V;

static bool pick_values(const char *cpus, const char *mems)
{
        vp_cpuset c, m;
        if (vp_cpuset_parse(&c, cpus, VP_MAX_CPUS, NULL) < 0 ||
            vp_cpuset_parse(&m, mems, VP_MAX_CPUS, NULL) < 0 || vp_cpuset_count(&c) < 2)
                return false;
        int l[4], n = 0;
        for (int x = vp_cpuset_next(&c, 0); x >= 0 && n < 4; x = vp_cpuset_next(&c, x + 1))
                l[n++] = x;
        vp_cpuset_fmt(&c, V.all, sizeof(V.all));
        vp_cpuset_fmt(&m, V.nodes_all, sizeof(V.nodes_all));
        snprintf(V.a, sizeof(V.a), "%d", l[0]);
        snprintf(V.b, sizeof(V.b), "%d", l[1]);
        if (n >= 4) { /* the guest: node0 = 0-1, node1 = 2-3 */
                snprintf(V.p0, sizeof(V.p0), "%d", l[2]);
                snprintf(V.p1, sizeof(V.p1), "%d", l[3]);
                snprintf(V.emu, sizeof(V.emu), "%d-%d", l[0], l[1]);
        } else {
                snprintf(V.p0, sizeof(V.p0), "%d", l[1]);
                snprintf(V.p1, sizeof(V.p1), "%d", l[0]);
                snprintf(V.emu, sizeof(V.emu), "%d", l[0]);
        }
        snprintf(V.io, sizeof(V.io), "%d", l[1]);
        snprintf(V.mem, sizeof(V.mem), "%d", vp_cpuset_last(&m));
        return true;
}

/* --- one layout -------------------------------------------------------------- */

typedef struct lay {
        bool systemd;
        char domain[128]; /* relative to the hierarchy root */
        char nested[160];
        long tids[T_N];
} lay;

/* the group dir of rel (relative to the domain's nested group) for a controller */
static char *gpath(const lay *L, const char *ctl, const char *rel)
{
        const char *base = L->nested;
        if (rel && !strcmp(rel, "@domain")) {
                base = L->domain;
                rel = NULL;
        }
        if (mode == MODE_V1)
                return rel ? vp_xasprintf(ROOT "/%s/%s/%s", ctl, base, rel)
                           : vp_xasprintf(ROOT "/%s/%s", ctl, base);
        return rel ? vp_xasprintf(ROOT "/%s/%s", base, rel) : vp_xasprintf(ROOT "/%s", base);
}

static char *fpath(const lay *L, const char *ctl, const char *group, const char *file)
{
        char *g = gpath(L, ctl, group);
        char *p = pj(g, file);
        free(g);
        return p;
}

/* File file of L's group (as fpath) reads back as want. */
#define IS_GROUP_FILE(L, ctl, group, file, want, ...)                                              \
        do {                                                                                       \
                char *_p = fpath(L, ctl, group, file);                                             \
                IS_FILE(_p, want, __VA_ARGS__);                                                    \
                free(_p);                                                                          \
        } while (0)

static int build_v1(lay *L, const char *part)
{
        int r = 0;
        for (size_t h = 0; h < VP_ARRAY_SIZE(v1_hiers) && !r; h++) {
                const char *hier = v1_hiers[h];
                bool cs = !strcmp(hier, "cpuset");
                char *dirs[3] = {vp_xasprintf(ROOT "/%s/%s", hier, part),
                                 vp_xasprintf(ROOT "/%s/%s", hier, L->domain),
                                 vp_xasprintf(ROOT "/%s/%s", hier, L->nested)};
                for (int i = 0; i < 3 && !r; i++)
                        if (!(r = mkgroup(dirs[i])) && cs)
                                r = cpuset_inherit(dirs[i]);
                for (size_t g = 0; g < VP_ARRAY_SIZE(thread_groups) && !r; g++) {
                        char *d = pj(dirs[2], thread_groups[g]);
                        if (!(r = mkgroup(d)) && cs)
                                r = cpuset_inherit(d);
                        free(d);
                }
                for (int i = 0; i < 3; i++)
                        free(dirs[i]);
        }
        if (r)
                return r;
        /* libvirt: the whole process into emulator/, then each vCPU / iothread */
        char pid[32];
        snprintf(pid, sizeof(pid), "%ld", L->tids[T_MAIN]);
        const int who[] = {T_VCPU0, T_VCPU1, T_IO};
        for (size_t h = 0; h < VP_ARRAY_SIZE(v1_hiers) && !r; h++) {
                char *f = fpath(L, v1_hiers[h], "emulator", "cgroup.procs");
                r = wr(f, pid);
                free(f);
                for (int i = 0; i < 3 && !r; i++) {
                        char t[32];
                        snprintf(t, sizeof(t), "%ld", L->tids[who[i]]);
                        f = fpath(L, v1_hiers[h], thread_groups[i + 1], "tasks");
                        r = wr(f, t);
                        free(f);
                }
        }
        return r;
}

static int build_v2(lay *L, const char *part)
{
        const char *ctl = "+cpu +cpuset";
        char *sub = rd(ROOT "/cgroup.subtree_control");
        int r = 0;
        if (!strstr(sub, "cpuset") || !strstr(sub, "cpu"))
                r = wr(ROOT "/cgroup.subtree_control", ctl);
        free(sub);
        char *p = vp_xasprintf(ROOT "/%s", part);
        char *d = vp_xasprintf(ROOT "/%s", L->domain);
        char *n = vp_xasprintf(ROOT "/%s", L->nested);
        if (!r && !(r = mkgroup(p))) {
                char *s = pj(p, "cgroup.subtree_control");
                r = wr(s, ctl);
                free(s);
        }
        if (!r)
                r = mkgroup(d);
        if (!r && L->systemd) {
                char *s = pj(d, "cgroup.subtree_control");
                r = wr(s, ctl);
                free(s);
                if (!r)
                        r = mkgroup(n);
        }
        char pid[32];
        snprintf(pid, sizeof(pid), "%ld", L->tids[T_MAIN]);
        if (!r) {
                char *f = pj(n, "cgroup.procs");
                r = wr(f, pid);
                free(f);
        }
        for (size_t g = 0; g < VP_ARRAY_SIZE(thread_groups) && !r; g++) {
                char *gd = pj(n, thread_groups[g]);
                char *t = pj(gd, "cgroup.type");
                if (!(r = mkgroup(gd)))
                        r = wr(t, "threaded");
                free(t);
                free(gd);
        }
        if (!r) {
                char *s = pj(n, "cgroup.subtree_control");
                r = wr(s, ctl);
                free(s);
        }
        /* threads: main and helpers to emulator/, vCPUs and the iothread to theirs */
        const struct {
                int t;
                const char *g;
        } mv[] = {{T_MAIN, "emulator"},
                  {T_RCU, "emulator"},
                  {T_VCPU0, "vcpu0"},
                  {T_VCPU1, "vcpu1"},
                  {T_IO, "iothread1"}};
        for (size_t i = 0; i < VP_ARRAY_SIZE(mv) && !r; i++) {
                char t[32];
                snprintf(t, sizeof(t), "%ld", L->tids[mv[i].t]);
                char *f = vp_xasprintf("%s/%s/cgroup.threads", n, mv[i].g);
                r = wr(f, t);
                free(f);
        }
        free(p);
        free(d);
        free(n);
        return r;
}

static int write_status(const lay *L)
{
        char *pidf = vp_xasprintf("%s/%s.pid", rundir, NAME);
        char *xmlf = vp_xasprintf("%s/%s.xml", rundir, NAME);
        char *pid = vp_xasprintf("%ld", L->tids[T_MAIN]);
        char *xml = vp_xasprintf(
            "<!--\nWARNING: THIS IS AN AUTO-GENERATED FILE.\n-->\n"
            "<domstatus state='running' reason='booted' pid='%ld'>\n"
            "  <taint flag='high-privileges'/>\n"
            "  <monitor path='/var/lib/libvirt/qemu/domain-%d-%s/monitor.sock' type='unix'/>\n"
            "  <vcpus>\n    <vcpu id='0' pid='%ld'/>\n    <vcpu id='1' pid='%ld'/>\n  </vcpus>\n"
            "  <domain type='qemu' id='%d'>\n"
            "    <name>%s</name>\n"
            "    <uuid>6a3f3c1e-0000-4000-8000-000000000099</uuid>\n"
            "    <memory unit='KiB'>65536</memory>\n"
            "    <vcpu placement='static'>2</vcpu>\n"
            "    <iothreads>1</iothreads>\n"
            "    <os><type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type></os>\n"
            "    <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices>\n"
            "  </domain>\n</domstatus>\n",
            L->tids[T_MAIN], (int)getpid(), NAME, L->tids[T_VCPU0], L->tids[T_VCPU1], (int)getpid(),
            NAME);
        int r = vp_write_file_atomic(pidf, pid, strlen(pid), 0600, NULL);
        if (!r)
                r = vp_write_file_atomic(xmlf, xml, strlen(xml), 0600, NULL);
        free(pidf);
        free(xmlf);
        free(pid);
        free(xml);
        return r;
}

static vp_cpuset cs(const char *s)
{
        vp_cpuset r;
        vp_cpuset_parse(&r, s, VP_MAX_CPUS, NULL);
        return r;
}

static void add(vp_cgwrites *w, const char *file, const char *value)
{
        w->w = vp_xrealloc(w->w, (w->n + 1) * sizeof(*w->w));
        w->w[w->n++] = (vp_cgwrite){.file = vp_xstrdup(file), .value = vp_xstrdup(value)};
}

static char *status_of(const lay *L, int t, const char *key)
{
        char *f = vp_xasprintf("/proc/%ld/task/%ld/status", L->tids[T_MAIN], L->tids[t]);
        char *s = rd(f);
        free(f);
        char *line = strstr(s, key);
        char *v = vp_xstrdup("(missing)");
        if (line) {
                line += strlen(key) + 1;
                char *nl = strchr(line, '\n');
                if (nl)
                        *nl = '\0';
                free(v);
                v = vp_xstrdup(vp_strstrip(line));
        }
        free(s);
        return v;
}

#define IS_STATUS(L, t, key, want, ...) is_str_free(status_of(L, t, key), want, __VA_ARGS__)

/* apply + pin + read back; returns the number of drifts (printed) */
static size_t enforce(const vp_cgroup *cg, const vp_threads *th, const vp_cgwrites *w, long pid,
                      const char *what)
{
        vp_error e;
        int r = vp_cgroup_apply(cg, w, NULL, &e);
        is_int(r, 0, "%s: cgroup writes applied (%s)", what, r ? e.msg : "");
        r = vp_affinity_apply(th, w, &e);
        is_int(r, 0, "%s: threads pinned (%s)", what, r ? e.msg : "");
        vp_drifts d = {0};
        vp_cgroup_verify(cg, w, NULL, &d, &e);
        vp_affinity_verify("/proc", pid, th, w, &d, &e);
        for (size_t i = 0; i < d.n; i++)
                printf("#   drift %s: want %s have %s\n", d.d[i].file, d.d[i].want, d.d[i].have);
        size_t n = d.n;
        vp_drifts_free(&d);
        return n;
}

static void run_layout(bool systemd)
{
        lay L = {.systemd = systemd};
        const char *part = systemd ? "machine.slice" : "machine";
        const char *lname = systemd ? "systemd layout" : "plain layout";
        int id = (int)getpid();
        if (systemd) {
                snprintf(L.domain, sizeof(L.domain), "%s/machine-qemu\\x2d%d\\x2d%s.scope", part,
                         id, NAME);
                snprintf(L.nested, sizeof(L.nested), "%s/libvirt", L.domain);
        } else {
                snprintf(L.domain, sizeof(L.domain), "%s/qemu-%d-%s.libvirt-qemu", part, id, NAME);
                snprintf(L.nested, sizeof(L.nested), "%s", L.domain);
        }
        printf("# %s: %s\n", lname, L.nested);

        int r = start_standin(L.tids);
        is_int(r, 0, "%s: stand-in QEMU started with %d named threads", lname, T_N);
        if (r)
                return;
        r = mode == MODE_V1 ? build_v1(&L, part) : build_v2(&L, part);
        is_int(r, 0, "%s: groups made and threads moved like libvirt (%s)", lname,
               r ? strerror(-r) : "");
        if (r) {
                cleanup_groups();
                return;
        }
        r = write_status(&L);
        is_int(r, 0, "%s: status file written", lname);

        /* the enforcer's view: NAME.pid and NAME.xml in VMPLACE_LIBVIRT_RUNDIR */
        vp_paths paths;
        vp_paths_from_env(&paths);
        char *pidf = vp_xasprintf("%s/%s.pid", paths.libvirt_rundir, NAME);
        char *pidtxt = rd(pidf);
        long pid = strtol(pidtxt, NULL, 10);
        is_int(pid, L.tids[T_MAIN], "%s: NAME.pid read from VMPLACE_LIBVIRT_RUNDIR", lname);
        char *xmlf = vp_xasprintf("%s/%s.xml", paths.libvirt_rundir, NAME);
        char *xml = NULL;
        size_t xlen = 0;
        vp_domain *dom = NULL;
        vp_error e;
        r = vp_read_file(xmlf, VP_DOMAIN_XML_MAX, &xml, &xlen, &e);
        if (!r)
                r = vp_domain_parse(xml, xlen, &dom, &e);
        is_int(r, 0, "%s: status XML parsed (%s)", lname, r ? e.msg : "");
        free(pidf);
        free(pidtxt);
        free(xmlf);
        free(xml);
        if (r) {
                cleanup_groups();
                return;
        }
        ok(dom->pid == pid && dom->n_vcpu_tids == 2 && dom->vcpu_tids[0] == L.tids[T_VCPU0] &&
               dom->vcpu_tids[1] == L.tids[T_VCPU1] && dom->n_iothreads == 1,
           "%s: status gives pid, vCPU TIDs, one iothread", lname);

        vp_cgroup cg;
        r = vp_cgroup_find(ROOT, paths.proc, dom->pid, &cg, &e);
        is_int(r, 0, "%s: groups found from /proc/PID/cgroup (%s)", lname, r ? e.msg : "");
        if (r) {
                vp_domain_free(dom);
                cleanup_groups();
                return;
        }
        is_int(cg.version, mode, "%s: cgroup v%d for cpu", lname, mode);
        {
                char *wd = gpath(&L, "cpu", "@domain"), *wn = gpath(&L, "cpuset", NULL);
                is_str(cg.c[VP_CG_CPU].domain, wd, "%s: domain group", lname);
                is_str(cg.c[VP_CG_CPUSET].nested, wn, "%s: nested group", lname);
                free(wd);
                free(wn);
        }

        vp_threads th;
        r = vp_threads_list(paths.proc, dom->pid, dom->vcpu_tids, dom->n_vcpu_tids, &th, &e);
        is_int(r, 0, "%s: threads listed (%s)", lname, r ? e.msg : "");
        {
                char got[256] = "";
                for (int t = 0; t < T_N; t++)
                        for (size_t i = 0; i < th.n; i++)
                                if (th.t[i].tid == L.tids[t]) {
                                        char g[32];
                                        size_t l = strlen(got);
                                        snprintf(got + l, sizeof(got) - l, "%s%s", t ? " " : "",
                                                 vp_thread_group(&th.t[i], g, sizeof(g)));
                                }
                is_str(got, "emulator vcpu0 vcpu1 iothread1 emulator",
                       "%s: main, CPU 0/TCG, CPU 1/TCG, IO iothread1, call_rcu classified", lname);
        }

        /* plan A: pins, quotas, strict memory -- narrowing what libvirt left */
        vp_plan plan;
        memset(&plan, 0, sizeof(plan));
        plan.profile = (char *)"test";
        plan.vcpus = 2;
        vp_tune_init(&plan.tune);
        vp_tune *t = &plan.tune;
        t->q[VP_T_SHARES] = (vp_opt_ll){true, 512};
        t->q[VP_T_GLOBAL_PERIOD] = (vp_opt_ll){true, 100000};
        t->q[VP_T_GLOBAL_QUOTA] = (vp_opt_ll){true, 150000};
        t->q[VP_T_VCPU_QUOTA] = (vp_opt_ll){true, 50000};
        t->q[VP_T_EMULATOR_PERIOD] = (vp_opt_ll){true, 100000};
        t->q[VP_T_EMULATOR_QUOTA] = (vp_opt_ll){true, 20000};
        t->q[VP_T_IOTHREAD_QUOTA] = (vp_opt_ll){true, -1};
        vp_cpuset s = cs(V.p0);
        vp_pins_put(&t->vcpupin, &t->n_vcpupin, 0, &s);
        s = cs(V.p1);
        vp_pins_put(&t->vcpupin, &t->n_vcpupin, 1, &s);
        t->emulatorpin_set = true;
        t->emulatorpin = cs(V.emu);
        s = cs(V.io);
        vp_pins_put(&t->iothreadpin, &t->n_iothreadpin, 1, &s);
        t->mem_mode = VP_MEM_STRICT;
        t->nodeset_set = true;
        t->nodeset = cs(V.mem);
        vp_cgwrites wa;
        vp_plan_cgwrites(&plan, dom, cg.version, &wa);
        printf("# plan A: %zu writes\n", wa.n);
        is_int(enforce(&cg, &th, &wa, pid, "plan A"), 0, "%s: plan A reads back, no drift", lname);
        char *f;
        if (mode == MODE_V1) {
                IS_GROUP_FILE(&L, "cpu", "@domain", "cpu.shares", "512", "v1 cpu.shares");
                IS_GROUP_FILE(&L, "cpu", NULL, "cpu.cfs_quota_us", "150000",
                              "v1 global quota at the nested group");
                IS_GROUP_FILE(&L, "cpu", "vcpu0", "cpu.cfs_quota_us", "50000", "v1 vcpu0 quota");
                IS_GROUP_FILE(&L, "cpu", "emulator", "cpu.cfs_quota_us", "20000",
                              "v1 emulator quota");
                IS_GROUP_FILE(&L, "cpu", "iothread1", "cpu.cfs_quota_us", "-1",
                              "v1 iothread quota -1");
        } else {
                IS_GROUP_FILE(&L, "cpu", "@domain", "cpu.weight", "512",
                              "v2 cpu.weight = shares passed through");
                IS_GROUP_FILE(&L, "cpu", NULL, "cpu.max", "150000 100000",
                              "v2 global cpu.max at the nested group");
                IS_GROUP_FILE(&L, "cpu", "vcpu0", "cpu.max", "50000 100000", "v2 vcpu0 cpu.max");
                IS_GROUP_FILE(&L, "cpu", "emulator", "cpu.max", "20000 100000",
                              "v2 emulator cpu.max");
                IS_GROUP_FILE(&L, "cpu", "iothread1", "cpu.max", "max 100000",
                              "v2 iothread cpu.max unlimited");
        }
        IS_GROUP_FILE(&L, "cpuset", "vcpu0", "cpuset.cpus", V.p0, "vcpu0 cpuset.cpus = %s", V.p0);
        IS_GROUP_FILE(&L, "cpuset", "vcpu1", "cpuset.cpus", V.p1, "vcpu1 cpuset.cpus = %s", V.p1);
        IS_GROUP_FILE(&L, "cpuset", "emulator", "cpuset.cpus", V.emu, "emulator cpuset.cpus = %s",
                      V.emu);
        IS_GROUP_FILE(&L, "cpuset", "iothread1", "cpuset.cpus", V.io, "iothread1 cpuset.cpus = %s",
                      V.io);
        IS_GROUP_FILE(&L, "cpuset", "vcpu1", "cpuset.mems", V.mem, "vcpu1 cpuset.mems = %s", V.mem);
        const struct {
                int t;
                const char *cpus;
        } want_a[] = {
            {T_MAIN, V.emu}, {T_VCPU0, V.p0}, {T_VCPU1, V.p1}, {T_IO, V.io}, {T_RCU, V.emu}};
        for (size_t i = 0; i < VP_ARRAY_SIZE(want_a); i++) {
                IS_STATUS(&L, want_a[i].t, "Cpus_allowed_list", want_a[i].cpus,
                          "%s thread: Cpus_allowed_list %s", tnames[want_a[i].t], want_a[i].cpus);
                IS_STATUS(&L, want_a[i].t, "Mems_allowed_list", V.mem,
                          "%s thread: Mems_allowed_list %s", tnames[want_a[i].t], V.mem);
        }

        /* plan B: everything widened back to the whole partition */
        vp_tune_free(t);
        vp_tune_init(t);
        t->q[VP_T_SHARES] = (vp_opt_ll){true, 1024};
        t->q[VP_T_GLOBAL_QUOTA] = (vp_opt_ll){true, -1};
        t->q[VP_T_VCPU_QUOTA] = (vp_opt_ll){true, -1};
        t->vcpu_cpuset_set = true;
        t->vcpu_cpuset = cs(V.all);
        t->emulatorpin_set = true;
        t->emulatorpin = cs(V.all);
        t->mem_mode = VP_MEM_STRICT;
        t->nodeset_set = true;
        t->nodeset = cs(V.nodes_all);
        vp_cgwrites wb;
        vp_plan_cgwrites(&plan, dom, cg.version, &wb);
        r = vp_cgroup_apply(&cg, &wb, NULL, &e);
        is_int(r, 0, "plan B: cgroup widened (%s)", r ? e.msg : "");
        vp_drifts d = {0};
        vp_affinity_verify("/proc", pid, &th, &wb, &d, &e);
        /* v1 on 6.18 keeps a thread's explicit affinity when its cpuset widens
         * (so the enforcer pins explicitly); v2 gives the widened set back */
        printf("# kernel: after widening cpuset.cpus alone, %zu of %zu threads kept their "
               "narrower affinity\n",
               d.n, th.n);
        vp_drifts_free(&d);
        is_int(enforce(&cg, &th, &wb, pid, "plan B"), 0, "%s: plan B reads back, no drift", lname);
        IS_STATUS(&L, T_VCPU0, "Cpus_allowed_list", V.all, "vcpu0 widened to %s", V.all);
        IS_STATUS(&L, T_MAIN, "Cpus_allowed_list", V.all, "main thread widened to %s", V.all);
        IS_STATUS(&L, T_IO, "Cpus_allowed_list", V.all,
                  "iothread without a pin follows <vcpu cpuset> = %s", V.all);
        IS_STATUS(&L, T_VCPU1, "Mems_allowed_list", V.nodes_all, "vcpu1 nodes widened to %s",
                  V.nodes_all);

        /* cpuset orderings the kernel refuses when done naively */
        char *nested_cpus = fpath(&L, "cpuset", NULL, "cpuset.cpus");
        char *vcpu0_cpus = fpath(&L, "cpuset", "vcpu0", "cpuset.cpus");
        if (mode == MODE_V1) {
                IS_FILE(nested_cpus, V.all, "nested group has %s", V.all);
                r = wr(nested_cpus, V.b);
                is_int(r, -EBUSY, "kernel: narrowing a v1 parent below its children: EBUSY");
        }
        vp_cgwrites w = {0};
        add(&w, "cpuset.cpus", V.b);
        for (size_t g = 0; g < VP_ARRAY_SIZE(thread_groups); g++) {
                char file[64];
                snprintf(file, sizeof(file), "%s/cpuset.cpus", thread_groups[g]);
                add(&w, file, V.b);
        }
        is_int(enforce(&cg, &th, &w, pid, "narrow parent listed first"), 0,
               "%s: parent and children narrowed to %s, children first", lname, V.b);
        IS_FILE(nested_cpus, V.b, "nested cpuset.cpus = %s", V.b);
        if (mode == MODE_V1) {
                r = wr(vcpu0_cpus, V.a);
                is_int(r, -EACCES, "kernel: a v1 child outside its parent: EACCES");
        }
        for (size_t i = 0; i < w.n; i++) {
                free(w.w[i].value);
                w.w[i].value = vp_xstrdup(V.a);
        }
        is_int(enforce(&cg, &th, &w, pid, "trade"), 0,
               "%s: parent and children moved %s -> %s (parent widened in between)", lname, V.b,
               V.a);
        IS_FILE(nested_cpus, V.a, "nested cpuset.cpus = %s", V.a);
        IS_STATUS(&L, T_VCPU1, "Cpus_allowed_list", V.a, "vcpu1 thread follows to %s", V.a);
        vp_cgwrites_free(&w);
        for (size_t g = 0; g < VP_ARRAY_SIZE(thread_groups); g++) {
                char file[64];
                snprintf(file, sizeof(file), "%s/cpuset.cpus", thread_groups[g]);
                add(&w, file, V.all);
        }
        add(&w, "cpuset.cpus", V.all);
        is_int(enforce(&cg, &th, &w, pid, "widen parent listed last"), 0,
               "%s: children and parent widened to %s, parent first", lname, V.all);
        vp_cgwrites_free(&w);

        /* CFS orderings */
        if (mode == MODE_V1) {
                add(&w, "cpu.cfs_period_us", "100000");
                add(&w, "cpu.cfs_quota_us", "50000");
                add(&w, "vcpu0/cpu.cfs_quota_us", "50000");
                add(&w, "vcpu1/cpu.cfs_quota_us", "50000");
                is_int(enforce(&cg, &th, &w, pid, "CFS 0.5"), 0, "%s: quotas 50000/100000", lname);
                vp_cgwrites_free(&w);
                f = fpath(&L, "cpu", NULL, "cpu.cfs_quota_us");
                r = wr(f, "20000");
                free(f);
                is_int(r, -EINVAL, "kernel: v1 parent quota below a child's: EINVAL");
                add(&w, "cpu.cfs_quota_us", "20000");
                add(&w, "vcpu0/cpu.cfs_quota_us", "10000");
                add(&w, "vcpu1/cpu.cfs_quota_us", "10000");
                is_int(enforce(&cg, &th, &w, pid, "CFS lowered"), 0,
                       "%s: parent 20000 listed before children 10000: retried after them", lname);
                IS_GROUP_FILE(&L, "cpu", NULL, "cpu.cfs_quota_us", "20000", "nested quota 20000");
                vp_cgwrites_free(&w);
                add(&w, "cpu.cfs_quota_us", "20000");
                add(&w, "vcpu0/cpu.cfs_quota_us", "50000");
                r = vp_cgroup_apply(&cg, &w, NULL, &e);
                is_int(r, -EINVAL, "%s: a child above its parent is refused", lname);
                like(e.msg, "cannot write '50000' to ", "message quotes the value");
                like(e.msg, "/vcpu0/cpu.cfs_quota_us: Invalid argument", "message names the file");
                vp_cgwrites_free(&w);
                if (systemd) {
                        /* scope at 0.5, nested 5000/10000, children at 0.5: moving nested to
                         * 50000/100000 passes through 0.05 (below its children) or 5 (above
                         * the scope) -- only possible through quota -1 */
                        char *sq = fpath(&L, "cpu", "@domain", "cpu.cfs_quota_us");
                        add(&w, "vcpu0/cpu.cfs_quota_us", "-1");
                        add(&w, "vcpu1/cpu.cfs_quota_us", "-1");
                        add(&w, "cpu.cfs_quota_us", "-1");
                        is_int(enforce(&cg, &th, &w, pid, "CFS reset"), 0, "quotas -1");
                        vp_cgwrites_free(&w);
                        ok(wr(sq, "50000") == 0, "scope quota 50000/100000");
                        add(&w, "cpu.cfs_period_us", "10000");
                        add(&w, "cpu.cfs_quota_us", "5000");
                        add(&w, "vcpu0/cpu.cfs_quota_us", "50000");
                        add(&w, "vcpu1/cpu.cfs_quota_us", "50000");
                        is_int(enforce(&cg, &th, &w, pid, "CFS setup"), 0,
                               "nested 5000/10000, children 50000/100000");
                        vp_cgwrites_free(&w);
                        f = fpath(&L, "cpu", NULL, "cpu.cfs_period_us");
                        r = wr(f, "100000");
                        is_int(r, -EINVAL,
                               "kernel: nested period 100000 alone: EINVAL (0.05 < "
                               "children's 0.5)");
                        free(f);
                        f = fpath(&L, "cpu", NULL, "cpu.cfs_quota_us");
                        r = wr(f, "50000");
                        is_int(r, -EINVAL,
                               "kernel: nested quota 50000 alone: EINVAL (5 > the scope's 0.5)");
                        free(f);
                        add(&w, "cpu.cfs_period_us", "100000");
                        add(&w, "cpu.cfs_quota_us", "50000");
                        is_int(enforce(&cg, &th, &w, pid, "CFS period swap"), 0,
                               "%s: nested 5000/10000 -> 50000/100000 (quota lifted in between)",
                               lname);
                        vp_cgwrites_free(&w);
                        ok(wr(sq, "-1") == 0, "scope quota back to -1");
                        free(sq);
                }
                add(&w, "cpu.cfs_quota_us", "-1");
                add(&w, "vcpu0/cpu.cfs_quota_us", "-1");
                add(&w, "vcpu1/cpu.cfs_quota_us", "-1");
                is_int(enforce(&cg, &th, &w, pid, "CFS unlimited"), 0, "quotas back to -1");
                vp_cgwrites_free(&w);
        } else {
                add(&w, "cpu.max", "20000 100000");
                add(&w, "vcpu0/cpu.max", "50000 100000");
                is_int(enforce(&cg, &th, &w, pid, "v2 cpu.max"), 0,
                       "%s: v2 takes a child cpu.max above its parent's (it clamps, not refuses)",
                       lname);
                vp_cgwrites_free(&w);
        }

        /* errors */
        add(&w, "vcpu7/cpuset.cpus", V.a);
        r = vp_cgroup_apply(&cg, &w, NULL, &e);
        is_int(r, -ENOENT, "%s: missing group: -ENOENT", lname);
        like(e.msg, "/vcpu7/cpuset.cpus: no such cgroup", "message names it");
        vp_cgwrites_free(&w);
        const char *eff = mode == MODE_V1 ? "cpuset.effective_cpus" : "cpuset.cpus.effective";
        add(&w, eff, V.a);
        r = vp_cgroup_apply(&cg, &w, NULL, &e);
        ok(r < 0, "%s: read-only %s refused (%s)", lname, eff, strerror(-r));
        like(e.msg, eff, "message names the file");
        like(e.msg, "read-only", "message says it is read-only");
        vp_cgwrites_free(&w);
        add(&w, "vcpu0/cpuset.cpus", "4000");
        r = vp_cgroup_apply(&cg, &w, NULL, &e);
        ok(r < 0, "%s: CPU 4000 refused (%s)", lname, strerror(-r));
        like(e.msg, "cannot write '4000' to ", "message quotes the value");
        vp_cgwrites_free(&w);
        add(&w, "vcpu0/cpuset.cpus", V.a);
        r = vp_cgroup_apply(&cg, &w, NULL, &e);
        is_int(r, 0, "vcpu0 cpuset %s", V.a);
        vp_cgwrites_free(&w);
        add(&w, "vcpu0/cpuset.cpus", V.b);
        r = vp_affinity_apply(&th, &w, &e);
        is_int(r, -EINVAL, "%s: pinning outside the thread's cpuset: -EINVAL", lname);
        like(e.msg, "cannot pin vcpu0 thread", "message names the thread");
        vp_cgwrites_free(&w);

        /* drift: someone else widens vcpu0's group and thread */
        is_int(enforce(&cg, &th, &wa, pid, "plan A again"), 0, "plan A again: no drift");
        r = wr(vcpu0_cpus, V.all);
        is_int(r, 0, "someone writes vcpu0/cpuset.cpus = %s", V.all);
        vp_cpuset allset = cs(V.all);
        cpu_set_t m;
        CPU_ZERO(&m);
        for (int c = vp_cpuset_next(&allset, 0); c >= 0; c = vp_cpuset_next(&allset, c + 1))
                CPU_SET(c, &m);
        ok(sched_setaffinity((pid_t)L.tids[T_VCPU0], sizeof(m), &m) == 0,
           "someone pins the vcpu0 thread to %s", V.all);
        d = (vp_drifts){0};
        vp_cgroup_verify(&cg, &wa, NULL, &d, &e);
        vp_affinity_verify("/proc", pid, &th, &wa, &d, &e);
        is_int(d.n, 2, "%s: two drifts", lname);
        if (d.n == 2) {
                is_str(d.d[0].file, "vcpu0/cpuset.cpus", "drift 1: the file");
                is_str(d.d[0].want, V.p0, "drift 1: want");
                is_str(d.d[0].have, V.all, "drift 1: have");
                char *n = vp_xasprintf("vcpu0 tid %ld Cpus_allowed_list", L.tids[T_VCPU0]);
                is_str(d.d[1].file, n, "drift 2: the thread");
                is_str(d.d[1].have, V.all, "drift 2: have");
                free(n);
        }
        vp_drifts_free(&d);
        is_int(enforce(&cg, &th, &wa, pid, "re-enforce"), 0, "%s: re-enforced, drift gone", lname);

        /* the process goes away */
        kill(standin, SIGKILL);
        waitpid(standin, NULL, 0);
        standin = 0;
        vp_cgroup c2;
        r = vp_cgroup_find(ROOT, paths.proc, pid, &c2, &e);
        is_int(r, -ESRCH, "%s: QEMU gone: find says -ESRCH", lname);
        like(e.msg, "is not running", "message");
        vp_threads t2;
        r = vp_threads_list(paths.proc, pid, NULL, 0, &t2, &e);
        is_int(r, -ESRCH, "%s: QEMU gone: threads -ESRCH", lname);

        free(nested_cpus);
        free(vcpu0_cpus);
        vp_cgwrites_free(&wa);
        vp_cgwrites_free(&wb);
        vp_tune_free(t);
        vp_threads_free(&th);
        vp_cgroup_free(&cg);
        vp_domain_free(dom);
        cleanup_groups();
        ok(nmade == 0, "%s: groups removed", lname);
}

int main(void)
{
        /* No skipping: a check that cannot run here is a failure to see. */
        if (geteuid() != 0) {
                printf("not ok 1 - real cgroups need root\n1..1\n");
                return 1;
        }
        char why[256] = "";
        mode = detect_mode(why, sizeof(why));
        if (!mode) {
                printf("not ok 1 - no usable cgroup hierarchy: %s\n1..1\n", why);
                return 1;
        }
        atexit(cleanup);
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        signal(SIGHUP, on_signal);

        if (mode == MODE_V1)
                for (size_t h = 0; h < VP_ARRAY_SIZE(v1_hiers); h++) {
                        char *b = vp_xasprintf(ROOT "/%s", v1_hiers[h]);
                        sweep_stale(b);
                        free(b);
                }
        else
                sweep_stale(ROOT);

        /* values from what the machine partition (or the v2 root) offers */
        char *cpus, *mems;
        if (mode == MODE_V1) {
                mkgroup(ROOT "/cpuset/machine");
                cpuset_inherit(ROOT "/cpuset/machine");
                cpus = rd(ROOT "/cpuset/machine/cpuset.cpus");
                mems = rd(ROOT "/cpuset/machine/cpuset.mems");
        } else {
                cpus = rd(ROOT "/cpuset.cpus.effective");
                mems = rd(ROOT "/cpuset.mems.effective");
        }
        bool enough = pick_values(cpus, mems);
        printf("# cgroup v%d; CPUs %s, nodes %s\n", mode, cpus, mems);
        free(cpus);
        free(mems);
        if (!enough) {
                cleanup();
                printf("not ok 1 - fewer than 2 CPUs to place on\n1..1\n");
                return 1;
        }

        sweep_rundirs();
        snprintf(rundir, sizeof(rundir), "/tmp/vmplace-lvrun-%d-XXXXXX", (int)getpid());
        if (!mkdtemp(rundir)) {
                rundir[0] = '\0';
                ok(0, "temporary run dir");
                return tap_done();
        }
        setenv("VMPLACE_LIBVIRT_RUNDIR", rundir, 1);
        unsetenv("VMPLACE_PROC");

        run_layout(false);
        run_layout(true);
        cleanup();
        return tap_done();
}
