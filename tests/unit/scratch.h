/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A scratch vmplace host for the tests of the operations layer (decide,
 * enforce, hookops, apply, sync): a config dir, a run dir, a sysfs topology
 * from tests/data/topo, and a fake libvirt run dir, /proc and cgroup v1 tree
 * in which "running" a domain means writing the files libvirt and the kernel
 * would show for its QEMU. No libvirtd, no real process.
 *
 * The fake QEMU's threads have TIDs above the kernel's PID_MAX_LIMIT
 * (4194304): the tests run as root, and enforce calls sched_setaffinity on
 * every TID the fake /proc lists; such a TID can never name a real thread,
 * so the call fails with ESRCH, which affinity.c takes for a thread that
 * exited (skipped). The threads have no status files either (verify skips
 * them the same way) unless a test gives one (scratch_thread_status), so the
 * cgroup files are what enforcement is judged by. */
#ifndef VMPLACE_TEST_SCRATCH_H
#define VMPLACE_TEST_SCRATCH_H

#include <errno.h>
#include <sys/stat.h>

#include "cpuset.h"
#include "decide.h"
#include "fileio.h"
#include "ledger.h"
#include "ledgerstore.h"
#include "liveness.h"
#include "paths.h"
#include "tap.h"
#include "tree.h"

typedef struct scratch {
        char *dir;
        char *conf, *run, *lv, *proc, *cg, *sysfs;
        vp_paths paths;
} scratch;

/* The fake QEMU's main thread (k = 0) and vCPU k-1's thread (k >= 1). */
#define SCRATCH_TID(pid, k) (100000000L + (long)(pid)*100 + (k))

/* The machine group libvirt makes for NAME without systemd (v1). */
#define SCRATCH_MACHINE "machine/qemu-%s.libvirt-qemu"

/* The profiles the ops tests place most domains by: web-* shared
 * (cpu.shares 512), ded-* dedicated (cpu.shares 2048). */
#define SCRATCH_WEB_INI                                                                            \
        "[match]\nnames = web-*\n[cputune]\nshares = 512\n[placement]\ncpu_policy = shared\n"
#define SCRATCH_DED_INI                                                                            \
        "[match]\nnames = ded-*\n[cputune]\nshares = 2048\n[placement]\ncpu_policy = dedicated\n"

/* dir/rel with text, parent directories made (0755), the file 0644. */
static inline void scratch_put(const scratch *s, const char *rel, const char *text)
{
        tree_put(s->dir, rel, text, 0644);
}

/* dir/rel's content with surrounding blanks trimmed (malloc'd), or NULL
 * when it cannot be read. */
static inline char *scratch_read(const scratch *s, const char *rel)
{
        char *path = vp_xasprintf("%s/%s", s->dir, rel);
        char *text = NULL;
        int r = vp_read_file(path, 1u << 24, &text, NULL, NULL);
        free(path);
        if (r < 0)
                return NULL;
        char *t = vp_xstrdup(vp_strstrip(text));
        free(text);
        return t;
}

static inline bool scratch_exists(const scratch *s, const char *rel)
{
        char *path = vp_xasprintf("%s/%s", s->dir, rel);
        struct stat st;
        bool r = stat(path, &st) == 0;
        free(path);
        return r;
}

static inline void scratch_unlink(const scratch *s, const char *rel)
{
        char *path = vp_xasprintf("%s/%s", s->dir, rel);
        unlink(path);
        free(path);
}

/* A fresh host: /tmp/vp-NAME-XXXXXX with conf/ (an empty [host] and no
 * profiles), run/, lvrun/, proc/, cg/ (no cgroup2 mount: v1), and the
 * topology tests/data/topo/TOPO. */
static inline void scratch_init(scratch *s, const char *name, const char *topo)
{
        memset(s, 0, sizeof(*s));
        s->dir = tree_new(name);
        s->conf = vp_xasprintf("%s/conf", s->dir);
        s->run = vp_xasprintf("%s/run", s->dir);
        s->lv = vp_xasprintf("%s/lvrun", s->dir);
        s->proc = vp_xasprintf("%s/proc", s->dir);
        s->cg = vp_xasprintf("%s/cg", s->dir);
        const char *data = getenv("VMPLACE_TEST_DATA");
        s->sysfs = vp_xasprintf("%s/topo/%s", data && *data ? data : "tests/data", topo);
        s->paths = (vp_paths){.confdir = s->conf,
                              .rundir = s->run,
                              .sysfs = s->sysfs,
                              .cgroup_root = s->cg,
                              .proc = s->proc,
                              .libvirt_rundir = s->lv};
        scratch_put(s, "conf/vmplace.ini", "[host]\n");
        char *pd = vp_xasprintf("%s/profiles.d", s->conf);
        vp_mkdir_p(pd, 0755, NULL);
        /* config dirs writable by others than root are refused */
        chmod(s->conf, 0755);
        chmod(pd, 0755);
        free(pd);
        vp_mkdir_p(s->lv, 0755, NULL);
        vp_mkdir_p(s->proc, 0755, NULL);
        vp_mkdir_p(s->cg, 0755, NULL);
}

static inline void scratch_free(scratch *s)
{
        tree_rm(s->dir);
        free(s->conf);
        free(s->run);
        free(s->lv);
        free(s->proc);
        free(s->cg);
        free(s->sysfs);
        memset(s, 0, sizeof(*s));
}

/* conf/profiles.d/NAME.ini */
static inline void scratch_profile(const scratch *s, const char *name, const char *ini)
{
        char *rel = vp_xasprintf("conf/profiles.d/%s.ini", name);
        scratch_put(s, rel, ini);
        free(rel);
}

/* A minimal domain XML, as tests/sh/lib.sh's domxml (malloc'd). */
static inline char *scratch_domxml(const char *name, const char *uuid, unsigned vcpus, unsigned mib)
{
        return vp_xasprintf("<domain type='qemu'>\n  <name>%s</name>\n  <uuid>%s</uuid>\n"
                            "  <memory unit='MiB'>%u</memory>\n"
                            "  <vcpu placement='static'>%u</vcpu>\n"
                            "  <os>\n    <type arch='x86_64' machine='pc'>hvm</type>\n  </os>\n"
                            "  <devices>\n"
                            "    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
                            "  </devices>\n</domain>\n",
                            name, uuid, mib, vcpus);
}

/* The path under dir of a group file of NAME's machine group ("cpu.shares",
 * "vcpu0/cpuset.cpus"): cpuset.* in cg/cpuset, cpu.* in cg/cpu,cpuacct. */
static inline char *scratch_cg_rel(const char *name, const char *file)
{
        const char *base = strrchr(file, '/');
        base = base ? base + 1 : file;
        const char *h = strncmp(base, "cpuset.", 7) == 0 ? "cpuset" : "cpu,cpuacct";
        char *machine = vp_xasprintf(SCRATCH_MACHINE, name);
        char *rel = vp_xasprintf("cg/%s/%s/%s", h, machine, file);
        free(machine);
        return rel;
}

/* NAME's cgroup file as the fake kernel holds it (trimmed, malloc'd), NULL
 * when missing. */
static inline char *scratch_cg(const scratch *s, const char *name, const char *file)
{
        char *rel = scratch_cg_rel(name, file);
        char *v = scratch_read(s, rel);
        free(rel);
        return v;
}

/* NAME's cgroup file (as scratch_cg) is want. */
#define is_cg(s, name, file, want, ...) is_str_free(scratch_cg(s, name, file), want, __VA_ARGS__)

static inline void scratch_cg_put(const scratch *s, const char *name, const char *file,
                                  const char *value)
{
        char *rel = scratch_cg_rel(name, file);
        scratch_put(s, rel, value);
        free(rel);
}

/* The group files a v1 kernel gives NAME's machine group (group "") and its
 * emulator and vCPU groups, at values a placement never writes. */
static inline void scratch_cg_group(const scratch *s, const char *name, const char *group)
{
        static const char *const files[][2] = {
            {"cpu.shares", "1\n"},        {"cpu.cfs_period_us", "100000\n"},
            {"cpu.cfs_quota_us", "-1\n"}, {"cpuset.cpus", "0-63\n"},
            {"cpuset.mems", "0-7\n"},
        };
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                char *f = vp_xasprintf("%s%s%s", group, *group ? "/" : "", files[i][0]);
                scratch_cg_put(s, name, f, files[i][1]);
                free(f);
        }
}

/* Libvirt runs NAME (domain XML xml, vcpus vCPUs) as QEMU pid: its pid file
 * and <domstatus> file with the vCPU TIDs, the pid and its threads in the
 * fake /proc (named as QEMU names them), its /proc/PID/cgroup (v1, the main
 * thread in the emulator group) and its groups in the cgroup tree. */
static inline void scratch_start(const scratch *s, const char *name, const char *xml,
                                 unsigned vcpus, long pid)
{
        char *rel = vp_xasprintf("lvrun/%s.pid", name);
        char *text = vp_xasprintf("%ld", pid);
        scratch_put(s, rel, text);
        free(rel);
        free(text);

        vp_buf b = {0};
        char *line = vp_xasprintf("<domstatus state='running' pid='%ld'>\n<vcpus>\n", pid);
        vp_buf_str(&b, line);
        free(line);
        for (unsigned i = 0; i < vcpus; i++) {
                line = vp_xasprintf("<vcpu id='%u' pid='%ld'/>\n", i, SCRATCH_TID(pid, i + 1));
                vp_buf_str(&b, line);
                free(line);
        }
        vp_buf_str(&b, "</vcpus>\n");
        vp_buf_str(&b, xml);
        vp_buf_str(&b, "</domstatus>\n");
        rel = vp_xasprintf("lvrun/%s.xml", name);
        scratch_put(s, rel, b.s);
        free(rel);
        free(b.s);

        char *machine = vp_xasprintf(SCRATCH_MACHINE, name);
        rel = vp_xasprintf("proc/%ld/cgroup", pid);
        text = vp_xasprintf("3:memory:/%s\n2:cpu,cpuacct:/%s/emulator\n1:cpuset:/%s/emulator\n",
                            machine, machine, machine);
        scratch_put(s, rel, text);
        free(rel);
        free(text);
        free(machine);
        for (unsigned k = 0; k <= vcpus; k++) {
                rel = vp_xasprintf("proc/%ld/task/%ld/comm", pid, SCRATCH_TID(pid, k));
                text = k ? vp_xasprintf("CPU %u/KVM\n", k - 1) : vp_xstrdup("qemu-system-x86\n");
                scratch_put(s, rel, text);
                free(rel);
                free(text);
        }
        scratch_cg_group(s, name, "");
        scratch_cg_group(s, name, "emulator");
        for (unsigned i = 0; i < vcpus; i++) {
                char g[32];
                snprintf(g, sizeof(g), "vcpu%u", i);
                scratch_cg_group(s, name, g);
        }
}

/* NAME prepared as the hook's prepare does (vp_decide committing its
 * placement, checked); with pid, libvirt then runs it (scratch_start). */
static inline void scratch_place(const scratch *s, const char *name, const char *uuid,
                                 unsigned vcpus, long pid)
{
        char *xml = scratch_domxml(name, uuid, vcpus, 256);
        vp_decision d;
        vp_error err = {0};
        int r = vp_decide(&s->paths, xml, strlen(xml), VP_DECIDE_COMMIT, &d, &err);
        ok(r == 0 && d.committed, "%s placed (%s)", name,
           r                ? err.msg
           : d.plan.refusal ? d.plan.refusal
                            : "");
        vp_decision_free(&d);
        if (pid)
                scratch_start(s, name, xml, vcpus, pid);
        free(xml);
}

/* Thread k of pid (SCRATCH_TID) as /proc/PID/task/TID/status shows it. */
static inline void scratch_thread_status(const scratch *s, long pid, unsigned k, const char *cpus,
                                         const char *mems)
{
        char *rel = vp_xasprintf("proc/%ld/task/%ld/status", pid, SCRATCH_TID(pid, k));
        char *text =
            vp_xasprintf("Name:\tq\nCpus_allowed_list:\t%s\nMems_allowed_list:\t%s\n", cpus, mems);
        scratch_put(s, rel, text);
        free(rel);
        free(text);
}

/* NAME's QEMU (pid) is gone: no pid or status file, no /proc/PID. Its
 * cgroups stay (libvirt removes them; no test looks). */
static inline void scratch_stop(const scratch *s, const char *name, long pid)
{
        char *rel = vp_xasprintf("lvrun/%s.pid", name);
        scratch_unlink(s, rel);
        free(rel);
        rel = vp_xasprintf("lvrun/%s.xml", name);
        scratch_unlink(s, rel);
        free(rel);
        char *p = vp_xasprintf("%s/%ld", s->proc, pid);
        tree_rm(p);
}

/* The ledger as saved (empty when it cannot be loaded: the test's checks
 * then fail on what is missing). */
static inline void scratch_ledger(const scratch *s, vp_ledger *l)
{
        vp_error e = {0};
        if (vp_ledger_load(s->run, l, &e) < 0)
                printf("# ledger: %s\n", e.msg);
}

/* A CPU set as text (malloc'd): "" for none. */
static inline char *scratch_mask(const vp_cpumask *m)
{
        vp_cpuset c = vp_cpumask_get(m);
        return vp_cpuset_format(&c);
}

#endif
